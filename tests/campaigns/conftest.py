"""Small run outputs with known values, and a Spark session for the backend tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

AS_OF = date(2026, 6, 30)


def run_frames(n: int = 400, seed: int = 3) -> dict[str, pd.DataFrame]:
    """Run outputs for ``n`` profiles (ids P0000 …) with seeded values."""
    rng = np.random.default_rng(seed)
    ids = [f"P{i:04d}" for i in range(n)]
    consent = rng.random(n)
    profiles = pd.DataFrame(
        {
            "profile_id": ids,
            "records": 1,
            "created_at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 600, n), "D"),
            "name": [f"客户{i}" for i in range(n)],
            "email": [f"c{i}@example.com" if i % 10 else None for i in range(n)],
            "phone": [f"1380000{i:04d}" if i % 7 else None for i in range(n)],
            "city": rng.choice(["上海", "北京"], n),
            "segment": rng.choice(["mass", "premium"], n),
            "consent_email": np.where(consent < 0.8, True, np.where(consent < 0.9, False, None)),
            "consent_sms": np.where(consent < 0.7, True, None),
            "consent_phone": consent < 0.6,
        }
    )
    freq = rng.integers(0, 40, n)
    recency = np.where(freq > 0, rng.integers(30, 700, n), 0).astype(float)
    dsl = rng.integers(0, 400, n)
    last = pd.Timestamp(AS_OF) - pd.to_timedelta(dsl, "D")
    rfm = pd.DataFrame(
        {
            "customer_id": ids,
            "frequency": freq,
            "recency": recency,
            "T": recency + dsl,
            "monetary_value": rng.gamma(2, 100, n),
            "purchase_days": freq + 1,
            "total_spend": rng.gamma(2, 1000, n),
            "first_purchase": (last - pd.to_timedelta(recency, "D")).date,
            "last_purchase": last.date,
            "days_since_last": dsl,
            "r_score": rng.integers(1, 6, n),
            "f_score": rng.integers(1, 6, n),
            "m_score": rng.integers(1, 6, n),
            "fm_score": 3.0,
            "rfm_score": "333",
            "segment": rng.choice(["champions", "at_risk", "lost", "hibernating"], n),
        }
    )
    clv = pd.DataFrame(
        {
            "customer_id": ids,
            "probability_alive": rng.random(n),
            "expected_purchases": rng.gamma(2, 3, n),
            "expected_average_value": 100.0,
            "clv": np.round(rng.gamma(1.5, 4000, n), 2),
        }
    )
    churn = pd.DataFrame(
        {
            "customer_id": ids,
            "churn_probability": np.round(rng.random(n), 3),
            "risk_decile": pd.array(rng.integers(1, 11, n), dtype="Int64"),
            "population": "active",
            "recency_days": dsl.astype(float),
            "reasons_en": ["long gap" if i % 3 == 0 else None for i in range(n)],
            "reasons_zh": ["间隔长" if i % 3 == 0 else None for i in range(n)],
        }
    )
    loyalty = pd.DataFrame(
        {
            "customer_id": ids,
            "loyalty_index": rng.random(n) * 100,
            "tier": rng.choice(["not_loyal", "transactional", "brand", "emotional"], n),
            "lifecycle_stage": rng.choice(["active", "at_risk", "lapsed", "lost"], n),
        }
    )
    aspects = ["annual_fee", "interest", "rewards_points", "service_attitude"]
    rows = []
    for i in range(0, n, 3):
        rows.append(
            {
                "feedback_id": f"F{i}",
                "aspect": aspects[i % 4],
                "clause": "x",
                "sentiment": "negative" if i % 2 == 0 else "positive",
                "sentiment_score": -0.5,
                "timestamp": pd.Timestamp("2026-05-01"),
                "channel": "survey",
                "brand": "own",
                "score_type": "nps",
                "score": float(i % 11),
                "customer_id": ids[i],
            }
        )
    fa = pd.DataFrame(rows)
    fan = pd.DataFrame(
        {
            "feedback_id": fa.feedback_id,
            "customer_id": fa.customer_id,
            "profile_id": fa.customer_id,
            "timestamp": fa.timestamp,
            "channel": "survey",
            "brand": "own",
            "score_type": "nps",
            "score": fa.score,
            "language": ["en" if i % 2 else "zh" for i in range(len(fa))],
            "sentiment": fa.sentiment,
            "sentiment_score": -0.5,
            "aspects": fa.aspect,
        }
    )
    pm = pd.DataFrame({"customer_id": ids, "profile_id": ids})
    return {
        "profiles": profiles,
        "rfm": rfm,
        "clv": clv,
        "churn_scores": churn,
        "loyalty": loyalty,
        "feedback_aspects": fa,
        "feedback_analysis": fan,
        "profile_map": pm,
    }


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return run_frames()


@pytest.fixture
def con() -> Iterator[ibis.BaseBackend]:
    c = ibis.duckdb.connect()
    yield c
    c.disconnect()


def tables_on(con: ibis.BaseBackend, frames: dict[str, pd.DataFrame]) -> dict[str, ibis.Table]:
    return {k: con.create_table(f"t_{k}", v, overwrite=True) for k, v in frames.items()}


@pytest.fixture
def view(con: ibis.BaseBackend, frames: dict[str, pd.DataFrame]) -> ibis.Table:
    from loyalloop.campaigns import audience_view

    return audience_view(tables_on(con, frames), AS_OF)
