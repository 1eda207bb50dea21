"""Scoring one label column against another (evaluate.label_pairs / pair_figures /
complaint_figures / main_complaint_figures), by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from loyalloop.errors import DataValidationError
from loyalloop.feedback.complaints import main_complaint
from loyalloop.feedback.evaluate import (
    complaint_figures,
    evaluate_aspects,
    label_pairs,
    main_complaint_figures,
    pair_figures,
)


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


def test_complaint_figures_by_hand() -> None:
    gold = ["fees:negative;billing:neutral", "interest:negative", "none", "app_online:positive", ""]
    read = ["fees:negative;billing:negative", "interest:neutral", "rewards_points:negative", "", ""]
    figs = complaint_figures(label_pairs(gold, read), 5)
    # gold negatives: fees (row 0), interest (row 1) → 2, read negative: fees → 1;
    # read negatives: fees, billing (row 0), rewards (row 2) → 3, gold negative: fees → 1;
    # does the customer complain — gold: rows 0, 1; read: rows 0, 2 → rows 1 and 2 differ of 5.
    assert figs == {
        "complaint_recall": 0.5,
        "complaint_precision": pytest.approx(1 / 3),
        "complains_accuracy": pytest.approx(3 / 5),
    }


def test_complaint_figures_with_nothing_to_count_are_nan() -> None:
    figs = complaint_figures(label_pairs(["none"], ["fees:positive"]), 1)
    assert math.isnan(figs["complaint_recall"]) and math.isnan(figs["complaint_precision"])
    assert figs["complains_accuracy"] == 1.0


def test_evaluation_reports_the_complaint_view() -> None:
    df = pd.DataFrame(
        {
            "text": ["The annual fee is too high.", "Nice weather today."],
            "aspects": ["annual_fee:negative", "fees:negative"],
        }
    )
    ev = evaluate_aspects(df, taxonomy="banking")
    assert ev.overall["complaint_recall"] == 0.5
    assert ev.overall["complaint_precision"] == 1.0
    assert ev.overall["complains_accuracy"] == 0.5


def test_the_named_complaint_is_the_worst_aspect_ties_to_the_later_name() -> None:
    # without the reading's confidence: the highest severity, ties to the later name
    assert main_complaint({"fees": -0.6, "billing": -0.9, "app_online": -0.2}) == "billing"
    assert main_complaint({"fees": -1.0, "billing": -1.0}) == "fees"
    assert main_complaint({}) is None


def test_the_named_complaint_weighs_severity_by_the_reading_s_confidence() -> None:
    scores = {"fees": -0.6, "billing": -0.9}
    # 0.95 × 0.6 = 0.57 against 0.3 × 0.9 = 0.27: the fee, read less negative but surely named
    assert main_complaint(scores, {"fees": 0.95, "billing": 0.3}) == "fees"
    # 0.5 × 0.6 = 0.30 against 0.5 × 0.9 = 0.45
    assert main_complaint(scores, {"fees": 0.5, "billing": 0.5}) == "billing"
    # equal products: the larger severity, then the later name
    assert main_complaint(scores, {"fees": 0.9, "billing": 0.6}) == "billing"
    assert main_complaint({"fees": -0.5, "billing": -0.5}, {"fees": 0.4, "billing": 0.4}) == "fees"
    # one aspect without a known confidence (a custom aspect, a channel-implied mention):
    # severity alone, for all of them
    assert main_complaint(scores, {"fees": 0.95}) == "billing"
    assert main_complaint(scores, {"fees": 0.95, "billing": float("nan")}) == "billing"
    assert main_complaint({}, {"fees": 0.9}) is None


def test_main_complaint_figures_by_hand() -> None:
    named = ["fees", "billing", None, "interest", None]
    complained = [{"fees"}, {"fees"}, {"interest"}, set(), set()]
    figs = main_complaint_figures(named, complained)
    # named in rows 0, 1, 3 → 3, right in row 0 → precision 1/3;
    # labelled complaints in rows 0, 1, 2 → 3, named right in row 0 → recall 1/3.
    assert figs == {
        "main_complaint_precision": pytest.approx(1 / 3),
        "main_complaint_recall": pytest.approx(1 / 3),
    }
    empty = main_complaint_figures([None], [set()])
    assert math.isnan(empty["main_complaint_precision"])
    assert math.isnan(empty["main_complaint_recall"])
    with pytest.raises(DataValidationError, match="1 named complaints for 2 rows"):
        main_complaint_figures([None], [set(), set()])


def test_evaluation_names_the_complaint_as_a_case_would() -> None:
    df = pd.DataFrame(
        {
            "text": ["The annual fee is too high.", "Nice weather today.", "The app is great."],
            "aspects": ["annual_fee:negative", "fees:negative", "app_online:positive"],
        }
    )
    ev = evaluate_aspects(df, taxonomy="banking")
    # row 0 names annual_fee (labelled negative); row 1 names none; row 2 names none
    assert ev.overall["main_complaint_precision"] == 1.0
    assert ev.overall["main_complaint_recall"] == 0.5
