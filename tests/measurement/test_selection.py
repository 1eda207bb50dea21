"""Choosing the learnt policy, the incumbent (risk-only) or nobody by cross-validated value with
a one-standard-error rule — on simulated campaigns whose truth makes each choice the right one.

One action (a call costing 1, a response worth 100), one randomised learning campaign over the
whole audience (half held out), a budget for half the customers. The truth:

* the effect follows a feature risk-only targeting does not see → the learnt policy earns
  far more than the incumbent: **model**;
* the effect follows the churn probability alone → the learnt policy can only rediscover the
  incumbent's ranking: not clearly better, the **incumbent** runs;
* every contact puts customers off → the incumbent loses money with confidence and the
  learnt policy contacts nobody: **nobody**.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.measurement.effects import RiskPriorEffect
from loyalloop.measurement.learning import (
    Policy,
    PolicyKind,
    RoundSettings,
    _hash,
    expected_values,
    fill_by_risk,
    plan_round,
    training_rows,
)
from loyalloop.measurement.sample_rounds import policy_plan
from loyalloop.measurement.selection import (
    CROSS_FITTED,
    Selected,
    _measured,
    _prepare,
    choose_policy,
    cross_fitted_levels,
    learning_rows_needed,
    learning_shares,
    one_se_level,
)
from loyalloop.measurement.targeting import Action, Constraints, allocate

ACTIONS = [Action("call", "call")]


def _customers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Churn probability and features of ``n`` simulated customers (``z``: what risk does not
    see; two noise features)."""
    churn = rng.uniform(0, 1, n)
    X = pd.DataFrame(
        {
            "churn_probability": churn,
            "clv": rng.gamma(2.0, 500.0, n),
            "z": rng.normal(size=n),
            "noise0": rng.normal(size=n),
            "noise1": rng.normal(size=n),
        }
    )
    return churn, X


