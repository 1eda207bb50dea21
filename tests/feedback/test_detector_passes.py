"""The aspect detector's fallback and second pass (session 19), and its thresholds beside a found
aspect (session 20, fb20a: applied only where the patterns found an aspect, chosen apart out of
sample, kept in the file): what each adds, their choice out of sample, and their file round
trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.feedback.detector_toys import BOTH, toy_detector, toy_oos

from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_detector import AspectDetector, second_pass_inputs
from loyalloop.feedback.train_aspects import (
    choose_fallback,
    choose_thresholds,
    fit_second_pass,
    second_pass_out_of_sample,
    set_passes,
)


def test_fallback_gives_a_comment_with_no_aspect_its_most_probable_one(tmp_path: Path) -> None:
    det = toy_detector()
    assert det.detect(["办卡", "感觉血亏"], BOTH, set()) == []  # 0.43 < 0.5
    det.set_fallback(0.4)
    assert det.two_pass
    assert det.detect(["办卡", "感觉血亏"], BOTH, set()) == [("annual_fee", 1)]
    # not when the patterns found an aspect, nor when the first pass added one
    assert det.detect(["办卡", "感觉血亏"], BOTH, {"rewards_points"}) == []
    assert det.detect(["感觉血亏", "denied"], BOTH, set()) == [("credit_limit", 1)]
    # never an aspect the taxonomy lacks, never below the fallback's probability
    assert det.detect(["感觉血亏"], ["credit_limit"], set()) == []
    det.set_fallback(0.45)
    assert det.detect(["感觉血亏"], BOTH, set()) == []
    det.set_fallback(0.4)
    comments = [["办卡", "感觉血亏"], ["感觉血亏", "denied"], [], ["办卡"]]
    found: list[set[str]] = [set(), set(), set(), set()]
    many = det.detect_many(comments, BOTH, found)
    assert many == [det.detect(c, BOTH, f) for c, f in zip(comments, found, strict=True)]
    assert many == [[("annual_fee", 1)], [("credit_limit", 1)], [], []]  # "办卡": p = 0.12
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.fallback == 0.4 and not again.second_has.any()
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    det.set_fallback(None)
    assert det.fallback is None and not det.two_pass


def test_second_pass_inputs_are_logits_found_english_count_and_top() -> None:
    z = np.array([[20.0, -1.0], [0.5, -30.0]])
    found = np.array([[False, True], [False, False]])
    allowed = np.array([[True, False], [False, False]])
    x = second_pass_inputs(z, found, allowed, np.array([True, False]))
    clip = np.log(9999)
    assert x.shape == (2, 7)
    assert x[0] == pytest.approx([clip, -1.0, 0.0, 1.0, 1.0, 1.0, clip])
    assert x[1] == pytest.approx([0.5, -clip, 0.0, 0.0, 0.0, 0.0, -10.0])  # nothing allowed


def _second(det: AspectDetector, *, adds: bool) -> None:
    """A second pass that adds credit_limit where the patterns found annual_fee."""
    w = np.zeros(7)
    w[2] = 6.0  # found annual_fee
    det.set_second_pass({"credit_limit": (-3.0, w)}, {"credit_limit": 0.5}, adds=adds)


def test_second_pass_adds_what_goes_with_a_found_aspect(tmp_path: Path) -> None:
    det = toy_detector()
    _second(det, adds=False)
    assert det.two_pass and det.second_has.tolist() == [False, True]
    # credit_limit is the second pass's alone: added with a found annual fee, even unnamed …
    assert det.detect(["办卡"], BOTH, {"annual_fee"}) == [("credit_limit", 0)]
    # … and no longer from "denied" alone (its second pass does not read its log-odds here)
    assert det.detect(["denied"], BOTH, set()) == []
    # annual_fee has no second model: the first pass decides it
    assert det.detect(["血亏", "血亏"], BOTH, set()) == [("annual_fee", 0)]  # -2 + 3.4
    _second(det, adds=True)
    assert det.detect(["denied"], BOTH, set()) == [("credit_limit", 0)]  # the first pass's
    assert det.detect(["办卡"], BOTH, {"annual_fee"}) == [("credit_limit", 0)]
    comments = [["办卡"], ["denied"], ["办卡"]]
    found = [{"annual_fee"}, set(), set()]
    many = det.detect_many(comments, BOTH, found)
    assert many == [det.detect(c, BOTH, f) for c, f in zip(comments, found, strict=True)]
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.second_adds and again.second_thresholds == {"credit_limit": 0.5}
    assert again.second_weights[1, 2] == 6.0 and again.second_bias[1] == -3.0
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    text = (tmp_path / "a.txt").read_text("utf-8")
    (tmp_path / "c.txt").write_text(text.replace("count+max", "count"), encoding="utf-8")
    with pytest.raises(ModelError, match="second pass inputs"):
        AspectDetector.load(tmp_path / "c.txt")
    det.set_second_pass({}, {})
    assert not det.two_pass and "second_pass" not in det.metadata


def test_second_pass_thresholds_per_language(tmp_path: Path) -> None:
    det = toy_detector()
    w = np.zeros(7)
    w[2] = 6.0  # found annual_fee: -3 + 6 = 3, p = 0.95
    det.set_second_pass({"credit_limit": (-3.0, w)}, {"credit_limit": 0.5},
                        language_thresholds={"zh": {"credit_limit": 0.97}, "en": {}})  # fmt: skip
    assert det.detect(["fee again"], BOTH, {"annual_fee"}) == [("credit_limit", 0)]
    assert det.detect(["又扣年费"], BOTH, {"annual_fee"}) == []  # Chinese: 0.95 < 0.97
    comments = [["fee again"], ["又扣年费"]]
    many = det.detect_many(comments, BOTH, [{"annual_fee"}, {"annual_fee"}])
    assert many == [[("credit_limit", 0)], []]
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.second_language_thresholds == {"zh": {"credit_limit": 0.97}, "en": {}}
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


def test_fallback_is_chosen_where_it_helps_and_not_where_it_harms() -> None:
    # 60 sentences with nothing found: 40 labelled annual_fee at p = 0.2, 20 unlabelled at 0.06
    probs = np.array([[0.2, 0.01]] * 40 + [[0.06, 0.01]] * 20)
    gold = np.array([[True, False]] * 40 + [[False, False]] * 20)
    oos = toy_oos(probs, gold, np.zeros_like(gold), ["a"] * 60)
    rows = np.ones(60, dtype=bool)
    decided = np.zeros_like(gold)
    # every candidate above 0.06 and up to 0.2 finds the 40 and nothing else: the lowest
    assert choose_fallback(oos, rows, decided) == 0.08
    # where every such sentence is unlabelled, the fallback only adds false aspects
    none = toy_oos(probs, np.zeros_like(gold), np.zeros_like(gold), ["a"] * 60)
    assert choose_fallback(none, rows, decided) is None


def test_second_pass_learns_which_aspects_go_together() -> None:
    # two authors; credit_limit is labelled wherever annual_fee was found, though its own
    # first-pass probability is low everywhere
    rng = np.random.default_rng(0)
    n = 400
    fee = rng.random(n) < 0.5
    probs = np.column_stack([rng.uniform(0.05, 0.95, n), rng.uniform(0.05, 0.15, n)])
    gold = np.column_stack([fee, fee])
    found = np.column_stack([fee, np.zeros(n, dtype=bool)])
    oos = toy_oos(probs, gold, found, ["a", "b"] * (n // 2))
    models = fit_second_pass(oos, beside=False)  # session 19: every sentence
    assert set(models) == {"credit_limit"}  # annual_fee is never missed: nothing to learn
    _, w = models["credit_limit"]
    assert w[2] > 0  # the found annual fee
    second, by_author = second_pass_out_of_sample(oos, beside=False)
    assert set(by_author) == {"a", "b"}
    assert (second.probabilities[fee, 1] > 0.9).all()
    assert (second.probabilities[~fee, 1] < 0.1).all()
    det = toy_detector()
    chosen = choose_thresholds(oos, min_pairs=10)
    set_passes(det, oos, None, chosen, second=(second, models), adds=True, fallback=False,
               beside=False)  # fmt: skip
    assert det.second_has.tolist() == [False, True] and det.fallback is None
    assert det.detect(["办卡"], BOTH, {"annual_fee"}) == [("credit_limit", 0)]


def test_set_passes_writes_the_chosen_fallback_into_the_file(tmp_path: Path) -> None:
    """What the trainer does after choosing the first pass's thresholds (:func:`fit_detector`):
    the fallback chosen on the out-of-sample probabilities is stored in the detector's file."""
    probs = np.array([[0.12, 0.01]] * 40 + [[0.06, 0.01]] * 20)
    gold = np.array([[True, False]] * 40 + [[False, False]] * 20)
    oos = toy_oos(probs, gold, np.zeros_like(gold), ["a", "b"] * 30)
    chosen = choose_thresholds(oos, min_pairs=10)
    assert chosen.per_aspect["annual_fee"] > 0.12  # the first pass alone finds none of the 40
    det = toy_detector()
    set_passes(det, oos, None, chosen, second=None, fallback=True)
    assert det.fallback == 0.08 and det.metadata["fallback"] == "0.08"
    det.dump(tmp_path / "a.txt")
    assert AspectDetector.load(tmp_path / "a.txt").fallback == 0.08
    set_passes(det, oos, None, chosen, second=None, fallback=False)
    assert det.fallback is None and "fallback" not in det.metadata


