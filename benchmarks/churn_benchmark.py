"""Churn benchmark: warehouse features + scoring for 1M customers / 10M transactions.

Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/churn_benchmark.py [--customers 1000000]
        [--transactions 10000000] [--threads 2] [--workdir /tmp/churn-bench]
        [--out benchmarks/results/churn.md]

Phases run in separate processes so each one's peak memory (max RSS, which includes DuckDB's
memory) is its own:

1. ``generate`` — synthetic canonical tables in a DuckDB file (not timed in the results).
2. ``train`` — features and labels at two earlier cutoffs, a bounded training sample, fit.
3. ``score`` — features at the scoring cutoff for every customer, streamed in batches through
   the model: the number that matters for a nightly run.

Not a test: results are recorded in ``benchmarks/results/churn.md`` with date and machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("churn_benchmark")

TRAIN_CUTOFFS = ("2024-04-01", "2024-07-01")
SCORE_CUTOFF = "2024-10-01"
HORIZON = 90
SAMPLE = 200_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load() -> float:
    """1-minute load average (other work on the machine inflates the times)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def _connect(path: Path, threads: int, memory: str):  # type: ignore[no-untyped-def]
    import ibis

    con = ibis.duckdb.connect(str(path), threads=threads)
    con.raw_sql(f"SET memory_limit = '{memory}'")
    con.raw_sql("SET preserve_insertion_order = false")
    return con


def generate(path: Path, customers: int, transactions: int, threads: int, memory: str) -> dict:
    """Synthetic canonical tables; deterministic (hash-based, no RNG state)."""
    con = _connect(path, threads, memory)
    keep = 0.635  # share of candidate rows before each customer's (hashed) dropout day
    cand = int(transactions / keep)
    t0 = time.perf_counter()
    con.raw_sql(
        f"""
        CREATE OR REPLACE TABLE transactions AS
        WITH c AS (
          SELECT i,
                 CAST(floor({customers} * pow((hash(i, 1) % 1000003) / 1000003.0, 1.3)) AS BIGINT)
                   AS cust,
                 (hash(i, 2) % 730000) / 1000.0 AS day,
                 (hash(i, 3) % 100000) / 100000.0 AS u
          FROM range({cand}) t(i)
        )
        SELECT 'T' || i AS transaction_id,
               'C' || lpad(CAST(cust AS VARCHAR), 7, '0') AS customer_id,
               TIMESTAMP '2023-01-01' + to_seconds(CAST(day * 86400 AS BIGINT)) AS "timestamp",
               CASE WHEN u < 0.03 THEN -round(5 + 200 * u, 2) ELSE round(5 + 300 * u * u, 2) END
                 AS amount
        FROM c
        WHERE day < (hash(cust, 9) % 1000)
        """
    )
    con.raw_sql(
        f"""
        CREATE OR REPLACE TABLE feedback AS
        SELECT 'F' || i AS feedback_id,
               'C' || lpad(CAST(hash(i, 4) % {customers} AS VARCHAR), 7, '0') AS customer_id,
               TIMESTAMP '2023-01-01' + to_seconds(CAST((hash(i, 5) % 730) * 86400 AS BIGINT))
                 AS "timestamp",
               'survey' AS channel, NULL::VARCHAR AS brand, 'nps' AS score_type,
               CAST(hash(i, 6) % 11 AS DOUBLE) AS score,
               CASE WHEN hash(i, 7) % 3 = 0 THEN 'fees too high' ELSE 'ok' END AS text
        FROM range({customers // 2}) t(i)
        """
    )
    con.raw_sql(
        f"""
        CREATE OR REPLACE TABLE accounts AS
        SELECT 'A' || i AS account_id,
               'C' || lpad(CAST(i AS VARCHAR), 7, '0') AS customer_id,
               'card' AS product,
               TIMESTAMP '2022-01-01' + to_seconds(CAST((hash(i, 8) % 700) * 86400 AS BIGINT))
                 AS opened_at,
               CASE WHEN hash(i, 10) % 5 = 0
                    THEN TIMESTAMP '2023-06-01'
                         + to_seconds(CAST((hash(i, 11) % 570) * 86400 AS BIGINT))
               END AS closed_at
        FROM range({customers}) t(i)
        """
    )
    n_tx = con.sql("SELECT count(*) AS n FROM transactions").to_pyarrow().column(0)[0].as_py()
    n_c = (
        con.sql("SELECT count(DISTINCT customer_id) AS n FROM transactions")
        .to_pyarrow()
        .column(0)[0]
        .as_py()
    )
    con.disconnect()
    return {
        "transactions": n_tx,
        "customers_with_transactions": n_c,
        "seconds": time.perf_counter() - t0,
    }


def _tables(con):  # type: ignore[no-untyped-def]
    from loyalloop.churn import ChurnTables

    return ChurnTables(
        transactions=con.table("transactions"),
        feedback=con.table("feedback"),
        accounts=con.table("accounts"),
    )


