"""Benchmark: streaming ingest of a 10M-row transactions CSV (peak memory vs data size).

    python benchmarks/ingest_csv.py make-data [ROWS]   # benchmarks/data/tx-10m.csv + customers (1M)
    python benchmarks/ingest_csv.py loyalloop          # loyalloop ingest into a fresh home
    python benchmarks/ingest_csv.py pandas-size        # the data's size in memory (pandas)

Peak memory is the whole process's maximum resident set (``/usr/bin/time -v``); results are in
benchmarks/results/ingest.md.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
CSV = DATA / "tx-10m.csv"
CUSTOMERS = DATA / "customers-1m.csv"
HOME = DATA / "ingest-home"


def make_data(rows: int = 10_000_000, customers: int = 1_000_000, seed: int = 3) -> None:
    import pandas as pd

    rng = np.random.default_rng(seed)
    DATA.mkdir(exist_ok=True)
    pd.DataFrame(
        {"customer_id": [f"C{i:07d}" for i in range(customers)], "created_at": "2023-01-01"}
    ).to_csv(CUSTOMERS, index=False)
    with CSV.open("w", encoding="utf-8") as fh:
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


def run_loyalloop() -> None:
    from loyalloop.core import Settings
    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse

    shutil.rmtree(HOME, ignore_errors=True)
    with open_warehouse(Settings(home=HOME)) as wh:
        ingest(wh, "customers", [CUSTOMERS])
        result = ingest(wh, "transactions", [CSV])
    sys.stdout.write(
        f"{result.read} read, {result.loaded} loaded, {result.quarantined} quarantined\n"
    )


def pandas_size() -> None:
    import pandas as pd

    df = pd.read_csv(CSV)
    sys.stdout.write(f"in-memory size: {df.memory_usage(deep=True).sum() / 2**20:.0f} MiB\n")


if __name__ == "__main__":
    if sys.argv[1] == "make-data":
        make_data(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000)
    else:
        {"loyalloop": run_loyalloop, "pandas-size": pandas_size}[sys.argv[1]]()