def _world(
    n: int, truth: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    churn, X = _customers(rng, n)
    base = -2.0 + 0.5 * X["clv"].to_numpy() / 1000.0
    gamma = {
        "feature": 1.6 * X["z"].to_numpy(),
        "risk": 2.0 * churn - 0.4,
        "harm": np.full(n, -0.8),
        # risk is right for most customers; a few (z > 1.5) respond far more than their risk
        "mixed": 0.5 * churn - 0.1 + 3.0 * (X["z"].to_numpy() > 1.5),
    }[truth]
    p0 = expit(base)
    tau = expit(base + gamma) - p0
    ids = np.array([f"K{i}" for i in range(n)], dtype=object)
    held = rng.random(n) < 0.5
    y = rng.random(n) < p0 + np.where(held, 0.0, tau)
    rows = pd.DataFrame(
        {
            "campaign_id": "L1",
            "customer_id": ids,
            "arm": np.where(held, "explore:call:holdout", "explore:call"),
            "responded": y.astype(float),
        }
    )
    audience = pd.DataFrame({"customer_id": ids, "cost:call": 1.0, "churn_probability": churn})
    return rows, audience, X.set_axis(ids), pd.Series(100.0, index=ids), tau


def _choice(
    rows: pd.DataFrame,
    audience: pd.DataFrame,
    feats: pd.DataFrame,
    vpr: pd.Series,
    actions: list[Action],
    **kw: Any,
) -> Any:
    """The choice on simulated rows as every test here makes it: the interaction logit
    shrunk to a risk prior, a response worth 100 at margin 1, half a call's cost per customer,
    risk-only calls the incumbent (unless ``kw`` says otherwise), folds seeded 0."""
    kw = {"incumbent_action": "call", "seed": 0, **kw}
    return choose_policy(
        RiskPriorEffect,
        rows,
        audience=audience,
        actions=actions,
        features=feats,
        value_per_response=vpr,
        margin_rate=1.0,
        budget_per_customer=0.5,
        **kw,
    )


def _choose(n: int, truth: str, seed: int = 3, **kw: object) -> tuple[object, np.ndarray]:
    rows, audience, feats, vpr, tau = _world(n, truth, seed)
    return _choice(rows, audience, feats, vpr, ACTIONS, **kw), tau


def _true_value(tau: np.ndarray, picked: np.ndarray) -> float:
    return float(np.sum(tau[picked] * 100.0 - 1.0))


def test_the_learnt_policy_wins_when_the_effect_follows_what_risk_does_not_see() -> None:
    choice, tau = _choose(6_000, "feature")
    assert choice.selected is Selected.MODEL, choice.reason
    assert choice.default is Selected.INCUMBENT
    assert choice.lead > choice.rule * choice.lead_se > 0
    # the truth agrees: the best half by the true effect earns far more than the riskiest half
    _, audience, _, _, _ = _world(6_000, "feature", 3)
    k = 3_000
    by_effect = np.argsort(-tau)[:k]
    by_risk = np.argsort(-audience["churn_probability"].to_numpy())[:k]
    assert _true_value(tau, by_effect) > _true_value(tau, by_risk) + 10_000


def test_the_incumbent_runs_when_the_model_can_only_rediscover_risk() -> None:
    choice, _ = _choose(6_000, "risk")
    assert choice.selected is Selected.INCUMBENT, choice.reason
    inc = choice.value("incumbent")
    assert inc.value > 0 and inc.contacted == 3_000
    # the learnt policy is not clearly better: within one standard error of the incumbent
    assert choice.lead <= choice.lead_se


def test_nobody_when_the_incumbent_loses_money_with_confidence() -> None:
    choice, tau = _choose(6_000, "harm")
    assert (tau < 0).all()
    inc = choice.value("incumbent")
    assert inc.value + 1.96 * inc.se < 0
    assert choice.default is Selected.NOBODY
    assert choice.selected is Selected.NOBODY, choice.reason
    assert choice.value("nobody").value == 0.0


def test_without_an_incumbent_the_default_is_nobody_and_levels_are_reported() -> None:
    rows, audience, feats, vpr, _ = _world(3_000, "risk", 5)
    choice = _choice(rows, audience, feats, vpr, ACTIONS, incumbent_action=None)
    assert choice.default is Selected.NOBODY
    assert set(choice.levels) == {0.0, 0.5, 1.0, 2.0}
    assert all(math.isfinite(v) for v in choice.levels.values())
    # the level run: the most cautious within one standard error of the best (all folds)
    levels = sorted(choice.levels)
    values = [choice.levels[k] for k in levels]
    ses = [choice.value(f"model:{k:g}").se for k in levels]
    assert choice.caution == levels[one_se_level(levels, values, ses)]
    best = max(levels, key=lambda k: choice.levels[k])
    assert choice.levels[choice.caution] >= choice.levels[best] - choice.value(f"model:{best:g}").se
    assert choice.caution >= best
    # the learnt policy judged cross-fitted: one level per fold, valued on all rows
    assert len(choice.fold_cautions) == 3 and set(choice.fold_cautions) <= set(levels)
    assert math.isfinite(choice.value(CROSS_FITTED).value)
    with pytest.raises(KeyError):
        choice.value("incumbent")


def test_a_candidate_value_is_the_aipw_mean_with_its_influence_standard_error() -> None:
    # six rows of one arm (4 treated, 2 held out: e = 2/3), worth 100 a response, a call
    # costing 1; an outcome model predicting 40 without and 70 with the call
    rows = pd.DataFrame(
        {
            "campaign_id": "L1",
            "customer_id": [f"K{i}" for i in range(6)],
            "arm": ["explore:call"] * 4 + ["explore:call:holdout"] * 2,
            "responded": [1.0, 1.0, 0.0, 1.0, 0.0, 1.0],
        }
    )
    ids = pd.concat([rows["customer_id"], pd.Series(["K9"])], ignore_index=True)
    audience = pd.DataFrame({"customer_id": ids, "cost:call": 1.0, "churn_probability": 0.5})
    r = _prepare(rows, audience, pd.Series(100.0, index=ids.to_numpy()), 1.0)
    r.frame["_m0"], r.frame["_m1"] = 40.0, 70.0
    # the policy gives the call to K0, K1, K4 and to K9, of whom the rows know nothing
    chosen = pd.Series("call", index=["K0", "K1", "K4", "K9"])
    value, psi = _measured(r, chosen, ACTIONS)
    e = 4 / 6
    # by hand: m1 − m0 + t (y − m1) / e − (1 − t)(y − m0) / (1 − e)
    scores = np.array([30 + 30 / e, 30 + 30 / e, 30 - (0 - 40) / (1 - e)])
    assert value == pytest.approx(4 * scores.mean() - 4 * 1.0)
    se = 4 * scores.std(ddof=0) / math.sqrt(3)
    assert float(np.sqrt(np.sum(psi**2))) == pytest.approx(se)
    # with no outcome model (0) it is the inverse-propensity estimate
    r.frame["_m0"], r.frame["_m1"] = 0.0, 0.0
    value, _ = _measured(r, chosen, ACTIONS)
    assert value == pytest.approx(4 * np.mean([100 / e, 100 / e, 0.0]) - 4.0)


def test_bad_settings_are_refused() -> None:
    rows, audience, feats, vpr, _ = _world(500, "risk", 1)
    kw = {
        "audience": audience,
        "actions": ACTIONS,
        "features": feats,
        "value_per_response": vpr,
        "margin_rate": 1.0,
        "budget_per_customer": 0.5,
    }
    with pytest.raises(ConfigError, match="incumbent action"):
        choose_policy(RiskPriorEffect, rows, incumbent_action="fax", **kw)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="folds"):
        choose_policy(RiskPriorEffect, rows, folds=1, **kw)  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="churn_probability"):
        kw["audience"] = audience.drop(columns="churn_probability")
        choose_policy(RiskPriorEffect, rows, incumbent_action="call", **kw)  # type: ignore[arg-type]


