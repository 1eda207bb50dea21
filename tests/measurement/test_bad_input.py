"""Bad input to campaign measurement (issue 15's list): a clear error naming what is wrong, or a
stated fallback — never a silently wrong figure."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from tests.measurement.simulate import simulate_campaign

from loyalloop.errors import DataValidationError
from loyalloop.measurement import (
    ArmCost,
    CostModel,
    Metric,
    campaign_results,
    measurement_table,
)
from loyalloop.measurement.effects import InteractionLogit
from loyalloop.measurement.learning import training_rows

COSTS = CostModel(margin_rate=0.5, arms={"offer": ArmCost(contact_cost=0.1, redemption_cost=30.0)})


def _measure(a: pd.DataFrame, o: pd.DataFrame, pre: pd.DataFrame | None = None, **kw):  # type: ignore[no-untyped-def]
    data = measurement_table(
        ibis.memtable(a),
        ibis.memtable(o),
        default_cost=COSTS,
        pre=None if pre is None else ibis.memtable(pre),
    )
    return data, campaign_results(data, default_cost=COSTS, **kw)


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return simulate_campaign(6_000, seed=11)


def test_a_campaign_without_a_control_arm_is_refused_and_the_others_stand(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    b = a[a["arm"] != "holdout"].assign(campaign_id="NOHOLD")
    ob = o.assign(campaign_id="NOHOLD")
    _, report = _measure(pd.concat([a, b]), pd.concat([o, ob]))
    bad = report.campaign("NOHOLD")
    assert bad.error == "no_control" and bad.effects == ()
    assert "kept no holdout" in bad.message and "offer" in bad.message
    good = report.campaign("C1")
    assert good.error is None and good.arm("offer").metric(Metric.RESPONSE).error is None


def test_an_arm_without_its_control_gets_an_error_row(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    a = a.assign(arm=a["arm"].replace({"holdout": "message:holdout"}))
    _, report = _measure(a, o)
    c = report.campaign("C1")
    assert c.arm("offer").error == "no_control"
    assert "no holdout" in c.arm("offer").message
    assert c.arm("message").error is None and c.arm("message").control == "message:holdout"


def test_a_planned_arm_with_no_rows(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    _, report = _measure(a, o, expected_arms={"C1": ["offer", "message", "call"]})
    call = report.campaign("C1").arm("call")
    assert call.error == "no_units" and call.n == 0
    assert "'call' has no assigned customers" in call.message


def test_a_constant_metric_is_not_tested(sim) -> None:  # type: ignore[no-untyped-def]
    a, _, _ = sim
    nobody = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=str),
            "campaign_id": pd.Series([], dtype=str),
            "kind": pd.Series([], dtype=str),
            "value": pd.Series([], dtype="float64"),
        }
    )
    _, report = _measure(a, nobody)
    e = report.campaign("C1").arm("offer")
    r = e.metric(Metric.RESPONSE)
    assert r.error is not None and math.isnan(r.lift.estimate)
    rev = e.metric(Metric.REVENUE)
    assert rev.error is not None and math.isnan(rev.total.estimate)
    # the cost (a fixed contact cost, no redemptions) is still counted
    assert e.cost == pytest.approx(0.1 * e.n)


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_missing_treatment_is_refused_with_the_count(sim, blank) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    a = a.copy()
    a["arm"] = a["arm"].astype(object)
    a.loc[a.index[:3], "arm"] = blank
    with pytest.raises(DataValidationError, match=r"assignments: 3 rows have no customer_id"):
        measurement_table(ibis.memtable(a), ibis.memtable(o))


def test_a_customer_twice_in_a_campaign_is_refused(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    dup = pd.concat([a, a.iloc[:2].assign(arm="holdout")])
    with pytest.raises(DataValidationError, match=r"2 customers are assigned more than once"):
        measurement_table(ibis.memtable(dup), ibis.memtable(o))


def test_missing_columns_are_named(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    with pytest.raises(DataValidationError, match=r"assignments has no column arm"):
        measurement_table(ibis.memtable(a.drop(columns="arm")), ibis.memtable(o))
    with pytest.raises(DataValidationError, match=r"outcomes has no column value"):
        measurement_table(ibis.memtable(a), ibis.memtable(o.drop(columns="value")))


def test_non_binary_treatment_or_response_is_refused_by_the_learners() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=200)})
    y = (rng.random(200) < 0.3).astype(int)
    with pytest.raises(DataValidationError, match="treatment must be 0 or 1"):
        InteractionLogit().fit(X, np.r_[np.zeros(100), np.full(100, 2)], y)
    rows = pd.DataFrame(
        {
            "campaign_id": "C",
            "customer_id": ["a", "b"],
            "arm": ["offer", "holdout"],
            "responded": [1, 2],
        }
    )
    with pytest.raises(DataValidationError, match="responded has 1 values that are not 0 or 1"):
        training_rows(rows, pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"]))


def test_an_infinite_outcome_is_refused(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    o = o.copy()
    o.loc[o.index[0], "value"] = np.inf
    with pytest.raises(DataValidationError, match=r"outcomes: 1 rows have an infinite value"):
        measurement_table(ibis.memtable(a), ibis.memtable(o))


def test_a_purchase_without_a_value_leaves_that_customer_out_of_revenue(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    o = o.copy()
    purchases = o.index[o["kind"] == "purchase"][:4]
    o.loc[purchases, "value"] = np.nan
    data, report = _measure(a, o)
    assert any("4 assignments have a purchase without a value" in n.message for n in report.notes)
    _, clean = _measure(a, simulate_campaign(6_000, seed=11)[1])
    # the response rate still counts them; the revenue figures leave them out
    for arm in ("offer", "message"):
        e, c = report.campaign("C1").arm(arm), clean.campaign("C1").arm(arm)
        assert e.metric(Metric.RESPONSE).lift.estimate == c.metric(Metric.RESPONSE).lift.estimate
    t = data.table.to_pandas()
    assert int(t["revenue"].isna().sum()) == 4


def test_outcomes_of_unassigned_customers_are_ignored_and_counted(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    stray = o.iloc[:5].assign(customer_id=[f"X{i}" for i in range(5)])
    _, report = _measure(a, pd.concat([o, stray]))
    assert any("5 outcome rows belong to no assignment" in n.message for n in report.notes)


def test_missing_pre_period_values_are_filled_and_said(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, pre = sim
    pre = pre.copy()
    pre.loc[pre.index[:50], "pre_revenue"] = np.nan
    pre = pre.iloc[50:].pipe(lambda p: pd.concat([p, pre.iloc[:25]]))  # 25 NaN, 25 absent
    data, report = _measure(a, o, pre)
    assert any("50 assignments have no pre-period revenue" in n.message for n in report.notes)
    t = data.table.to_pandas()
    assert t["pre_revenue"].notna().all() and int(t["pre_filled"].sum()) == 50
    assert report.campaign("C1").arm("offer").metric(Metric.REVENUE).cuped


def test_an_infinite_pre_period_value_is_refused(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, pre = sim
    pre = pre.copy()
    pre.loc[pre.index[0], "pre_revenue"] = -np.inf
    with pytest.raises(DataValidationError, match="pre-period table: 1 values"):
        _measure(a, o, pre)


def test_no_margin_rate_means_no_margin_and_no_roi(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    cm = CostModel(contact_cost=0.1)
    data = measurement_table(ibis.memtable(a), ibis.memtable(o), default_cost=cm)
    e = campaign_results(data, default_cost=cm).campaign("C1").arm("offer")
    assert e.metric(Metric.MARGIN).error == "no_margin_rate"
    assert e.roi_error == "no_margin_rate" and math.isnan(e.roi.estimate)
    assert e.metric(Metric.REVENUE).error is None


def test_a_campaign_that_costs_nothing_has_no_roi(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    cm = CostModel(margin_rate=0.5)
    o = o[o["kind"] != "redeemed"]
    data = measurement_table(ibis.memtable(a), ibis.memtable(o), default_cost=cm)
    e = campaign_results(data, default_cost=cm).campaign("C1").arm("offer")
    assert e.roi_error == "no_cost"
    assert e.metric(Metric.NET).error is None


def test_a_total_leaves_out_an_arm_whose_holdout_is_too_small(sim) -> None:  # type: ignore[no-untyped-def]
    a, o, _ = sim
    a = a.copy()
    a["arm"] = a["arm"].replace({"holdout": "message:holdout"})
    # the offer keeps one held-out customer of its own
    first_offer = a.index[a["arm"] == "offer"][0]
    a.loc[first_offer, "arm"] = "offer:holdout"
    _, report = _measure(a, o)
    c = report.campaign("C1")
    # a holdout of one: below MIN_ARM, money is not measured (the response rate still is)
    assert c.arm("offer").metric(Metric.NET).error == "small_arm"
    total = c.total
    assert total is not None
    net = total.metric(Metric.NET)
    assert net.error is None
    assert "left out of this total" in net.message and "offer:holdout" in net.message
    # the total is the message arm's alone
    assert net.total.estimate == pytest.approx(c.arm("message").metric(Metric.NET).total.estimate)
    # the ROI leaves it out too: the message arm alone costs nothing in this cost model
    assert total.roi_error == "no_cost"
