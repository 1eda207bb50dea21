"""The one rule for when a campaign's lift and ROI may be quoted (measurement.quoting)."""

from __future__ import annotations

import math

import pytest

from loyalloop.core.results import CampaignArmSummary, Interval
from loyalloop.errors import ConfigError
from loyalloop.experiments import Estimate
from loyalloop.measurement.quoting import (
    MIN_GROUP,
    ROI_MIN_SPEND_SHARE,
    Figure,
    QuoteReason,
    Verdict,
    cell,
    explain,
    quote_arm,
    quote_effect,
    quote_rows,
    quote_summary,
)
from loyalloop.measurement.results import Effect, Level, Metric, MetricEffect

NAN = math.nan
GAIN = Figure(0.02, 0.01, 0.03)
# incremental margin 30,000 ± 5,000 (half-width 5,000: the spend floor without a budget)
MARGIN = Figure(30_000, 25_000, 35_000)
NET = Figure(20_000, 14_000, 26_000)
ROI = Figure(1.0, 0.4, 1.6)


def _quote(**kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "n": 1_000,
        "control_n": 250,
        "response": GAIN,
        "revenue": Figure(150_000, 125_000, 175_000),
        "margin": MARGIN,
        "net": NET,
        "roi": ROI,
        "spend": 10_000.0,
        "budget": None,
    }
    args.update(kw)
    return quote_arm(**args)  # type: ignore[arg-type]


def test_conclusive_gain_loss_and_inconclusive() -> None:
    q = _quote()
    assert q.net.verdict is Verdict.GAIN and q.net.reason is QuoteReason.ABOVE_ZERO
    assert q.roi.verdict is Verdict.GAIN and q.roi.quoted and q.roi.estimate == 1.0
    loss = _quote(net=Figure(-9_000, -15_000, -3_000), roi=Figure(-0.9, -1.5, -0.3))
    assert loss.net.verdict is Verdict.LOSS and loss.roi.verdict is Verdict.LOSS
    across = _quote(net=Figure(9_000, -3_000, 21_000), roi=Figure(0.9, -0.3, 2.1))
    assert across.net.verdict is Verdict.INCONCLUSIVE
    assert across.net.reason is QuoteReason.CROSSES_ZERO and not across.net.quoted
    # an ROI over an inconclusive net value is not quoted, even if its own interval is above 0
    assert across.roi.verdict is Verdict.INCONCLUSIVE and not across.roi.quoted
    disagree = _quote(roi=Figure(1.0, -0.1, 2.1))
    assert disagree.net.quoted and disagree.roi.verdict is Verdict.INCONCLUSIVE
    # an interval that only touches 0 is not a gain
    assert _quote(net=Figure(5.0, 0.0, 10.0)).net.verdict is Verdict.INCONCLUSIVE


def test_roi_over_a_tiny_share_of_the_budget_is_not_quoted() -> None:
    budget = 100_000.0
    ok = _quote(spend=ROI_MIN_SPEND_SHARE * budget, budget=budget)
    assert ok.roi.quoted
    tiny = _quote(spend=ROI_MIN_SPEND_SHARE * budget - 1, budget=budget)
    assert tiny.roi.verdict is Verdict.NOT_QUOTED and tiny.roi.reason is QuoteReason.TINY_SPEND
    assert tiny.net.quoted  # the net value is still quoted
    assert "9,999" in explain(tiny.roi) and "100,000" in explain(tiny.roi)
    assert "预算" in explain(tiny.roi, "zh")


