"""The aspect detector's thresholds beside a found aspect (session 20, fb20a): applied only
where the patterns found an aspect, chosen apart out of sample, kept in the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from loyalloop.feedback.aspect_detector import AspectDetector
from loyalloop.feedback.train_aspects import (
    OutOfSample,
    choose_thresholds,
    fit_second_pass,
    second_pass_out_of_sample,
    set_passes,
)

BOTH = ["annual_fee", "credit_limit"]


def _toy() -> AspectDetector:
    # annual_fee: -2 + 1.7 ("血亏") = -0.3, p = 0.43; credit_limit: -2 + 4 ("denied") = 2, p = 0.88
    vocab = {"t2血亏": 0, "twdenied": 1}
    weights = np.array([[1.7, 0.0], [0.0, 4.0]])
    return AspectDetector(BOTH, vocab, weights, np.array([-2.0, -2.0]), 0.5, {})


def test_beside_thresholds_apply_only_where_the_patterns_found_an_aspect(tmp_path: Path) -> None:
    det = _toy()
    det.thresholds = {"annual_fee": 0.4}
    det.beside_thresholds = {"annual_fee": 0.6}
    # alone, 0.43 reaches 0.4; beside a found aspect it must reach 0.6
    assert det.detect(["感觉血亏"], BOTH, set()) == [("annual_fee", 0)]
    assert det.detect(["感觉血亏"], BOTH, {"rewards_points"}) == []
    # aspects without a beside threshold keep theirs (credit_limit: 0.88 >= 0.5)
    assert det.detect(["denied"], BOTH, {"rewards_points"}) == [("credit_limit", 0)]
    # over a language's own threshold too
    det.language_thresholds = {"zh": {"annual_fee": 0.3}, "en": {}}
    assert det.detect(["感觉血亏"], BOTH, {"rewards_points"}) == []
    assert det.detect(["感觉血亏"], BOTH, set()) == [("annual_fee", 0)]
    det.language_thresholds = {"zh": {}, "en": {}}
    comments = [["感觉血亏"], ["感觉血亏"], ["denied"], []]
    found: list[set[str]] = [set(), {"rewards_points"}, {"rewards_points"}, {"rewards_points"}]
    many = det.detect_many(comments, BOTH, found)
    assert many == [det.detect(c, BOTH, f) for c, f in zip(comments, found, strict=True)]
    assert many == [[("annual_fee", 0)], [], [("credit_limit", 0)], []]
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.beside_thresholds == {"annual_fee": 0.6}
    assert again.metadata["thresholds_beside"] == "annual_fee:0.60"
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    det.beside_thresholds = {}
    det.dump(tmp_path / "c.txt")
    assert "thresholds_beside" not in (tmp_path / "c.txt").read_text("utf-8")


def _oos(probs: np.ndarray, gold: np.ndarray, found: np.ndarray) -> OutOfSample:
    return OutOfSample(
        aspects=tuple(BOTH),
        probabilities=probs,
        gold=gold,
        found=found,
        allowed=np.ones_like(gold),
        author=np.array(["a", "b"] * (len(gold) // 2)),
        language=np.array(["en"] * len(gold)),
        how="test",
    )


def test_beside_thresholds_are_chosen_on_the_sentences_with_a_found_aspect() -> None:
    # annual_fee at p = 0.3: labelled in the 60 sentences where nothing was found, unlabelled
    # in the 150 where the patterns found credit_limit (there 0.8 is labelled, 0.3 is not)
    probs = np.array([[0.3, 0.01]] * 60 + [[0.3, 0.01]] * 150 + [[0.8, 0.01]] * 60)
    gold = np.array([[True, False]] * 60 + [[False, True]] * 150 + [[True, True]] * 60)
    found = np.array([[False, False]] * 60 + [[False, True]] * 210)
    oos = _oos(probs, gold, found)
    pooled = choose_thresholds(oos, min_pairs=10)
    apart = choose_thresholds(oos, min_pairs=10, beside=True)
    assert pooled.beside == {}
    assert apart.per_aspect["annual_fee"] <= 0.3  # alone: from 0.3 down it finds all 60
    assert 0.3 < apart.beside["annual_fee"] <= 0.8  # beside: 0.3 only adds false ones
    assert pooled.per_aspect["annual_fee"] > 0.3  # pooled, the 150 false ones outweigh
    limits = apart.matrix(oos)
    assert (limits[:60, 0] == apart.per_aspect["annual_fee"]).all()
    assert (limits[60:, 0] == apart.beside["annual_fee"]).all()
    # what the trainer writes: the first-pass decisions the fallback is chosen against use them
    det = _toy()
    set_passes(det, oos, None, apart, second=None, fallback=True)
    assert det.fallback is None  # nothing left without an aspect


def test_second_pass_beside_is_used_only_where_the_patterns_found_an_aspect(
    tmp_path: Path,
) -> None:
    # a second pass that lifts annual_fee's own log-odds by 1: -0.3 + 1 = 0.7, p = 0.67
    w = np.zeros(7)
    w[0] = 1.0
    det = _toy()
    det.set_second_pass({"annual_fee": (1.0, w)}, {"annual_fee": 0.5}, adds=True)
    assert det.detect(["感觉血亏"], BOTH, set()) == [("annual_fee", 0)]
    det.set_second_pass({"annual_fee": (1.0, w)}, {"annual_fee": 0.5}, adds=True, beside=True)
    assert det.second_beside
    assert det.detect(["感觉血亏"], BOTH, set()) == []  # the first pass decides: 0.43 < 0.5
    assert det.detect(["感觉血亏"], BOTH, {"rewards_points"}) == [("annual_fee", 0)]
    comments = [["感觉血亏"], ["感觉血亏"], ["denied"]]
    found: list[set[str]] = [set(), {"rewards_points"}, set()]
    many = det.detect_many(comments, BOTH, found)
    assert many == [det.detect(c, BOTH, f) for c, f in zip(comments, found, strict=True)]
    assert many == [[], [("annual_fee", 0)], [("credit_limit", 0)]]
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.second_beside and again.metadata["second_beside"] == "1"
    det.set_second_pass({}, {})
    assert not det.second_beside and "second_beside" not in det.metadata


def test_second_pass_beside_is_fitted_and_chosen_where_an_aspect_was_found() -> None:
    # credit_limit is labelled where annual_fee was found with a high probability of its own
    # (0.9, not 0.1), never where no aspect was found; its own probability is low everywhere
    rng = np.random.default_rng(0)
    n = 400
    fee = rng.random(n) < 0.5
    high = rng.random(n) < 0.5
    probs = np.column_stack([np.where(high, 0.9, 0.1), rng.uniform(0.05, 0.15, n)])
    gold = np.column_stack([fee, fee & high])
    oos = _oos(probs, gold, np.column_stack([fee, np.zeros(n, bool)]))
    second, models = second_pass_out_of_sample(oos, beside=True)
    assert set(models) == {"a", "b"} and set(models["a"]) == {"credit_limit"}
    assert (second.probabilities[fee & high, 1] > 0.5).all()
    assert (second.probabilities[fee & ~high, 1] < 0.5).all()
    # without a found aspect the second pass is not used: the first pass's probabilities
    assert (second.probabilities[~fee] == probs[~fee]).all()
    det = _toy()
    chosen = choose_thresholds(oos, min_pairs=10)
    set_passes(det, oos, None, chosen, second=(second, fit_second_pass(oos, beside=True)),
               adds=True, fallback=False, beside=True)  # fmt: skip
    assert det.second_beside and det.second_has.tolist() == [False, True]
    # annual_fee found, its own log-odds -2 + 3.4 (p 0.80): credit_limit added; "办卡" (0.12): not
    assert det.detect(["血亏", "血亏"], BOTH, {"annual_fee"}) == [("credit_limit", 0)]
    assert det.detect(["办卡"], BOTH, {"annual_fee"}) == []