def test_learning_rows_needed_is_a_power_calculation() -> None:
    # lead 1,000 with se 1,000 on 10,000 rows: (1 + 0.8416)² × 10,000 ≈ 33,900 rows
    assert learning_rows_needed(1_000.0, 1_000.0, 10_000) == pytest.approx(33_913, rel=1e-3)
    # already 3 SE ahead: fewer rows than measured would do
    assert learning_rows_needed(3_000.0, 1_000.0, 10_000) < 10_000
    assert learning_rows_needed(-5.0, 1_000.0, 10_000) == math.inf
    # simulated: at the predicted size the rule passes about 80 % of the time
    rng = np.random.default_rng(0)
    lead_per_row, sd_per_row = 0.05, 2.0
    n0 = 2_000
    need = learning_rows_needed(lead_per_row * n0, sd_per_row * math.sqrt(n0), n0)
    n = round(need)
    est = rng.normal(lead_per_row * n, sd_per_row * math.sqrt(n), 4_000)
    assert np.mean(est > sd_per_row * math.sqrt(n)) == pytest.approx(0.8, abs=0.03)
    with pytest.raises(ConfigError):
        learning_rows_needed(1.0, 1.0, 0)


def test_learning_shares_follow_the_chance_that_the_challenger_is_better() -> None:
    caps = {"challenger_cap": 0.2, "exploration_cap": 0.1}
    # a coin flip: both at their caps
    s = learning_shares(0.0, 1_000.0, model_leads=False, **caps)
    assert (s.challenger_share, s.exploration_share) == pytest.approx((0.2, 0.1))
    assert s.p_model_better == pytest.approx(0.5)
    # the model (challenger) 1.4 SE behind: p = Φ(−1.4) = 0.081 → 2p = 0.16 of the cap;
    # 4p(1 − p) = 0.30 of the exploration cap
    s = learning_shares(-1_400.0, 1_000.0, model_leads=False, **caps)
    assert s.p_challenger_better == pytest.approx(0.0808, abs=1e-3)
    assert s.challenger_share == pytest.approx(0.2 * 0.25)  # the floor: a quarter of the cap
    assert s.exploration_share == pytest.approx(0.1 * 4 * 0.0808 * 0.9192, rel=1e-2)
    # the model leads (champion): the incumbent is the challenger, with 1 − p
    s = learning_shares(1_400.0, 1_000.0, model_leads=True, **caps)
    assert s.p_challenger_better == pytest.approx(0.0808, abs=1e-3)
    assert s.challenger_share == pytest.approx(0.05)
    # a challenger that may well be better keeps its full share, never more than the cap
    s = learning_shares(300.0, 1_000.0, model_leads=False, **caps)
    assert s.challenger_share == pytest.approx(0.2)
    # no finite lead (nothing cross-validated): the caps
    s = learning_shares(math.nan, math.nan, model_leads=False, **caps)
    assert (s.challenger_share, s.exploration_share) == (0.2, 0.1)
    with pytest.raises(ConfigError):
        learning_shares(0.0, 1.0, model_leads=False, challenger_cap=1.5, exploration_cap=0.1)


def test_probability_matching_earns_more_than_a_fixed_challenger_share_on_known_truths() -> None:
    """Simulated: the challenger's true lead over the champion for the whole budget δ is drawn
    from a prior symmetric around 0 (as likely better as worse); the rows measure it with noise
    (se). The fixed 20 % share earns 0.2 δ on average — 0 — while the share sized by the
    chance it is better earns more, because it gives less to challengers the rows say lost."""
    rng = np.random.default_rng(11)
    n, se = 20_000, 1.0
    delta = rng.normal(0.0, 1.5, n)
    measured = delta + rng.normal(0.0, se, n)
    shares = np.array(
        [
            learning_shares(
                m, se, model_leads=False, challenger_cap=0.2, exploration_cap=0.1
            ).challenger_share
            for m in measured
        ]
    )
    fixed = 0.2 * delta
    matched = shares * delta
    assert abs(fixed.mean()) < 4 * fixed.std() / math.sqrt(n)
    gain = matched - fixed
    assert gain.mean() > 4 * gain.std() / math.sqrt(n)
    # and where the challenger is truly worse it loses less than at the fixed share
    worse = delta < 0
    assert matched[worse].mean() > fixed[worse].mean()


