"""Why learnt targeting does or does not beat risk-only targeting on the sample's truth.

Not a speed benchmark: the figures behind the verdict in ``benchmarks/results/targeting.md``.
Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/targeting_diagnosis.py --customers 10000 \
        [--sizes 4000,10000,30000,100000] [--seeds 0,1,2]

The audience of a run on the card sample (``loyalloop demo``'s generator) is split at random
into two halves (cross-fitting): everything is learnt on one half and the policies are judged
on the other at the same budget (2 CNY per customer of that half), then the halves swap and
the two values are added. Every policy is scored by its **true expected net value** on the
truth (Δp × value × margin − contact − the offer's unit cost × redemption × P(buy if treated),
as :func:`loyalloop.measurement.sample_rounds.realised_value` counts it).

1. **ceiling**: allocation on the true net values (the oracle);
2. **best from the observable features**: a flexible model (LightGBM) of each action's TRUE
   net value per customer fitted on the other half's features — no outcome noise; what no
   uplift method fitted on the same features can beat by more than the model's own error;
3. **risk-only** (highest churn probability first) and **risk × value** (churn probability ×
   CLV first), each with the one action that is best on the truth (generous to them);
4. **learning curve**: learnt policies fitted on randomised learning campaigns (every
   customer of the learning half gets control, SMS, offer or call at random, a fresh
   response draw; ``n`` rows in all, customers re-drawn when ``n`` exceeds the half) — the
   interaction logit with the point estimate, with one standard error off, and the effect
   shrunk towards the risk-based prior (:class:`~loyalloop.measurement.effects.RiskPriorEffect`),
   its caution chosen by cross-validated policy value on the learning rows only.

``--split-repeat K --cache SAMPLE.pkl [--learning-campaigns 6] [--save PARTS.pkl]`` instead
takes one repeat of ``targeting.py`` apart (the same seed, learning campaigns and choice, the
action gate off): the rule's measured lead of the learnt policy over risk-only + offer by
action and stratum (``PolicyChoice.lead_parts``, on the rows), the same split of the two
plans' true expected net value, and each action's estimated against true effect (Δp) and value
of a response on the customers the learnt policy gives it, with the effect models' rates
(benchmarks/results/targeting.md, ``uplift15``), and the value of a response the loop uses —
``monthly_value`` alone and calibrated on the learning rows' responders
(:func:`~loyalloop.measurement.learning.calibrated_value`, ``uplift16``) — against the truth's,
lapsed and alive.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ibis
import numpy as np
import pandas as pd

from loyalloop.measurement import Constraints, allocate
from loyalloop.measurement.effects import InteractionLogit, RiskPriorEffect
from loyalloop.measurement.learning import (
    choose_pessimism,
    expected_values,
    learning_features,
    monthly_value,
    training_rows,
)
from loyalloop.measurement.sample_rounds import SAMPLE_ACTIONS, SampleSetup, sample_audience

NAMES = [a.name for a in SAMPLE_ACTIONS]


def load(customers: int, cache: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample audience and its truth, row-aligned."""
    import pickle

    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            frame, truth, as_of = pickle.load(f)
    else:
        from targeting import sample_run  # benchmarks/targeting.py

        with tempfile.TemporaryDirectory(prefix="loyalloop-diag-") as tmp:
            view, truth, as_of = sample_run(customers, 0, Path(tmp))
            frame = view.to_pandas()
        if cache is not None:
            with cache.open("wb") as f:
                pickle.dump((frame, truth, as_of), f)
    audience = sample_audience(ibis.memtable(frame), as_of, setup=SampleSetup())
    truth = truth.assign(customer_id=truth["customer_id"].astype(str)).set_index("customer_id")
    return audience, truth.loc[audience["customer_id"]].reset_index()


