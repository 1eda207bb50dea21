"""Campaign results: each arm against its holdout, with intervals, cost and ROI.

For every campaign and every treated arm (:mod:`.arms` says which holdout is its control), on
the per-assignment table of :mod:`.table` — intent to treat: every customer assigned to an arm
counts, whether or not the message reached them:

=================  ==========================================================================
metric             per assigned customer, treated arm against its control
=================  ==========================================================================
``response_rate``  share who bought in the window (proportion, Welch)
``winback_rate``   share of lapsed customers who came back (``reactivated`` outcomes)
``revenue``        revenue in the window (mean, Welch; CUPED with the pre-period revenue)
``margin``         ``margin_rate × revenue``
``cost``           contact + redemption cost (:mod:`.costs`); the control's is normally 0
``net_value``      ``margin − cost`` per customer (CUPED as revenue)
=================  ==========================================================================

Each comes with the lift per customer (``experiments.frequentist_test``: Welch's t interval at
``1 − alpha``), its relative lift, a p-value (Holm-adjusted over a campaign's arms as well) and
the **total** over the arm: lift × customers assigned to it — incremental responses, revenue,
margin, net value — with the interval scaled alike. ``cost`` is also reported as the arm's
actual total (counted, not estimated).

**ROI** = incremental net value / incremental cost = ``Δmargin / Δcost − 1`` per customer, a
ratio of two estimates from the same customers. Its interval is the delta method's (normal):
with ``A = Δmargin`` (CUPED-adjusted when a pre-period covariate is given) and ``B = Δcost``,
``var(A/B) ≈ var A / B² + A² var B / B⁴ − 2 A cov(A, B) / B³``, where ``cov(A, B)`` comes from
the within-arm cross-products of revenue and cost (customers who redeem an offer are buyers,
so the two move together). The tests check its coverage on simulated campaigns against a
bootstrap. A campaign with no cost has no ROI (``error``: ``no_cost``).

**Groups and campaign totals**: the treated arms that share a control are pooled (their sums
add) and compared with it; totals of a group (``champion``, ``explore`` …) and of the whole
campaign add those pooled comparisons (independent when their controls differ). Their
intervals are normal.

A campaign without any control arm, an arm without a control, an arm that has no customers
(when the planned arms are given), or a metric that does not vary gives that row an ``error``
(a stable code) and a message; the rest of the report stands (gbstats' way).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd
from scipy import special

from loyalloop.core.results import Note
from loyalloop.errors import ConfigError
from loyalloop.experiments import (
    Adjusted,
    Estimate,
    Proportion,
    SampleMean,
    SrmResult,
    Statistic,
    adjust_p_values,
    frequentist_test,
    srm_check,
    variance_of_ratio,
)
from loyalloop.experiments.cuped import cuped_theta
from loyalloop.measurement.arms import GLOBAL_CONTROL, control_for, parse_arm
from loyalloop.measurement.costs import CostModel
from loyalloop.measurement.notes import make_note
from loyalloop.measurement.table import SUM_COLUMNS, MeasurementData, arm_sums

__all__ = [
    "MIN_ARM",
    "CampaignReport",
    "CampaignResult",
    "Effect",
    "Level",
    "Metric",
    "MetricEffect",
    "ResultError",
    "campaign_results",
]


class Metric(StrEnum):
    """A campaign metric (module docstring)."""

    RESPONSE = "response_rate"
    WINBACK = "winback_rate"
    REVENUE = "revenue"
    MARGIN = "margin"
    COST = "cost"
    NET = "net_value"


class Level(StrEnum):
    """What an :class:`Effect` compares."""

    ARM = "arm"
    GROUP = "group"
    CAMPAIGN = "campaign"


class ResultError(StrEnum):
    """Why a campaign, arm or figure has no result (besides the statistics' own codes)."""

    NO_CONTROL = "no_control"
    NO_UNITS = "no_units"
    NO_COST = "no_cost"
    NO_MARGIN = "no_margin_rate"
    NO_REVENUE = "no_revenue"
    NO_EVENTS = "no_events"
    #: Fewer than :data:`MIN_ARM` customers in the holdout (or the arm): money not measured.
    SMALL_ARM = "small_arm"


#: The fewest customers a holdout (and its arm) needs for revenue, margin and net value to be
#: reported. Revenue per customer is heavy-tailed (a few customers spend 20–100× the median):
#: on the sample's campaign truth, a 95 % interval from a holdout of 10 covered the true effect
#: 73 % of the time, from 20 about 92 %, and from 30 or more at least 96 % with the variance
#: rule of :func:`_conservative` (``benchmarks/targeting_coverage.py``, docs/measurement.md).
MIN_ARM = 30
#: Below this many customers the smaller group borrows the larger one's variance
#: (:func:`_conservative`); from a few hundred on, Welch's interval alone covered at least
#: 93 % in the same simulation, and borrowing would only widen it.
BORROW_BELOW = 200


@dataclass(frozen=True)
class MetricEffect:
    """One metric of a treated arm (or a pooled group) against its control.

    ``lift`` is per customer; ``total`` is ``lift × n`` (the treated customers), e.g. the
    incremental revenue of the arm. Numbers are ``nan`` when ``error`` is set.
    """

    metric: Metric
    mean: float
    control_mean: float
    lift: Estimate
    lift_rel: float
    total: Estimate
    p_value: float = math.nan
    p_value_adjusted: float = math.nan
    cuped: bool = False
    error: str | None = None
    message: str = ""


@dataclass(frozen=True)
class Effect:
    """Treated customers against their control: every metric, the actual cost and the ROI.

    ``arm`` is the arm's name (level ``arm``), the group's (``group``; ``""`` for a plain
    campaign's arms together) or ``*`` (``campaign``); ``control`` names the control arm(s).
    ``segment`` is ``None`` for all customers.
    """

    campaign_id: str
    level: Level
    arm: str
    control: str
    segment: str | None
    n: int
    control_n: int
    metrics: tuple[MetricEffect, ...]
    cost: float
    roi: Estimate
    roi_error: str | None = None
    roi_message: str = ""
    error: str | None = None
    message: str = ""

    def metric(self, metric: Metric | str) -> MetricEffect:
        m = Metric(metric)
        for x in self.metrics:
            if x.metric is m:
                return x
        raise KeyError(m.value)


@dataclass(frozen=True)
class CampaignResult:
    """Everything measured for one campaign."""

    campaign_id: str
    name: str
    start_at: datetime | None
    end_at: datetime | None
    #: Whether the outcome window had ended by the as-of time (``None``: unknown).
    window_complete: bool | None
    #: Customers per arm (including ``global_control``).
    assigned: tuple[tuple[str, int], ...]
    margin_rate: float | None
    effects: tuple[Effect, ...]
    segments: tuple[Effect, ...] = ()
    srm: SrmResult | None = None
    error: str | None = None
    message: str = ""
    notes: tuple[Note, ...] = ()

    @property
    def total(self) -> Effect | None:
        """The whole campaign against its control(s)."""
        for e in self.effects:
            if e.level is Level.CAMPAIGN:
                return e
        return None

    def arm(self, name: str) -> Effect:
        for e in self.effects:
            if e.level is Level.ARM and e.arm == name:
                return e
        raise KeyError(name)


@dataclass(frozen=True)
class CampaignReport:
    """Results of every campaign in the data; :meth:`to_frame` flattens them."""

    campaigns: tuple[CampaignResult, ...]
    alpha: float
    notes: tuple[Note, ...] = field(default=())

    def campaign(self, key: str) -> CampaignResult:
        """The campaign with this id or name."""
        for c in self.campaigns:
            if key in (c.campaign_id, c.name):
                return c
        raise KeyError(key)

    def to_frame(self) -> pd.DataFrame:
        """One row per campaign, effect, segment and metric (plus a ``roi`` row each)."""
        rows: list[dict[str, Any]] = []
        for c in self.campaigns:
            for e in (*c.effects, *c.segments):
                base = {
                    "campaign_id": c.campaign_id,
                    "campaign_name": c.name,
                    "level": e.level.value,
                    "arm": e.arm,
                    "group": parse_arm(e.arm).group if e.level is Level.ARM else e.arm,
                    "control": e.control,
                    "segment": e.segment,
                    "n": e.n,
                    "control_n": e.control_n,
                }
                for m in e.metrics:
                    rows.append(
                        {
                            **base,
                            "metric": m.metric.value,
                            "mean": m.mean,
                            "control_mean": m.control_mean,
                            "lift": m.lift.estimate,
                            "lift_low": m.lift.low,
                            "lift_high": m.lift.high,
                            "lift_rel": m.lift_rel,
                            "total": m.total.estimate,
                            "total_low": m.total.low,
                            "total_high": m.total.high,
                            "p_value": m.p_value,
                            "p_value_adjusted": m.p_value_adjusted,
                            "cuped": m.cuped,
                            "error": m.error or e.error,
                            "message": m.message or e.message,
                        }
                    )
                rows.append(
                    {
                        **base,
                        "metric": "roi",
                        "mean": math.nan,
                        "control_mean": math.nan,
                        "lift": e.roi.estimate,
                        "lift_low": e.roi.low,
                        "lift_high": e.roi.high,
                        "lift_rel": math.nan,
                        "total": e.cost,
                        "total_low": math.nan,
                        "total_high": math.nan,
                        "p_value": math.nan,
                        "p_value_adjusted": math.nan,
                        "cuped": False,
                        "error": e.roi_error or e.error,
                        "message": e.roi_message or e.message,
                    }
                )
        columns = [
            "campaign_id",
            "campaign_name",
            "level",
            "arm",
            "group",
            "control",
            "segment",
            "n",
            "control_n",
            "metric",
            "mean",
            "control_mean",
            "lift",
            "lift_low",
            "lift_high",
            "lift_rel",
            "total",
            "total_low",
            "total_high",
            "p_value",
            "p_value_adjusted",
            "cuped",
            "error",
            "message",
        ]
        return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class _Comparison:
    """One treated set against one control: metric effects and the ROI's parts."""

    n: int
    control_n: int
    metrics: dict[Metric, MetricEffect]
    cost: float
    #: ``A = Δmargin``, ``B = Δcost`` per customer, their variances and covariance (ROI).
    roi_parts: tuple[float, float, float, float, float] | None
    #: ``total`` and its variance per metric (for adding comparisons up).
    totals: dict[Metric, tuple[float, float]]
    #: The control's name (for saying which comparison a total left out).
    label: str = ""


def _z(alpha: float) -> float:
    return float(special.ndtri(1.0 - alpha / 2.0))


def _nan_effect(metric: Metric, code: str, message: str) -> MetricEffect:
    u = Estimate.undefined()
    return MetricEffect(metric, math.nan, math.nan, u, math.nan, u, error=code, message=message)


def _scaled(e: Estimate, k: float) -> Estimate:
    lo, hi = sorted((e.low * k, e.high * k))
    return Estimate(e.estimate * k, e.se * abs(k), lo, hi)


def _mean_stat(n: float, s: float, ss: float) -> SampleMean:
    return SampleMean(int(n), s, ss)


def _effect(
    metric: Metric,
    control: Statistic,
    treated: Statistic,
    n_total: int,
    alpha: float,
    *,
    scale: float = 1.0,
) -> tuple[MetricEffect, float]:
    """The metric's effect and the variance of its total."""
    r = frequentist_test(control, treated, alpha=alpha)
    m = r.moments
    cuped = m.theta is not None
    if r.error:
        return (
            MetricEffect(
                metric,
                m.treatment_mean * scale,
                m.control_mean * scale,
                Estimate.undefined(),
                math.nan,
                Estimate.undefined(),
                cuped=cuped,
                error=r.error.value,
                message=r.message,
            ),
            math.nan,
        )
    lift = _scaled(r.absolute, scale)
    total = _scaled(lift, n_total)
    return (
        MetricEffect(
            metric,
            m.treatment_mean * scale,
            m.control_mean * scale,
            lift,
            r.relative.estimate,
            total,
            p_value=r.p_value,
            cuped=cuped,
            message=r.message,
        ),
        total.se**2,
    )


def _pool(rows: Sequence[pd.Series]) -> pd.Series:
    out = rows[0][list(SUM_COLUMNS)].copy()
    for r in rows[1:]:
        out = out + r[list(SUM_COLUMNS)]
    return out


def _cov(n: float, a_sum: float, b_sum: float, ab_sum: float) -> float:
    return (ab_sum - a_sum * b_sum / n) / (n - 1) if n > 1 else math.nan


def _var(n: float, s: float, ss: float) -> float:
    return max((ss - s * s / n) / (n - 1), 0.0) if n > 1 else math.nan


def _conservative(control: Statistic, treated: Statistic) -> tuple[Statistic, Statistic]:
    """The smaller group's variance, when below the larger group's and the smaller group has
    fewer than :data:`BORROW_BELOW` customers, is raised to it (the means are kept): with
    heavy-tailed money, a small holdout's sample variance is usually far below the truth —
    its few customers seldom include a big spender — and Welch's interval then under-covers
    (docs/measurement.md). Only plain means (not CUPED-adjusted statistics) are changed."""
    if not (isinstance(control, SampleMean) and isinstance(treated, SampleMean)):
        return control, treated
    if min(control.n, treated.n) >= BORROW_BELOW:
        return control, treated

    def raised(small: SampleMean, big: SampleMean) -> SampleMean:
        v_small, v_big = small.variance, big.variance
        if small.n < 2 or not (math.isfinite(v_big) and v_big > v_small):
            return small
        return SampleMean(small.n, small.sum, (small.n - 1) * v_big + small.sum**2 / small.n)

    if control.n < treated.n:
        return raised(control, treated), treated
    if treated.n < control.n:
        return control, raised(treated, control)
    return control, treated


def _compare(
    t: pd.Series, c: pd.Series, margin_rate: float | None, has_pre: bool, alpha: float
) -> _Comparison:
    n_t, n_c = int(t["n"]), int(c["n"])
    metrics: dict[Metric, MetricEffect] = {}
    totals: dict[Metric, tuple[float, float]] = {}

    def put(effect: MetricEffect, var_total: float) -> None:
        metrics[effect.metric] = effect
        totals[effect.metric] = (effect.total.estimate, var_total)

    put(
        *_effect(
            Metric.RESPONSE,
            Proportion(n_c, c["responded"]),
            Proportion(n_t, t["responded"]),
            n_t,
            alpha,
        )
    )
    if t["reactivated"] + c["reactivated"] == 0:
        put(
            _nan_effect(
                Metric.WINBACK,
                ResultError.NO_EVENTS,
                "nobody was reactivated in either arm (no lapsed customers, or no reactivation "
                "outcomes)",
            ),
            math.nan,
        )
    else:
        put(
            *_effect(
                Metric.WINBACK,
                Proportion(n_c, c["reactivated"]),
                Proportion(n_t, t["reactivated"]),
                n_t,
                alpha,
            )
        )

    def revenue_stat(s: pd.Series) -> Statistic:
        post = _mean_stat(s["n_rev"], s["rev"], s["rev2"])
        if has_pre:
            return Adjusted(
                int(s["n_rev"]), post, _mean_stat(s["n_rev"], s["pre"], s["pre2"]), s["rev_pre"]
            )
        return post

    rev_c, rev_t = _conservative(revenue_stat(c), revenue_stat(t))
    no_revenue = min(t["n_rev"], c["n_rev"]) == 0
    small = not no_revenue and min(t["n_rev"], c["n_rev"]) < MIN_ARM
    if no_revenue:
        for m in (Metric.REVENUE, Metric.MARGIN, Metric.NET):
            put(
                _nan_effect(m, ResultError.NO_REVENUE, "no customer with a known revenue"), math.nan
            )
    elif small:
        msg = (
            f"{int(c['n_rev'])} held-out and {int(t['n_rev'])} treated customers with a known "
            f"revenue: at least {MIN_ARM} in each are needed for a revenue figure whose "
            "interval can be trusted (revenue is heavy-tailed)"
        )
        for m in (Metric.REVENUE, Metric.MARGIN, Metric.NET):
            put(_nan_effect(m, ResultError.SMALL_ARM, msg), math.nan)
    else:
        put(*_effect(Metric.REVENUE, rev_c, rev_t, n_t, alpha))
    # cost per customer (over all assigned customers)
    put(*_cost_effect(t, c, alpha))
    roi_parts = None
    if not (no_revenue or small):
        if margin_rate is None:
            msg = "no margin rate configured (campaigns.margin_rate); margin is not computed"
            for m in (Metric.MARGIN, Metric.NET):
                put(_nan_effect(m, ResultError.NO_MARGIN, msg), math.nan)
        else:
            k = margin_rate
            put(*_effect(Metric.MARGIN, rev_c, rev_t, n_t, alpha, scale=k))

            def net_stat(s: pd.Series) -> Statistic:
                n = s["n_rev"]
                post = _mean_stat(
                    n,
                    k * s["rev"] - s["cost"],
                    k * k * s["rev2"] - 2 * k * s["rev_cost"] + s["cost2"],
                )
                if has_pre:
                    pre = _mean_stat(n, s["pre"], s["pre2"])
                    return Adjusted(int(n), post, pre, k * s["rev_pre"] - s["cost_pre"])
                return post

            put(*_effect(Metric.NET, *_conservative(net_stat(c), net_stat(t)), n_t, alpha))
            roi_parts = _roi_parts(t, c, k, rev_c, rev_t, has_pre)
    return _Comparison(n_t, n_c, metrics, float(t["cost_all"]), roi_parts, totals)


def _cost_effect(t: pd.Series, c: pd.Series, alpha: float) -> tuple[MetricEffect, float]:
    """Cost per customer, treated against control (normally 0): a difference of means with a
    normal interval — the Welch test refuses an arm without variation, and a fixed contact
    cost has none."""
    z = _z(alpha)
    mt, mc = t["cost_all"] / t["n"], c["cost_all"] / c["n"]
    var = _var(t["n"], t["cost_all"], t["cost_all2"]) / t["n"]
    if c["n"] > 1:
        var += _var(c["n"], c["cost_all"], c["cost_all2"]) / c["n"]
    se = math.sqrt(var) if math.isfinite(var) else math.nan
    d = mt - mc
    lift = Estimate(d, se, d - z * se, d + z * se)
    n = t["n"]
    total = Estimate(d * n, se * n, (d - z * se) * n, (d + z * se) * n)
    return MetricEffect(Metric.COST, mt, mc, lift, d / mc if mc else math.nan, total), (se * n) ** 2


def _roi_parts(
    t: pd.Series, c: pd.Series, k: float, rev_c: Statistic, rev_t: Statistic, has_pre: bool
) -> tuple[float, float, float, float, float]:
    """``A = Δmargin``, ``B = Δcost`` per customer (revenue-known customers), var A, var B,
    cov(A, B) — see the module docstring."""
    theta = 0.0
    if has_pre and isinstance(rev_c, Adjusted) and isinstance(rev_t, Adjusted):
        theta = cuped_theta(rev_c, rev_t)

    def parts(s: pd.Series) -> tuple[float, float, float, float, float]:
        n = s["n_rev"]
        adj_sum = s["rev"] - theta * s["pre"]
        adj_ss = s["rev2"] - 2 * theta * s["rev_pre"] + theta**2 * s["pre2"]
        mean_adj = adj_sum / n
        var_adj = _var(n, adj_sum, adj_ss)
        mean_cost = s["cost"] / n
        var_cost = _var(n, s["cost"], s["cost2"])
        cov = _cov(n, adj_sum, s["cost"], s["rev_cost"] - theta * s["cost_pre"])
        return mean_adj, var_adj / n, mean_cost, var_cost / n, cov / n

    mt, vt, kt, vkt, ct = parts(t)
    mc, vc, kc, vkc, cc = parts(c)
    a = k * (mt - mc)
    b = kt - kc
    return a, k * k * (vt + vc), b, vkt + vkc, k * (ct + cc)


def _roi(
    parts: tuple[float, float, float, float, float] | None, alpha: float
) -> tuple[Estimate, str | None, str]:
    if parts is None:
        return Estimate.undefined(), ResultError.NO_MARGIN, "no margin rate configured"
    a, var_a, b, var_b, cov = parts
    if not b > 0:
        return (
            Estimate.undefined(),
            ResultError.NO_COST,
            "the treated customers cost nothing more than the control: ROI is undefined",
        )
    var = variance_of_ratio(a, var_a, b, var_b, cov)
    if not (math.isfinite(var) and var >= 0):
        return Estimate.undefined(), "not_finite", "the ROI's variance is not finite"
    se = math.sqrt(var)
    z = _z(alpha)
    roi = a / b - 1.0
    return Estimate(roi, se, roi - z * se, roi + z * se), None, ""


def _combine(
    comparisons: Sequence[_Comparison], alpha: float
) -> tuple[dict[Metric, MetricEffect], Estimate, str | None, str]:
    """Totals of independent comparisons (different controls) added up; normal intervals."""
    z = _z(alpha)
    all_comparisons = comparisons
    out: dict[Metric, MetricEffect] = {}
    left_out_net: set[int] = set()
    for metric in Metric:
        # a comparison whose own test failed (a holdout of one customer, a constant metric)
        # is left out of the total, and the total says so; if all failed, no total
        failed = [
            i
            for i, c in enumerate(all_comparisons)
            if metric not in c.metrics or c.metrics[metric].error or metric not in c.totals
        ]
        comparisons = [c for i, c in enumerate(all_comparisons) if i not in failed]
        if metric is Metric.NET:
            left_out_net = set(failed)
        if not comparisons:
            first = next((c.metrics[metric] for c in all_comparisons if metric in c.metrics), None)
            out[metric] = _nan_effect(
                metric,
                first.error if first and first.error else ResultError.NO_UNITS,
                first.message if first else "not computed",
            )
            continue
        n = sum(c.n for c in comparisons)
        parts = [c.totals[metric] for c in comparisons]
        firsts = [c.metrics[metric] for c in comparisons]
        note = ""
        if failed:
            names = ", ".join(
                f"{all_comparisons[i].label or '?'} ({all_comparisons[i].n} treated)"
                for i in failed
            )
            note = f"left out of this total (its test failed): {names}"
        total = sum(p[0] for p in parts if p)
        var = sum(p[1] for p in parts if p)
        se = math.sqrt(var) if var >= 0 else math.nan
        mean = sum(f.mean * c.n for f, c in zip(firsts, comparisons, strict=True)) / n
        control_mean = (
            sum(f.control_mean * c.n for f, c in zip(firsts, comparisons, strict=True)) / n
        )
        lift = Estimate(total / n, se / n, (total - z * se) / n, (total + z * se) / n)
        p = 2.0 * float(special.ndtr(-abs(total / se))) if se > 0 else math.nan
        rel = lift.estimate / abs(control_mean) if control_mean else math.nan
        out[metric] = MetricEffect(
            metric,
            mean,
            control_mean,
            lift,
            rel,
            Estimate(total, se, total - z * se, total + z * se),
            p_value=p,
            cuped=any(f.cuped for f in firsts),
            message=note,
        )
    comparisons = [c for i, c in enumerate(all_comparisons) if i not in left_out_net]
    roi_parts = [c.roi_parts for c in comparisons]
    if not comparisons:
        net = out[Metric.NET]
        if net.error == ResultError.NO_MARGIN:
            roi, code, msg = _roi(None, alpha)
            return out, roi, code, msg
        return out, Estimate.undefined(), net.error or ResultError.NO_UNITS, net.message
    if any(p is None for p in roi_parts):
        roi, code, msg = _roi(None, alpha)
    else:
        ns = [c.n for c in comparisons]
        a = sum(w * p[0] for w, p in zip(ns, roi_parts, strict=True) if p)
        va = sum(w * w * p[1] for w, p in zip(ns, roi_parts, strict=True) if p)
        b = sum(w * p[2] for w, p in zip(ns, roi_parts, strict=True) if p)
        vb = sum(w * w * p[3] for w, p in zip(ns, roi_parts, strict=True) if p)
        cv = sum(w * w * p[4] for w, p in zip(ns, roi_parts, strict=True) if p)
        roi, code, msg = _roi((a, va, b, vb, cv), alpha)
    return out, roi, code, msg


# ------------------------------------------------------------------------------------- report
def _effect_of(
    campaign_id: str,
    level: Level,
    arm: str,
    control: str,
    segment: str | None,
    comparisons: Sequence[_Comparison],
    alpha: float,
) -> Effect:
    if len(comparisons) == 1 and level is Level.ARM:
        c = comparisons[0]
        metrics = c.metrics
        roi, code, msg = _roi(c.roi_parts, alpha)
        net = metrics.get(Metric.NET)
        if net is not None and net.error == ResultError.SMALL_ARM:
            code, msg = ResultError.SMALL_ARM, net.message
    else:
        metrics, roi, code, msg = _combine(comparisons, alpha)
    return Effect(
        campaign_id,
        level,
        arm,
        control,
        segment,
        sum(c.n for c in comparisons),
        sum(c.control_n for c in comparisons),
        tuple(metrics[m] for m in Metric if m in metrics),
        sum(c.cost for c in comparisons),
        roi,
        code,
        msg,
    )


def _missing_arm(campaign_id: str, arm: str, segment: str | None) -> Effect:
    u = Estimate.undefined()
    return Effect(
        campaign_id,
        Level.ARM,
        arm,
        "",
        segment,
        0,
        0,
        (),
        0.0,
        u,
        error=ResultError.NO_UNITS,
        message=f"arm {arm!r} has no assigned customers",
    )


def _campaign_effects(
    campaign_id: str,
    sums: pd.DataFrame,
    margin_rate: float | None,
    has_pre: bool,
    alpha: float,
    segment: str | None,
    with_totals: bool,
) -> tuple[list[Effect], str | None, str]:
    rows = {r["arm"]: r for _, r in sums.iterrows()}
    arms = list(rows)
    treated = [a for a in arms if parse_arm(a).treated]
    controls = [a for a in arms if parse_arm(a).is_control]
    if not controls:
        return (
            [],
            ResultError.NO_CONTROL,
            "the campaign kept no holdout: its effect cannot be measured (arms: "
            + ", ".join(arms)
            + ")",
        )
    effects: list[Effect] = []
    by_control: dict[str, list[str]] = {}
    for a in treated:
        ctl = control_for(a, arms)
        if ctl is None:
            effects.append(
                Effect(
                    campaign_id,
                    Level.ARM,
                    a,
                    "",
                    segment,
                    int(rows[a]["n"]),
                    0,
                    (),
                    float(rows[a]["cost_all"]),
                    Estimate.undefined(),
                    error=ResultError.NO_CONTROL,
                    message=f"arm {a!r} has no holdout to compare with",
                )
            )
            continue
        by_control.setdefault(ctl, []).append(a)
        comp = _compare(rows[a], rows[ctl], margin_rate, has_pre, alpha)
        effects.append(_effect_of(campaign_id, Level.ARM, a, ctl, segment, [comp], alpha))
    if not with_totals or not by_control:
        return effects, None, ""
    groups: dict[str, dict[str, list[str]]] = {}
    for ctl, members in by_control.items():
        for a in members:
            groups.setdefault(parse_arm(a).group, {}).setdefault(ctl, []).append(a)

    def pooled(parts: Mapping[str, list[str]]) -> list[_Comparison]:
        return [
            replace(
                _compare(_pool([rows[a] for a in members]), rows[ctl], margin_rate, has_pre, alpha),
                label=ctl,
            )
            for ctl, members in parts.items()
        ]

    if len(groups) > 1:
        for g, parts in groups.items():
            effects.append(
                _effect_of(
                    campaign_id, Level.GROUP, g, ", ".join(parts), segment, pooled(parts), alpha
                )
            )
    effects.append(
        _effect_of(
            campaign_id,
            Level.CAMPAIGN,
            "*",
            ", ".join(by_control),
            segment,
            pooled(by_control),
            alpha,
        )
    )
    return effects, None, ""


def _adjust(effects: list[Effect]) -> list[Effect]:
    """Holm-adjusted p-values over a campaign's arms, per metric."""
    arms = [e for e in effects if e.level is Level.ARM and e.metrics]
    if len(arms) < 2:
        return [
            replace(e, metrics=tuple(replace(m, p_value_adjusted=m.p_value) for m in e.metrics))
            for e in effects
        ]
    adjusted: dict[tuple[str, Metric], float] = {}
    for metric in Metric:
        ps = [
            e.metric(metric).p_value if any(m.metric is metric for m in e.metrics) else math.nan
            for e in arms
        ]
        for e, p in zip(arms, adjust_p_values(ps), strict=True):
            adjusted[(e.arm, metric)] = float(p)
    out = []
    for e in effects:
        if e.level is Level.ARM:
            e = replace(
                e,
                metrics=tuple(
                    replace(m, p_value_adjusted=adjusted.get((e.arm, m.metric), math.nan))
                    for m in e.metrics
                ),
            )
        else:
            e = replace(e, metrics=tuple(replace(m, p_value_adjusted=m.p_value) for m in e.metrics))
        out.append(e)
    return out


def _srm(assigned: Mapping[str, int], shares: Mapping[str, float] | None) -> SrmResult | None:
    if shares is None:
        return None
    counts = {a: n for a, n in assigned.items() if a != GLOBAL_CONTROL}
    planned = {a: float(s) for a, s in shares.items() if a != GLOBAL_CONTROL}
    missing = [a for a in planned if a not in counts]
    for a in missing:
        counts[a] = 0
    try:
        return srm_check(counts, planned)
    except ConfigError as exc:
        return SrmResult(tuple(counts.items()), (), math.nan, math.nan, error=str(exc))


def _campaign_rows(campaigns: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    if campaigns is None or campaigns.empty:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for r in campaigns.to_dict("records"):
        out[str(r["campaign_id"])] = {str(k): v for k, v in r.items()}
    return out


def _ts(v: Any) -> datetime | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    ts = pd.Timestamp(v)
    return None if pd.isna(ts) else ts.to_pydatetime()


def campaign_results(
    data: MeasurementData,
    *,
    costs: Mapping[str, CostModel] | None = None,
    default_cost: CostModel | None = None,
    campaigns: pd.DataFrame | None = None,
    shares: Mapping[str, Mapping[str, float]] | None = None,
    expected_arms: Mapping[str, Sequence[str]] | None = None,
    as_of: datetime | None = None,
    alpha: float = 0.05,
    by_segment: bool = True,
) -> CampaignReport:
    """Measure every campaign in ``data`` (module docstring).

    Parameters
    ----------
    data
        From :func:`~loyalloop.measurement.table.measurement_table` (the same ``costs`` must be
        passed to both: the table holds each customer's cost, the margin rate is used here).
    campaigns
        Rows of the ``campaigns`` contract (names and windows); optional.
    shares
        Planned share of each arm per campaign (holdout included, global control excluded), for
        the sample-ratio check; without it the split is not checked.
    expected_arms
        Arms each campaign planned: a planned arm without customers gets an error row.
    as_of
        The time outcomes were counted up to (a window not yet over is flagged).
    by_segment
        Also compare each arm with its control within every segment (when the table has one).
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    costs = dict(costs or {})
    default_cost = default_cost or CostModel()
    sums = arm_sums(data)
    seg_sums = arm_sums(data, by_segment=True) if by_segment and data.has_segment else None
    meta = _campaign_rows(campaigns)
    results: list[CampaignResult] = []
    for campaign_id, part in sums.groupby("campaign_id", sort=True):
        cid = str(campaign_id)
        model = costs.get(cid, default_cost)
        assigned = {str(r["arm"]): int(r["n"]) for _, r in part.iterrows()}
        m = meta.get(cid, {})
        end = _ts(m.get("end_at"))
        complete = None if end is None or as_of is None else end <= as_of
        notes: list[Note] = []
        if complete is False:
            notes.append(
                make_note(
                    "provisional_window",
                    end=f"{end:%Y-%m-%d}",
                    as_of=f"{as_of:%Y-%m-%d}",  # type: ignore[str-format]
                )
            )
        effects, error, message = _campaign_effects(
            cid, part, model.margin_rate, data.has_pre, alpha, None, with_totals=True
        )
        for arm in (expected_arms or {}).get(cid, ()):
            if arm not in assigned:
                effects.append(_missing_arm(cid, arm, None))
        segments: list[Effect] = []
        if seg_sums is not None and error is None:
            sp = seg_sums[seg_sums["campaign_id"] == campaign_id]
            for seg, seg_part in sp.groupby("segment", sort=True):
                found, _, _ = _campaign_effects(
                    cid, seg_part, model.margin_rate, data.has_pre, alpha, str(seg), False
                )
                segments.extend(found)
        srm = _srm(assigned, (shares or {}).get(cid))
        if srm is not None and srm.mismatch:
            notes.append(make_note("sample_ratio_mismatch", p=f"{srm.p_value:.2g}"))
        results.append(
            CampaignResult(
                campaign_id=cid,
                name=str(m.get("name") or cid),
                start_at=_ts(m.get("start_at")),
                end_at=end,
                window_complete=complete,
                assigned=tuple(sorted(assigned.items())),
                margin_rate=model.margin_rate,
                effects=tuple(_adjust(effects)),
                segments=tuple(segments),
                srm=srm,
                error=error,
                message=message,
                notes=tuple(notes),
            )
        )
    notes = list(data.notes)
    if data.has_pre:
        notes.append(make_note("cuped"))
    return CampaignReport(tuple(results), alpha, tuple(notes))