def test_the_value_is_summed_over_strata_policy_picked_and_exploration_only() -> None:
    # P0–P3: picked by a campaign's policy (champion arm); X0–X3: exploration rows; Q0–Q5:
    # customers no row reaches, whom only the exploration rows stand for
    rows = pd.DataFrame(
        {
            "campaign_id": "L1",
            "customer_id": ["P0", "P1", "P2", "P3", "X0", "X1", "X2", "X3"],
            "arm": ["champion:call"] * 3
            + ["champion:call:holdout"]
            + ["explore:call"] * 3
            + ["explore:call:holdout"],
            "responded": [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        }
    )
    ids = list(rows["customer_id"]) + [f"Q{i}" for i in range(6)]
    audience = pd.DataFrame({"customer_id": ids, "cost:call": 1.0, "churn_probability": 0.5})
    r = _prepare(rows, audience, pd.Series(100.0, index=ids), 1.0)
    assert r.stratum.to_dict() == {c: int(c.startswith("P")) for c in ids}
    chosen = pd.Series("call", index=["P0", "P3", "X0", "X1", "X3", "Q0", "Q1", "Q2"])
    value, _ = _measured(r, chosen, ACTIONS)
    e = 3 / 4  # both arms: 3 treated, 1 held out
    picked = np.mean([100 / e, -0.0 / (1 - e)])  # P0 treated bought; P3 held out, did not
    explored = np.mean([0.0, 100 / e, -0.0 / (1 - e)])  # X0, X1 treated; X3 held out
    assert value == pytest.approx(2 * picked + 6 * explored - 8 * 1.0)


def test_one_se_level_takes_the_most_cautious_level_within_one_se_of_the_best() -> None:
    levels = [0.0, 0.5, 1.0, 2.0]
    # best is 0.5 (100, se 30): 1.0 (75) is within, 2.0 (60) is not
    assert one_se_level(levels, [90.0, 100.0, 75.0, 60.0], [40.0, 30.0, 20.0, 10.0]) == 2
    # a tiny se: the best itself
    assert one_se_level(levels, [90.0, 100.0, 75.0, 60.0], [1.0, 1.0, 1.0, 1.0]) == 1
    # nan levels are skipped; none finite: -1
    assert one_se_level(levels, [math.nan, 5.0, math.nan, 4.0], [1.0, 2.0, 1.0, 1.0]) == 3
    assert one_se_level(levels, [math.nan] * 4, [1.0] * 4) == -1


def test_the_cross_fitted_value_has_no_winners_curse_where_the_maximum_does() -> None:
    """Four caution levels worth exactly the same (0) on three folds, each fold's value noisy
    (correlated across levels, as allocations of the same rows are): the best of the four
    cross-validated values overstates the value, the cross-fitted one does not."""
    rng = np.random.default_rng(11)
    levels = [0.0, 0.5, 1.0, 2.0]
    sims, sd = 4_000, 1.0
    maxima = np.empty(sims)
    nested = np.empty(sims)
    var = np.full((4, 3), sd**2)
    for s in range(sims):
        common = rng.normal(0.0, sd * math.sqrt(0.5), size=(1, 3))
        own = rng.normal(0.0, sd * math.sqrt(0.5), size=(4, 3))
        values = common + own  # value[level, fold], truth 0 for every level
        maxima[s] = values.sum(axis=1).max()
        picks = cross_fitted_levels(levels, values, var)
        nested[s] = sum(values[k, f] for f, k in enumerate(picks))
    se_total = sd * math.sqrt(3)  # the standard error of one level's total
    mc = 3 * se_total / math.sqrt(sims)
    # the maximum is biased upwards by a sizeable share of a standard error ...
    assert maxima.mean() > 0.4 * se_total
    # ... the cross-fitted value is unbiased (within 3 Monte-Carlo standard errors)
    assert abs(nested.mean()) < mc
    # and a rule "lead > 1 se" fires on pure noise about 16 % of the time, not more
    assert np.mean(nested > se_total) == pytest.approx(0.159, abs=0.025)
    assert np.mean(maxima > se_total) > 0.25


def test_logged_propensities_value_an_arm_held_out_at_different_rates() -> None:
    """One arm whose riskier customers were held out at 50 % and the rest at 10 % (a design a
    model-driven round can give): the arm's pooled treated share misweights the two kinds and
    biases the value; the logged propensities (the chance of each row's status) do not."""
    rng = np.random.default_rng(7)
    n = 40_000
    risky = rng.random(n) < 0.5
    p_held = np.where(risky, 0.5, 0.1)
    held = rng.random(n) < p_held
    p0 = np.where(risky, 0.2, 0.6)  # the riskier buy less without a call
    tau = 0.05
    y = (rng.random(n) < p0 + np.where(held, 0.0, tau)).astype(float)
    ids = [f"K{i}" for i in range(n)]
    rows = pd.DataFrame(
        {
            "campaign_id": "R2",
            "customer_id": ids,
            "arm": np.where(held, "champion:call:holdout", "champion:call"),
            "responded": y,
            "propensity": np.where(held, p_held, 1.0 - p_held),
        }
    )
    audience = pd.DataFrame({"customer_id": ids, "cost:call": 1.0, "churn_probability": 0.5})
    vpr = pd.Series(100.0, index=ids)
    chosen = pd.Series("call", index=ids)
    truth = n * (tau * 100.0 - 1.0)
    logged, psi = _measured(_prepare(rows, audience, vpr, 1.0), chosen, ACTIONS)
    se = float(np.sqrt(np.sum(psi**2)))
    pooled, _ = _measured(
        _prepare(rows.drop(columns="propensity"), audience, vpr, 1.0), chosen, ACTIONS
    )
    assert abs(logged - truth) < 3 * se
    assert abs(pooled - truth) > 10 * se  # the pooled share: far off
    # a cell all of one status takes the logged chance itself
    r = _prepare(rows.iloc[:3].assign(arm="champion:call", propensity=0.8), audience, vpr, 1.0)
    assert np.allclose(r.frame["_e"], 0.8)


def _composite(
    world: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series, np.ndarray],
    caution: float,
    *,
    fill: bool,
) -> np.ndarray:
    """Positions of the customers the learnt policy (fitted on all rows) calls at ``caution``
    within the whole budget, then — with ``fill`` — the riskiest of the rest while the budget
    the model left lasts."""
    rows, audience, feats, vpr, _ = world
    (data,) = training_rows(rows, feats).values()
    model = RiskPriorEffect().fit(*data)
    budget = 0.5 * len(audience)
    cand = expected_values(
        audience,
        {"call": model},
        ACTIONS,
        features=feats,
        value_per_response=vpr,
        margin_rate=1.0,
        pessimism=caution,
    )
    picked = (
        allocate(cand, ACTIONS, Constraints(budget)).frame["action"].notna().to_numpy(copy=True)
    )
    if fill:
        cost = audience["cost:call"].to_numpy()
        extra = fill_by_risk(audience, picked, cost, "call", budget - cost[picked].sum())
        picked[extra] = True
    return np.flatnonzero(picked)


