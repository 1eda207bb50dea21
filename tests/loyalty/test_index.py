from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.loyalty import LoyaltyWeights, loyalty_index


def inputs(**extra) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "n_purchases_365d": [24, 0, 3],
            "recency_days": [0.0, 400.0, 100.0],
            "tenure_days": [730.0, 100.0, 365.0],
            "csat_mean_365d": [5.0, None, 3.0],
            "nps_mean_365d": [10.0, None, None],
            **extra,
        }
    )


def run(df: pd.DataFrame, w: LoyaltyWeights | None = None) -> pd.DataFrame:
    con = ibis.duckdb.connect()
    return con.execute(loyalty_index(ibis.memtable(df), w)).set_index("customer_id")


def test_hand_computed_index():
    r = run(inputs())
    a, b, c = r.loc["a"], r.loc["b"], r.loc["c"]
    assert a.loyalty_index == pytest.approx(100)
    assert a.missing_components == "share_of_spend"
    # c: frequency 100·ln 4/ln 25, recency 100·(1 − 100/365), tenure 50, no share of spend.
    f = 100 * math.log(4) / math.log(25)
    rec = 100 * (1 - 100 / 365)
    beh = (0.35 * f + 0.35 * rec + 0.15 * 50) / 0.85
    assert c.frequency_score == pytest.approx(f)
    assert c.behavioural == pytest.approx(beh)
    assert c.attitudinal == pytest.approx(50)
    assert np.isnan(c.emotional)
    # Emotional is missing: left out and the other weights rescaled, not scored as 0.
    assert c.loyalty_index == pytest.approx((0.5 * beh + 0.25 * 50) / 0.75)
    assert c.coverage == pytest.approx(0.75)
    assert c.missing_components == "emotional,share_of_spend"
    # b: recency beyond the reference floors at 0; only behaviour known, coverage 0.5.
    assert b.recency_score == 0 and b.frequency_score == 0
    assert b.coverage == pytest.approx(0.5)
    assert b.loyalty_index == pytest.approx(b.behavioural)


def test_min_coverage_makes_the_index_missing():
    r = run(inputs(), LoyaltyWeights(min_coverage=0.8))
    assert np.isnan(r.loc["b", "loyalty_index"]) and np.isnan(r.loc["c", "loyalty_index"])
    assert r.loc["a", "loyalty_index"] == pytest.approx(100)


def test_weights_change_the_index_and_share_of_spend_is_used():
    df = inputs(share_of_spend=[0.2, None, 1.0])
    r = run(df, LoyaltyWeights(behavioural=1, attitudinal=0, emotional=0))
    assert r.loc["c", "share_of_spend_score"] == 100
    assert r.loc["c", "loyalty_index"] == pytest.approx(r.loc["c", "behavioural"])
    assert r.loc["a", "behavioural"] == pytest.approx((0.85 * 100 + 0.15 * 20) / 1.0)


def test_weights_are_validated():
    with pytest.raises(ConfigError, match="must be a number ≥ 0"):
        LoyaltyWeights(emotional=-1)
    with pytest.raises(ConfigError, match="unknown loyalty weight"):
        LoyaltyWeights.from_dict({"loyalty": 1})
    assert LoyaltyWeights.from_dict({"emotional": 0.5}).emotional == 0.5
    with pytest.raises(DataValidationError, match="tenure_days"):
        loyalty_index(ibis.memtable(inputs().drop(columns=["tenure_days"])))
