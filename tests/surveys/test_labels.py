"""A stored response in words: question texts and option labels in the response's language,
falling back to the survey's first language, then to the ids."""

from __future__ import annotations

from loyalloop.surveys.labels import LabelledAnswer, label_answers
from loyalloop.surveys.spec import parse_spec

SPEC = {
    "key": "branch",
    "title": {"en": "Branch survey"},
    "languages": ["en"],
    "questions": [
        {"id": "nps", "type": "nps", "text": {"en": "Recommend us?"}},
        {
            "id": "served",
            "type": "multi_choice",
            "text": {"en": "How were you served?"},
            "options": [
                {"id": "counter", "text": {"en": "Counter"}},
                {"id": "app", "text": {"en": "Mobile app"}},
            ],
        },
        {
            "id": "benefits",
            "type": "kano",
            "text": {"en": "How would you feel?"},
            "features": [{"id": "lounge", "text": {"en": "Airport lounge"}}],
        },
    ],
}


def test_an_english_only_survey_read_in_chinese_falls_back_to_english() -> None:
    spec = parse_spec(SPEC)
    got = label_answers(
        {
            "nps": 9,
            "served": ["app", "counter", "fax"],
            "benefits": {"lounge": {"functional": "like", "dysfunctional": "dislike"}},
        },
        spec,
        "zh",
    )
    assert got == (
        LabelledAnswer("nps", "Recommend us?", "9"),
        # an option the version does not define is shown by its id; zh joins with 、
        LabelledAnswer("served", "How were you served?", "Mobile app、Counter、fax"),
        LabelledAnswer("benefits", "How would you feel?", "Airport lounge: like / dislike"),
    )
    en = label_answers({"served": ["app", "counter"]}, spec, "en")
    assert en[0].answer == "Mobile app, Counter"


def test_without_the_spec_every_answer_is_shown_by_its_ids() -> None:
    got = label_answers({"served": ["app"], "nps": None}, None, "en")
    assert got == (
        LabelledAnswer("served", "served", "app", known=False),
        LabelledAnswer("nps", "nps", "", known=False),
    )