@functools.cache
def _mixed(fill: bool) -> tuple[object, np.ndarray]:
    return _choose(6_000, "mixed", seed=4, fill_budget=fill)


def test_every_level_fills_the_budget_the_model_leaves_in_risk_order() -> None:
    """Model first, then the incumbent: each caution level's allocation of a fold is topped up
    by risk-only targeting until the fold's budget is spent, so the levels, the incumbent and
    the learnt policy are compared at the same spend — where the model's picks alone at 2 SE
    off leave part of it unused."""
    choice, _ = _mixed(True)
    assert choice.fill_action == "call"
    # 3 folds of 2,000 customers, 1,000 calls (cost 1) each: the whole budget at every level
    for k in choice.levels:
        assert choice.value(f"model:{k:g}").contacted == 3_000
    assert choice.value(CROSS_FITTED).contacted == 3_000
    bare, _ = _mixed(False)
    assert bare.fill_action is None
    assert bare.value("model:2").contacted < 3_000
    # no fill when the incumbent is measured as losing money: the default is nobody
    harm, _ = _choose(6_000, "harm")
    assert harm.default is Selected.NOBODY and harm.fill_action is None


def test_the_filled_policy_beats_the_model_alone_and_risk_alone_on_the_truth() -> None:
    """Known truth: the effect follows churn risk, plus a large one for the few customers with
    z > 1.5 that risk does not see. At 2 SE off the model calls only the customers it is sure
    of; the budget it leaves, given by risk, is worth more than leaving it unused, and the
    model's sure picks are worth more than the riskiest customers they displace."""
    world = _world(6_000, "mixed", 4)
    _, audience, _, _, tau = world
    alone = _composite(world, 2.0, fill=False)
    filled = _composite(world, 2.0, fill=True)
    k = 3_000
    by_risk = np.argsort(-audience["churn_probability"].to_numpy(), kind="stable")[:k]
    assert len(filled) == k and len(alone) < k
    assert set(alone) <= set(filled)
    v_alone, v_filled, v_risk = (_true_value(tau, p) for p in (alone, filled, by_risk))
    assert v_filled > v_alone + 1_000
    assert v_filled > v_risk + 1_000
    # and the choice made on the rows alone (no truth) runs the filled learnt policy; paired
    # with the incumbent on more of the same customers, its lead is measured more surely
    choice, _ = _mixed(True)
    bare, _ = _mixed(False)
    assert choice.selected is Selected.MODEL and choice.fill_action == "call", choice.reason
    assert choice.lead_se < bare.lead_se


