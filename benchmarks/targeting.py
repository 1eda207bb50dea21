"""Targeting within a budget on the sample business, whose individual effects are known.

Not a speed benchmark first: the figure a campaign manager's choice of targeting rests on —
how much incremental value each way of choosing customers realises **at the same budget** —
recorded in ``benchmarks/results/targeting.md``. Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/targeting.py [--customers 10000] [--repeats 3] \
        [--learning-campaigns 3] [--no-previous-learner] [--action-gate] [--uncalibrated-value] \
        [--cache SAMPLE.pkl] [--save ROWS.pkl] [--first-repeat K]
    python benchmarks/targeting.py --combine ROWS.pkl [ROWS2.pkl …]

Steps (per repeat, a fresh learning campaign):

1. the card sample (``loyalloop demo``'s generator, seed 0) is loaded into a temporary project
   and run once (as ``loyalloop demo`` does); the audience is the run's audience view with each
   customer's policy offer and the cost of each action (SMS 0.05, offer = its expected cost +
   SMS, call 10 CNY; consent and a phone number needed);
2. ``--learning-campaigns`` **learning campaigns** (each like round 1 of
   :func:`loyalloop.measurement.sample_rounds.run_learning_rounds` but, by default
   (``--learning random``), **randomised over the whole eligible audience**: random customers,
   random actions, 20 % holdout, 10 % exploration, a fresh response draw) are simulated from
   the sample's campaign truth; their pooled assignments and outcomes train one effect model
   per action (:func:`~loyalloop.measurement.learning.fit_effects`) with each of two learners
   side by side (``--no-previous-learner``: the loop's alone, half the time) — the loop's
   default,
   :class:`~loyalloop.measurement.structured.RiskScaledEffect` (churn risk × a save rate per
   action), and the previous one, :class:`~loyalloop.measurement.effects.RiskPriorEffect` (the
   interaction logit shrunk towards a risk prior) — and for each
   :func:`~loyalloop.measurement.selection.choose_policy` chooses, by cross-validated value
   on those rows with a one-standard-error rule, among the learnt policy (at its best caution),
   the incumbent (risk-only + ``--incumbent``, default the offer) and nobody;
3. each policy spends the **same budget** (2 CNY per audience customer) on the whole audience:

   * ``the loop: learnt (<learner>), incumbent or nobody by CV`` — what the loop runs with
     that learner: the chosen one of the three, each built as the product builds it
     (:func:`~loyalloop.measurement.sample_rounds.policy_plan`): the model policy as
     ``plan_round`` runs it (:func:`~loyalloop.measurement.learning.model_policy_picks`:
     :func:`~loyalloop.measurement.allocate` on
     :func:`~loyalloop.measurement.learning.expected_values` — the learnt effect less the
     caution's standard errors × a month's spend × 20 % margin, less the contact and the
     offer's unit cost for each expected redeeming responder — **then the budget it leaves
     to risk-only + the choice's fill action**, ``PolicyChoice.fill_action``, among the
     customers the incumbent itself reaches with the budget), the incumbent
     (risk-only + ``--incumbent`` down the ranking until a customer no longer fits) or
     nobody; ``uplift (<learner>, caution with the best CV value)`` is the same model policy
     at the caution the rule chose (what a challenger runs), ``uplift (<learner>, 1 SE off)``
     at the default caution — both filled as the loop fills them, without the actions the
     choice withholds (``--action-gate``: selection's action gate, ``PolicyChoice.withheld``;
     off by default); ``…, no action gate`` is the model at the rule's caution sending every
     action;
   * ``random``, ``risk-only`` (highest churn probability first), ``value-only`` (highest CLV
     first): customers in that order with each action (``*`` = the one that measured the
     best net value per customer in the first learning campaign), until the first customer
     whose cost no longer fits (as the product's ranked policies stop);
   * ``oracle``: the allocation on the **true** effects and true expected costs — the
     ceiling no model can pass;

4. each plan is scored on the truth: **the primary figure is its expected incremental net
   value** — Σ over the contacted of (true chance to buy if treated − if left alone) × value
   × margin − contact − the offer's unit cost × redemption share × chance to buy if treated,
   no response noise (:func:`~loyalloop.measurement.sample_rounds.realised_value`'s
   expectation) — with the realised value over 2,000 fresh draws of the customers' responses
   (common random numbers: the same draws for every plan) and its 95 % range beside it;
5. **paired**: the loop − risk-only / random / value-only + the incumbent action per repeat
   (the expected difference, and the realised difference over the same draws with its 95 %
   range) and across repeats (mean, standard deviation, range, how many above 0); the learnt
   policy at the rule's caution − risk-only + the incumbent action and − random / value-only
   with each action; and **what each choice rule would run** (:data:`RULES`: the learnt
   policy when its lead is above 2, 1 or 0 standard errors, else the default) with its value
   on the truth − risk-only + the incumbent action, its mean over the repeats and whether it
   ever fell below by more than the lead's standard error (``uplift16``'s pre-registration).

The value of a response the loop uses is :func:`~loyalloop.measurement.learning.monthly_value`
calibrated on the pooled learning campaigns' responders
(:func:`~loyalloop.measurement.learning.calibrated_value`, since ``uplift16``;
``--uncalibrated-value``: ``monthly_value`` alone, as the earlier runs).

As each repeat ends the script prints its table, the rule's lead over the default and its
standard error, the learnt rows' action counts, and (``--save``) pickles the repeats so far —
a run stopped early keeps its finished repeats.

The solver section times the greedy and exact (HiGHS) allocations on random candidates of
2,000 and 10,000 customers × 3 actions (the figures quoted in ``measurement/targeting.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ibis
import numpy as np
import pandas as pd

from loyalloop.apps.demo import load_sample
from loyalloop.campaigns.audience import audience_view, read_run_tables
from loyalloop.core.config import Settings
from loyalloop.measurement import Action, AllocationMethod, Constraints, allocate
from loyalloop.measurement.effects import RiskPriorEffect
from loyalloop.measurement.learning import (
    CHAMPION,
    PESSIMISM,
    EffectLearner,
    Policy,
    PolicyKind,
    RoundPlan,
    _fill_in_order,
    calibrated_value,
    fit_effects,
    learning_features,
    monthly_value,
    plan_round,
    training_rows,
)
from loyalloop.measurement.sample_rounds import (
    SAMPLE_ACTIONS,
    SampleSetup,
    _best_action,
    _interval,
    _measure,
    policy_plan,
    realised_value,
    sample_audience,
    simulate_round,
)
from loyalloop.measurement.selection import Selected, choose_policy, learning_rows_needed
from loyalloop.measurement.structured import RiskScaledEffect
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.sample import generate


def sample_run(customers: int, seed: int, home: Path) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """The audience view of a run on the card sample, its campaign truth and as-of day."""
    settings = Settings(home=home)
    load_sample(settings, customers=customers, seed=seed)
    run = run_pipeline(settings, RunConfig(taxonomy="banking"))
    con = ibis.duckdb.connect()
    view = audience_view(read_run_tables(con, run.path), run.manifest.as_of)
    truth = generate(customers=customers, seed=seed).campaign_truth
    return view, truth, run.manifest.as_of


def _plan(audience: pd.DataFrame, rows: np.ndarray, acts: np.ndarray, budget: float) -> RoundPlan:
    names = np.array([a.name for a in SAMPLE_ACTIONS], dtype=object)
    treatments = pd.DataFrame(
        {
            "customer_id": audience["customer_id"].to_numpy()[rows],
            "arm": names[acts],
            "group": CHAMPION,
            "action": names[acts],
            "held_out": False,
            "expected_value": np.nan,
            "expected_cost": 0.0,
            "explanation_en": "",
            "explanation_zh": "",
        }
    )
    return RoundPlan(
        "bench", pd.DataFrame(), treatments, (), budget, 0.0, Policy(PolicyKind.RANDOM), None
    )


def _cost_matrix(audience: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [audience[f"cost:{a.name}"].to_numpy(dtype="float64") for a in SAMPLE_ACTIONS]
    )


def _baseline(audience: pd.DataFrame, score: np.ndarray, action: str, budget: float) -> RoundPlan:
    j = [a.name for a in SAMPLE_ACTIONS].index(action)
    cost = _cost_matrix(audience)[:, j]
    order = np.argsort(-score, kind="stable")
    channel = np.full(len(order), SAMPLE_ACTIONS[j].channel, dtype=object)
    # a ranked policy stops at the first customer whose cost no longer fits, as the product's
    # baseline policies and the loop's incumbent do (learning._select_baseline, fill_by_risk)
    picked = order[_fill_in_order(order, cost, channel, budget, {}, None, prefix=True)]
    return _plan(audience, picked, np.full(len(picked), j), budget)


def _allocated(
    audience: pd.DataFrame, value: np.ndarray, budget: float
) -> tuple[RoundPlan, object]:
    cost = _cost_matrix(audience)
    cand = pd.DataFrame({"customer_id": audience["customer_id"].to_numpy()})
    for j, a in enumerate(SAMPLE_ACTIONS):
        cand[f"value:{a.name}"] = np.where(np.isfinite(cost[:, j]), value[:, j], np.nan)
        cand[f"cost:{a.name}"] = cost[:, j]
    alloc = allocate(cand, SAMPLE_ACTIONS, Constraints(budget))
    f = alloc.frame
    chosen = np.flatnonzero(f["action"].notna().to_numpy())
    names = [a.name for a in SAMPLE_ACTIONS]
    acts = np.array([names.index(x) for x in f["action"].iloc[chosen]], dtype=np.int64)
    return _plan(audience, chosen, acts, budget), alloc


def _true_values(audience: pd.DataFrame, truth: pd.DataFrame, setup: SampleSetup) -> np.ndarray:
    """The true expected incremental value of each action per customer, as allocation values
    (value − cost:<action> = the true expected net)."""
    t = truth.set_index("customer_id").loc[audience["customer_id"]]
    v = t["value_if_converted"].to_numpy(dtype="float64") * setup.margin_rate
    p0 = t["p_control"].to_numpy(dtype="float64")
    kinds = audience["offer_kind"].fillna("coupon").astype(str)
    p_offer = np.zeros(len(t))
    for k in kinds.unique():  # one pass per offer kind, not per customer
        sel = (kinds == k).to_numpy()
        p_offer[sel] = t[f"p_{k}"].to_numpy(dtype="float64")[sel]
    p1 = np.column_stack([t["p_message"], p_offer, t["p_call"]]).astype("float64")
    out = (p1 - p0[:, None]) * v[:, None]
    # value − cost must be the true expected net (as realised_value scores it): the contact,
    # and the offer's unit cost for each responder who redeems — not the catalogue's flat
    # expected cost that cost:offer (the budget) counts
    for j, a in enumerate(SAMPLE_ACTIONS):
        cost = audience[f"cost:{a.name}"].to_numpy(dtype="float64")
        contact = audience[f"contact:{a.name}"].to_numpy(dtype="float64")
        redeem = audience[f"redeem:{a.name}"].to_numpy(dtype="float64")
        out[:, j] += cost - contact - redeem * p1[:, j]
    return out


NEW = "risk-scaled save rate"
OLD = "risk prior (EB logit)"
#: learner label → (the loop's learner, the factory ``choose_policy`` cross-validates)
LEARNERS = {
    NEW: (EffectLearner.RISK_SCALED, RiskScaledEffect),
    OLD: (EffectLearner.RISK_PRIOR, RiskPriorEffect),
}
MAIN_LABEL = "the loop: learnt ({}), incumbent or nobody by CV (1-SE rule)"
MAIN = MAIN_LABEL.format(NEW)
BEST_LEVEL = "uplift ({}, caution with the best CV value)"
ONE_SE = "uplift ({}, 1 SE off)"
UNGATED = "uplift ({}, caution with the best CV value, no action gate)"


def learning_data(
    view: Any,
    truth: pd.DataFrame,
    as_of: Any,
    *,
    seed: int,
    setup: SampleSetup,
    learning_campaigns: int = 1,
    learning: PolicyKind = PolicyKind.RANDOM,
    calibrate_value: bool = True,
) -> dict[str, Any]:
    """One repeat's audience and its pooled learning campaigns (step 2 of the module
    docstring): ``audience``, ``truth`` (string ids), ``budget``, ``features``, ``vpr`` (the
    value of a response the loop uses: :func:`~loyalloop.measurement.learning.monthly_value`
    calibrated on the pooled campaigns' responders,
    :func:`~loyalloop.measurement.learning.calibrated_value`; ``calibrate_value=False``:
    uncalibrated, as before ``uplift16``), ``calibration``, ``pooled`` (the campaigns'
    per-assignment rows), ``rows`` (the learners' training rows) and ``best`` (the action that
    measured best in the first campaign)."""
    audience = sample_audience(view, as_of, setup=setup)
    truth = truth.assign(customer_id=truth["customer_id"].astype(str))
    budget = setup.budget_per_customer * len(audience)
    features = learning_features(audience)
    start = pd.Timestamp(as_of).to_pydatetime() + timedelta(days=1)
    parts, plan1 = [], None
    for k in range(learning_campaigns):  # fresh learning campaigns, pooled (continuous learning)
        plan_k = plan_round(
            audience,
            campaign_id=f"learn-{seed}-{k + 1}",
            actions=SAMPLE_ACTIONS,
            constraints=Constraints(budget),
            champion=Policy(learning),
            settings=setup.settings,
            assigned_at=start + timedelta(days=31 * k),
        )
        outcomes = simulate_round(
            truth, audience, plan_k, seed=seed * 10 + k, redemption_share=setup.redemption_share
        )
        report_k, customers_k = _measure(plan_k, outcomes, setup)
        parts.append(customers_k)
        if plan1 is None:
            plan1, report = plan_k, report_k
    assert plan1 is not None
    pooled = pd.concat(parts, ignore_index=True)
    calibration = calibrated_value(monthly_value(audience), pooled, audience)
    return {
        "audience": audience,
        "truth": truth,
        "budget": budget,
        "features": features,
        "vpr": calibration.value if calibrate_value else monthly_value(audience),
        "calibration": calibration,
        "pooled": pooled,
        "rows": training_rows(pooled, features),
        "best": _best_action(report, plan1.campaign_id, CHAMPION) or "message",
    }


def sample_choice(
    make: Any,
    data: dict[str, Any],
    *,
    setup: SampleSetup,
    incumbent: str,
    seed: int,
    action_gate: bool = False,
) -> Any:
    """:func:`~loyalloop.measurement.selection.choose_policy` on one repeat's learning rows
    (:func:`learning_data`) with the learner factory ``make``, as the loop chooses."""
    return choose_policy(
        make,
        data["pooled"],
        audience=data["audience"],
        actions=SAMPLE_ACTIONS,
        features=data["features"],
        value_per_response=data["vpr"],
        margin_rate=setup.margin_rate,
        budget_per_customer=setup.budget_per_customer,
        incumbent_action=incumbent,
        seed=seed,
        action_gate=action_gate,
    )


def policies(
    view: Any,
    truth: pd.DataFrame,
    as_of: Any,
    *,
    seed: int,
    setup: SampleSetup,
    learning_campaigns: int = 1,
    learning: PolicyKind = PolicyKind.RANDOM,
    incumbent: str = "offer",
    learners: tuple[str, ...] = (NEW, OLD),
    action_gate: bool = False,
    calibrate_value: bool = True,
) -> list[dict[str, Any]]:
    data = learning_data(
        view,
        truth,
        as_of,
        seed=seed,
        setup=setup,
        learning_campaigns=learning_campaigns,
        learning=learning,
        calibrate_value=calibrate_value,
    )
    audience, truth, budget = data["audience"], data["truth"], data["budget"]
    features, vpr, pooled = data["features"], data["vpr"], data["pooled"]
    rows, best = data["rows"], data["best"]
    choices: dict[str, Any] = {}
    fits: dict[str, Any] = {}
    for tag in learners:
        learner, make = LEARNERS[tag]
        fit = fit_effects(rows, seed=seed, learner=learner)
        missing = [a.name for a in SAMPLE_ACTIONS if a.name not in fit.models]
        if missing:
            raise SystemExit(f"no effect model for {missing}: {fit.notes}")
        choice = sample_choice(
            make, data, setup=setup, incumbent=incumbent, seed=seed, action_gate=action_gate
        )
        choices[tag], fits[tag] = choice, fit
    n = len(audience)
    rng = np.random.default_rng(seed)
    churn = pd.to_numeric(audience["churn_probability"], errors="coerce").fillna(-1).to_numpy()
    clv = pd.to_numeric(audience["clv"], errors="coerce").fillna(-1).to_numpy()
    plans: dict[str, RoundPlan] = {}
    seconds = 0.0
    for tag in learners:
        choice = choices[tag]

        def learnt(
            caution: float,
            tag: str = tag,
            fill: str | None = choice.fill_action,
            withheld: tuple[str, ...] = choice.withheld,
        ) -> Any:
            # what the loop runs with the model at this caution: its picks, then the budget
            # they leave to risk-only + the choice's fill action (plan_round's model policy)
            policy = Policy(
                PolicyKind.MODEL,
                model_id=f"bench-{tag}",
                caution=caution,
                fill_action=fill,
                withheld=withheld,
            )
            return policy_plan(
                audience,
                policy,
                budget,
                actions=SAMPLE_ACTIONS,
                effects=fits[tag].models,
                features=features,
                value_per_response=vpr,
                margin_rate=setup.margin_rate,
            )

        t0 = time.perf_counter()
        plans[BEST_LEVEL.format(tag)] = learnt(choice.caution)
        if tag == NEW:
            seconds = time.perf_counter() - t0
        plans[ONE_SE.format(tag)] = learnt(PESSIMISM)
        # the same model at the rule's caution without the action gate: what it would send
        plans[UNGATED.format(tag)] = learnt(choice.caution, withheld=())
        if choice.selected is Selected.MODEL:
            plans[MAIN_LABEL.format(tag)] = plans[BEST_LEVEL.format(tag)]
        elif choice.selected is Selected.INCUMBENT:
            plans[MAIN_LABEL.format(tag)] = policy_plan(
                audience, Policy(PolicyKind.RISK, action=incumbent), budget, actions=SAMPLE_ACTIONS
            )
        else:
            plans[MAIN_LABEL.format(tag)] = policy_plan(
                audience, Policy(PolicyKind.NOBODY), budget, actions=SAMPLE_ACTIONS
            )
    random_order = rng.random(n)
    for a in SAMPLE_ACTIONS:
        mark = "*" if a.name == best else ""
        plans[f"random ({a.name}{mark})"] = _baseline(audience, random_order, a.name, budget)
        plans[f"risk-only ({a.name}{mark})"] = _baseline(audience, churn, a.name, budget)
        plans[f"value-only ({a.name}{mark})"] = _baseline(audience, clv, a.name, budget)
    plans["oracle (true effects)"], _ = _allocated(
        audience, _true_values(audience, truth, setup), budget
    )
    out = []
    for name, plan in plans.items():
        expected, draws = realised_value(truth, audience, plan, setup=setup, seed=seed * 1000)
        tr = plan.treatments
        spent = float(
            np.nansum(
                [
                    audience.set_index("customer_id").at[c, f"cost:{a}"]
                    for c, a in zip(tr["customer_id"], tr["action"], strict=True)
                ]
            )
        )
        out.append(
            {
                "repeat": seed,
                "policy": name,
                "treated": len(tr),
                "actions": tr["action"].value_counts().to_dict(),
                "spent": spent,
                "budget": budget,
                "value": _interval(draws),
                "expected": expected,
                "draws": draws,
                "plan_seconds": seconds if name == MAIN else None,
                "learners": {
                    tag: {
                        "qini": {
                            q.action: (round(q.qini, 4), round(q.baseline_qini, 4))
                            for q in fits[tag].qini
                        },
                        "caution": choices[tag].caution,
                        "selected": choices[tag].selected.value,
                        "reason": choices[tag].reason,
                        "cv": {
                            c.label: (round(c.value), round(c.se)) for c in choices[tag].candidates
                        },
                        "lead": (round(choices[tag].lead), round(choices[tag].lead_se)),
                        "fold_cautions": list(choices[tag].fold_cautions),
                        "withheld": list(choices[tag].withheld),
                        "rows_needed": learning_rows_needed(
                            choices[tag].lead, choices[tag].lead_se, len(pooled)
                        ),
                    }
                    for tag in learners
                },
                "learning_rows": len(pooled),
                "value_calibration": data["calibration"].line()
                + ("" if calibrate_value else " (not used: --uncalibrated-value)"),
            }
        )
    return out


def solver_times(
    sizes: tuple[int, ...] = (2_000, 10_000), seed: int = 0
) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    rows = []
    actions = (Action("message", "sms"), Action("offer", "sms"), Action("call", "call"))
    for n in sizes:
        cand = pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)]})
        for a, (scale, cost) in zip(actions, ((2.0, 0.05), (12.0, 5.0), (40.0, 10.0)), strict=True):
            cand[f"value:{a.name}"] = rng.normal(0.3, 1.0, n) * scale
            cand[f"cost:{a.name}"] = cost * rng.uniform(0.5, 1.5, n)
        c = Constraints(2.0 * n, channel_limits={"call": n // 20})
        for method in (AllocationMethod.GREEDY, AllocationMethod.EXACT):
            t0 = time.perf_counter()
            a = allocate(cand, actions, c, method=method, time_limit=120)
            rows.append(
                {
                    "customers": n,
                    "method": method.value,
                    "used": a.method.value,
                    "seconds": time.perf_counter() - t0,
                    "net": a.net_value,
                    "bound": a.upper_bound,
                    "gap": a.gap,
                }
            )
    return rows


def _table(rows: list[dict[str, Any]]) -> None:
    print("| repeat | policy | treated | actions | spent / budget | expected | realised (95 %) |")
    print("|---|---|---:|---|---:|---:|---:|")
    for x in rows:
        v = x["value"]
        print(
            f"| {x['repeat']} | {x['policy']} | {x['treated']:,} | {x['actions']} | "
            f"{x['spent']:,.0f} / {x['budget']:,.0f} | {x['expected']:,.0f} | "
            f"{v.estimate:,.0f} ({v.low:,.0f} … {v.high:,.0f}) |"
        )


def _summary(rows: list[dict[str, Any]]) -> None:
    print(
        "\nOver repeats (expected: mean of the per-repeat expectations; realised: the pooled "
        "draws; the difference is paired, same responses; * = the action that measured best "
        "in the learning campaign):\n"
    )
    print("| policy | expected | realised: mean (95 %) | uplift − policy, paired (95 %) |")
    print("|---|---:|---:|---:|")
    frame = pd.DataFrame(rows)
    frame["kind"] = frame["policy"].str.replace("*", "", regex=False)
    up = np.concatenate(list(frame.loc[frame["kind"] == MAIN, "draws"]))
    for kind, g in frame.groupby("kind", sort=False):
        d = np.concatenate(list(g["draws"]))
        lo, hi = np.quantile(d, [0.025, 0.975])
        diff = up - d
        dl, dh = np.quantile(diff, [0.025, 0.975])
        print(
            f"| {kind} | {float(g['expected'].mean()):,.0f} | {d.mean():,.0f} ({lo:,.0f} … "
            f"{hi:,.0f}) | {diff.mean():+,.0f} ({dl:+,.0f} … {dh:+,.0f}) |"
        )


def _paired(rows: list[dict[str, Any]], incumbent: str = "offer") -> None:
    """The loop against risk-only + the incumbent action (and random / value-only + it), per
    repeat and across repeats: the primary figure is the expected value on the truth (no
    response noise); the realised difference over the same response draws beside it."""
    frame = pd.DataFrame(rows)
    frame["kind"] = frame["policy"].str.replace("*", "", regex=False)
    for other in (f"risk-only ({incumbent})", f"random ({incumbent})", f"value-only ({incumbent})"):
        print(f"\nThe loop − {other}, paired (expected on the truth; realised 95 % over draws):\n")
        print(
            "| repeat | learning rows | the loop chose | the loop (expected) | "
            f"{other} (expected) | **difference (expected)** | realised difference (95 %) |"
        )
        print("|---|---:|---|---:|---:|---:|---:|")
        diffs = []
        for rep, g in frame.groupby("repeat", sort=True):
            loop = g[g["kind"] == MAIN].iloc[0]
            base = g[g["kind"] == other].iloc[0]
            d = loop["expected"] - base["expected"]
            diffs.append(d)
            dd = loop["draws"] - base["draws"]
            lo, hi = np.quantile(dd, [0.025, 0.975])
            chose = loop["learners"][NEW]["selected"]
            print(
                f"| {rep} | {loop['learning_rows']:,} | {chose} | {loop['expected']:,.0f} | "
                f"{base['expected']:,.0f} | **{d:+,.0f}** | {dd.mean():+,.0f} ({lo:+,.0f} … "
                f"{hi:+,.0f}) |"
            )
        x = np.asarray(diffs)
        if len(x) > 1:
            sd = float(x.std(ddof=1))
            print(
                f"\nAcross {len(x)} repeats: mean {x.mean():+,.0f}, sd {sd:,.0f} (se of the mean "
                f"{sd / np.sqrt(len(x)):,.0f}), range {x.min():+,.0f} … {x.max():+,.0f}; "
                f"{int((x > 0).sum())} of {len(x)} above 0, {int((x < 0).sum())} below"
            )


#: The choice rules compared on the same repeats (uplift16's pre-registration): the learnt
#: policy runs when its cross-fitted lead is above this many standard errors of it.
RULES = (("2-SE", 2.0), ("1-SE", 1.0), ("argmax", 0.0))


def _rules(rows: list[dict[str, Any]], incumbent: str = "offer") -> None:
    """What each choice rule (:data:`RULES`) would run in each repeat and its value on the
    truth against risk-only + the incumbent action (``D``): all rules share the repeat's rows,
    model, caution and lead; only the threshold differs. The learnt policy is the one at the
    rule's caution (``BEST_LEVEL``), the default risk-only + the incumbent action — or nobody
    where the incumbent measured as losing money with confidence (the upper end of its 95 %
    interval below 0), as :func:`~loyalloop.measurement.selection.choose_policy` decides. A rule
    is *admissible* when ``D >= -se`` of the lead in every repeat; the per-customer figures
    divide by the audience (budget / 2 CNY)."""
    frame = pd.DataFrame(rows)
    frame["kind"] = frame["policy"].str.replace("*", "", regex=False)
    risk = f"risk-only ({incumbent})"
    print(f"\nWhat each choice rule runs, and its value on the truth − {risk} (D):\n")
    print(
        "| repeat | lead (se) | lead / se | learnt − risk-only | "
        + " | ".join(f"{name}: runs, D" for name, _ in RULES)
        + " |"
    )
    print("|---|---:|---:|---:|" + "---|" * len(RULES))
    d_of: dict[str, list[float]] = {name: [] for name, _ in RULES}
    ok: dict[str, bool] = {name: True for name, _ in RULES}
    per: dict[str, list[float]] = {name: [] for name, _ in RULES}
    for rep, g in frame.groupby("repeat", sort=True):
        loop = g[g["kind"] == MAIN].iloc[0]
        d = loop["learners"][NEW]
        lead, se = d["lead"]
        learnt = float(g[g["kind"] == BEST_LEVEL.format(NEW)].iloc[0]["expected"])
        base = float(g[g["kind"] == risk].iloc[0]["expected"])
        inc_v, inc_se = d["cv"].get("incumbent", (0.0, 0.0))
        default = base if inc_v + 1.959963984540054 * inc_se >= 0 else 0.0
        audience = float(loop["budget"]) / SampleSetup().budget_per_customer
        cells = []
        for name, k in RULES:
            model = lead > k * se
            value = (learnt if model else default) - base
            d_of[name].append(value)
            per[name].append(value / audience)
            ok[name] &= value >= -se
            cells.append(f"{'model' if model else 'default'}, {value:+,.0f}")
        # the loop's own run is the 1-SE rule's: the table must say what it did
        ran_model = d["selected"] == Selected.MODEL.value
        if ran_model != (lead > se):
            raise SystemExit(f"repeat {rep}: the 1-SE rule's derived choice is not the loop's")
        print(
            f"| {rep} | {lead:+,.0f} ({se:,.0f}) | {lead / se:+.2f} | {learnt - base:+,.0f} | "
            + " | ".join(cells)
            + " |"
        )
    print(
        "\n| rule | mean D | per audience customer | min D | admissible (D ≥ −se in every repeat) |"
    )
    print("|---|---:|---:|---:|---|")
    for name, _ in RULES:
        x = np.asarray(d_of[name])
        print(
            f"| {name} | {x.mean():+,.0f} | {np.mean(per[name]):+.3f} | {x.min():+,.0f} | "
            f"{'yes' if ok[name] else 'no'} |"
        )


def _beats(rows: list[dict[str, Any]], incumbent: str = "offer") -> None:
    """The learnt policy at the rule's caution against risk-only + the incumbent action and
    against random / value-only with each action, per repeat (expected on the truth)."""
    frame = pd.DataFrame(rows)
    frame["kind"] = frame["policy"].str.replace("*", "", regex=False)
    names = [a.name for a in SAMPLE_ACTIONS]
    print(f"\nThe learnt policy ({BEST_LEVEL.format(NEW)}) − each baseline (expected):\n")
    print(
        f"| repeat | − risk-only ({incumbent}) | "
        + " | ".join(f"− random ({a})" for a in names)
        + " | "
        + " | ".join(f"− value-only ({a})" for a in names)
        + " |"
    )
    print("|---|" + "---:|" * (1 + 2 * len(names)))
    for rep, g in frame.groupby("repeat", sort=True):
        learnt = float(g[g["kind"] == BEST_LEVEL.format(NEW)].iloc[0]["expected"])

        def v(kind: str, g: pd.DataFrame = g, learnt: float = learnt) -> str:
            return f"{learnt - float(g[g['kind'] == kind].iloc[0]['expected']):+,.0f}"

        print(
            f"| {rep} | {v(f'risk-only ({incumbent})')} | "
            + " | ".join(v(f"random ({a})") for a in names)
            + " | "
            + " | ".join(v(f"value-only ({a})") for a in names)
            + " |"
        )


def _repeat_notes(rows: list[dict[str, Any]]) -> None:
    """One repeat's choice as the rule saw it (its lead and standard error) and what each
    learnt row sends (action counts), printed as the repeat ends."""
    main = next(x for x in rows if x["plan_seconds"] is not None)
    for tag, d in main["learners"].items():
        lead, se = d["lead"]
        print(
            f"\nrepeat {main['repeat']}, {tag}: {main['learning_rows']:,} learning rows; chose "
            f"**{d['selected']}** (caution {d['caution']:g} SE, folds {d['fold_cautions']}, "
            f"withheld {d.get('withheld', [])}); "
            f"lead over the default {lead:+,.0f} (se {se:,.0f}); {d['reason']}"
        )
    if "value_calibration" in main:
        print(f"- {main['value_calibration']}")
    for x in rows:
        if x["policy"].startswith(("uplift", "the loop")):
            print(f"- {x['policy']}: {x['actions']}, expected {x['expected']:,.0f}")


def _qini(rows: list[dict[str, Any]]) -> None:
    print("\nLearnt models' out-of-fold Qini (model, risk-only on the same rows):\n")
    for x in rows:
        if x["plan_seconds"] is not None:
            for tag, d in x["learners"].items():
                print(
                    f"- repeat {x['repeat']}, {tag}: {x['learning_rows']:,} learning rows; Qini "
                    f"{d['qini']}; chose **{d['selected']}** (best caution {d['caution']:g} "
                    f"SE); cross-validated value (se) {d['cv']}; {d['reason']}; rows for the "
                    f"lead to pass the rule with 80 % power: {d['rows_needed']:,.0f}"
                )
            print(
                f"  the learnt plan (allocation and fill) built in {x['plan_seconds']:.2f} s",
                flush=True,
            )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--learning-campaigns", type=int, default=3)
    p.add_argument("--skip-solver", action="store_true")
    p.add_argument(
        "--learning",
        choices=[k.value for k in (PolicyKind.RANDOM, PolicyKind.RISK)],
        default=PolicyKind.RANDOM.value,
        help="who the learning campaigns contact: random customers (randomised over the "
        "whole eligible audience) or the riskiest first; actions are random either way",
    )
    p.add_argument(
        "--incumbent",
        default="offer",
        choices=[a.name for a in SAMPLE_ACTIONS],
        help="the incumbent policy's action (risk-only targeting with it): the safe default "
        "the learnt policy must clearly beat",
    )
    p.add_argument(
        "--no-previous-learner",
        action="store_true",
        help=f"run the loop's learner ({NEW}) only, not the previous one ({OLD}) beside it "
        "(half the cross-validation time)",
    )
    p.add_argument(
        "--action-gate",
        action="store_true",
        help="choose with selection's action gate (off by default; uplift14's runs had it on)",
    )
    p.add_argument(
        "--uncalibrated-value",
        action="store_true",
        help="value a response by monthly_value alone, as before uplift16 (default: calibrated "
        "on the learning campaigns' responders, calibrated_value)",
    )
    p.add_argument("--cache", type=Path, default=None, help="pickle of the sample run to reuse")
    p.add_argument("--solver-sizes", default="2000,10000")
    p.add_argument("--first-repeat", type=int, default=0, help="seed of the first repeat")
    p.add_argument("--save", type=Path, default=None, help="pickle the repeats' rows here")
    p.add_argument(
        "--combine",
        type=Path,
        nargs="+",
        default=None,
        help="summarise the repeats saved by separate runs (--save) instead of running",
    )
    args = p.parse_args()
    if args.combine:
        import pickle

        rows_all: list[dict[str, Any]] = []
        for path in args.combine:
            with path.open("rb") as fh:
                rows_all.extend(pickle.load(fh))
        _table(rows_all)
        _summary(rows_all)
        _paired(rows_all, args.incumbent)
        _beats(rows_all, args.incumbent)
        _rules(rows_all, args.incumbent)
        _qini(rows_all)
        return
    setup = SampleSetup()
    t0 = time.perf_counter()
    if args.cache is not None and args.cache.exists():
        import pickle

        with args.cache.open("rb") as fh:
            frame, truth, as_of = pickle.load(fh)
    else:
        with tempfile.TemporaryDirectory(prefix="loyalloop-bench-") as tmp:
            view, truth, as_of = sample_run(args.customers, 0, Path(tmp))
            frame = view.to_pandas()  # the run's files go with the temporary directory
        if args.cache is not None:
            import pickle

            with args.cache.open("wb") as fh:
                pickle.dump((frame, truth, as_of), fh)
    view_t = ibis.memtable(frame)
    prep = time.perf_counter() - t0
    print(
        f"# targeting benchmark — {args.customers:,} customers, {args.repeats} repeats, "
        f"{args.learning_campaigns} learning campaign(s) pooled ({args.learning} customers, "
        "random actions)\n"
    )
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"sample load + run {prep:.0f} s\n",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    for r in range(args.first_repeat, args.first_repeat + args.repeats):
        found = policies(
            view_t,
            truth,
            as_of,
            seed=r,
            setup=setup,
            learning_campaigns=args.learning_campaigns,
            learning=PolicyKind(args.learning),
            incumbent=args.incumbent,
            learners=(NEW,) if args.no_previous_learner else (NEW, OLD),
            action_gate=args.action_gate,
            calibrate_value=not args.uncalibrated_value,
        )
        _table(found)  # as each repeat ends (a long run on a busy machine shows progress)
        _repeat_notes(found)
        print(flush=True)
        rows.extend(found)
        if args.save is not None:  # after each repeat: a stopped run keeps its finished ones
            import pickle

            with args.save.open("wb") as fh:
                pickle.dump(rows, fh)
    _summary(rows)
    _paired(rows, args.incumbent)
    _beats(rows, args.incumbent)
    _rules(rows, args.incumbent)
    _qini(rows)
    if not args.skip_solver:
        print("\n| customers | method asked | used | seconds | net value | upper bound | gap |")
        print("|---:|---|---|---:|---:|---:|---:|")
        sizes = tuple(int(x) for x in args.solver_sizes.split(","))
        for s in solver_times(sizes):
            print(
                f"| {s['customers']:,} | {s['method']} | {s['used']} | {s['seconds']:.2f} | "
                f"{s['net']:,.1f} | {s['bound']:,.1f} | {s['gap']:.5%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
