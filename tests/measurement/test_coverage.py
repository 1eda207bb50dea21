"""Coverage of the campaign measurement's 95 % intervals for heavy-tailed revenue with small
holdouts (known truth, many seeds).

A treated arm and its holdout are drawn from one population: a customer buys with probability
``p0`` (0.6: most customers of a card programme spend anyway) or ``p0 + effect`` when treated,
and spends a log-normal amount (σ = 1.5: the top 1 % spend ~30× the median). The estimand is
the arm's total incremental net value, ``n_treated × (margin × effect × E[spend] − contact)``.
Welch's interval alone under-covers when the holdout is small; with the measurement's rules (a
holdout of fewer than ``MIN_ARM`` customers gets no money figure; below ``BORROW_BELOW`` the
smaller group's variance is at least the larger's) it covers at least 93 %.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loyalloop.measurement import results
from loyalloop.measurement.results import MIN_ARM, Metric
from loyalloop.measurement.table import SUM_COLUMNS

MU, SIGMA, P0, EFFECT, MARGIN, CONTACT = 5.5, 1.5, 0.6, 0.05, 0.2, 0.05
MEAN_SPEND = math.exp(MU + SIGMA**2 / 2)


def _sums(revenue: np.ndarray, cost: np.ndarray, bought: np.ndarray) -> pd.Series:
    n = float(len(revenue))
    s = dict.fromkeys(SUM_COLUMNS, 0.0)
    s.update(
        n=n,
        responded=float(bought.sum()),
        n_rev=n,
        rev=float(revenue.sum()),
        rev2=float((revenue**2).sum()),
        cost_all=float(cost.sum()),
        cost_all2=float((cost**2).sum()),
        cost=float(cost.sum()),
        cost2=float((cost**2).sum()),
        rev_cost=float((revenue * cost).sum()),
    )
    return pd.Series(s)


def _coverage(n_treated: int, n_holdout: int, sims: int, seed: int) -> tuple[float, int]:
    """Share of simulations whose net-value interval covers the truth, and how many gave a
    figure at all."""
    rng = np.random.default_rng(seed)
    truth = n_treated * (MARGIN * EFFECT * MEAN_SPEND - CONTACT)
    covered = reported = 0
    for _ in range(sims):
        arms = []
        for n, p, contact in ((n_treated, P0 + EFFECT, CONTACT), (n_holdout, P0, 0.0)):
            bought = rng.random(n) < p
            revenue = np.where(bought, np.exp(rng.normal(MU, SIGMA, n)), 0.0)
            arms.append(_sums(revenue, np.full(n, contact), bought))
        comp = results._compare(arms[0], arms[1], MARGIN, False, 0.05)
        net = comp.metrics[Metric.NET]
        if net.error:
            continue
        reported += 1
        covered += net.total.low <= truth <= net.total.high
    return covered / max(reported, 1), reported


@pytest.mark.parametrize(("treated", "holdout"), [(120, 30), (240, 60), (400, 100)])
def test_intervals_cover_the_truth_with_small_holdouts(treated: int, holdout: int) -> None:
    cover, reported = _coverage(treated, holdout, sims=1_500, seed=holdout)
    assert reported == 1_500
    assert cover >= 0.93, cover


def test_welch_alone_under_covers_there(monkeypatch: pytest.MonkeyPatch) -> None:
    # the check can fail: without the variance rule, Welch's interval misses more often
    monkeypatch.setattr(results, "BORROW_BELOW", 0)
    cover, _ = _coverage(120, 30, sims=1_500, seed=30)
    assert cover < 0.93, cover


def test_a_holdout_below_the_minimum_gets_no_money_figure() -> None:
    rng = np.random.default_rng(0)
    n_c = MIN_ARM - 1
    bt, bc = rng.random(200) < P0, rng.random(n_c) < P0
    t = _sums(np.where(bt, np.exp(rng.normal(MU, SIGMA, 200)), 0.0), np.full(200, CONTACT), bt)
    c = _sums(np.where(bc, np.exp(rng.normal(MU, SIGMA, n_c)), 0.0), np.zeros(n_c), bc)
    comp = results._compare(t, c, MARGIN, False, 0.05)
    for m in (Metric.REVENUE, Metric.MARGIN, Metric.NET):
        assert comp.metrics[m].error == "small_arm"
        assert f"at least {MIN_ARM}" in comp.metrics[m].message
    # the response rate is a proportion, not heavy-tailed: still reported
    assert comp.metrics[Metric.RESPONSE].error is None


def test_a_small_arm_says_why_it_has_no_roi() -> None:
    import ibis

    from loyalloop.measurement import CostModel, campaign_results, measurement_table

    rng = np.random.default_rng(1)
    n_t, n_c = 200, MIN_ARM - 5
    ids = [f"K{i}" for i in range(n_t + n_c)]
    assignments = pd.DataFrame(
        {
            "customer_id": ids,
            "campaign_id": "C1",
            "arm": ["offer"] * n_t + ["holdout"] * n_c,
            "assigned_at": pd.Timestamp("2026-07-01"),
        }
    )
    buyers = [i for i in ids if rng.random() < P0]
    outcomes = pd.DataFrame(
        {
            "customer_id": buyers,
            "campaign_id": "C1",
            "timestamp": pd.Timestamp("2026-07-05"),
            "kind": "purchase",
            "value": np.exp(rng.normal(MU, SIGMA, len(buyers))).round(2),
        }
    )
    costs = CostModel(margin_rate=MARGIN, contact_cost=1.0)
    data = measurement_table(
        ibis.memtable(assignments), ibis.memtable(outcomes), default_cost=costs
    )
    arm = campaign_results(data, default_cost=costs).campaign("C1").arm("offer")
    assert arm.metric(Metric.NET).error == "small_arm"
    assert arm.roi_error == "small_arm" and f"at least {MIN_ARM}" in arm.roi_message
    assert arm.metric(Metric.RESPONSE).error is None