def test_a_plan_scored_on_the_truth_is_the_filled_model_policy_the_loop_runs() -> None:
    """``sample_rounds.policy_plan`` (what the targeting benchmark scores for a model choice)
    builds the model policy as the loop does: at 2 SE off the model's picks alone leave part
    of the budget unused (about 40 % here), and with the choice's fill action the riskiest
    customers it did not pick take the rest — the same customers as the fill by hand, the whole budget spent."""
    world = _world(2_000, "mixed", 4)
    rows, audience, feats, vpr, _ = world
    (data,) = training_rows(rows, feats).values()
    model = RiskPriorEffect().fit(*data)
    budget = 0.5 * len(audience)
    plans = {
        fill: policy_plan(
            audience,
            Policy(PolicyKind.MODEL, model_id="m", caution=2.0, fill_action=fill),
            budget,
            actions=ACTIONS,
            effects={"call": model},
            features=feats,
            value_per_response=vpr,
            margin_rate=1.0,
        )
        for fill in (None, "call")
    }
    ids = audience["customer_id"].to_numpy()
    assert set(plans[None].treatments["customer_id"]) == set(
        ids[_composite(world, 2.0, fill=False)]
    )
    assert set(plans["call"].treatments["customer_id"]) == set(
        ids[_composite(world, 2.0, fill=True)]
    )
    assert plans[None].spent < budget - 100  # the model alone leaves part of the budget
    assert plans["call"].spent == budget and len(plans["call"].treatments) == 1_000
    # the incumbent and nobody, as the loop runs them
    inc = policy_plan(audience, Policy(PolicyKind.RISK, action="call"), budget, actions=ACTIONS)
    riskiest = np.argsort(-audience["churn_probability"].to_numpy(), kind="stable")[:1_000]
    assert set(inc.treatments["customer_id"]) == set(ids[riskiest])
    nobody = policy_plan(audience, Policy(PolicyKind.NOBODY), budget, actions=ACTIONS)
    assert nobody.treatments.empty and nobody.spent == 0.0
    with pytest.raises(ConfigError, match="its effect models"):
        policy_plan(audience, Policy(PolicyKind.MODEL, model_id="m"), budget, actions=ACTIONS)


def test_plan_round_fills_a_model_policy_s_leftover_with_the_riskiest_it_did_not_pick() -> None:
    rows, audience, feats, vpr, _ = _world(2_000, "mixed", 6)
    (data,) = training_rows(rows, feats).values()
    model = RiskPriorEffect().fit(*data)
    policy = Policy(PolicyKind.MODEL, model_id="m", caution=2.0, fill_action="call")
    assert policy.label.endswith("then risk-only (call)")
    plan = plan_round(
        audience,
        campaign_id="R2",
        actions=ACTIONS,
        constraints=Constraints(1_000.0),
        champion=policy,
        models={"m": {"call": model}},
        features=feats,
        value_per_response=vpr,
        settings=RoundSettings(exploration_share=0.0),
        assigned_at=pd.Timestamp("2026-12-01").to_pydatetime(),
    )
    t = plan.treatments
    treated = t[~t["held_out"]]
    # the whole budget (calls cost 1): nothing left that would pay for another call
    assert plan.budget - plan.spent < 1.0 and plan.spent <= plan.budget
    filled = treated[treated["explanation_en"].str.startswith("budget the model left")]
    by_model = treated[~treated.index.isin(filled.index)]
    assert len(filled) > 0 and len(by_model) > 0
    assert filled["explanation_zh"].str.startswith("模型未用完的预算").all()
    # the fill took the riskiest of the treatable customers the model did not pick
    risk = audience.set_index("customer_id")["churn_probability"]
    holdout_part = _hash(audience["customer_id"], "R2:holdout") < RoundSettings().holdout_share
    recorded = audience["customer_id"].isin(set(plan.assignments["customer_id"]))
    treatable_rest = audience[~holdout_part & ~recorded.to_numpy()]
    assert risk[filled["customer_id"]].min() >= treatable_rest["churn_probability"].max() - 1e-12
    with pytest.raises(ConfigError, match="only a model policy"):
        Policy(PolicyKind.RISK, action="call", fill_action="call")


TWO = [Action("call", "call"), Action("sms", "sms")]


def _two_actions(
    n: int, sms: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series, dict[str, np.ndarray]]:
    """A randomised learning campaign with two actions: a call (cost 1) whose effect follows
    churn risk and, for a few customers, ``z`` — and an SMS (cost 0.05) whose true effect is
    ``sms``: ``none`` (0 for everyone), ``harm`` (contact puts customers off a little, as the
    sample's sleeping dogs) or ``real`` (follows ``z``)."""
    rng = np.random.default_rng(seed)
    churn, X = _customers(rng, n)
    z = X["z"].to_numpy()
    base = -2.0 + 0.5 * X["clv"].to_numpy() / 1000.0
    p0 = expit(base)
    gamma = {
        "call": 0.5 * churn - 0.1 + 3.0 * (z > 1.5),
        "sms": {"none": np.zeros(n), "harm": np.full(n, -0.3), "real": 1.2 * z}[sms],
    }
    tau = {a: expit(base + g) - p0 for a, g in gamma.items()}
    ids = np.array([f"K{i}" for i in range(n)], dtype=object)
    action = np.where(rng.random(n) < 0.5, "call", "sms")
    held = rng.random(n) < 0.5
    eff = np.where(action == "call", tau["call"], tau["sms"])
    y = rng.random(n) < p0 + np.where(held, 0.0, eff)
    arm = np.char.add(np.char.add("explore:", action.astype(str)), np.where(held, ":holdout", ""))
    rows = pd.DataFrame(
        {
            "campaign_id": "L1",
            "customer_id": ids,
            "arm": arm.astype(object),
            "responded": y.astype(float),
            "propensity": 0.5,
        }
    )
    audience = pd.DataFrame(
        {"customer_id": ids, "cost:call": 1.0, "cost:sms": 0.05, "churn_probability": churn}
    )
    return rows, audience, X.set_axis(ids), pd.Series(100.0, index=ids), tau


