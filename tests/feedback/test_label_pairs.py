"""Scoring one label column against another (evaluate.label_pairs / pair_figures), by hand."""

from __future__ import annotations

import math

import pytest

from loyalloop.errors import DataValidationError
from loyalloop.feedback.evaluate import label_pairs, pair_figures


def test_figures_of_two_people_s_labels_by_hand() -> None:
    gold = ["fees:negative;billing:neutral", "interest:negative", "none", "app_online:positive"]
    second = ["fees:negative", "interest:neutral;fees:negative", "rewards_points:positive", ""]
    figs = pair_figures(label_pairs(gold, second))
    # gold pairs: fees-, billing0, interest-, app+ → 4; found: fees, interest → 2;
    # right: fees → 1; predicted pairs: fees, interest, fees, rewards → 4, of which 2 in gold.
    assert figs == {
        "pairs": 4.0,
        "agreement": 0.25,
        "recall": 0.5,
        "precision": 0.5,
        "sentiment_accuracy": 0.5,
    }


def test_no_gold_pairs_gives_nan_not_a_number_that_looks_measured() -> None:
    figs = pair_figures(label_pairs(["none"], ["fees:negative"]))
    assert figs["pairs"] == 0.0
    assert math.isnan(figs["agreement"]) and math.isnan(figs["recall"])
    assert figs["precision"] == 0.0


def test_rows_must_match_and_labels_must_parse() -> None:
    with pytest.raises(DataValidationError, match="2 gold rows against 1"):
        label_pairs(["none", "none"], ["none"])
    with pytest.raises(DataValidationError, match="predicted row 1"):
        label_pairs(["fees:negative"], ["fees:angry"])
