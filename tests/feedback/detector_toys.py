"""Toy detectors and out-of-sample passes shared by the detector tests."""

from __future__ import annotations

import numpy as np

from loyalloop.feedback.aspect_detector import AspectDetector
from loyalloop.feedback.train_aspects import OutOfSample

BOTH = ["annual_fee", "credit_limit"]


def toy_detector() -> AspectDetector:
    # annual_fee: -2 + 1.7 ("血亏") = -0.3, p = 0.43; credit_limit: -2 + 4 ("denied") = 2, p = 0.88
    vocab = {"t2血亏": 0, "twdenied": 1}
    weights = np.array([[1.7, 0.0], [0.0, 4.0]])
    return AspectDetector(BOTH, vocab, weights, np.array([-2.0, -2.0]), 0.5, {})


def toy_oos(
    probs: np.ndarray, gold: np.ndarray, found: np.ndarray, authors: list[str]
) -> OutOfSample:
    return OutOfSample(
        aspects=tuple(BOTH),
        probabilities=probs,
        gold=gold,
        found=found,
        allowed=np.ones_like(gold),
        author=np.array(authors),
        language=np.array(["en"] * len(gold)),
        how="test",
    )
