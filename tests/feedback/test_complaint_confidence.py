"""The reading's confidence per mention, and the main complaint it names (session 35).

A comment read negative about two aspects names the one the reading is surer the comment is
about, weighed by severity (:func:`~loyalloop.feedback.complaints.main_complaint`): before,
the most severe won, and an aspect the patterns found in passing ("my order" in a complaint
about the staff) was often named instead of the complaint.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from loyalloop.feedback import analyze_comments
from loyalloop.feedback.aspect_detector import shipped_detector
from loyalloop.feedback.aspects import comment_clauses, load_taxonomy, read_comment
from loyalloop.feedback.channel_aspects import implied_aspect, with_channel
from loyalloop.feedback.complaints import complaint_inputs, main_complaint


def test_each_mention_carries_the_detector_s_probability_over_the_comment() -> None:
    text = "Staff on the phone line were clueless about my order."
    reading = read_comment(text, load_taxonomy("retail"))
    det = shipped_detector()
    assert det is not None
    p = det.probabilities(comment_clauses(text))
    assert len(reading.mentions) >= 2
    for m in reading.mentions:
        assert m.confidence == float(p[det.aspects_.index(m.aspect)])
        assert 0.0 <= m.confidence <= 1.0  # type: ignore[operator]


def test_a_channel_mention_and_a_custom_aspect_have_no_confidence() -> None:
    banking = load_taxonomy("banking")
    full = with_channel(read_comment("Love it", banking), implied_aspect(banking, "app_review"))
    assert [(m.aspect, m.source, m.confidence) for m in full.mentions] == [
        ("app_online", "channel", None)
    ]
    own = load_taxonomy({"aspects": {"parking": {"en": ["parking"]}}})
    (m,) = read_comment("The parking is a disgrace", own).mentions
    assert (m.aspect, m.sentiment.label, m.confidence) == ("parking", "negative", None)


def test_the_mention_table_has_the_confidence_column() -> None:
    frame = pd.DataFrame(
        {
            "feedback_id": ["a", "b"],
            "channel": ["app_review", "survey"],
            "text": ["Love it", "The annual fee is far too high"],
        }
    )
    m = analyze_comments(frame, taxonomy="banking").mentions.set_index("feedback_id")
    assert m["confidence"].dtype == float
    assert math.isnan(m.loc["a", "confidence"])  # implied by the channel
    assert m.loc["b", "aspect"] == "annual_fee" and m.loc["b", "confidence"] > 0.9


@pytest.mark.parametrize(
    ("text", "domain", "complaint", "severest"),
    [
        # held-out authors' sentences (blind26–29) where the severest aspect read negative is
        # not the labelled complaint, and the aspect the comment is about is
        ("Staff on the phone line were clueless about my order.", "retail", "staff",
         "waiting_time"),
        ("Online banking login is a nightmare of passwords and codes.", "banking",
         "app_online", "fraud_security"),
        ("I've been a loyal customer for years but the last three orders have all arrived late"
         " and one was damaged. I'm starting to wonder why I bother.", "retail", "delivery",
         "quality"),
    ],
)  # fmt: skip
def test_the_named_complaint_is_the_aspect_the_comment_is_about(
    text: str, domain: str, complaint: str, severest: str
) -> None:
    worst, sure = complaint_inputs(read_comment(text, load_taxonomy(domain)).mentions)
    assert main_complaint(worst, sure) == complaint
    assert main_complaint(worst) == severest  # severity alone, the rule before session 35