def _two_choice(sms: str, seed: int, n: int = 6_000) -> tuple[Any, dict[str, Any], np.ndarray]:
    """The choice on the rows, the plans the loop runs with it (the models fitted on all
    rows) — ``gated`` (at the choice's caution, its withheld actions withheld) and
    ``ungated at 0 SE off`` (no caution, nothing withheld: where noise sends most) — and
    each customer's true SMS effect."""
    rows, audience, feats, vpr, tau = _two_actions(n, sms, seed)
    choice = _choice(rows, audience, feats, vpr, TWO, action_gate=True)
    models = {a: RiskPriorEffect().fit(*d) for a, d in training_rows(rows, feats).items()}
    plans = {
        tag: policy_plan(
            audience,
            Policy(
                PolicyKind.MODEL,
                model_id="m",
                caution=caution,
                fill_action=choice.fill_action,
                withheld=withheld,
            ),
            0.5 * len(audience),
            actions=TWO,
            effects=models,
            features=feats,
            value_per_response=vpr,
            margin_rate=1.0,
        )
        for tag, caution, withheld in (
            ("gated", choice.caution, choice.withheld),
            ("ungated at 0 SE off", 0.0, ()),
        )
    }
    return choice, plans, tau["sms"]


def _sms_sent(plan: Any) -> int:
    return int((plan.treatments["action"] == "sms").sum())


@pytest.mark.parametrize(("sms", "seeds"), [("none", range(14, 20)), ("harm", range(14, 17))])
def test_the_action_gate_withholds_an_action_the_rows_do_not_show_to_pay(
    sms: str, seeds: range
) -> None:
    """Known truth: the SMS earns nothing (``none``) or puts customers off a little
    (``harm``); its effect model predicts a positive effect, by noise, for some customers,
    and the SMS is so cheap that the allocation sends it to them. The gate — the SMS's
    cross-fitted value among the customers the model gives it, less what its budget would earn
    in the fill, not below 0 at the caution (at least one standard error) — withholds it.
    Simulated campaigns of 3,000 customers (seeds fixed in advance, not chosen): without the
    gate and the caution the learnt policy sends SMS in at least half of them; with them, in
    at most a third (a one-sided 1-SE test passes on noise about one time in six); the call
    (a real effect) is never withheld."""
    gated, ungated = 0, 0
    for seed in seeds:
        choice, plans, _ = _two_choice(sms, seed, n=3_000)
        assert "call" not in choice.withheld, choice.reason
        assert (_sms_sent(plans["gated"]) == 0) == ("sms" in choice.withheld)
        assert (plans["gated"].treatments["action"] == "call").sum() > 0
        gated += _sms_sent(plans["gated"]) > 0
        ungated += _sms_sent(plans["ungated at 0 SE off"]) > 0
    assert ungated >= len(seeds) / 2, ungated
    assert gated <= len(seeds) / 3, gated


def test_the_action_gate_keeps_an_action_that_pays() -> None:
    """Known truth: the SMS's effect follows ``z`` (large for some customers): the rows show
    it pays among the customers the model gives it, so it is not withheld, and the plan sends
    it to customers whose true SMS effect is above the average."""
    choice, plans, tau = _two_choice("real", 11, n=3_000)
    assert choice.withheld == (), choice.reason
    tr = plans["gated"].treatments
    got = tr.loc[tr["action"] == "sms", "customer_id"].str[1:].astype(int).to_numpy()
    assert len(got) > 300
    assert tau[got].mean() > tau.mean()


def test_a_withheld_action_is_refused_when_not_an_action() -> None:
    rows, audience, feats, vpr, _ = _two_actions(500, "none", 1)
    models = {a: RiskPriorEffect().fit(*d) for a, d in training_rows(rows, feats).items()}
    with pytest.raises(ConfigError, match="withheld action 'fax'"):
        policy_plan(
            audience,
            Policy(PolicyKind.MODEL, model_id="m", caution=1.0, withheld=("fax",)),
            250.0,
            actions=TWO,
            effects=models,
            features=feats,
            value_per_response=vpr,
            margin_rate=1.0,
        )


