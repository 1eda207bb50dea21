from __future__ import annotations

import os
import sys
from pathlib import Path

# LightGBM's OpenMP threads spin while waiting; on a busy 2-core CI box that costs seconds.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ibis
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from simulate import simulate_shop


@pytest.fixture
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def ts(values: list[str]) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[us]")


@pytest.fixture
def tiny() -> dict[str, pd.DataFrame]:
    """Three customers whose features as of 2024-07-10 are worked out by hand in the tests."""
    tx = pd.DataFrame(
        {
            "transaction_id": list("abcdefg"),
            "customer_id": ["A", "A", "A", "A", "B", "B", "C"],
            "timestamp": ts(
                [
                    "2024-01-01",
                    "2024-03-01",
                    "2024-05-01",
                    "2024-07-01",
                    "2024-06-20",
                    "2024-07-05",
                    "2024-01-15",
                ]
            ),
            "amount": [100.0, 50.0, -20.0, 30.0, 10.0, 10.0, 5.0],
        }
    )
    fb = pd.DataFrame(
        {
            "feedback_id": ["1", "2", "3", "4"],
            "customer_id": ["A", "A", None, "B"],
            "timestamp": ts(["2024-02-01", "2024-05-02", "2024-05-03", "2024-06-01"]),
            "channel": "survey",
            "brand": pd.Series([None, "own", None, "CompetitorX"], dtype="string"),
            "score_type": ["nps", "nps", "nps", "nps"],
            "score": [9.0, 3.0, 1.0, 0.0],
            "text": ["great", "fees too high", "x", "competitor is bad"],
        }
    )
    acc = pd.DataFrame(
        {
            "account_id": ["x", "y"],
            "customer_id": ["A", "C"],
            "product": ["card", "card"],
            "opened_at": ts(["2023-01-01", "2023-06-01"]),
            "closed_at": ts(["2024-08-01", "2024-02-01"]),
        }
    )
    it = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A"],
            "timestamp": ts(["2024-06-01", "2024-06-02", "2024-01-01"]),
            "channel": "email",
            "kind": ["sent", "opened", "sent"],
            "campaign_id": "c",
        }
    )
    return {"transactions": tx, "feedback": fb, "accounts": acc, "interactions": it}


@pytest.fixture(scope="session")
def shop() -> dict[str, pd.DataFrame]:
    return simulate_shop(customers=2500, seed=7)


@pytest.fixture(scope="module")
def shop_tables(shop: dict[str, pd.DataFrame]):
    """The simulated shop's transactions and feedback in an in-memory warehouse."""
    from loyalloop.churn import ChurnTables

    con = ibis.duckdb.connect()
    return ChurnTables(
        transactions=con.create_table("transactions", shop["transactions"]),
        feedback=con.create_table("feedback", shop["feedback"]),
    )
