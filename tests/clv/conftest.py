"""Fixtures: the CDNOW and donations data sets shipped with lifetimes (test-only dependency)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def lifetimes_datasets() -> Path:
    lifetimes_datasets = pytest.importorskip("lifetimes.datasets")
    return Path(lifetimes_datasets.__file__).parent


@pytest.fixture(scope="session")
def cdnow(lifetimes_datasets: Path) -> pd.DataFrame:
    """CDNOW 1/10 sample, 2357 customers, 39-week calibration period (weeks)."""
    frame = pd.read_csv(lifetimes_datasets / "cdnow_customers_summary.csv")
    return frame.rename(columns={"ID": "customer_id"})


@pytest.fixture(scope="session")
def cdnow_spend(lifetimes_datasets: Path) -> pd.DataFrame:
    """CDNOW with average spend per repeat transaction (zbar)."""
    frame = pd.read_csv(lifetimes_datasets / "cdnow_customers_summary_with_transactions.csv")
    return frame.rename(
        columns={
            "ID": "customer_id",
            "x": "frequency",
            "t_x": "recency",
            "zbar": "monetary_value",
        }
    )


@pytest.fixture(scope="session")
def donations(lifetimes_datasets: Path) -> pd.DataFrame:
    """The 1995 cohort of donors of Fader, Hardie & Shang (2010): 6 opportunities."""
    frame = pd.read_csv(lifetimes_datasets / "donations.csv")
    return frame.rename(columns={"periods": "T"})


@pytest.fixture(scope="session")
def cdnow_transactions(lifetimes_datasets: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        lifetimes_datasets / "CDNOW_master.txt",
        sep=r"\s+",
        header=0,
        names=["customer_id", "date", "quantity", "amount"],
    )
    frame["timestamp"] = pd.to_datetime(frame["date"].astype(str), format="%Y%m%d")
    return frame[["customer_id", "timestamp", "amount"]]
