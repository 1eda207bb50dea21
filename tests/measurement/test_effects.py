"""The effect model's uncertainty and the targeting objective built on it.

Known answers: the delta-method standard error of a predicted effect agrees with the spread of
the same model refitted on bootstrap resamples; the pessimistic value and the cost correction
of :func:`~loyalloop.measurement.learning.expected_values` are checked by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from loyalloop.measurement.effects import InteractionLogit, load_effect_model
from loyalloop.measurement.learning import expected_values
from loyalloop.measurement.targeting import Action


def _data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    t = rng.integers(0, 2, n).astype(float)
    logit = -1.0 + 0.5 * X["a"] + t * (0.3 + 0.4 * X["b"])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return X, t, y


def test_standard_error_agrees_with_the_bootstrap() -> None:
    X, t, y = _data(2_000, 0)
    model = InteractionLogit(C=0.5).fit(X, t, y)
    grid = pd.DataFrame({"a": [-1.0, 0.0, 1.0, 0.0, 3.0], "b": [0.0, -1.0, 1.0, 2.5, 3.0]})
    se = model.predict_se(grid)
    rng = np.random.default_rng(1)
    boot = []
    for _ in range(60):
        i = rng.integers(0, len(y), len(y))
        boot.append(InteractionLogit(C=0.5).fit(X.iloc[i], t[i], y[i]).predict(grid))
    sd = np.std(boot, axis=0, ddof=1)
    assert se == pytest.approx(sd, rel=0.25)
    # far from the training rows the effect is less certain than at their centre
    assert se[4] > 2 * se[1]


def test_standard_error_survives_save_and_load(tmp_path) -> None:
    X, t, y = _data(800, 2)
    model = InteractionLogit().fit(X, t, y)
    path = model.save(tmp_path / "m.json")
    back = load_effect_model(path)
    np.testing.assert_allclose(back.predict_se(X.head(20)), model.predict_se(X.head(20)))
    # a file written before the covariance was kept: no standard error, said as nan
    d = json.loads(path.read_text("utf-8"))
    del d["cov"]
    path.write_text(json.dumps(d), "utf-8")
    assert np.isnan(load_effect_model(path).predict_se(X.head(3))).all()


def test_expected_values_are_pessimistic_and_count_redemptions_as_the_truth_does() -> None:
    X, t, y = _data(1_500, 3)
    model = InteractionLogit().fit(X, t, y)
    ids = [f"C{i}" for i in range(6)]
    feats = X.head(6).set_axis(ids)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "cost:offer": [5.05] * 6,  # the catalogue's flat expected cost + SMS (budgeted)
            "contact:offer": [0.05] * 6,
            "redeem:offer": [20.0 * 0.8] * 6,  # unit cost × share of responders who redeem
        }
    )
    vpr = pd.Series(np.linspace(100, 600, 6), index=ids)
    actions = [Action("offer", "sms")]
    kw = {"features": feats, "value_per_response": vpr, "margin_rate": 0.2}
    dp, se = model.predict(feats), model.predict_se(feats)
    p1 = model.control_outcome(feats) + dp
    plain = expected_values(
        customers[["customer_id", "cost:offer"]], {"offer": model}, actions, pessimism=0.0, **kw
    )
    np.testing.assert_allclose(plain["value:offer"], dp * vpr.to_numpy() * 0.2)
    cautious = expected_values(
        customers[["customer_id", "cost:offer"]], {"offer": model}, actions, **kw
    )
    np.testing.assert_allclose(cautious["value:offer"], (dp - se) * vpr.to_numpy() * 0.2)
    full = expected_values(customers, {"offer": model}, actions, pessimism=0.0, **kw)
    net = full["value:offer"] - full["cost:offer"]
    np.testing.assert_allclose(net, dp * vpr.to_numpy() * 0.2 - 0.05 - 16.0 * p1)
    np.testing.assert_allclose(full["cost:offer"], 5.05)  # the budget still counts the plan's cost


def test_a_baseline_policy_stops_at_its_depth() -> None:
    from datetime import datetime

    from loyalloop.measurement.learning import Policy, PolicyKind, RoundSettings, plan_round
    from loyalloop.measurement.targeting import Constraints

    n = 400
    rng = np.random.default_rng(4)
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "churn_probability": rng.uniform(0, 1, n),
            "clv": rng.uniform(0, 1000, n),
            "cost:message": 0.05,
        }
    )
    plan = plan_round(
        customers,
        campaign_id="depth",
        actions=[Action("message", "sms")],
        constraints=Constraints(1_000.0),  # enough for everyone: only the depth limits
        champion=Policy(PolicyKind.RISK, action="message", min_score=0.7),
        settings=RoundSettings(exploration_share=0.0),
        assigned_at=datetime(2026, 1, 1),
    )
    picked = plan.treatments.merge(customers, on="customer_id")
    assert (picked["churn_probability"] >= 0.7).all()
    deep = customers[customers["churn_probability"] >= 0.7]
    left_alone = set(
        plan.assignments.loc[plan.assignments["arm"] == "global_control", "customer_id"]
    )
    # treated + held out: everyone above the depth but the programme's global control
    assert len(picked) == len(set(deep["customer_id"]) - left_alone) > 0
    assert "score ≥ 0.7" in plan.champion.label
