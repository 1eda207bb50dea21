"""The comment's sentiment as the product reports it (:mod:`loyalloop.feedback.verdict`), the
labelled comment it is measured against (:func:`~loyalloop.feedback.evaluate.comment_label`),
and the whole-comment verdicts the lexicon read neutral before session 33.

The held-out floors of ``comment_accuracy`` are in ``test_blind26_sets.py`` …
``test_blind29_sets.py`` (with the figures).
"""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.feedback import analyze_comments, analyze_texts
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.evaluate import comment_label, evaluate_aspects
from loyalloop.feedback.intent import INTENTS, read_intent
from loyalloop.feedback.lexicon import lexicon_score
from loyalloop.feedback.sentiment import score_text
from loyalloop.feedback.verdict import comment_verdict

#: The tone reads it positive ("refunded"); the customer complains.
TOLD = (
    "I was told on three separate calls that my late fee would be refunded. It has now appeared "
    "on two further statements."
)


@pytest.mark.parametrize(
    ("intent", "label"),
    [
        ("complaint", "negative"),
        ("praise", "positive"),
        ("none", "neutral"),
        ("cancel", "negative"),
    ],
)
def test_the_intent_settles_the_label_whatever_the_tone(intent: str, label: str) -> None:
    reading = read_comment(TOLD, load_taxonomy("banking"))
    assert reading.sentiment.label == "positive"
    verdict = comment_verdict(reading, intent, 0.8)  # type: ignore[arg-type]
    assert verdict.label == label
    if label == "neutral":
        assert verdict.score == 0.0
    else:  # the tone disagrees: the text mentions that say it, else the intent's probability
        assert (verdict.score < 0) == (label == "negative")


def test_a_request_or_question_takes_the_sentiment_of_its_mentions() -> None:
    bad = read_comment("质量太差了，我要退款", load_taxonomy("retail"))
    assert any(m.sentiment.label == "negative" for m in bad.mentions)
    assert comment_verdict(bad, "request", 0.9).label == "negative"
    plain = read_comment("What is the annual fee?", load_taxonomy("banking"))
    assert {m.sentiment.label for m in plain.mentions} <= {"neutral"}
    assert comment_verdict(plain, "question", 0.9).label == "neutral"
    good = read_comment("The app is great, could you add a dark mode?", load_taxonomy("banking"))
    assert any(m.sentiment.label == "positive" for m in good.mentions)
    assert not any(m.sentiment.label == "negative" for m in good.mentions)
    assert comment_verdict(good, "request", 0.9).label == "positive"


