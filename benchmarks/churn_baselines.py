"""Churn model against its baselines, and the two action lists, on real and sample data.

Not a speed benchmark: the figures a manager's decisions rest on, recorded with the data and
settings, in ``benchmarks/results/churn_baselines.md``. Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/churn_baselines.py [--only cdnow|sample]

For each data set — CDNOW's 1/10 sample (2,357 real customers of a CD retailer, lifetimes'
``CDNOW_sample.txt``, as of 1998-06-30) and Loyalloop's card sample (``loyalloop demo``'s
10,000 customers, seed 0, as of its last day) — the script lays out cutoffs as the churn stage
does (test cutoff 90 days before the midnight after the as-of day, up to three training
cutoffs 90 days apart with 180 days of history each), runs :func:`loyalloop.churn.backtest`
(model vs recency, BG/NBD 1 − P(alive) and a logistic regression), assigns statuses
(:mod:`loyalloop.insight.definitions`), scores everyone with the winning ranking, values them
with BG/NBD + Gamma-Gamma CLV (12 months, 1 % a month, as the clv stage), estimates return
rates from the customers gone at the test cutoff, and builds the early-warning and win-back
lists (:mod:`loyalloop.loyalty.priorities`). It prints markdown.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ibis
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from cdnow_files import cdnow_frames

from loyalloop.churn import ChurnTables, FeatureConfig, backtest, build_labels
from loyalloop.clv import BetaGeoModel, GammaGammaModel, score
from loyalloop.insight import rfm_summary
from loyalloop.loyalty import (
    early_warning_list,
    estimate_return_rates,
    lifecycle_stages,
    winback_list,
)

HORIZON = 90


def cutoffs(first: datetime, as_of: date) -> tuple[datetime, datetime, list[datetime]]:
    score_cut = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    test = score_cut - timedelta(days=HORIZON)
    trains = [test - timedelta(days=HORIZON * k) for k in (3, 2, 1)]
    return score_cut, test, [c for c in trains if c - first >= timedelta(days=180)]


def clv_frame(tx: ibis.Table, as_of: date) -> pd.DataFrame:
    s = rfm_summary(tx, observation_end=as_of, time_unit="W").to_pandas()
    observed = s[s["T"] > 0]
    bg = BetaGeoModel().fit(observed, time_unit="weeks")
    gg = GammaGammaModel().fit(observed[observed["frequency"] > 0])
    parts = score(bg, s, t=52, spend_model=gg, horizon=12, discount_rate=0.01, time_unit="W")
    return pd.concat(list(parts), ignore_index=True)[["customer_id", "clv"]]


def report(name: str, tables: ChurnTables, as_of: date) -> None:
    tx = tables.transactions
    first = pd.Timestamp(tx.timestamp.min().to_pandas()).to_pydatetime()
    score_cut, test, trains = cutoffs(first, as_of)
    r = backtest(tables, train_cutoffs=trains, test_cutoff=test, horizon_days=HORIZON)
    c = r.comparison
    print(f"\n## {name}\n")
    print(
        f"As of {as_of}; training cutoffs {', '.join(f'{t:%Y-%m-%d}' for t in trains)}; "
        f"test cutoff {test:%Y-%m-%d}; {r.n_train:,} training rows, {r.n_test:,} test "
        f"customers, churn rate {c.base_rate:.1%} (no purchase within {HORIZON} days, or "
        "every open account closed).\n"
    )
    print("| scorer | ROC AUC | PR AUC | Brier | lift in top 10 % |")
    print("|---|---:|---:|---:|---:|")
    for f in c.figures:
        brier = "—" if f.brier is None else f"{f.brier:.3f}"
        mark = " **(ranks)**" if f.name == c.winner else ""
        print(
            f"| {f.name}{mark} | {f.roc_auc:.3f} | {f.pr_auc:.3f} | {brier} | "
            f"{f.top_decile_lift:.2f} |"
        )
    print(f"\n{c.summary()}\n")

    feats = tables.features(score_cut, FeatureConfig(active_within_days=None))
    stages = lifecycle_stages(feats)
    f = feats.join(stages, "customer_id").to_pandas().sort_values("customer_id")
    f["churn_probability"] = r.ranking.churn_probability(f)
    f = f.merge(clv_frame(tx, as_of), on="customer_id", how="left")
    f["clv"] = f["clv"].fillna(0.0)
    hist = tables.features(test, FeatureConfig(active_within_days=None))
    lab = build_labels(tx, test, HORIZON, accounts=tables.accounts, active_within_days=None)
    h = hist.join(lifecycle_stages(hist), "customer_id").join(lab, "customer_id").to_pandas()
    h["returned"] = 1 - h["churned"]
    rates = estimate_return_rates(h, horizon_days=HORIZON)
    ew = early_warning_list(f, min_probability=c.base_rate)
    wb = winback_list(f, rates)
    counts = f["stage"].value_counts()
    print("Statuses: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + ".\n")
    for lst, value in ((ew, "value at stake"), (wb, "win-back value")):
        top = lst.table.head(20)
        mix = ", ".join(f"{k} {v}" for k, v in top["stage"].value_counts().items())
        extra = ""
        if "open_accounts" in f.columns and lst.kind == "early_warning":
            held = f.set_index("customer_id").loc[lst.table["customer_id"]]
            gone = int(((held["accounts_ever"] > 0) & (held["open_accounts"] == 0)).sum())
            extra = f"; customers with no open account on it: {gone}"
        print(
            f"- **{lst.kind.replace('_', '-')} list**: {lst.eligible:,} customers, total "
            f"{value} {lst.total_value:,.0f}, top 20 {lst.value_of_top(20):,.0f} "
            f"({mix}){extra}."
        )
        print(f"  - #1: {top['reasons_en'].iloc[0]}")
    print(
        "- Return rates (customers gone at the test cutoff who bought within 90 days): "
        + "; ".join(
            f"{k} {rates.returned[k]:,} of {rates.n[k]:,}" for k in sorted(rates.n) if k != "*"
        )
        + "."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["cdnow", "sample"])
    args = parser.parse_args()
    if args.only in (None, "cdnow"):
        con = ibis.duckdb.connect()
        _, tx = cdnow_frames()
        tx["timestamp"] = pd.to_datetime(tx["timestamp"]).astype("datetime64[us]")
        tables = ChurnTables(transactions=con.create_table("tx", tx))
        report("CDNOW 1/10 sample", tables, date(1998, 6, 30))
    if args.only in (None, "sample"):
        from loyalloop.sample import generate

        data = generate(customers=10_000, seed=0)
        con = ibis.duckdb.connect()
        tables = ChurnTables(
            **{
                n: con.create_table(n, data.tables[n])
                for n in ("transactions", "feedback", "interactions", "accounts")
            }
        )
        last = pd.Timestamp(data.tables["transactions"]["timestamp"].max()).date()
        report("Loyalloop card sample (10,000 customers, seed 0)", tables, last)


if __name__ == "__main__":
    main()
