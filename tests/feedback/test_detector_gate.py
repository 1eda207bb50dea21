"""The fallback's gate (session 22, fb22b): the probability that a sentence is about none of the
aspects withholds the fallback; its weights ride in the detector's file; the fallback and the
gate are chosen together out of sample; the gate is learned from sentences labelled with none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from tests.feedback.detector_toys import BOTH, toy_detector, toy_oos

from loyalloop.feedback.aspect_detector import AspectDetector
from loyalloop.feedback.train_aspects import (
    SentenceCounts,
    choose_fallback_gate,
    choose_thresholds,
    fit_gate,
    gate_out_of_sample,
    set_passes,
)


def test_the_gate_withholds_the_fallback_and_rides_in_the_file(tmp_path: Path) -> None:
    det = toy_detector()
    det.set_fallback(0.4)
    assert det.gate_probability(["感觉血亏"]) is None  # no gate: the fallback as before
    assert det.detect(["感觉血亏"], BOTH, set()) == [("annual_fee", 0)]
    # "谢谢" (a word the aspects lack) says "about none": 0 + 3 = 3, p = 0.95
    det.set_gate({"t2谢谢": 3.0, "t2血亏": -1.0}, bias=0.0)
    det.set_fallback(0.4, gate=0.9)
    assert "t2谢谢" in det.vocabulary_ and det.weights_[det.vocabulary_["t2谢谢"]].tolist() == [
        0,
        0,
    ]
    assert abs((det.gate_probability(["感觉血亏", "谢谢"]) or 0) - 1 / (1 + np.exp(-2.0))) < 1e-12
    assert det.detect(["感觉血亏"], BOTH, set()) == [("annual_fee", 0)]  # gate 0.27 < 0.9
    assert det.detect(["谢谢", "谢谢"], BOTH, set()) == []  # gate 0.998: withheld
    det.set_fallback(0.4, gate=0.8)
    assert det.detect(["感觉血亏", "谢谢"], BOTH, set()) == []  # gate 0.88 ≥ 0.8
    # the gate touches only the fallback: the first pass still adds "denied"
    assert det.detect(["denied", "谢谢", "谢谢"], BOTH, set()) == [("credit_limit", 0)]
    comments = [["感觉血亏"], ["感觉血亏", "谢谢"], ["denied", "谢谢"], []]
    found: list[set[str]] = [set() for _ in comments]
    many = det.detect_many(comments, BOTH, found)
    assert many == [det.detect(c, BOTH, f) for c, f in zip(comments, found, strict=True)]
    det.dump(tmp_path / "a.txt")
    again = AspectDetector.load(tmp_path / "a.txt")
    assert again.fallback == 0.4 and again.fallback_gate == 0.8
    assert again.gate_probability(["感觉血亏", "谢谢"]) == det.gate_probability(
        ["感觉血亏", "谢谢"]
    )
    assert again.detect_many(comments, BOTH, found) == many
    again.dump(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    # a file without a gate reads as before; dropping the gate drops its threshold
    det.set_gate(None)
    assert det.gate_probability(["谢谢"]) is None and det.fallback_gate is None
    assert det.detect(["感觉血亏", "谢谢"], BOTH, set()) == [("annual_fee", 0)]


def test_fallback_and_gate_are_chosen_together() -> None:
    # nothing found anywhere: 40 labelled annual_fee at p = 0.12; 40 unlabelled at p = 0.12
    # that the gate calls "about none" (0.95); 20 labelled at 0.06 the gate calls 0.1
    probs = np.array([[0.12, 0.01]] * 80 + [[0.06, 0.01]] * 20)
    gold = np.array([[True, False]] * 40 + [[False, False]] * 40 + [[True, False]] * 20)
    gate = np.array([0.2] * 40 + [0.95] * 40 + [0.1] * 20)
    oos = toy_oos(probs, gold, np.zeros_like(gold), ["a", "b"] * 50)
    rows = np.ones(100, dtype=bool)
    decided = np.zeros_like(gold)
    # a gate that tells nothing apart is never used: the fallback alone takes all 100 (F1 0.75)
    assert choose_fallback_gate(oos, rows, decided, np.zeros(100)) == (0.05, None)
    # with it the 40 unlabelled are withheld (F1 1.0): the highest gate below 0.95
    assert choose_fallback_gate(oos, rows, decided, gate) == (0.05, 0.9)
    # nothing worth adding: no fallback
    none = toy_oos(probs, np.zeros_like(gold), np.zeros_like(gold), ["a", "b"] * 50)
    assert choose_fallback_gate(none, rows, decided, gate) == (None, None)
    # what the trainer writes
    det = toy_detector()
    det.set_gate({"t2谢谢": 3.0}, bias=-1.0)
    set_passes(det, oos, None, choose_thresholds(oos, min_pairs=10), second=None, fallback=True,
               gate=gate)  # fmt: skip
    assert (det.fallback, det.fallback_gate) == (0.05, 0.9)
    assert det.metadata["fallback_gate"] == "0.90"


def test_the_gate_learns_sentences_about_none_of_the_aspects() -> None:
    feats = [{"tw谢谢": 1.0}] * 30 + [{"twfee": 1.0}] * 30 + [{"twfee": 1.0, "tw谢谢": 1.0}] * 4
    none = np.array([True] * 30 + [False] * 34)
    counts = SentenceCounts.from_dicts(feats)
    weights, _ = fit_gate(counts, none)
    assert weights["tw谢谢"] > 0 > weights["twfee"]
    frame = pd.DataFrame(
        {
            "author": (["lexicon"] * 20 + ["a"] * 22 + ["b"] * 22),
            "gold": [{} if n else {"annual_fee": "negative"} for n in none],
        }
    )
    probs, by_author = gate_out_of_sample(frame, counts)
    assert set(by_author) == {"a", "b"} and len(probs) == 44
    thanks = np.array(["twfee" not in f for f in feats[20:]])
    fee = np.array(["tw谢谢" not in f for f in feats[20:]])
    # each author's sentences read by a gate that never saw them
    assert probs[thanks].min() > 0.5 > probs[fee].max()
