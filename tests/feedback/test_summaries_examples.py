"""Example clauses prefer mentions read from the words over those a channel implies."""

from __future__ import annotations

import pandas as pd

from loyalloop.feedback.channel_aspects import CHANNEL_SOURCE, TEXT_SOURCE
from loyalloop.feedback.summaries import alert_examples, aspect_examples

# app_online, negative: the strongest is implied by the channel ("Terrible." in an app review)
ROWS = [
    ("f1", "app_online", "Terrible.", "negative", -0.95, CHANNEL_SOURCE, "2026-06-02"),
    ("f2", "app_online", "The app keeps logging me out", "negative", -0.60, TEXT_SOURCE,
     "2026-06-03"),
    ("f3", "app_online", "APP一直闪退", "negative", -0.50, TEXT_SOURCE, "2026-06-04"),
    ("f4", "app_online", "Love it", "positive", 0.90, CHANNEL_SOURCE, "2026-06-04"),
    ("f5", "annual_fee", "年费太贵", "negative", -0.80, TEXT_SOURCE, "2026-06-05"),
]  # fmt: skip
COLUMNS = ["feedback_id", "aspect", "clause", "sentiment", "sentiment_score", "source", "timestamp"]


def _mentions() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLUMNS)


def _clauses(ex: pd.DataFrame, aspect: str, sentiment: str) -> list[str]:
    sel = ex[(ex["aspect"] == aspect) & (ex["sentiment"] == sentiment)]
    return sel["clause"].tolist()


def test_aspect_examples_show_the_customer_naming_the_thing() -> None:
    ex = aspect_examples(_mentions(), n=2)
    assert _clauses(ex, "app_online", "negative") == [
        "The app keeps logging me out",
        "APP一直闪退",
    ]
    # the channel's mentions fill in when the words give fewer than asked for
    assert _clauses(aspect_examples(_mentions(), n=3), "app_online", "negative") == [
        "The app keeps logging me out",
        "APP一直闪退",
        "Terrible.",
    ]
    # an aspect heard only through the channel still gets its examples
    assert _clauses(ex, "app_online", "positive") == ["Love it"]
    assert list(ex.columns) == ["aspect", "sentiment", "feedback_id", "clause", "sentiment_score"]


def test_without_a_source_column_the_clearest_come_first() -> None:
    ex = aspect_examples(_mentions().drop(columns=["source"]), n=2)
    assert _clauses(ex, "app_online", "negative") == ["Terrible.", "The app keeps logging me out"]


def test_alert_examples_prefer_the_words_too() -> None:
    alerts = pd.DataFrame(
        [{"period": "2026-06-01", "periods": 1, "direction": "worse", "aspect": "app_online",
          "kind": "level"}]
    )  # fmt: skip
    ex = alert_examples(alerts, _mentions(), "M", n=2)
    assert ex["clause"].tolist() == ["The app keeps logging me out", "APP一直闪退"]
    ex = alert_examples(alerts, _mentions(), "M", n=3)
    assert ex["clause"].tolist()[-1] == "Terrible."
    plain = alert_examples(alerts, _mentions().drop(columns=["source"]), "M", n=1)
    assert plain["clause"].tolist() == ["Terrible."]