def test_without_a_budget_roi_needs_a_spend_above_the_margins_noise() -> None:
    # the floor is the incremental margin's half-width (5,000 here)
    below = _quote(spend=4_999.0)
    assert below.roi.verdict is Verdict.NOT_QUOTED
    assert below.roi.reason is QuoteReason.SPEND_BELOW_NOISE and below.roi.floor == 5_000
    assert _quote(spend=5_000.0).roi.quoted
    # the demo's old line: ROI +38 (95 % −13 … +90) on 1,792 spent of 19,722
    demo = _quote(
        net=Figure(99_097, -36_403, 234_597),
        margin=Figure(101_000, -34_000, 236_000),
        roi=Figure(38.23, -13.21, 89.68),
        spend=1_792.0,
        budget=19_722.0,
    )
    assert demo.roi.verdict is Verdict.NOT_QUOTED and demo.roi.reason is QuoteReason.TINY_SPEND
    assert demo.net.verdict is Verdict.INCONCLUSIVE
    # with a budget the larger floor holds: 10 % of 1,000 is below the noise
    assert _quote(spend=4_000.0, budget=1_000.0).roi.reason is QuoteReason.SPEND_BELOW_NOISE


@pytest.mark.parametrize(
    ("n", "control_n", "reason"),
    [
        (1_000, 0, QuoteReason.NO_HOLDOUT),
        (0, 250, QuoteReason.EMPTY_ARM),
        (1_000, MIN_GROUP - 1, QuoteReason.SMALL_GROUP),
        (MIN_GROUP - 1, 250, QuoteReason.SMALL_GROUP),
    ],
)
def test_empty_or_small_groups_are_not_measurable(
    n: int, control_n: int, reason: QuoteReason
) -> None:
    q = _quote(n=n, control_n=control_n)
    for f in (q.response, q.revenue, q.margin, q.net, q.roi):
        assert f.verdict is Verdict.NOT_MEASURABLE and f.reason is reason and not f.quoted
    assert _quote(n=MIN_GROUP, control_n=MIN_GROUP).net.quoted
    if reason is QuoteReason.SMALL_GROUP:
        assert str(MIN_GROUP) in explain(q.net) and str(MIN_GROUP) in explain(q.net, "zh")


@pytest.mark.parametrize("bad", [NAN, math.inf, -math.inf])
def test_nan_and_inf_are_never_quoted(bad: float) -> None:
    q = _quote(net=Figure(bad, bad, bad), roi=Figure(bad, 0.1, bad))
    assert q.net.verdict is Verdict.NOT_MEASURABLE and q.net.reason is QuoteReason.NOT_FINITE
    assert q.roi.verdict is Verdict.NOT_MEASURABLE
    r = _quote(roi=Figure(1.0, 0.5, bad))
    assert r.roi.verdict is Verdict.NOT_QUOTED and r.roi.reason is QuoteReason.NOT_FINITE
    m = _quote(margin=Figure(30_000, bad, 35_000))
    assert m.roi.reason is QuoteReason.NOT_FINITE and not m.roi.quoted


def test_errors_of_the_results_are_kept() -> None:
    q = _quote(roi=Figure(NAN, NAN, NAN, "no_cost", "the treated customers cost nothing more"))
    assert q.roi.verdict is Verdict.NOT_QUOTED and q.roi.reason is QuoteReason.NOT_COMPUTED
    assert q.roi.detail == "no_cost" and "cost nothing more" in explain(q.roi)
    # too few customers with a known revenue (the results' small_arm): its own counts are said
    s = _quote(revenue=Figure(NAN, NAN, NAN, "small_arm", "12 held-out customers with a revenue"))
    assert s.revenue.verdict is Verdict.NOT_MEASURABLE and s.revenue.detail == "small_arm"
    assert "12 held-out" in explain(s.revenue) and s.response.quoted


@pytest.mark.parametrize("budget", [0.0, -5.0, NAN, math.inf])
def test_a_bad_budget_is_refused(budget: float) -> None:
    with pytest.raises(ConfigError, match="budget"):
        _quote(budget=budget)


def test_cells_never_show_an_inconclusive_point_estimate() -> None:
    def fmt(x: float) -> str:
        return f"{x:+,.0f}"

    across = _quote(net=Figure(9_000, -3_000, 21_000))
    assert cell(across.net, fmt) == "inconclusive (-3,000 … +21,000)"
    assert "+9,000" not in cell(across.net, fmt)
    assert cell(across.net, fmt, "zh").startswith("不确定")
    assert cell(across.roi, fmt) == "inconclusive"
    assert cell(_quote().net, fmt) == "+20,000 (+14,000 … +26,000)"
    assert cell(_quote(spend=1.0).roi, fmt) == "not quoted"
    assert cell(_quote(control_n=3).net, fmt, "zh") == "无法衡量"


