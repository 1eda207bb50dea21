"""Do the campaign measurement's 95 % intervals cover the truth with small holdouts?

On the card sample's campaign truth (``loyalloop demo``'s generator, seed 0): an arm of
``size`` customers — the riskiest (highest churn probability), the next riskiest, or random
ones — gets an SMS or a call; 20 % of it is held out at random. Each customer buys with the
truth's probability (treated or not), spending the truth's ``value_if_converted``; net value
per customer is margin (20 %) × revenue − the contact. The estimand is the treated customers'
true total incremental net value. For each setting, ``--sims`` fresh draws are measured with
the measurement's own comparison (``measurement.results``), with its small-sample rules
(``MIN_ARM``, ``BORROW_BELOW``) and with Welch's interval alone, and the share of intervals
that cover the truth is printed. Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/targeting_coverage.py [--customers 10000]
        [--sims 600] [--cache sample.pkl]

``--cache`` reuses the pickle ``benchmarks/targeting.py --cache`` writes (view, truth, as-of).
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import pandas as pd

from loyalloop.measurement import results
from loyalloop.measurement.results import Metric
from loyalloop.measurement.table import SUM_COLUMNS

MARGIN = 0.2


def _sums(revenue: np.ndarray, cost: np.ndarray, bought: np.ndarray) -> pd.Series:
    s = dict.fromkeys(SUM_COLUMNS, 0.0)
    n = float(len(revenue))
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


def coverage(
    value: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    contact: float,
    *,
    sims: int,
    seed: int,
    rules: bool,
) -> tuple[float, int]:
    """Share of intervals covering the truth, and how many of ``sims`` gave a figure."""
    rng = np.random.default_rng(seed)
    saved = results.BORROW_BELOW, results.MIN_ARM
    if not rules:
        results.BORROW_BELOW, results.MIN_ARM = 0, 2
    try:
        covered = reported = 0
        for _ in range(sims):
            held = rng.random(len(value)) < 0.2
            t, c = ~held, held
            if t.sum() < 2 or c.sum() < 2:
                continue
            u = rng.random(len(value))
            bt, bc = u[t] < p1[t], u[c] < p0[c]
            truth = float(np.sum((p1[t] - p0[t]) * value[t] * MARGIN - contact))
            comp = results._compare(
                _sums(np.where(bt, value[t], 0.0), np.full(int(t.sum()), contact), bt),
                _sums(np.where(bc, value[c], 0.0), np.zeros(int(c.sum())), bc),
                MARGIN,
                False,
                0.05,
            )
            net = comp.metrics[Metric.NET]
            if net.error:
                continue
            reported += 1
            covered += net.total.low <= truth <= net.total.high
    finally:
        results.BORROW_BELOW, results.MIN_ARM = saved
    return covered / max(reported, 1), reported


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--sims", type=int, default=600)
    p.add_argument("--sizes", default="50,100,150,200,300,1000")
    p.add_argument("--cache", type=Path, default=None)
    args = p.parse_args()
    if args.cache is not None and args.cache.exists():
        with args.cache.open("rb") as fh:
            frame, truth, _ = pickle.load(fh)
    else:
        import tempfile

        from targeting import sample_run  # type: ignore[import-not-found]

        with tempfile.TemporaryDirectory(prefix="loyalloop-bench-") as tmp:
            view, truth, _ = sample_run(args.customers, 0, Path(tmp))
            frame = view.to_pandas()
    t = truth.assign(customer_id=truth["customer_id"].astype(str)).set_index("customer_id")
    churn = (
        frame.assign(customer_id=frame["customer_id"].astype(str))
        .set_index("customer_id")["churn_probability"]
        .reindex(t.index)
    )
    churn = pd.to_numeric(churn, errors="coerce").fillna(-1.0).to_numpy()
    value = t["value_if_converted"].to_numpy(dtype="float64")
    p0 = t["p_control"].to_numpy(dtype="float64")
    q = np.quantile(value * MARGIN, [0.5, 0.99, 0.999])
    print(
        f"# coverage of the campaign measurement's 95 % intervals — {len(t):,} customers, "
        f"{args.sims} draws per setting\n\nbaseline purchase rate {p0.mean():.2f}; margin per "
        f"buyer median {q[0]:,.0f}, 99th percentile {q[1]:,.0f}, 99.9th {q[2]:,.0f} CNY\n"
    )
    print("| action | customers | holdout ≈ | who | with the rules (reported) | Welch alone |")
    print("|---|---:|---:|---|---:|---:|")
    order = np.argsort(-churn, kind="stable")
    rng = np.random.default_rng(0)
    started = time.process_time()
    for action, contact in (("message", 0.05), ("call", 10.0)):
        p1 = t[f"p_{action}"].to_numpy(dtype="float64")
        for size in (int(x) for x in args.sizes.split(",")):
            for who, idx in (
                ("riskiest", order[:size]),
                ("next riskiest", order[size : 2 * size]),
                ("random", rng.permutation(len(t))[:size]),
            ):
                a = (value[idx], p0[idx], p1[idx], contact)
                with_rules, n_rep = coverage(*a, sims=args.sims, seed=size, rules=True)
                alone, _ = coverage(*a, sims=args.sims, seed=size, rules=False)
                print(
                    f"| {action} | {size:,} | {round(size * 0.2)} | {who} | {with_rules:.3f} "
                    f"({n_rep}) | {alone:.3f} |",
                    flush=True,
                )
    print(f"\nCPU {time.process_time() - started:.0f} s")


if __name__ == "__main__":
    main()
