"""Aspect detection against the sample generator's per-aspect truth (simulated, known answer)."""

from __future__ import annotations

import pytest

from loyalloop.feedback import aspect_mentions

sample = pytest.importorskip("loyalloop.sample")

#: Sample aspect names → taxonomy keys.
RENAME = {
    "app": "app_online",
    "service": "service_attitude",
    "rewards": "rewards_points",
    "security": "fraud_security",
}


@pytest.mark.parametrize(
    ("business", "taxonomy", "min_recall", "min_precision", "min_agreement"),
    [("card", "banking", 0.85, 0.80, 0.60), ("retail", "retail", 0.80, 0.90, 0.65)],
)
def test_aspects_recover_sample_truth(
    business: str, taxonomy: str, min_recall: float, min_precision: float, min_agreement: float
) -> None:
    data = sample.generate(customers=3000, seed=0, business=business)
    feedback = data.feedback[data.feedback["text"].notna()]
    truth = data.feedback_truth.assign(aspect=lambda d: d["aspect"].replace(RENAME))
    found = (
        aspect_mentions(feedback, taxonomy=taxonomy)
        .groupby(["feedback_id", "aspect"])["sentiment"]
        .first()
        .reset_index()
    )
    joined = truth.merge(
        found, on=["feedback_id", "aspect"], how="outer", suffixes=("_true", "_pred"),
        indicator=True,
    )  # fmt: skip
    tp = int((joined["_merge"] == "both").sum())
    recall = tp / int((joined["_merge"] != "right_only").sum())
    precision = tp / int((joined["_merge"] != "left_only").sum())
    both = joined[joined["_merge"] == "both"]
    agreement = float((both["sentiment_true"] == both["sentiment_pred"]).mean())
    polar = both[both["sentiment_true"] != "neutral"]
    polarity = float((polar["sentiment_true"] == polar["sentiment_pred"]).mean())
    assert recall >= min_recall
    assert precision >= min_precision
    assert agreement >= min_agreement  # three classes; "neutral" is the hard one
    assert polarity >= 0.75