def _effect(n: int, control_n: int, net: Estimate, roi: Estimate, cost: float) -> Effect:
    margin = Estimate(net.estimate + cost, net.se, net.low + cost, net.high + cost)
    metrics = tuple(
        MetricEffect(m, 0.0, 0.0, x, NAN, x)
        for m, x in (
            (Metric.RESPONSE, Estimate(0.02, 0.005, 0.01, 0.03)),
            (Metric.REVENUE, Estimate(5.0, 1.0, 3.0, 7.0)),
            (Metric.MARGIN, margin),
            (Metric.NET, net),
        )
    )
    return Effect("c", Level.CAMPAIGN, "*", "holdout", None, n, control_n, metrics, cost, roi)


def test_the_three_adapters_agree() -> None:
    """An Effect, its manifest summary and its frame rows give the same verdicts."""
    from loyalloop.measurement.results import CampaignReport, CampaignResult

    e = _effect(
        1_000, 250, Estimate(20_000, 3_000, 14_000, 26_000), Estimate(1.0, 0.3, 0.4, 1.6), 12_000
    )
    report = CampaignReport(
        (CampaignResult("c", "c", None, None, None, (("holdout", 250),), 0.2, (e,)),), 0.05
    )
    frame = report.to_frame()
    rows = {r["metric"]: r for r in frame.to_dict("records")}
    summary = CampaignArmSummary(
        level="campaign",
        arm="*",
        control="holdout",
        customers=1_000,
        control_customers=250,
        response_rate=None,
        control_response_rate=None,
        response_lift=Interval(0.02, 0.01, 0.03),
        incremental_responses=None,
        incremental_revenue=Interval(5.0, 3.0, 7.0),
        incremental_margin=Interval(32_000, 26_000, 38_000),
        cost=12_000,
        net_value=Interval(20_000, 14_000, 26_000),
        roi=Interval(1.0, 0.4, 1.6),
        p_value=None,
        cuped=False,
    )
    for budget in (None, 100_000.0, 200_000.0):
        a, b, c = (
            quote_effect(e, budget=budget),
            quote_summary(summary, budget=budget),
            quote_rows(rows, budget=budget),
        )
        for x, y, z in zip(
            (a.response, a.revenue, a.margin, a.net, a.roi),
            (b.response, b.revenue, b.margin, b.net, b.roi),
            (c.response, c.revenue, c.margin, c.net, c.roi),
            strict=True,
        ):
            assert (x.verdict, x.reason) == (y.verdict, y.reason) == (z.verdict, z.reason)
    assert quote_effect(e).roi.quoted
    assert quote_effect(e, budget=200_000.0).roi.reason is QuoteReason.TINY_SPEND


def test_every_reason_a_figure_was_not_computed_is_said_in_chinese() -> None:
    import re

    from loyalloop.experiments.results import ErrorCode
    from loyalloop.measurement.notes import DETAILS
    from loyalloop.measurement.results import ResultError

    codes = {c.value for c in ResultError} | {c.value for c in ErrorCode}
    assert codes <= set(DETAILS)
    for code in sorted(codes):
        q = _quote(roi=Figure(NAN, NAN, NAN, code, "an English message from the results"))
        zh = explain(q.roi, "zh")
        # no English words in the Chinese remark (setting names like campaigns.margin_rate aside)
        assert not re.search(r"\b(?!campaigns\b|margin_rate\b|ROI\b)[a-z]{3,}\b", zh), (code, zh)
        assert "English message" in explain(q.roi)  # English keeps the results' own message
    q = _quote(roi=Figure(NAN, NAN, NAN, "no_margin_rate", "no margin rate configured"))
    assert explain(q.roi, "zh") == "未计算：未设置毛利率（campaigns.margin_rate），不计算毛利"
