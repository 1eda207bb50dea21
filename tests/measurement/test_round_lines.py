"""The demo's measured line: an interval that crosses 0 is inconclusive, and no ROI is quoted
over a tiny spend (a ratio of noise over almost nothing)."""

from __future__ import annotations

import math

from loyalloop.experiments import Estimate
from loyalloop.measurement.quoting import ROI_MIN_SPEND_SHARE
from loyalloop.measurement.results import Effect, Level, Metric, MetricEffect
from loyalloop.measurement.sample_rounds import _measured_line


def _effect(net: Estimate, roi: Estimate) -> Effect:
    # the margin's interval as wide as the net value's (its half-width is the spend floor)
    margin = MetricEffect(Metric.MARGIN, 0.0, 0.0, net, math.nan, net)
    m = MetricEffect(Metric.NET, 0.0, 0.0, net, math.nan, net)
    return Effect("c", Level.CAMPAIGN, "*", "holdout", None, 1000, 250, (margin, m), 10.0, roi)


def test_an_interval_across_zero_is_inconclusive_and_quotes_no_roi() -> None:
    # the demo's round 2 once: +99,097 (95 % −36,403 … 234,597), ROI +38.23, truth −4,810
    e = _effect(Estimate(99_097, 69_000, -36_403, 234_597), Estimate(38.23, 26.0, -13.21, 89.68))
    line = _measured_line(e, 1_792, 19_722, "CNY")
    assert "inconclusive" in line and "-36,403 … 234,597" in line
    assert "99,097" not in line  # an inconclusive point estimate is not shown
    assert "ROI not quoted" in line and "+38" not in line


def test_roi_is_quoted_only_over_a_real_spend() -> None:
    e = _effect(Estimate(12_000, 3_000, 6_000, 18_000), Estimate(2.5, 0.5, 1.5, 3.5))
    quoted = _measured_line(e, 15_000, 19_722, "CNY")
    assert "inconclusive" not in quoted and "ROI +2.50 (95% +1.50 … +3.50)" in quoted
    tiny = _measured_line(e, ROI_MIN_SPEND_SHARE * 19_722 - 1, 19_722, "CNY")
    assert "ROI not quoted" in tiny and "+2.50" not in tiny and "12,000" in tiny
    assert "10%" in tiny and "19,722" in tiny
    # below the margin's noise (half-width 6,000) the ROI is not quoted either
    noisy = _measured_line(e, 5_000, 19_722, "CNY")
    assert "ROI not quoted" in noisy and "noise" in noisy and "+2.50" not in noisy


def test_a_small_holdout_is_not_measurable() -> None:
    e = _effect(Estimate(12_000, 3_000, 6_000, 18_000), Estimate(2.5, 0.5, 1.5, 3.5))
    from dataclasses import replace

    line = _measured_line(replace(e, control_n=12), 15_000, 19_722, "CNY")
    assert "not measurable" in line and "12,000" not in line and "ROI" not in line
