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


def test_each_mention_carries_its_clause_s_probability_read_alone() -> None:
    # four complaints in one call note: over the whole comment, the other clauses pull billing
    # down to nearly nothing; the clause that names it, read alone, is sure of it
    text = (
        "来电：顺便说一句，现金分期的利率高得离谱，这已经是第4次打电话了，人工客服说话很冲，"
        "而且里程兑换越来越少了。另外扣款扣了我两次。希望尽快改进。"
    )
    reading = read_comment(text, load_taxonomy("banking"))
    det = shipped_detector()
    assert det is not None
    clauses = [c.norm for c in reading.clauses]
    alone = det.clause_probabilities(clauses)
    assert alone.shape == (len(clauses), len(det.aspects_))
    for m in reading.mentions:
        j = det.aspects_.index(m.aspect)
        assert m.clause_index is not None
        assert m.clause_confidence == float(alone[m.clause_index, j])
        assert m.clause_confidence == float(det.probabilities([clauses[m.clause_index]])[j])
    (billing,) = [m for m in reading.mentions if m.aspect == "billing"]
    assert billing.confidence is not None and billing.confidence < 0.001  # 0.00004
    assert billing.clause_confidence is not None and billing.clause_confidence > 0.3  # 0.38
    # one clause: the two are the same number
    (one,) = read_comment("The annual fee is far too high", load_taxonomy("banking")).mentions
    assert one.clause_confidence == pytest.approx(one.confidence, abs=1e-12)
    assert det.clause_probabilities([]).shape == (0, len(det.aspects_))


def test_a_channel_mention_and_a_custom_aspect_have_no_confidence() -> None:
    banking = load_taxonomy("banking")
    full = with_channel(read_comment("Love it", banking), implied_aspect(banking, "app_review"))
    assert [(m.aspect, m.source, m.confidence, m.clause_confidence) for m in full.mentions] == [
        ("app_online", "channel", None, None)
    ]
    own = load_taxonomy({"aspects": {"parking": {"en": ["parking"]}}})
    (m,) = read_comment("The parking is a disgrace", own).mentions
    assert (m.aspect, m.sentiment.label, m.confidence, m.clause_confidence) == (
        "parking", "negative", None, None)  # fmt: skip


def test_the_mention_table_has_the_confidence_column() -> None:
    frame = pd.DataFrame(
        {
            "feedback_id": ["a", "b"],
            "channel": ["app_review", "survey"],
            "text": ["Love it", "The annual fee is far too high"],
        }
    )
    m = analyze_comments(frame, taxonomy="banking").mentions.set_index("feedback_id")
    assert m["confidence"].dtype == float and m["clause_confidence"].dtype == float
    assert math.isnan(m.loc["a", "confidence"])  # implied by the channel
    assert math.isnan(m.loc["a", "clause_confidence"])
    assert m.loc["b", "aspect"] == "annual_fee" and m.loc["b", "confidence"] > 0.9
    assert m.loc["b", "clause_confidence"] > 0.9


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