def test_the_lead_is_split_by_action_and_stratum_and_the_parts_add_up() -> None:
    """``PolicyChoice.lead_parts``: the cross-fitted learnt policy's lead over the incumbent
    split by action and stratum (where it gains or loses on the rows). Known truth: the SMS
    pays for customers with a large ``z``, the call follows risk; the incumbent calls the
    riskiest. The parts add up to the lead, each has a standard error, and the SMS — which the
    incumbent never sends — is the learnt policy's alone."""
    rows, audience, feats, vpr, _ = _two_actions(3_000, "real", 11)
    choice = _choice(rows, audience, feats, vpr, TWO)
    parts = choice.lead_parts
    assert parts, choice.reason
    assert sum(p.lead for p in parts) == pytest.approx(choice.lead, rel=1e-9, abs=1e-6)
    assert all(p.se >= 0 and math.isfinite(p.se) for p in parts)
    # every row is exploration here: one stratum, the rest (0)
    assert {p.stratum for p in parts} == {0}
    sms = [p for p in parts if p.action == "sms"]
    assert sms and all(p.default_customers == 0 and p.model_customers > 0 for p in sms)
    call = next(p for p in parts if p.action == "call")
    assert call.default_customers == 1_500  # the incumbent's budget: 0.5 × 3,000 calls at 1


class _Known:
    """An effect model with given predictions: ``effect`` and ``se`` per customer (by the
    feature ``i``, the customer's position)."""

    def __init__(self, effect: np.ndarray, se: np.ndarray) -> None:
        self.effect, self.se = effect, se

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.effect[X["i"].to_numpy()], dtype="float64")

    def predict_se(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.se[X["i"].to_numpy()], dtype="float64")


def test_the_fill_never_reaches_past_the_incumbent_s_own_customers() -> None:
    """Known truth, the shape the sample business has (benchmarks/results/targeting.md,
    ``uplift15``): 1,000 of 4,000 customers are at high risk (churn probability ~0.95) and an
    offer (cost 1) brings back 5 % of them (+4 net each, a response worth 100); for the low-risk
    rest it changes nothing (−1 net each). A cheap SMS (0.05) brings back 1 % of the high-risk
    (+0.95 net). The incumbent, risk-only + offer with a budget of 800, offers to the 800
    riskiest. The learnt model is sure of the SMS's small effect and unsure of the offer's,
    so at 1 SE off it sends the SMS to all 1,000 high-risk customers and leaves 750 of the
    budget. The fill may not spend that on offers to customers ranked below the incumbent's
    800 — the low-risk, where the offer loses: before ``uplift15`` it did (750 offers,
    −750 on the truth, the filled policy worth less than the model's picks alone)."""
    n, high, budget = 4_000, 1_000, 800.0
    rng = np.random.default_rng(7)
    risk = np.concatenate([rng.uniform(0.9, 1.0, high), rng.uniform(0.05, 0.4, n - high)])
    ids = np.array([f"K{i}" for i in range(n)], dtype=object)
    audience = pd.DataFrame(
        {"customer_id": ids, "cost:offer": 1.0, "cost:sms": 0.05, "churn_probability": risk}
    )
    feats = pd.DataFrame({"i": np.arange(n)}, index=ids)
    vpr = pd.Series(100.0, index=ids)
    is_high = np.arange(n) < high
    true_net = {
        "offer": np.where(is_high, 0.05 * 100 - 1.0, -1.0),
        "sms": np.where(is_high, 0.01 * 100 - 0.05, -0.05),
    }
    models = {
        "offer": _Known(np.where(is_high, 0.05, 0.0), np.full(n, 0.05)),  # unsure
        "sms": _Known(np.where(is_high, 0.01, 0.0), np.full(n, 0.0005)),  # sure
    }
    actions = [Action("offer", "sms"), Action("sms", "sms")]

    def plan(fill: str | None) -> pd.DataFrame:
        p = policy_plan(
            audience,
            Policy(PolicyKind.MODEL, model_id="m", caution=1.0, fill_action=fill),
            budget,
            actions=actions,
            effects=models,
            features=feats,
            value_per_response=vpr,
            margin_rate=1.0,
        )
        return p.treatments

    def value(t: pd.DataFrame) -> float:
        at = t["customer_id"].str[1:].astype(int).to_numpy()
        return float(sum(true_net[a][i] for i, a in zip(at, t["action"], strict=True)))

    alone, filled = plan(None), plan("offer")
    assert (alone["action"] == "sms").sum() == high and len(alone) == high
    incumbent = policy_plan(
        audience, Policy(PolicyKind.RISK, action="offer"), budget, actions=actions
    )
    reach = set(incumbent.treatments["customer_id"])
    assert len(reach) == 800 and value(incumbent.treatments) == pytest.approx(800 * 4.0)
    fill = filled[~filled["customer_id"].isin(alone["customer_id"])]
    assert set(fill["customer_id"]) <= reach
    assert value(filled) >= value(alone)
    # the fill's own bound, directly: what the incumbent reaches with the whole budget
    taken = np.zeros(n, dtype=bool)
    taken[:500] = True  # the model took 500 of the riskiest
    got = fill_by_risk(audience, taken, np.ones(n), "sms", 700.0, within=budget)
    order = np.argsort(-risk, kind="stable")
    assert set(got) == set(order[:800]) - set(range(500))
    assert len(fill_by_risk(audience, taken, np.ones(n), "sms", 700.0)) == 700
