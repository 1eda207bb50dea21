"""The demo's measured line: an interval that crosses 0 is inconclusive, and no ROI is quoted
over a tiny spend (a ratio of noise over almost nothing)."""

from __future__ import annotations

import math

from loyalloop.experiments import Estimate
from loyalloop.measurement.results import Effect, Level, Metric, MetricEffect
from loyalloop.measurement.sample_rounds import ROI_MIN_SPEND_SHARE, _measured_line


def _effect(net: Estimate, roi: Estimate) -> Effect:
    m = MetricEffect(Metric.NET, 0.0, 0.0, net, math.nan, net)
    return Effect("c", Level.CAMPAIGN, "*", "holdout", None, 100, 25, (m,), 10.0, roi)


def test_an_interval_across_zero_is_inconclusive_and_quotes_no_roi() -> None:
    # the demo's round 2 once: +99,097 (95 % −36,403 … 234,597), ROI +38.23, truth −4,810
    e = _effect(Estimate(99_097, 69_000, -36_403, 234_597), Estimate(38.23, 26.0, -13.21, 89.68))
    line = _measured_line(e, 1_792, 19_722, "CNY")
    assert "inconclusive" in line and "99,097" in line and "-36,403" in line
    assert "ROI" in line and "+38" not in line


def test_roi_is_quoted_only_over_a_real_spend() -> None:
    e = _effect(Estimate(12_000, 3_000, 6_000, 18_000), Estimate(2.5, 0.5, 1.5, 3.5))
    quoted = _measured_line(e, 15_000, 19_722, "CNY")
    assert "inconclusive" not in quoted and "ROI +2.50 (95% +1.50 … +3.50)" in quoted
    tiny = _measured_line(e, ROI_MIN_SPEND_SHARE * 19_722 - 1, 19_722, "CNY")
    assert "ROI not quoted" in tiny and "+2.50" not in tiny and "12,000" in tiny
