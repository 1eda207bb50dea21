"""Benchmark: the RFM stage on 10M transactions / 1M customers read from Parquet.

Three implementations of the same result (lifetimes-style summary merged by day, plus R/F/M
scores), each run as its own process so whole-process time and peak memory compare fairly:

    python benchmarks/rfm_stage.py make-data          # writes benchmarks/data/tx.parquet
    python benchmarks/rfm_stage.py loyalloop          # Loyalloop's Ibis expressions on DuckDB
    python benchmarks/rfm_stage.py duckdb-sql         # a hand-written DuckDB SQL query
    python benchmarks/rfm_stage.py pandas             # plain pandas groupby + qcut

Each writes its result to benchmarks/data/out-<name>.parquet. Time them side by side with any
whole-process timer, e.g. ``/usr/bin/time -v`` or hyperfine; results are in
benchmarks/results/rfm.md.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
TX = DATA / "tx.parquet"
END = date(2025, 12, 31)
MEMORY_LIMIT = __import__("os").environ.get("LOYALLOOP_MEMORY_LIMIT", "1GB")


def make_data(customers: int = 1_000_000, transactions: int = 10_000_000, seed: int = 1) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    DATA.mkdir(exist_ok=True)
    weights = rng.gamma(0.8, 1.0, customers)
    cid = rng.choice(customers, size=transactions, p=weights / weights.sum())
    start = np.datetime64("2023-01-01T00:00:00")
    seconds = rng.integers(0, 3 * 365 * 86400, transactions)
    ts = start + seconds.astype("timedelta64[s]")
    amount = np.round(rng.gamma(2.0, 60.0, transactions), 2)
    amount[rng.random(transactions) < 0.02] *= -1
    kind = np.where(amount > 0, "purchase", "refund")
    table = pa.table(
        {
            "customer_id": pa.array(np.char.add("C", cid.astype(str))),
            "timestamp": pa.array(ts.astype("datetime64[us]")),
            "amount": pa.array(amount),
            "kind": pa.array(kind),
        }
    )
    pq.write_table(table, TX, row_group_size=1_000_000)


def run_loyalloop() -> None:
    import ibis

    from loyalloop.insight.rfm import rfm_scores, rfm_segments, rfm_summary

    con = ibis.duckdb.connect()
    # the same connection settings the project's warehouse uses (Settings.memory_limit)
    con.raw_sql(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.raw_sql("SET preserve_insertion_order = false")
    t = con.read_parquet(TX)
    expr = rfm_segments(rfm_scores(rfm_summary(t, observation_end=END)))
    con.to_parquet(expr, DATA / "out-loyalloop.parquet")


SQL = f"""
COPY (
WITH daily AS (
    SELECT customer_id, CAST("timestamp" AS DATE) AS day, sum(amount) AS spend
    FROM read_parquet('{TX}')
    WHERE kind = 'purchase' AND "timestamp" < DATE '{END}' + INTERVAL 1 DAY
    GROUP BY ALL
), per AS (
    SELECT customer_id, min(day) AS first_day, max(day) AS last_day, count(*) AS days,
           sum(spend) AS total, sum(spend) - arg_min(spend, day) AS repeat_spend
    FROM daily GROUP BY customer_id
), summary AS (
    SELECT customer_id, days - 1 AS frequency,
           date_diff('day', first_day, last_day) AS recency,
           date_diff('day', first_day, DATE '{END}') AS T,
           CASE WHEN days > 1 THEN repeat_spend / (days - 1) ELSE 0 END AS monetary_value,
           days, total, date_diff('day', last_day, DATE '{END}') AS days_since_last
    FROM per
)
SELECT *,
    least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY days_since_last DESC))) AS r_score,
    least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY days))) AS f_score,
    least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY total))) AS m_score
FROM summary
) TO '{DATA / "out-duckdb-sql.parquet"}' (FORMAT parquet)
"""


def run_duckdb_sql() -> None:
    import duckdb

    duckdb.connect().execute(SQL)


def run_pandas() -> None:
    import pandas as pd

    df = pd.read_parquet(TX)
    df = df[
        (df["kind"] == "purchase") & (df["timestamp"] < pd.Timestamp(END) + pd.Timedelta(days=1))
    ]
    df["day"] = df["timestamp"].dt.normalize()
    daily = df.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    daily = daily.sort_values(["customer_id", "day"])
    first_amount = daily.groupby("customer_id")["amount"].transform("first")
    g = daily.groupby("customer_id")
    per = pd.DataFrame(
        {
            "first": g["day"].min(),
            "last": g["day"].max(),
            "days": g.size(),
            "total": g["amount"].sum(),
        }
    )
    per["repeat"] = per["total"] - first_amount.groupby(daily["customer_id"]).first()
    end = pd.Timestamp(END)
    per["frequency"] = per["days"] - 1
    per["recency"] = (per["last"] - per["first"]).dt.days
    per["T"] = (end - per["first"]).dt.days
    per["monetary_value"] = np.where(
        per["frequency"] > 0, per["repeat"] / per["frequency"].clip(lower=1), 0.0
    )
    per["days_since_last"] = (end - per["last"]).dt.days
    per["r_score"] = pd.qcut(-per["days_since_last"].rank(method="first"), 5, labels=False) + 1
    per["f_score"] = pd.qcut(per["days"].rank(method="first"), 5, labels=False) + 1
    per["m_score"] = pd.qcut(per["total"].rank(method="first"), 5, labels=False) + 1
    per.reset_index().to_parquet(DATA / "out-pandas.parquet")


if __name__ == "__main__":
    {
        "make-data": make_data,
        "loyalloop": run_loyalloop,
        "duckdb-sql": run_duckdb_sql,
        "pandas": run_pandas,
    }[sys.argv[1]]()