def train(path: Path, threads: int, memory: str, model_path: Path) -> dict:
    import pandas as pd

    from loyalloop.churn import ChurnModel, fit_churn_model

    con = _connect(path, threads, memory)
    tables = _tables(con)
    load = _load()
    t0 = time.perf_counter()
    frames, labels = [], []
    # Bounded sample taken in the warehouse: features are computed only for a hashed
    # fraction of customers, sized so the stacked cutoffs give about SAMPLE rows.
    n_customers = (
        con.sql("SELECT count(DISTINCT customer_id) AS n FROM transactions")
        .to_pyarrow()
        .column(0)[0]
        .as_py()
    )
    fraction = min(1.0, 1.1 * SAMPLE / len(TRAIN_CUTOFFS) / max(n_customers * 0.7, 1))
    sampled = tables.sample(fraction)
    for c in TRAIN_CUTOFFS:
        f = sampled.features(c).to_pandas()
        f.insert(0, "cutoff", pd.Timestamp(c))
        y = sampled.labels(c, HORIZON).to_pandas()
        y.insert(0, "cutoff", pd.Timestamp(c))
        frames.append(f)
        labels.append(y)
    t_feat = time.perf_counter() - t0
    model = fit_churn_model(
        pd.concat(frames, ignore_index=True),
        pd.concat(labels, ignore_index=True),
        horizon_days=HORIZON,
        model=ChurnModel(n_jobs=threads),
        max_rows=SAMPLE,
    )
    t_total = time.perf_counter() - t0
    model.save(model_path)
    con.disconnect()
    return {
        "sample_rows": int(model.metadata_["n_sample"]),
        "sample_fraction": fraction,
        "features_and_labels_seconds": t_feat,
        "fit_seconds": t_total - t_feat,
        "seconds": t_total,
        "peak_rss_mb": _peak_mb(),
        "load_before": load,
        "load_after": _load(),
    }


def score(path: Path, threads: int, memory: str, model_path: Path, out: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from loyalloop.churn import ChurnModel, FeatureConfig
    from loyalloop.churn.scoring import iter_feature_batches, score_customers

    con = _connect(path, threads, memory)
    tables = _tables(con)
    model = ChurnModel.load(model_path)
    load = _load()
    t0 = time.perf_counter()
    # Everyone who ever bought, not only the last year's actives: the full 1M-customer case.
    feats = tables.features(SCORE_CUTOFF, FeatureConfig(active_within_days=None))
    n = 0
    writer = None
    for batch in iter_feature_batches(feats, batch_size=200_000):
        s = score_customers(model, batch)
        table = pa.Table.from_pandas(s, preserve_index=False)
        writer = writer or pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
        n += len(s)
    if writer is not None:
        writer.close()
    seconds = time.perf_counter() - t0
    con.disconnect()
    return {
        "customers_scored": n,
        "seconds": seconds,
        "peak_rss_mb": _peak_mb(),
        "load_before": load,
        "load_after": _load(),
    }


def _child(phase: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, *_passthrough(args)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _passthrough(a: argparse.Namespace) -> list[str]:
    return [
        "--customers", str(a.customers), "--transactions", str(a.transactions),
        "--threads", str(a.threads), "--memory", a.memory, "--workdir", str(a.workdir),
        "--out", str(a.out),
    ]  # fmt: skip


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs{mem}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--phase", choices=["all", "generate", "train", "score"], default="all")
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--transactions", type=int, default=10_000_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--memory", default="4GB")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/churn-bench"))
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/churn.md"))
    a = p.parse_args()
    a.workdir.mkdir(parents=True, exist_ok=True)
    db, model = a.workdir / "bench.duckdb", a.workdir / "model.json"
    if a.phase == "generate":
        db.unlink(missing_ok=True)
        out = generate(db, a.customers, a.transactions, a.threads, a.memory)
    elif a.phase == "train":
        out = train(db, a.threads, a.memory, model)
    elif a.phase == "score":
        out = score(db, a.threads, a.memory, model, a.workdir / "scores.parquet")
    else:
        gen = _child("generate", a)
        tr = _child("train", a)
        sc = _child("score", a)
        _write(a, gen, tr, sc)
        return
    sys.stdout.write(json.dumps(out) + "\n")


def _write(a: argparse.Namespace, gen: dict, tr: dict, sc: dict) -> None:
    import duckdb
    import lightgbm

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"""# Churn benchmark

Recorded {now} by `benchmarks/churn_benchmark.py` (not a timed test).

- Machine: {_machine()}
- Threads: DuckDB {a.threads}, LightGBM {a.threads}; DuckDB memory limit {a.memory};
  `OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY", "(unset)")}`
- Versions: Python {platform.python_version()}, DuckDB {duckdb.__version__},
  LightGBM {lightgbm.__version__}
- Data: synthetic canonical tables, {gen["transactions"]:,} transactions of
  {gen["customers_with_transactions"]:,} customers (of {a.customers:,}), {a.customers // 2:,}
  NPS answers, {a.customers:,} card accounts; two years (2023–2024). Generation took
  {gen["seconds"]:.0f} s and is not part of the figures below.

| phase | what | time | peak memory (RSS) |
|---|---|---:|---:|
| features + scoring | all features as of {SCORE_CUTOFF} for every customer with a purchase, streamed in 200k-row batches through the model, scores written to Parquet ({sc["customers_scored"]:,} customers) | {sc["seconds"]:.1f} s | {sc["peak_rss_mb"]:,.0f} MB |
| training | features + labels at {", ".join(TRAIN_CUTOFFS)} (horizon {HORIZON} days), bounded sample of {tr["sample_rows"]:,} rows (customers hashed in the warehouse, {tr["sample_fraction"]:.1%} of them), LightGBM (200 trees) + calibration | {tr["seconds"]:.1f} s (features {tr["features_and_labels_seconds"]:.1f} s, fit {tr["fit_seconds"]:.1f} s) | {tr["peak_rss_mb"]:,.0f} MB |

Peak memory is the process's maximum resident set size, DuckDB included. The machine was
shared with other work while this ran (1-minute load average before/after: scoring
{sc["load_before"]:.1f}/{sc["load_after"]:.1f}, training {tr["load_before"]:.1f}/{tr["load_after"]:.1f}
on 2 CPUs), so the times are an upper bound.
"""  # noqa: E501
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text, "utf-8")
    log.info("wrote %s", a.out)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
