"""Targeting within a budget: the budget and contact limits always hold (property test), the
greedy answer is within its proven bound of the exact optimum, and every customer's choice is
explained."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.measurement import (
    Action,
    AllocationMethod,
    Constraints,
    Reason,
    allocate,
)

ACTIONS = (
    Action("message", "sms", "SMS", "短信"),
    Action("offer", "sms", "offer", "优惠"),
    Action("call", "call", "call", "电话"),
)


def _candidates(rng: np.random.Generator, n: int, missing: float = 0.1) -> pd.DataFrame:
    df = pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)]})
    for a, (v_scale, cost) in zip(ACTIONS, ((2.0, 0.05), (12.0, 5.0), (40.0, 10.0)), strict=True):
        v = rng.normal(0.3, 1.0, n) * v_scale
        c = np.full(n, cost) * rng.uniform(0.5, 1.5, n)
        off = rng.random(n) < missing
        df[f"value:{a.name}"] = np.where(off, np.nan, v)
        df[f"cost:{a.name}"] = np.where(off, np.nan, c)
    return df


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 300),
    budget=st.floats(0, 2_000, allow_nan=False),
    calls=st.one_of(st.none(), st.integers(0, 50)),
    max_contacts=st.one_of(st.none(), st.integers(0, 200)),
    method=st.sampled_from(list(AllocationMethod)),
)
def test_budget_and_limits_always_hold(seed, n, budget, calls, max_contacts, method) -> None:  # type: ignore[no-untyped-def]
    cand = _candidates(np.random.default_rng(seed), n)
    limits = {} if calls is None else {"call": calls}
    alloc = allocate(
        cand, ACTIONS, Constraints(budget, max_contacts, limits), method=method, time_limit=5
    )
    f = alloc.frame
    chosen = f[f["action"].notna()]
    # the exact cost of the chosen actions, summed afresh
    cost = sum(
        float(cand.loc[cand["customer_id"] == r.customer_id, f"cost:{r.action}"].iloc[0])
        for r in chosen.itertuples()
    )
    assert cost <= budget
    assert alloc.spent == pytest.approx(cost, abs=1e-9)
    if calls is not None:
        assert (chosen["action"] == "call").sum() <= calls
    if max_contacts is not None:
        assert len(chosen) <= max_contacts
    # one row per customer, nothing unavailable or loss-making is chosen
    assert len(f) == n and f["customer_id"].is_unique
    assert (chosen["net_value"] > 0).all()
    assert alloc.net_value <= alloc.upper_bound + 1e-6
    assert f["explanation_en"].str.len().gt(0).all() and f["explanation_zh"].str.len().gt(0).all()


@pytest.mark.parametrize("seed", range(6))
def test_greedy_is_within_its_bound_of_the_exact_optimum(seed: int) -> None:
    cand = _candidates(np.random.default_rng(seed), 150)
    c = Constraints(300.0, channel_limits={"call": 10})
    greedy = allocate(cand, ACTIONS, c, method=AllocationMethod.GREEDY)
    exact = allocate(cand, ACTIONS, c, method=AllocationMethod.EXACT, time_limit=30)
    assert exact.method is AllocationMethod.EXACT
    assert greedy.net_value <= exact.net_value + 1e-6
    # the bound is valid: the optimum never exceeds it
    assert exact.net_value <= greedy.upper_bound + 1e-6
    auto = allocate(cand, ACTIONS, c)
    assert auto.net_value >= greedy.net_value - 1e-9


def test_greedy_equals_the_knapsack_optimum_when_costs_are_equal() -> None:
    """With one action of unit cost the best choice is the top ``budget`` customers."""
    rng = np.random.default_rng(1)
    v = rng.normal(1.0, 2.0, 500)
    cand = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(500)], "value:m": v + 1.0, "cost:m": 1.0}
    )
    alloc = allocate(cand, [Action("m")], Constraints(60.0), method=AllocationMethod.GREEDY)
    top = np.sort(v)[::-1][:60]
    assert alloc.net_value == pytest.approx(top[top > 0].sum())
    assert alloc.gap == pytest.approx(0.0, abs=1e-12)


def test_each_reason_is_explained() -> None:
    cand = pd.DataFrame(
        {
            "customer_id": ["chosen", "harmful", "not_worth", "unavailable", "budget"],
            "value:message": [5.0, -1.0, 0.01, np.nan, 4.0],
            "cost:message": [1.0, 1.0, 1.0, np.nan, 1.0],
        }
    )
    alloc = allocate(
        cand, [Action("message", "sms", "SMS", "短信")], Constraints(1.0), currency="CNY"
    )
    f = alloc.frame.set_index("customer_id")
    assert f.loc["chosen", "reason"] == Reason.CHOSEN
    assert f.loc["chosen", "action"] == "message"
    assert "expected incremental value 5.00 CNY" in f.loc["chosen", "explanation_en"]
    assert "预期增量价值 5.00 CNY" in f.loc["chosen", "explanation_zh"]
    assert f.loc["harmful", "reason"] == Reason.HARMFUL
    assert "put this customer off" in f.loc["harmful", "explanation_en"]
    assert f.loc["not_worth", "reason"] == Reason.NOT_WORTH
    assert f.loc["unavailable", "reason"] == Reason.UNAVAILABLE
    assert "授权" in f.loc["unavailable", "explanation_zh"]
    assert f.loc["budget", "reason"] == Reason.BUDGET
    assert "customers with at least 4.00 per unit of cost" in f.loc["budget", "explanation_en"]


def test_a_full_channel_is_the_reason() -> None:
    cand = pd.DataFrame(
        {"customer_id": ["a", "b"], "value:call": [30.0, 20.0], "cost:call": [10.0, 10.0]}
    )
    alloc = allocate(cand, [Action("call", "call")], Constraints(100.0, channel_limits={"call": 1}))
    f = alloc.frame.set_index("customer_id")
    assert f.loc["a", "reason"] == Reason.CHOSEN
    assert f.loc["b", "reason"] == Reason.LIMIT
    assert "contact limit" in f.loc["b", "explanation_en"]


def test_customer_text_in_ids_is_kept_as_data() -> None:
    """The frame carries ids as given; the explanation never includes the id."""
    cand = pd.DataFrame({"customer_id": ["=HYPERLINK(1)"], "value:m": [2.0], "cost:m": [1.0]})
    f = allocate(cand, [Action("m")], Constraints(5.0)).frame
    assert f["customer_id"].iloc[0] == "=HYPERLINK(1)"
    assert "HYPERLINK" not in f["explanation_en"].iloc[0]


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"customer_id": ["a"], "value:m": [1.0]}), "no column 'cost:m'"),
        (pd.DataFrame({"customer_id": ["a", "a"], "value:m": 1.0, "cost:m": 1.0}), "duplicate"),
        (pd.DataFrame({"customer_id": [None], "value:m": 1.0, "cost:m": 1.0}), "blank"),
        (pd.DataFrame({"customer_id": ["a"], "value:m": math.inf, "cost:m": 1.0}), "infinite"),
        (pd.DataFrame({"customer_id": ["a"], "value:m": 1.0, "cost:m": -1.0}), "negative"),
    ],
)
def test_bad_candidates_are_refused(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(DataValidationError, match=match):
        allocate(frame, [Action("m")], Constraints(1.0))


def test_bad_constraints_are_refused() -> None:
    cand = pd.DataFrame({"customer_id": ["a"], "value:m": [1.0], "cost:m": [1.0]})
    with pytest.raises(ConfigError, match="budget"):
        Constraints(-1.0)
    with pytest.raises(ConfigError, match="no action uses it"):
        allocate(cand, [Action("m", "sms")], Constraints(1.0, channel_limits={"call": 1}))