def truth_matrices(
    audience: pd.DataFrame, truth: pd.DataFrame, setup: SampleSetup
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer and action: P(buy if treated), the true net value, the budget cost; and
    P(buy if left alone)."""
    v = truth["value_if_converted"].to_numpy(dtype="float64") * setup.margin_rate
    p0 = truth["p_control"].to_numpy(dtype="float64")
    kinds = audience["offer_kind"].fillna("coupon").astype(str).to_numpy()
    p_offer = np.zeros(len(truth))
    for k in np.unique(kinds):
        sel = kinds == k
        p_offer[sel] = truth[f"p_{k}"].to_numpy(dtype="float64")[sel]
    p1 = np.column_stack([truth["p_message"], p_offer, truth["p_call"]]).astype("float64")
    net = (p1 - p0[:, None]) * v[:, None]
    cost = np.column_stack([audience[f"cost:{a}"].to_numpy(dtype="float64") for a in NAMES])
    for j, a in enumerate(NAMES):
        contact = audience[f"contact:{a}"].to_numpy(dtype="float64")
        redeem = audience[f"redeem:{a}"].to_numpy(dtype="float64")
        net[:, j] -= contact + redeem * p1[:, j]
    net = np.where(np.isfinite(cost), net, np.nan)
    return np.column_stack([p0, p1]), net, cost


def allocate_value(net_hat: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """Chosen action per row (−1 = none) of the allocation on estimated net values."""
    cand = pd.DataFrame({"customer_id": [f"r{i}" for i in range(len(cost))]})
    for j, a in enumerate(NAMES):
        ok = np.isfinite(cost[:, j])
        cand[f"value:{a}"] = np.where(ok, net_hat[:, j] + cost[:, j], np.nan)
        cand[f"cost:{a}"] = cost[:, j]
    f = allocate(cand, SAMPLE_ACTIONS, Constraints(budget)).frame
    act = f["action"].map({a: j for j, a in enumerate(NAMES)})
    return act.fillna(-1).to_numpy(dtype=np.int64)


def ranked(score: np.ndarray, cost: np.ndarray, j: int, budget: float) -> np.ndarray:
    """Customers in ``score`` order with action ``j`` while the budget lasts (skipping those
    without consent); chosen action per row."""
    order = np.argsort(-score, kind="stable")
    c = cost[order, j]
    ok = np.isfinite(c)
    spent = np.cumsum(np.where(ok, c, 0.0))
    take = order[ok & (spent <= budget)]
    act = np.full(len(score), -1)
    act[take] = j
    return act


def value_of(act: np.ndarray, net: np.ndarray) -> float:
    rows = np.flatnonzero(act >= 0)
    return float(np.nansum(net[rows, act[rows]]))


def observable_best(
    feats: pd.DataFrame, net: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int
) -> np.ndarray:
    """LightGBM's prediction of each action's true net value on ``test`` from ``train``."""
    import lightgbm as lgb

    X = feats.copy()
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype("category")
    out = np.full((len(test), net.shape[1]), np.nan)
    for j in range(net.shape[1]):
        ok = train[np.isfinite(net[train, j])]
        model = lgb.LGBMRegressor(
            n_estimators=400,
            learning_rate=0.05,
            num_leaves=31,
            min_child_samples=20,
            subsample=0.8,
            subsample_freq=1,
            random_state=seed,
            verbose=-1,
            n_jobs=1,
        )
        model.fit(X.iloc[ok], net[ok, j])
        out[:, j] = model.predict(X.iloc[test])
    return out


def learning_rows(
    rng: np.random.Generator,
    pool: np.ndarray,
    n: int,
    p: np.ndarray,
    cost: np.ndarray,
    audience: pd.DataFrame,
    holdout: float = 0.2,
) -> pd.DataFrame:
    """``n`` rows of randomised learning campaigns over the whole ``pool`` (customers re-drawn
    in a new campaign when ``n`` exceeds it): each customer gets one of the actions open to
    them at random, and is held out with probability ``holdout`` (the loop's share); a fresh
    response each. In the loop's arm format (``explore:<action>[:holdout]``)."""
    pool = pool[np.isfinite(cost[pool]).any(axis=1)]
    k = n // len(pool) + 1
    who = np.concatenate([rng.permutation(pool) for _ in range(k)])[:n]
    campaign = np.repeat(np.arange(k), len(pool))[:n]
    ok = np.isfinite(cost[who])
    score = np.where(ok, rng.random(ok.shape), -1.0)
    act = score.argmax(axis=1)
    held = rng.random(n) < holdout
    bought = rng.random(n) < np.where(held, p[who, 0], p[who, act + 1])
    names = np.array(NAMES, dtype=object)
    arm = "explore:" + names[act] + np.where(held, ":holdout", "")
    return pd.DataFrame(
        {
            "campaign_id": [f"learn-{c}" for c in campaign],
            "customer_id": audience["customer_id"].to_numpy()[who],
            "arm": arm,
            "responded": bought.astype("float64"),
        }
    )


def learnt_nets(
    models: dict[str, Any],
    audience: pd.DataFrame,
    feats: pd.DataFrame,
    vpr: pd.Series,
    rows: np.ndarray,
    pessimism: float,
    setup: SampleSetup,
) -> np.ndarray:
    sub = audience.iloc[rows]
    cand = expected_values(
        sub,
        models,
        SAMPLE_ACTIONS,
        features=feats,
        value_per_response=vpr,
        margin_rate=setup.margin_rate,
        pessimism=pessimism,
    )
    return np.column_stack(
        [cand[f"value:{a}"].to_numpy() - cand[f"cost:{a}"].to_numpy() for a in NAMES]
    )


def run(
    audience: pd.DataFrame,
    truth: pd.DataFrame,
    sizes: list[int],
    seeds: list[int],
    folds: tuple[int, ...] = (0, 1),
) -> None:
    setup = SampleSetup()
    p, net, cost = truth_matrices(audience, truth, setup)
    feats_idx = learning_features(audience)
    feats = feats_idx.reset_index(drop=True)
    assert (feats_idx.index == audience["customer_id"].to_numpy()).all()
    vpr = monthly_value(audience)
    churn = pd.to_numeric(audience["churn_probability"], errors="coerce").fillna(-1).to_numpy()
    clv = pd.to_numeric(audience["clv"], errors="coerce").fillna(0).clip(lower=0).to_numpy()
    n = len(audience)
    results: list[dict[str, Any]] = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        half = rng.random(n) < 0.5
        for fold, (train, test) in enumerate(
            (
                (np.flatnonzero(half), np.flatnonzero(~half)),
                (np.flatnonzero(~half), np.flatnonzero(half)),
            )
        ):
            if fold not in folds:
                continue
            budget = setup.budget_per_customer * len(test)
            c_t, n_t = cost[test], net[test]

            def rec(
                policy: str,
                size: int | None,
                act: np.ndarray,
                *,
                at: tuple[int, int] = (seed, fold),
                n_t: np.ndarray = n_t,
                c_t: np.ndarray = c_t,
                **extra: Any,
            ) -> None:
                results.append(
                    {
                        "seed": at[0],
                        "fold": at[1],
                        "policy": policy,
                        "rows": size,
                        "value": value_of(act, n_t),
                        "treated": int((act >= 0).sum()),
                        "spent": float(np.nansum(c_t[act >= 0, act[act >= 0]])),
                        **extra,
                    }
                )

            rec("(a) oracle: true net values", None, allocate_value(n_t, c_t, budget))
            hat = observable_best(feats, net, train, test, seed)
            rec(
                "(b) best from observable features (LightGBM on the true net)",
                None,
                allocate_value(hat, c_t, budget),
            )
            for j, a in enumerate(NAMES):
                rec(f"(c) risk-only, {a}", None, ranked(churn[test], c_t, j, budget))
                rec(f"(d) risk × value, {a}", None, ranked(churn[test] * clv[test], c_t, j, budget))
            for size in sizes:
                t0 = time.process_time()
                long = learning_rows(rng, train, size, p, cost, audience)
                rows = training_rows(long, feats_idx)
                logit = {a: InteractionLogit().fit(*rows[a]) for a in NAMES}
                for k in (0.0, 1.0):
                    nh = learnt_nets(logit, audience, feats_idx, vpr, test, k, setup)
                    rec(f"logit, {k:g} SE off", size, allocate_value(nh, c_t, budget))
                prior = {a: RiskPriorEffect().fit(*rows[a]) for a in NAMES}
                for k in (0.0, 1.0):
                    nh = learnt_nets(prior, audience, feats_idx, vpr, test, k, setup)
                    rec(f"risk prior (EB), {k:g} SE off", size, allocate_value(nh, c_t, budget))
                k_cv, table = choose_pessimism(
                    RiskPriorEffect,
                    long,
                    audience=audience,
                    actions=SAMPLE_ACTIONS,
                    features=feats_idx,
                    value_per_response=vpr,
                    margin_rate=setup.margin_rate,
                    budget_per_customer=setup.budget_per_customer,
                    seed=seed,
                )
                nh = learnt_nets(prior, audience, feats_idx, vpr, test, k_cv, setup)
                rec("risk prior (EB), caution by CV", size, allocate_value(nh, c_t, budget), k=k_cv)
                done = [
                    r
                    for r in results
                    if r["rows"] == size and r["seed"] == seed and r["fold"] == fold
                ]
                print(
                    f"seed {seed} fold {fold} rows {size:,}: {time.process_time() - t0:.0f} s CPU; "
                    + "; ".join(f"{r['policy']} {r['value']:+,.0f}" for r in done)
                    + f"; CV caution {k_cv:g} ({ {k: round(v) for k, v in table.items()} })",
                    flush=True,
                )
            base = [
                r for r in results if r["rows"] is None and r["seed"] == seed and r["fold"] == fold
            ]
            print("; ".join(f"{r['policy']} {r['value']:+,.0f}" for r in base), flush=True)
    frame = pd.DataFrame(results)
    total = frame.groupby(["policy", "rows", "seed"], dropna=False)["value"].sum().reset_index()
    print("\n| policy | learning rows | value per seed | mean |")
    print("|---|---:|---|---:|")
    for (policy, size), g in total.groupby(["policy", "rows"], dropna=False, sort=False):
        vals = ", ".join(f"{v:+,.0f}" for v in g["value"])
        rows_txt = "—" if pd.isna(size) else f"{int(size):,}"
        print(f"| {policy} | {rows_txt} | {vals} | {g['value'].mean():+,.0f} |")
    ks = frame.dropna(subset=["k"]) if "k" in frame else frame.iloc[:0]
    if len(ks):
        print(
            "\nCaution chosen by CV (SEs off), per seed/fold/rows:",
            ks[["seed", "fold", "rows", "k"]].to_dict("records"),
        )


def split_repeat(args: argparse.Namespace) -> None:
    """``--split-repeat K``: one repeat of ``targeting.py`` (the same seed, learning campaigns
    and choice, action gate off) taken apart — the rule's measured lead of the learnt policy
    over risk-only + offer by action and stratum (``PolicyChoice.lead_parts``, on the rows),
    the same split of the two plans' true expected net value, and each action's estimated
    against true effect and value on the customers the learnt policy gives it."""
    import pickle

    from targeting import _baseline, learning_data, sample_choice  # benchmarks/targeting.py

    from loyalloop.measurement.arms import parse_arm
    from loyalloop.measurement.learning import (
        EXPLORE,
        EffectLearner,
        Policy,
        PolicyKind,
        fit_effects,
    )
    from loyalloop.measurement.sample_rounds import policy_plan
    from loyalloop.measurement.structured import RiskScaledEffect

    setup = SampleSetup()
    with args.cache.open("rb") as f:
        frame, truth0, as_of = pickle.load(f)
    k = args.split_repeat
    t0 = time.perf_counter()
    d = learning_data(
        ibis.memtable(frame),
        truth0,
        as_of,
        seed=k,
        setup=setup,
        learning_campaigns=args.learning_campaigns,
    )
    audience, budget, features, vpr = d["audience"], d["budget"], d["features"], d["vpr"]
    pooled = d["pooled"]
    fit = fit_effects(d["rows"], seed=k, learner=EffectLearner.RISK_SCALED)
    choice = sample_choice(RiskScaledEffect, d, setup=setup, incumbent="offer", seed=k)
    print(
        f"# repeat {k} of targeting.py taken apart — {len(audience):,} audience customers, "
        f"{args.learning_campaigns} learning campaigns, {len(pooled):,} learning rows\n"
    )
    print(
        f"Choice: **{choice.selected.value}**, caution {choice.caution:g} SE (folds "
        f"{list(choice.fold_cautions)}); lead {choice.lead:+,.0f} (se {choice.lead_se:,.0f})\n"
    )
    print(
        "The rule's lead by action and stratum (cross-fitted learnt − risk-only + offer, "
        "measured on the rows; stratum 1 = picked by a campaign's policy, 0 = the rest):\n"
    )
    print("| action | stratum | learnt gives | incumbent gives | lead | se |")
    print("|---|---:|---:|---:|---:|---:|")
    for p in choice.lead_parts:
        print(
            f"| {p.action} | {p.stratum} | {p.model_customers:,} | {p.default_customers:,} | "
            f"{p.lead:+,.0f} | {p.se:,.0f} |"
        )
    # the same split on the truth: the plans as targeting.py builds them
    truth = d["truth"].set_index("customer_id").loc[audience["customer_id"]].reset_index()
    probs, net, _cost = truth_matrices(audience, truth, setup)
    ids = audience["customer_id"].astype(str).to_numpy()
    policy = Policy(
        PolicyKind.MODEL, model_id="diag", caution=choice.caution, fill_action=choice.fill_action
    )
    learnt = policy_plan(
        audience,
        policy,
        budget,
        actions=SAMPLE_ACTIONS,
        effects=fit.models,
        features=features,
        value_per_response=vpr,
        margin_rate=setup.margin_rate,
    )
    churn = pd.to_numeric(audience["churn_probability"], errors="coerce").fillna(-1).to_numpy()
    incumbent = _baseline(audience, churn, "offer", budget)
    # the strata as selection values them: customers a campaign's policy picked, the rest
    parsed = pooled["arm"].astype(str).map(parse_arm)
    by_policy = parsed.map(lambda p: p.group != EXPLORE and not p.is_global_control)
    picked_ids = set(pooled.loc[by_policy.to_numpy(dtype=bool), "customer_id"].astype(str))
    stratum = np.isin(ids, list(picked_ids)).astype(int)
    pos = pd.Series(np.arange(len(ids)), index=ids)

    def per_customer(plan: Any) -> tuple[np.ndarray, np.ndarray]:
        tr = plan.treatments
        at = pos.loc[tr["customer_id"].astype(str)].to_numpy()
        act = tr["action"].map({a: j for j, a in enumerate(NAMES)}).to_numpy(dtype=np.int64)
        return at, act

    la, lj = per_customer(learnt)
    ia, ij = per_customer(incumbent)
    print(
        "\nThe same split on the truth (expected net value; learnt at the rule's caution, "
        "filled, − risk-only + offer):\n"
    )
    print(
        "| action | stratum | learnt gives | its true net | incumbent gives | its true net | "
        "difference |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    tot = 0.0
    for j, a in enumerate(NAMES):
        for s_ in (1, 0):
            lm = (lj == j) & (stratum[la] == s_)
            im = (ij == j) & (stratum[ia] == s_)
            lv, iv = float(net[la[lm], j].sum()), float(net[ia[im], j].sum())
            tot += lv - iv
            print(
                f"| {a} | {s_} | {int(lm.sum()):,} | {lv:+,.0f} | {int(im.sum()):,} | "
                f"{iv:+,.0f} | {lv - iv:+,.0f} |"
            )
    print(f"\nTotal difference on the truth {tot:+,.0f}\n")
    # each action's estimated effect and value against the truth on the learnt's customers
    X = features.reindex(ids)
    v_hat = vpr.reindex(ids).to_numpy(dtype="float64") * setup.margin_rate
    v_true = truth["value_if_converted"].to_numpy(dtype="float64") * setup.margin_rate
    p0 = probs[:, 0]
    lapsed = truth["lapsed"].to_numpy(dtype=bool)
    dog = truth["sleeping_dog"].to_numpy(dtype=bool)
    print(
        "Estimated against true, on the customers the learnt policy gives each action "
        "(means; Δp = effect on the chance to buy; v = value of a response × margin):\n"
    )
    print(
        "| action | customers | lapsed | sleeping dogs | risk | Δp est | Δp true | v est | "
        "v true | Δp·v est | Δp·v true | true net, sum |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for j, a in enumerate(NAMES):
        at = la[lj == j]
        if len(at) == 0:
            continue
        dp_hat = np.asarray(fit.models[a].predict(X.iloc[at]), dtype="float64")
        dp_true = probs[at, 1 + j] - p0[at]
        print(
            f"| {a} | {len(at):,} | {lapsed[at].mean():.0%} | {dog[at].mean():.0%} | "
            f"{churn[at].mean():.2f} | {dp_hat.mean():+.4f} | {dp_true.mean():+.4f} | "
            f"{v_hat[at].mean():,.1f} | {v_true[at].mean():,.1f} | "
            f"{(dp_hat * v_hat[at]).mean():+,.2f} | {(dp_true * v_true[at]).mean():+,.2f} | "
            f"{net[at, j].sum():+,.0f} |"
        )
    for a, m in fit.models.items():
        theta = getattr(m, "theta_", None)
        if theta is not None:
            print(
                f"- {a}: θ₀ (save rate) {theta[0]:+.4f}, β (stayers) {theta[1]:+.4f}, "
                f"heterogeneous {getattr(m, 'heterogeneous_', None)}, "
                f"se {np.sqrt(np.diag(m.cov_))[:2].round(4).tolist()}"
            )
    # the value of a response the loop uses against the truth's, lapsed and alive, over the
    # whole audience: monthly_value alone and calibrated on the learning rows' responders
    raw = monthly_value(audience).reindex(ids).to_numpy(dtype="float64") * setup.margin_rate
    print(f"\n{d['calibration'].line()}\n")
    print("| customers | n | v true | monthly_value | calibrated (the loop's) |")
    print("|---|---:|---:|---:|---:|")
    for name, m in (("lapsed", lapsed), ("alive", ~lapsed), ("all", np.ones_like(lapsed))):
        print(
            f"| {name} | {int(m.sum()):,} | {v_true[m].mean():,.1f} | {raw[m].mean():,.1f} | "
            f"{v_hat[m].mean():,.1f} |"
        )
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"\n{ru.ru_utime:.0f} s user + {ru.ru_stime:.0f} s system CPU, "
        f"{time.perf_counter() - t0:.0f} s wall, load average {os.getloadavg()[0]:.1f}"
    )
    if args.save is not None:
        with args.save.open("wb") as f:
            pickle.dump({"choice": choice, "fit": fit, "learnt": learnt, "data": d}, f)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--sizes", default="4000,10000,30000,100000")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--folds", default="0,1", help="which halves to judge on (0, 1 or both)")
    ap.add_argument(
        "--split-repeat",
        type=int,
        default=None,
        help="take targeting.py's repeat K apart instead (needs --cache)",
    )
    ap.add_argument("--learning-campaigns", type=int, default=6)
    ap.add_argument("--save", type=Path, default=None, help="--split-repeat: pickle its parts")
    args = ap.parse_args()
    if args.split_repeat is not None:
        split_repeat(args)
        return
    t0 = time.perf_counter()
    audience, truth = load(args.customers, args.cache)
    print(
        f"# targeting diagnosis — {len(audience):,} audience customers "
        f"({args.customers:,} generated)\n"
    )
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; sample ready in {time.perf_counter() - t0:.0f} s\n"
    )
    run(
        audience,
        truth,
        [int(x) for x in args.sizes.split(",") if x.strip()],
        [int(x) for x in args.seeds.split(",")],
        tuple(int(x) for x in args.folds.split(",")),
    )
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"\nwhole process: {ru.ru_utime:.0f} s user + {ru.ru_stime:.0f} s system CPU, "
        f"{time.perf_counter() - t0:.0f} s wall, peak {ru.ru_maxrss / 1e6:.2f} GB, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
