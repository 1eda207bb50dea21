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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--sizes", default="4000,10000,30000,100000")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--folds", default="0,1", help="which halves to judge on (0, 1 or both)")
    args = ap.parse_args()
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
