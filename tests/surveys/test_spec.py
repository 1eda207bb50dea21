"""Survey specs: every question type, texts per language, skip logic, errors naming fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.errors import ConfigError
from loyalloop.surveys import QuestionType, load_spec, parse_spec, parse_spec_text

FULL = """
key: card-q3
title: {zh: 信用卡季度调查, en: Card survey Q3}
languages: [zh, en]
questions:
  - id: nps
    type: nps
    text: {zh: 推荐可能性？, en: "How likely to recommend?"}
  - id: why
    type: text
    about: nps
    text: {zh: 原因？, en: "Why?"}
  - id: improve
    type: text
    show_if: {question: nps, max: 6}
    text: {zh: 改进什么？, en: "What to improve?"}
  - {id: csat, type: csat, text: 满意度}
  - {id: ces, type: ces, text: 费力度}
  - {id: taste, type: rating, scale: 10, text: 评分}
  - id: channel
    type: single_choice
    text: 渠道
    options: [{id: app, text: App}, {id: branch, text: 网点}]
  - id: topics
    type: multi_choice
    max_choices: 2
    text: 话题
    options: [{id: fee, text: 年费}, {id: points, text: 积分}, {id: service, text: 服务}]
  - id: features
    type: kano
    text: 功能
    features: [{id: lounge, text: {zh: 机场贵宾厅, en: Airport lounge}}]
"""


def test_every_question_type_parses_and_round_trips() -> None:
    spec = parse_spec_text(FULL)
    assert [q.type for q in spec.questions] == [
        QuestionType.nps,
        QuestionType.text,
        QuestionType.text,
        QuestionType.csat,
        QuestionType.ces,
        QuestionType.rating,
        QuestionType.single_choice,
        QuestionType.multi_choice,
        QuestionType.kano,
    ]
    assert spec.question("taste").score_range == (1, 10)
    assert spec.question("nps").score_range == (0, 10)
    assert spec.question("why").is_required is False and spec.question("nps").is_required
    assert spec.question("csat").text == {
        "zh": "满意度",
        "en": "满意度",
    }  # one string: every language
    assert parse_spec(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"key": "Bad Key"}, "key: use 1-80 lower-case"),
        ({"languages": ["fr"]}, "languages: 'fr' is not offered"),
        (
            {"questions": [{"id": "q", "type": "nsp", "text": "x"}]},
            "questions[0].type: 'nsp' is not a question type",
        ),
        ({"questions": [{"id": "Q 1", "type": "nps", "text": "x"}]}, "questions[0].id: use 1-40"),
        (
            {"questions": [{"id": "q", "type": "nps", "text": "x", "colour": 1}]},
            "questions[0].colour: unknown field",
        ),
        (
            {
                "questions": [
                    {
                        "id": "c",
                        "type": "single_choice",
                        "text": "x",
                        "options": [{"id": "a", "text": "a"}],
                    }
                ]
            },
            "questions[0].options: a single_choice question needs at least 2 options",
        ),
        (
            {
                "questions": [
                    {
                        "id": "q",
                        "type": "nps",
                        "text": "x",
                        "show_if": {"question": "later", "max": 6},
                    }
                ]
            },
            "questions[0].show_if.question: 'later' is not an earlier question",
        ),
        (
            {"questions": [{"id": "q", "type": "nps", "text": {"zh": "只有中文"}}]},
            "questions[0].text: no 'en' text",
        ),
        (
            {
                "questions": [
                    {"id": "q", "type": "nps", "text": "x"},
                    {"id": "q", "type": "csat", "text": "y"},
                ]
            },
            "questions[1].id: 'q' appears twice",
        ),
        (
            {"questions": [{"id": "w", "type": "text", "text": "x", "about": "nope"}]},
            "questions[0].about: 'nope' is not an earlier score question",
        ),
        ({"questions": []}, "questions: a survey needs at least one question"),
    ],
)
def test_errors_name_the_field(change: dict[str, object], expected: str) -> None:
    data: dict[str, object] = {
        "key": "k",
        "title": "T",
        "questions": [{"id": "nps", "type": "nps", "text": "x"}],
    }
    data.update(change)
    with pytest.raises(ConfigError, match=None) as info:
        parse_spec(data)
    assert expected in str(info.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "survey.yaml"
    path.write_text("key: a\ntitle: t\nquestions:\n  - id: nps\n   type: nps\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"survey.yaml: line \d+ not valid YAML"):
        load_spec(path)
    with pytest.raises(ConfigError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")


def test_a_survey_in_one_language_only_needs_that_language() -> None:
    spec = parse_spec(
        {
            "key": "en-only",
            "title": {"en": "T"},
            "languages": ["en"],
            "questions": [{"id": "nps", "type": "nps", "text": {"en": "Recommend?"}}],
        }
    )
    assert spec.languages == ("en",)
