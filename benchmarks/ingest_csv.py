"""Benchmark: ingest of a clean transactions CSV against DuckDB's own ``read_csv`` of the file.

    python benchmarks/ingest_csv.py make-data ROWS     # benchmarks/data/tx-ROWS.csv, 1M customers,
                                                       # and a seed home holding those customers
    python benchmarks/ingest_csv.py loyalloop ROWS     # ingest the CSV into a copy of the seed home
    python benchmarks/ingest_csv.py duckdb ROWS        # peer: CREATE TABLE AS read_csv, same file
    python benchmarks/ingest_csv.py reingest ROWS      # the same CSV again into the loaded home

Each mode is one process, to be timed as a whole from outside (``/usr/bin/time -v`` or a
harness that alternates the two commands): wall time, CPU and peak memory. The loyalloop mode
copies the seed home first (about 20 MB, a few hundredths of a second) so every run starts
from 1M loaded customers and no transactions; it then runs the full ingest — encoding check
over the whole file, staging, typing and every check of every row (dates, amounts and their
range, ids, duplicates, references to the 1M customers, already-loaded rows) and the load in
one transaction — and closes the warehouse. The peer reads the same file with type detection
into a new table of a new database file and closes it. Results: benchmarks/results/ingest.md.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
CUSTOMERS = DATA / "customers-1m.csv"
SEED = DATA / "seed-home"


def csv_path(rows: int) -> Path:
    return DATA / f"tx-{rows}.csv"


def make_data(rows: int, customers: int = 1_000_000, seed: int = 3) -> None:
    import pandas as pd

    rng = np.random.default_rng(seed)
    DATA.mkdir(exist_ok=True)
    if not CUSTOMERS.exists():
        pd.DataFrame(
            {"customer_id": [f"C{i:07d}" for i in range(customers)], "created_at": "2023-01-01"}
        ).to_csv(CUSTOMERS, index=False)
    with csv_path(rows).open("w", encoding="utf-8") as fh:
        fh.write("transaction_id,customer_id,timestamp,amount,channel,category\n")
        step = 1_000_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            ids = np.arange(start, start + n)
            cid = rng.integers(0, customers, n)
            ts = np.datetime64("2023-01-01T00:00:00") + rng.integers(0, 3 * 365 * 86400, n).astype(
                "timedelta64[s]"
            )
            amount = np.round(rng.gamma(2.0, 60.0, n), 2)
            frame = pd.DataFrame(
                {
                    "transaction_id": np.char.add("T", ids.astype(str)),
                    "customer_id": [f"C{c:07d}" for c in cid],
                    "timestamp": pd.to_datetime(ts).strftime("%Y-%m-%d %H:%M:%S"),
                    "amount": amount,
                    "channel": rng.choice(["app", "pos", "online"], n),
                    "category": rng.choice(["dining", "travel", "groceries", "fuel"], n),
                }
            )
            frame.to_csv(fh, header=False, index=False)
    if not SEED.exists():
        from loyalloop.core import Settings
        from loyalloop.data.ingest import ingest
        from loyalloop.data.schema import open_warehouse

        with open_warehouse(Settings(home=SEED)) as wh:
            ingest(wh, "customers", [CUSTOMERS])


def run_loyalloop(rows: int) -> None:
    from loyalloop.core import Settings
    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse

    home = DATA / f"home-{rows}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(SEED, home)
    with open_warehouse(Settings(home=home)) as wh:
        result = ingest(wh, "transactions", [csv_path(rows)])
    sys.stdout.write(
        f"{result.read} read, {result.loaded} loaded, {result.quarantined} quarantined\n"
    )


def run_reingest(rows: int) -> None:
    from loyalloop.core import Settings
    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse

    home = DATA / f"home-{rows}"
    with open_warehouse(Settings(home=home)) as wh:
        result = ingest(wh, "transactions", [csv_path(rows)])
    sys.stdout.write(f"{result.read} read, {result.already_loaded} already loaded\n")


def run_duckdb(rows: int) -> None:
    import duckdb

    db = DATA / f"peer-{rows}.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path(rows)}')")
    n = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    sys.stdout.write(f"{n[0] if n else 0} rows\n")


if __name__ == "__main__":
    mode, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    {
        "make-data": make_data,
        "loyalloop": run_loyalloop,
        "reingest": run_reingest,
        "duckdb": run_duckdb,
    }[mode](count)