def test_beside_thresholds_apply_only_where_the_patterns_found_an_aspect(tmp_path: Path) -> None:
    det = toy_detector()
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


def test_beside_thresholds_are_chosen_on_the_sentences_with_a_found_aspect() -> None:
    # annual_fee at p = 0.3: labelled in the 60 sentences where nothing was found, unlabelled
    # in the 150 where the patterns found credit_limit (there 0.8 is labelled, 0.3 is not)
    probs = np.array([[0.3, 0.01]] * 60 + [[0.3, 0.01]] * 150 + [[0.8, 0.01]] * 60)
    gold = np.array([[True, False]] * 60 + [[False, True]] * 150 + [[True, True]] * 60)
    found = np.array([[False, False]] * 60 + [[False, True]] * 210)
    oos = toy_oos(probs, gold, found, ["a", "b"] * (len(gold) // 2))
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
    det = toy_detector()
    set_passes(det, oos, None, apart, second=None, fallback=True)
    assert det.fallback is None  # nothing left without an aspect


def test_second_pass_beside_is_used_only_where_the_patterns_found_an_aspect(
    tmp_path: Path,
) -> None:
    # a second pass that lifts annual_fee's own log-odds by 1: -0.3 + 1 = 0.7, p = 0.67
    w = np.zeros(7)
    w[0] = 1.0
    det = toy_detector()
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
    oos = toy_oos(probs, gold, np.column_stack([fee, np.zeros(n, bool)]), ["a", "b"] * (n // 2))
    second, models = second_pass_out_of_sample(oos, beside=True)
    assert set(models) == {"a", "b"} and set(models["a"]) == {"credit_limit"}
    assert (second.probabilities[fee & high, 1] > 0.5).all()
    assert (second.probabilities[fee & ~high, 1] < 0.5).all()
    # without a found aspect the second pass is not used: the first pass's probabilities
    assert (second.probabilities[~fee] == probs[~fee]).all()
    det = toy_detector()
    chosen = choose_thresholds(oos, min_pairs=10)
    set_passes(det, oos, None, chosen, second=(second, fit_second_pass(oos, beside=True)),
               adds=True, fallback=False, beside=True)  # fmt: skip
    assert det.second_beside and det.second_has.tolist() == [False, True]
    # annual_fee found, its own log-odds -2 + 3.4 (p 0.80): credit_limit added; "办卡" (0.12): not
    assert det.detect(["血亏", "血亏"], BOTH, {"annual_fee"}) == [("credit_limit", 0)]
    assert det.detect(["办卡"], BOTH, {"annual_fee"}) == []
