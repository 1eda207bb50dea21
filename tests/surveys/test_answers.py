"""Answer validation: types, ranges, skip logic, required answers, messages in zh and en."""

from __future__ import annotations

import pytest

from loyalloop.surveys import (
    AnswerError,
    answers_from_form,
    parse_spec,
    validate_answers,
    visible_questions,
)

SPEC = parse_spec(
    {
        "key": "s",
        "title": "T",
        "questions": [
            {"id": "nps", "type": "nps", "text": "推荐？"},
            {"id": "why", "type": "text", "about": "nps", "text": "原因", "max_length": 50},
            {
                "id": "improve",
                "type": "text",
                "required": True,
                "show_if": {"question": "nps", "max": 6},
                "text": "改进",
            },
            {"id": "csat", "type": "csat", "required": False, "text": "满意"},
            {"id": "ces", "type": "ces", "required": False, "text": "费力"},
            {
                "id": "ch",
                "type": "single_choice",
                "required": False,
                "text": "渠道",
                "options": [{"id": "app", "text": "App"}, {"id": "branch", "text": "网点"}],
            },
            {
                "id": "topics",
                "type": "multi_choice",
                "required": False,
                "max_choices": 2,
                "text": "话题",
                "options": [
                    {"id": "fee", "text": "年费"},
                    {"id": "points", "text": "积分"},
                    {"id": "svc", "text": "服务"},
                ],
            },
            {
                "id": "app_q",
                "type": "rating",
                "required": False,
                "show_if": {"question": "ch", "in": ["app"]},
                "text": "App 评分",
            },
            {
                "id": "feat",
                "type": "kano",
                "required": False,
                "text": "功能",
                "features": [{"id": "lounge", "text": "贵宾厅"}, {"id": "cash", "text": "返现"}],
            },
        ],
    }
)


def test_valid_answers_are_cleaned() -> None:
    got = validate_answers(
        SPEC,
        {
            "nps": "3",
            "why": "年费太贵",
            "improve": "降低年费",
            "csat": 4.0,
            "ces": 7,
            "ch": "app",
            "topics": ["points", "fee", "fee"],
            "app_q": 5,
            "feat": {"lounge": {"functional": "like", "dysfunctional": "neutral"}},
        },
        "zh",
    )
    assert got == {
        "nps": 3,
        "why": "年费太贵",
        "improve": "降低年费",
        "csat": 4,
        "ces": 7,
        "ch": "app",
        "topics": ["fee", "points"],
        "app_q": 5,
        "feat": {"lounge": {"functional": "like", "dysfunctional": "neutral"}},
    }


def test_skip_logic_asks_detractors_only_and_drops_hidden_answers() -> None:
    promoter = validate_answers(
        SPEC, {"nps": 10, "improve": "nothing", "ch": "branch", "app_q": 3}, "en"
    )
    assert "improve" not in promoter and "app_q" not in promoter
    with pytest.raises(AnswerError) as info:
        validate_answers(SPEC, {"nps": 6}, "en")
    assert info.value.problems == {"improve": "Please answer this question."}
    assert [q.id for q in visible_questions(SPEC, {"nps": 9})] == [
        "nps",
        "why",
        "csat",
        "ces",
        "ch",
        "topics",
        "feat",
    ]


@pytest.mark.parametrize(
    ("answers", "field", "zh", "en"),
    [
        ({"nps": 11}, "nps", "请选择 0 到 10 之间的数值。", "Please choose a value from 0 to 10."),
        ({"nps": 7.5}, "nps", "请选择一个整数。", "Please choose a whole number."),
        ({"nps": True}, "nps", "请选择一个整数。", "Please choose a whole number."),
        (
            {"nps": "'; DROP TABLE responses; --"},
            "nps",
            "请选择一个整数。",
            "Please choose a whole number.",
        ),
        ({}, "nps", "请回答此题。", "Please answer this question."),
        (
            {"nps": 9, "why": "x" * 51},
            "why",
            "请不要超过 50 个字。",
            "Please keep it under 50 characters.",
        ),
        ({"nps": 9, "why": 42}, "why", "请填写文字。", "Please write text."),
        ({"nps": 9, "ch": "phone"}, "ch", "请从选项中选择。", "Please choose one of the options."),
        (
            {"nps": 9, "topics": ["fee", "points", "svc"]},
            "topics",
            "最多选择 2 项。",
            "Please choose at most 2.",
        ),
        (
            {"nps": 9, "feat": {"lounge": {"functional": "love"}}},
            "feat",
            "请为每项功能回答两个问题。",
            "Please answer both questions for each feature.",
        ),
        (
            {"nps": 9, "bogus": 1},
            "bogus",
            "问卷中没有这道题。",
            "This survey has no such question.",
        ),
    ],
)
def test_bad_answers_are_refused_in_the_customers_language(
    answers: dict[str, object], field: str, zh: str, en: str
) -> None:
    for lang, text in (("zh", zh), ("en", en)):
        with pytest.raises(AnswerError) as info:
            validate_answers(SPEC, answers, lang)
        assert info.value.problems[field] == text


def test_text_is_kept_exactly_as_given() -> None:
    script = "<script>alert('x')</script> OR 1=1; --"
    assert validate_answers(SPEC, {"nps": 8, "why": script}, "en")["why"] == script


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(AnswerError, match="answers"):
        validate_answers(SPEC, ["nps", 9], "en")


def test_form_fields_become_answers() -> None:
    items = [
        ("nps", "4"),
        ("topics", "fee"),
        ("topics", "svc"),
        ("feat.lounge.functional", "like"),
        ("feat.lounge.dysfunctional", "dislike"),
        ("_form", "x"),
        ("improve", "服务"),
    ]
    got = answers_from_form(SPEC, items)
    assert got == {
        "nps": "4",
        "topics": ["fee", "svc"],
        "improve": "服务",
        "feat": {"lounge": {"functional": "like", "dysfunctional": "dislike"}},
    }
    assert validate_answers(SPEC, got, "zh")["feat"] == {
        "lounge": {"functional": "like", "dysfunctional": "dislike"}
    }
