"""The one check behind the labelled-set floors (blind2 to blind7): the set is whole and
the reading's agreement and recall on it stay within 0.01 of the figures measured once."""

from __future__ import annotations

from pathlib import Path

from loyalloop.feedback.aspect_detector import shipped_detector
from loyalloop.feedback.aspect_model import shipped_model
from loyalloop.feedback.evaluate import evaluate_aspects, read_labelled
from loyalloop.feedback.intent_model import shipped_intent_model
from loyalloop.feedback.mention_sentiment import shipped_mention_model

DATA = Path(__file__).parent / "data"


def assert_floor(name: str, sentences: int, agreement: float, recall: float) -> None:
    """``tests/feedback/data/<name>.tsv`` has ``sentences`` rows; agreement and recall on it are
    at least the measured figures minus 0.01; per-aspect pairs add up to the whole."""
    df = read_labelled(DATA / f"{name}.tsv")
    assert len(df) == sentences
    ev = evaluate_aspects(df, taxonomy_column="domain")
    assert ev.overall["agreement"] >= agreement - 0.01
    assert ev.overall["recall"] >= recall - 0.01
    assert ev.per_aspect["pairs"].sum() == ev.overall["pairs"]


def shipped_train_sets() -> dict[str, set[str]]:
    """The labelled sets each shipped model was trained on, by model: ``mention`` (mention
    sentiment), ``detector``, ``intent``, ``fallback`` (the older aspect-sentiment model)."""
    models = {
        "mention": shipped_mention_model(),
        "detector": shipped_detector(),
        "intent": shipped_intent_model(),
        "fallback": shipped_model(),
    }
    assert all(m is not None for m in models.values())
    return {k: set(m.metadata["train_sets"].split(",")) for k, m in models.items()}  # type: ignore[union-attr]
