"""A ranked policy's holdout is the same depth of its ranking as its treated customers.

Round 1 of the demo (risk-only, random actions) once held out, for the SMS arm, customers of
mean churn probability 0.40 against 0.68 treated: the budget's leftover was filled with cheap
customers far down the ranking, four times more of the holdout part's smaller budget. The arm's
measured effect was then the difference between two kinds of customers, not the SMS's.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from loyalloop.campaigns.spec import ProgrammeSpec
from loyalloop.measurement.learning import Policy, PolicyKind, _fill_in_order, plan_round
from loyalloop.measurement.targeting import Action, Constraints

ACTIONS = (Action("message", "sms"), Action("offer", "sms"), Action("call", "call"))


def _audience(n: int, *, seed: int) -> pd.DataFrame:
    """``n`` customers skewed like a card base (most are safe, a few are slipping away), with
    each action's cost."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"K{i}" for i in range(n)],
            "churn_probability": rng.beta(0.3, 2.0, n),
            "cost:message": 0.05,
            "cost:offer": rng.uniform(2.0, 8.0, n),
            "cost:call": 10.0,
        }
    )


def test_treated_and_held_out_customers_of_each_arm_are_alike() -> None:
    n = 6_000
    audience = _audience(n, seed=0)
    plan = plan_round(
        audience,
        campaign_id="R1",
        actions=ACTIONS,
        constraints=Constraints(2.0 * n),
        champion=Policy(PolicyKind.RISK),
        assigned_at=datetime(2026, 7, 1),
        programme=ProgrammeSpec(global_control_share=0.0),
    )
    t = plan.treatments[plan.treatments["group"] == "champion"].copy()
    t["churn"] = t["customer_id"].map(audience.set_index("customer_id")["churn_probability"])
    for action, part in t.groupby("action"):
        treated = part.loc[~part["held_out"], "churn"]
        held = part.loc[part["held_out"], "churn"]
        assert len(held) >= 30, action
        # the same depth of the ranking: means and floors alike (a few customers of rounding)
        assert abs(treated.mean() - held.mean()) < 0.03, (action, treated.mean(), held.mean())
        assert abs(treated.min() - held.min()) < 0.03, (action, treated.min(), held.min())
    assert plan.spent <= 2.0 * n


def test_prefix_stops_at_the_first_customer_that_does_not_fit() -> None:
    order = np.arange(6)
    cost = np.array([3.0, 3.0, 10.0, 0.1, np.nan, 0.1])
    channel = np.array(["sms"] * 6, dtype=object)
    filled = _fill_in_order(order, cost, channel, 7.0, {}, None)
    assert list(filled) == [0, 1, 3, 5]  # the fill takes cheap customers past the call
    prefix = _fill_in_order(order, cost, channel, 7.0, {}, None, prefix=True)
    assert list(prefix) == [0, 1]
    # an unavailable customer (no consent: cost NaN) is skipped, not a stop
    rest = np.arange(3)
    assert list(_fill_in_order(rest, cost[3:], channel[3:], 1.0, {}, None, prefix=True)) == [0, 2]


def test_every_assignment_row_logs_the_chance_of_its_status_in_its_arm() -> None:
    n = 6_000
    audience = _audience(n, seed=1)
    plan = plan_round(
        audience,
        campaign_id="R1",
        actions=ACTIONS,
        constraints=Constraints(2.0 * n),
        champion=Policy(PolicyKind.RISK),
        challenger=Policy(PolicyKind.RANDOM),
        assigned_at=datetime(2026, 7, 1),
        programme=ProgrammeSpec(global_control_share=0.05),
    )
    a, t = plan.assignments, plan.treatments
    assert a["propensity"].notna().all() and t["propensity"].notna().all()
    assert ((a["propensity"] > 0) & (a["propensity"] <= 1)).all()
    gc = a["arm"] == "global_control"
    assert gc.any() and np.allclose(a.loc[gc, "propensity"], 0.05)
    # the logged chance agrees with what happened: per arm (group and action), the treated
    # share is close to the logged chance of being treated
    h = 0.2  # RoundSettings().holdout_share
    for (group, action), part in t.groupby(["group", "action"]):
        logged_treated = np.where(part["held_out"], 1 - part["propensity"], part["propensity"])
        assert np.allclose(logged_treated, logged_treated[0]), (group, action)
        share = 1 - part["held_out"].mean()
        assert abs(share - logged_treated[0]) < 0.12 + 2 / np.sqrt(len(part)), (group, action)
    assert np.isclose(
        t.loc[t["held_out"], "propensity"].median(), h
    )  # the hash holdout, where no arm needed its own
