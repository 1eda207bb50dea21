"""The learned aspect detector: file format, scoring arithmetic, and how it joins the rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_detector import AspectDetector, Readers, shipped_detector
from loyalloop.feedback.aspect_model import clause_ngrams
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.train_aspects import TRAIN_SETS


def _toy() -> AspectDetector:
    vocab = {"t2血亏": 0, "t1卡": 1, "twdenied": 2}
    weights = np.array([[3.0, 0.0], [0.5, 0.0], [0.0, 4.0]])
    return AspectDetector(["annual_fee", "credit_limit"], vocab, weights, np.array([-2.0, -2.0]),
                          0.5, {"note": "toy"})  # fmt: skip


def test_scores_are_the_bias_plus_the_clauses_weights() -> None:
    det = _toy()
    assert "t2血亏" in clause_ngrams("感觉血亏", "t")
    p = det.probabilities(["办了张卡", "感觉血亏"])
    # annual_fee: -2 + 0.5 (卡) + 3.0 (血亏) = 1.5; credit_limit: -2
    assert p == pytest.approx(1 / (1 + np.exp(-np.array([1.5, -2.0]))))
    # added in the clause that contributes most, never when the patterns found it already
    assert det.detect(["办了张卡", "感觉血亏"], ["annual_fee", "credit_limit"], set()) == [
        ("annual_fee", 1)
    ]
    assert det.detect(["办了张卡", "感觉血亏"], ["annual_fee"], {"annual_fee"}) == []
    assert det.detect(["感觉血亏"], ["credit_limit"], set()) == []  # not in this taxonomy


def test_round_trip_is_byte_identical_and_format_is_checked(tmp_path: Path) -> None:
    det = _toy()
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.aspects_ == det.aspects_ and again.threshold == 0.5
    assert np.allclose(again.weights_[again.vocabulary_["twdenied"]], [0.0, 4.0])
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    bad = (tmp_path / "a.txt").read_text("utf-8").replace("aspect-detector/1", "aspect-detector/0")
    (tmp_path / "c.txt").write_text(bad, encoding="utf-8")
    with pytest.raises(ModelError, match="train_aspects"):
        AspectDetector.load(tmp_path / "c.txt")


def test_per_aspect_thresholds_apply_and_round_trip(tmp_path: Path) -> None:
    det = _toy()
    # annual_fee's probability in "感觉血亏" is 1/(1+e^-1) = 0.73: below a 0.8 threshold
    det.thresholds = {"annual_fee": 0.8}
    assert det.detect(["感觉血亏"], ["annual_fee", "credit_limit"], set()) == []
    # credit_limit (-2 + 4 = 2, p = 0.88) still uses the overall 0.5
    assert det.detect(["denied"], ["annual_fee", "credit_limit"], set()) == [("credit_limit", 0)]
    many = det.detect_many(
        [["感觉血亏"], ["denied"]], ["annual_fee", "credit_limit"], [set(), set()]
    )
    assert many == [[], [("credit_limit", 0)]]
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.thresholds == {"annual_fee": 0.8} and again.threshold == 0.5
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    text = (tmp_path / "a.txt").read_text("utf-8").replace("annual_fee:0.80", "nope:0.80")
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match="unknown aspect"):
        AspectDetector.load(tmp_path / "c.txt")


def test_shipped_detector_is_trained_on_every_author() -> None:
    det = shipped_detector()
    assert det is not None
    sets = set(det.metadata["train_sets"].split(","))
    assert sets == set(TRAIN_SETS)  # round 13: every author, blind7 included
    assert {"domain_zh", "blind6_en", "blind7_zh", "blind7_en"} <= sets
    assert det.metadata["threshold_from"] == "leave one author out"
    assert 0.15 <= det.threshold <= 0.7
    assert det.thresholds and all(0.15 <= t <= 0.7 for t in det.thresholds.values())
    assert {"annual_fee", "credit_limit", "stock", "delivery"} <= set(det.aspects_)


def test_detector_does_not_put_the_staff_back_into_a_channel_clause() -> None:
    """ "打客服电话等了很久": 客服 lies in a contact channel (the taxonomy's ``channels``), so it is no
    service mention, and a detector whose n-grams of 客服电话 point to service adds none there;
    in a clause without the channel it still adds."""
    tax = load_taxonomy("banking")
    vocab = {"t2客服": 0, "t1快": 1}
    det = AspectDetector(["service_attitude"], vocab, np.array([[5.0], [1.0]]), np.array([-2.0]),
                         0.5, {})  # fmt: skip
    aspects = {
        m.aspect
        for m in read_comment("打客服电话等了很久", tax, readers=Readers(None, det)).mentions
    }
    assert aspects == {"waiting_time"}
    assert det.probabilities(["打客服电话等了很久"])[0] > 0.5  # it would have added it
    found = {
        m.aspect for m in read_comment("那位客服很快", tax, readers=Readers(None, None)).mentions
    }
    assert "service_attitude" in found


def test_detector_only_adds_to_the_rules() -> None:
    tax = load_taxonomy("banking")
    text = "年费太贵了，积分也不好换"
    rules = {m.aspect for m in read_comment(text, tax, readers=Readers(None, None)).mentions}
    learned = {m.aspect for m in read_comment(text, tax).mentions}
    assert rules <= learned


def test_error_breakdown_counts_where_agreement_is_lost() -> None:
    import pandas as pd

    from loyalloop.feedback.train_aspects import error_breakdown

    pairs = pd.DataFrame(
        [
            (0, "t", "fees", "negative", "negative"),  # right
            (0, "t", "billing", "neutral", "negative"),  # wrong sentiment
            (1, "u", "staff", "positive", None),  # missed, another aspect found instead
            (1, "u", "service_attitude", None, "positive"),  # spurious
            (2, "v", "interest", "negative", None),  # missed, nothing found
        ],
        columns=["row", "text", "aspect", "gold", "predicted"],
    )
    out = error_breakdown(pairs)
    assert out == {"missed": 0.5, "wrong_aspect": 0.25, "wrong_sentiment": 0.25, "spurious": 0.25}
