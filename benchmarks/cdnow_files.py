"""CDNOW's 1/10 sample as canonical ``customers`` and ``transactions`` files.

The ``lifetimes`` package ships ``CDNOW_sample.txt`` (2,357 customers who first bought in
the first quarter of 1997, all their purchases up to 1998-06-30; columns: master id, sample
id, date, quantity, amount). This script turns it into the two CSV files ``loyalloop ingest``
reads, so a whole run can be checked on real retail data::

    python benchmarks/cdnow_files.py --out /tmp/cdnow
    loyalloop --home /tmp/cdnow-home ingest customers /tmp/cdnow/customers.csv
    loyalloop --home /tmp/cdnow-home ingest transactions /tmp/cdnow/transactions.csv
    loyalloop --home /tmp/cdnow-home run --as-of 1998-06-30

Customers are identified by the sample id (``S0001`` …); ``created_at`` is the day of their
first purchase; every purchase line becomes one transaction at noon of its day (the data
hold dates only). Lines with a zero amount are kept: ingest treats them as non-purchases,
as the RFM summary does.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["cdnow_frames", "write_cdnow_files"]


def cdnow_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(customers, transactions)`` frames from lifetimes' ``CDNOW_sample.txt``."""
    path = resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    with resources.as_file(path) as p:
        raw = pd.read_csv(
            p,
            sep=r"\s+",
            header=None,
            names=["master_id", "sample_id", "date", "quantity", "amount"],
            dtype={"master_id": str, "sample_id": int, "date": str},
        )
    raw["customer_id"] = "S" + raw["sample_id"].map("{:04d}".format)
    raw["timestamp"] = pd.to_datetime(raw["date"], format="%Y%m%d") + pd.Timedelta(hours=12)
    raw = raw.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(drop=True)
    tx = pd.DataFrame(
        {
            "transaction_id": [f"T{i:06d}" for i in range(1, len(raw) + 1)],
            "customer_id": raw["customer_id"],
            "timestamp": raw["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": raw["amount"].round(2),
            "currency": "USD",
            "channel": "mail_order",
        }
    )
    first = raw.groupby("customer_id", sort=True)["timestamp"].min()
    customers = pd.DataFrame(
        {"customer_id": first.index, "created_at": first.dt.strftime("%Y-%m-%d").to_numpy()}
    )
    return customers, tx


def write_cdnow_files(out: Path) -> tuple[Path, Path]:
    """Write ``customers.csv`` and ``transactions.csv`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    customers, tx = cdnow_frames()
    c, t = out / "customers.csv", out / "transactions.csv"
    customers.to_csv(c, index=False)
    tx.to_csv(t, index=False)
    return c, t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/cdnow"))
    args = parser.parse_args()
    c, t = write_cdnow_files(args.out)
    print(f"wrote {c} and {t}")


if __name__ == "__main__":
    main()
