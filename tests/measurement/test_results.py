"""Campaign results on simulated campaigns whose true effects are known (tests/measurement/simulate.py).

Checks: the intervals cover the truth (one large campaign, and coverage over many small ones),
the delta-method ROI interval agrees with a bootstrap, CUPED narrows the revenue interval
without moving it, group and campaign totals add up, the programme's effect against the
global control, the flat frame.
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from tests.measurement.simulate import simulate_campaign, true_effects

from loyalloop.measurement import (
    ArmCost,
    CostModel,
    Level,
    Metric,
    campaign_results,
    measurement_table,
    programme_effect,
)

MARGIN = 0.5
COSTS = CostModel(
    margin_rate=MARGIN,
    arms={
        "offer": ArmCost(contact_cost=0.1, redemption_cost=30.0),
        "message": ArmCost(contact_cost=0.1),
    },
)


def _report(a: pd.DataFrame, o: pd.DataFrame, pre: pd.DataFrame | None = None, **kw):  # type: ignore[no-untyped-def]
    data = measurement_table(
        ibis.memtable(a),
        ibis.memtable(o),
        default_cost=COSTS,
        pre=None if pre is None else ibis.memtable(pre),
    )
    return data, campaign_results(data, default_cost=COSTS, **kw)


@pytest.fixture(scope="module")
def big() -> tuple:  # type: ignore[type-arg]
    # 99 % intervals: a dozen intervals are checked on one draw, so at 95 % one would miss
    # about every other seed; calibration is checked by the coverage test below
    a, o, pre = simulate_campaign(40_000, seed=7)
    return a, o, pre, _report(a, o, pre, alpha=0.01)[1], _report(a, o, alpha=0.01)[1]


@pytest.mark.parametrize("arm", ["offer", "message"])
def test_intervals_cover_the_truth_on_a_large_campaign(big: tuple, arm: str) -> None:  # type: ignore[type-arg]
    _, _, _, cuped, _ = big
    e = cuped.campaign("C1").arm(arm)
    truth = true_effects(arm, margin_rate=MARGIN)
    assert e.control == "holdout"
    for metric, key in (
        (Metric.RESPONSE, "response"),
        (Metric.REVENUE, "revenue"),
        (Metric.MARGIN, "margin"),
        (Metric.COST, "cost"),
        (Metric.NET, "net"),
    ):
        m = e.metric(metric)
        assert m.error is None, (metric, m.message)
        if m.lift.se == 0:  # a fixed contact cost: no spread, the exact figure
            assert m.lift.estimate == pytest.approx(truth[key])
        else:
            assert m.lift.low <= truth[key] <= m.lift.high, (metric, m.lift, truth[key])
        # the total is the per-customer lift over the arm's customers
        assert m.total.estimate == pytest.approx(m.lift.estimate * e.n)
    assert e.roi.low <= truth["roi"] <= e.roi.high, (e.roi, truth["roi"])
    # the arm's actual cost is counted, not estimated: contact + redemptions at 30
    a, o, *_ = big
    ids = set(a.loc[a["arm"] == arm, "customer_id"])
    redeemed = int(((o["kind"] == "redeemed") & o["customer_id"].isin(ids)).sum())
    offer_cost = 30.0 if arm == "offer" else 0.0
    assert e.cost == pytest.approx(0.1 * len(ids) + offer_cost * redeemed)


def test_winback_is_not_computed_without_reactivations(big: tuple) -> None:  # type: ignore[type-arg]
    e = big[3].campaign("C1").arm("offer")
    m = e.metric(Metric.WINBACK)
    assert m.error == "no_events" and math.isnan(m.lift.estimate)


def test_cuped_narrows_the_revenue_interval_as_theory_says(big: tuple) -> None:  # type: ignore[type-arg]
    """CUPED's variance is ``(1 − ρ²)`` times the plain one (ρ: the within-arm correlation of
    pre-period and window revenue); the estimate moves by less than one standard error."""
    a, _, pre, cuped, plain = big
    data = measurement_table(
        ibis.memtable(a), ibis.memtable(big[1]), default_cost=COSTS, pre=ibis.memtable(pre)
    )
    t = data.table.to_pandas()
    for arm in ("offer", "message"):
        c = cuped.campaign("C1").arm(arm).metric(Metric.REVENUE)
        p = plain.campaign("C1").arm(arm).metric(Metric.REVENUE)
        assert c.cuped and not p.cuped
        sel = t["arm"].isin([arm, "holdout"])
        rho = t[sel].groupby("arm")[["revenue", "pre_revenue"]].corr().xs("revenue", level=1)
        rho2 = float((rho["pre_revenue"] ** 2).mean())
        assert rho2 > 0.005  # the simulation's covariate is informative
        assert (c.lift.se / p.lift.se) ** 2 == pytest.approx(1 - rho2, abs=0.01)
        assert abs(c.lift.estimate - p.lift.estimate) < p.lift.se
    assert any("CUPED" in n.message for n in cuped.notes)


def test_campaign_total_adds_the_arms(big: tuple) -> None:  # type: ignore[type-arg]
    c = big[4].campaign("C1")
    total = c.total
    assert total is not None and total.level is Level.CAMPAIGN
    arms = [c.arm("offer"), c.arm("message")]
    assert total.n == sum(e.n for e in arms)
    assert total.cost == pytest.approx(sum(e.cost for e in arms))
    # both arms share the holdout, so the total is the pooled arms against it
    truth = sum(
        true_effects(a, margin_rate=MARGIN)["net"] * e.n
        for a, e in zip(("offer", "message"), arms, strict=True)
    )
    net = total.metric(Metric.NET).total
    assert net.low <= truth <= net.high


def test_interval_coverage_over_many_campaigns() -> None:
    """Over 40 small campaigns the 95 % intervals of the response lift, net value and ROI
    cover the truth about 95 % of the time (binomial range for 40 draws)."""
    hits = {"response": 0, "net": 0, "roi": 0}
    truth = true_effects("offer", margin_rate=MARGIN)
    runs = 40
    for seed in range(runs):
        a, o, _ = simulate_campaign(6_000, seed=1000 + seed)
        e = _report(a, o)[1].campaign("C1").arm("offer")
        r, n = e.metric(Metric.RESPONSE).lift, e.metric(Metric.NET).lift
        hits["response"] += r.low <= truth["response"] <= r.high
        hits["net"] += n.low <= truth["net"] <= n.high
        hits["roi"] += e.roi.low <= truth["roi"] <= e.roi.high
    for k, h in hits.items():
        # P(X <= 33 | n=40, p=0.95) ≈ 0.014: fewer hits means the intervals are too narrow
        assert 34 <= h <= runs, (k, h)


def test_roi_delta_method_agrees_with_a_bootstrap() -> None:
    a, o, _ = simulate_campaign(20_000, seed=3)
    data, report = _report(a, o)
    e = report.campaign("C1").arm("offer")
    t = data.table.to_pandas()
    rng = np.random.default_rng(0)
    treated = t[t["arm"] == "offer"][["revenue", "cost"]].to_numpy()
    control = t[t["arm"] == "holdout"][["revenue", "cost"]].to_numpy()
    rois = []
    for _ in range(600):
        bt = treated[rng.integers(0, len(treated), len(treated))].mean(axis=0)
        bc = control[rng.integers(0, len(control), len(control))].mean(axis=0)
        rois.append(MARGIN * (bt[0] - bc[0]) / (bt[1] - bc[1]) - 1.0)
    rois = np.asarray(rois)
    point = (
        MARGIN
        * (treated[:, 0].mean() - control[:, 0].mean())
        / (treated[:, 1].mean() - control[:, 1].mean())
        - 1.0
    )
    assert e.roi.estimate == pytest.approx(point, rel=1e-9)
    assert e.roi.se == pytest.approx(float(rois.std(ddof=1)), rel=0.15)


def test_segments_are_measured_within_each_segment() -> None:
    a, o, _ = simulate_campaign(20_000, seed=5)
    seg = pd.DataFrame(
        {"customer_id": a["customer_id"], "segment": np.where(np.arange(len(a)) % 2, "odd", "even")}
    )
    data = measurement_table(
        ibis.memtable(a), ibis.memtable(o), default_cost=COSTS, segments=ibis.memtable(seg)
    )
    c = campaign_results(data, default_cost=COSTS, alpha=0.01).campaign("C1")
    segs = [e for e in c.segments if e.arm == "offer"]
    assert sorted(e.segment for e in segs) == ["even", "odd"]
    assert sum(e.n for e in segs) == c.arm("offer").n
    for e in segs:
        r = e.metric(Metric.RESPONSE).lift
        assert r.low <= 0.05 <= r.high


def test_sample_ratio_mismatch_is_flagged() -> None:
    a, o, _ = simulate_campaign(10_000, seed=2)
    shares = {"C1": {"holdout": 0.2, "offer": 0.4, "message": 0.4}}
    ok = _report(a, o, shares=shares)[1].campaign("C1")
    assert ok.srm is not None and not ok.srm.mismatch
    skewed = a[~((a["arm"] == "holdout") & (np.arange(len(a)) % 3 == 0))]
    bad = _report(skewed, o, shares=shares)[1].campaign("C1")
    assert bad.srm is not None and bad.srm.mismatch
    assert any("sample-ratio mismatch" in n.message for n in bad.notes)


def test_flat_frame_has_a_row_per_metric_and_roi(big: tuple) -> None:  # type: ignore[type-arg]
    f = big[4].to_frame()
    offer = f[(f["arm"] == "offer") & (f["segment"].isna())]
    assert sorted(offer["metric"]) == sorted([m.value for m in Metric] + ["roi"])
    roi = offer[offer["metric"] == "roi"].iloc[0]
    assert roi["lift"] == pytest.approx(big[4].campaign("C1").arm("offer").roi.estimate)


# ------------------------------------------------------------------------ programme effect
def _programme(effect: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two campaigns over 30,000 customers; a stable 10 % global control; everyone else's
    chance to buy is raised by ``effect``."""
    rng = np.random.default_rng(seed)
    n = 30_000
    ids = np.array([f"P{i:06d}" for i in range(n)], dtype=object)
    gc = rng.random(n) < 0.1
    rows = []
    for k, camp in enumerate(("A", "B")):
        audience = rng.random(n) < 0.7
        arm = np.where(gc, "global_control", np.where(rng.random(n) < 0.2, "holdout", "offer"))
        rows.append(
            pd.DataFrame(
                {"customer_id": ids[audience], "campaign_id": camp, "arm": arm[audience], "k": k}
            )
        )
    a = pd.concat(rows, ignore_index=True)
    buys = rng.random(len(a)) < 0.1 + np.where(a["arm"] == "global_control", 0.0, effect)
    o = pd.DataFrame(
        {
            "customer_id": a["customer_id"][buys],
            "campaign_id": a["campaign_id"][buys],
            "timestamp": pd.Timestamp("2026-07-01") + pd.to_timedelta(a["k"][buys] * 40, unit="D"),
            "kind": "purchase",
            "value": 100.0,
        }
    )
    return a.drop(columns="k"), o


def test_programme_effect_against_the_global_control() -> None:
    a, o = _programme(0.03, seed=1)
    p = programme_effect(ibis.memtable(a), ibis.memtable(o))
    assert p.error is None, p.message
    assert p.campaigns == 2
    assert p.control_customers + p.programme_customers == p.customers
    # a customer in both audiences has two chances to buy: the effect per customer is between
    # one and two campaigns' worth (0.03 … 0.06) and the interval covers the truth
    inside = a.groupby("customer_id")["campaign_id"].nunique()
    gc = set(a.loc[a["arm"] == "global_control", "customer_id"])
    k = inside[~inside.index.isin(gc)]
    kc = inside[inside.index.isin(gc)]
    p_t = (1 - 0.87**k).mean()
    p_c = (1 - 0.9**kc).mean()
    assert p.response_lift.low <= p_t - p_c <= p.response_lift.high
    assert p.incremental_revenue.estimate == pytest.approx(
        p.revenue_lift.estimate * p.programme_customers
    )


def test_programme_without_effect_has_an_interval_around_zero() -> None:
    a, o = _programme(0.0, seed=2)
    p = programme_effect(ibis.memtable(a), ibis.memtable(o))
    assert p.response_lift.low <= 0 <= p.response_lift.high