SENTENCES = [
    TOLD,
    "质量太差了，我要退款",
    "What is the annual fee?",
    "客服小姐姐态度超好，耐心解答，点赞！",
    "年费太贵，但是积分很划算",
    "Would be nice if points didn't expire",
    "请帮我注销这张卡",
    "The app is great, could you add a dark mode?",
    "",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_the_score_has_the_labels_sign_and_the_tone_is_kept_when_it_agrees(text: str) -> None:
    reading = read_comment(text, load_taxonomy("banking"))
    for intent in INTENTS:
        for p in (0.3, 0.9, None):
            v = comment_verdict(reading, intent, p)
            assert -1.0 <= v.score <= 1.0
            assert v.label != "positive" or v.score > 0
            assert v.label != "negative" or v.score < 0
            if reading.clauses and v.label == reading.sentiment.label:
                assert v == reading.sentiment


def test_both_ways_of_reading_comments_report_the_same_sentiment() -> None:
    """``analyze_texts`` (``feedback analyze``) and ``analyze_comments`` (the pipeline) give every
    comment the same sentiment and score: the verdict of its reading and main intent."""
    texts = [t for t in SENTENCES if t]
    a = analyze_texts(texts, taxonomy="banking")
    b = analyze_comments(pd.DataFrame({"text": texts}), taxonomy="banking").comments
    assert a["sentiment"].tolist() == b["sentiment"].tolist()
    assert a["sentiment_score"].tolist() == b["sentiment_score"].tolist()
    for text, label, intent in zip(texts, b["sentiment"], b["intent"], strict=True):
        reading = read_comment(text, load_taxonomy("banking"))
        assert (intent, label) == (
            read_intent(reading)[0],
            comment_verdict(reading, *read_intent(reading)).label,
        )
    assert b.loc[0, "sentiment"] == "negative"  # TOLD: its tone was positive


def test_the_labelled_comment() -> None:
    assert comment_label("complaint", {"app_online": "positive"}) == "negative"
    assert comment_label("praise", {}) == "positive"
    assert comment_label("statement", {"billing": "negative"}) == "neutral"
    assert comment_label("request", {"quality": "negative", "price": "positive"}) == "negative"
    assert comment_label("question", {"price": "positive"}) == "positive"
    assert comment_label("cancel", {}) == "neutral"


def test_evaluation_counts_the_comment_and_its_tone() -> None:
    df = pd.DataFrame(
        {
            "text": [TOLD, "What is the annual fee?", "服务态度非常好"],
            "aspects": ["fees:negative", "annual_fee:neutral", "service_attitude:positive"],
            "intent": ["complaint", "question", "praise"],
        }
    )
    ev = evaluate_aspects(df, "banking")
    assert ev.overall["tone_accuracy"] == pytest.approx(2 / 3)  # TOLD's tone is positive
    assert ev.overall["comment_accuracy"] == 1.0


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # before session 33 each was neutral: a clause opening with an auxiliary was a question
        ("Would not recommend", "negative"),
        ("Do not recommend the app", "negative"),
        ("Can't complain", "positive"),
        ("Would buy again", "positive"),
        ("Will never use this card again", "negative"),
        ("Is not working", "negative"),
        ("Can not believe how slow this is", "negative"),  # "can't believe": no negation
        # overall verdicts the lexicon lacked
        ("Could not be happier", "positive"),
        ("Stay away from this bank", "negative"),
        ("Don't bother", "negative"),
        ("Avoid.", "negative"),
        ("1 star", "negative"),
        ("千万别办", "negative"),
        # labellers call most of these neutral (73 of 88 "would be nice if" mentions)
        ("Could be better", "neutral"),
        ("Would be nice if points didn't expire", "neutral"),
        ("I pay in full every month to avoid interest", "neutral"),
    ],
)
def test_whole_comment_verdicts(text: str, label: str) -> None:
    assert score_text(text).label == label


@pytest.mark.parametrize(
    ("clause", "asks"),
    [
        ("can i change my due date", True),
        ("do you charge a fee", True),
        ("is there a fee", True),
        ("could be better", True),
        ("would not recommend", False),
        ("can't log in", False),
        ("would buy again", False),
    ],
)
def test_a_question_names_its_subject_after_the_auxiliary(clause: str, asks: bool) -> None:
    assert lexicon_score(clause).asks is asks


def test_the_signal_table_does_not_count_what_the_intent_settles() -> None:
    """A complaint is negative by definition (the verdict): its "negative comments" share is
    not shown (NaN, "—" in the report); a question's is counted."""
    from loyalloop.feedback.summaries import signal_summary

    comments = pd.DataFrame(
        {
            "intent": ["complaint", "question", "question", "praise", "none", "cancel"],
            "sentiment": ["negative", "negative", "neutral", "positive", "neutral", "negative"],
            "repeat_contact": [True, False, False, False, False, True],
            "long_wait": [False] * 6,
            "transferred": [False] * 6,
            "branches": [""] * 6,
            "staff": [""] * 6,
        }
    )
    got = signal_summary(comments).set_index(["kind", "name"])["share_negative"]
    for intent in ("complaint", "praise", "none", "cancel"):
        assert pd.isna(got[("intent", intent)])
    assert got[("intent", "question")] == pytest.approx(0.5)
    assert got[("effort", "repeat_contact")] == pytest.approx(1.0)
