from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError
from loyalloop.loyalty import (
    LifecycleRules,
    TierRules,
    assign_tiers,
    lifecycle_stages,
    stage_transitions,
    tier_migration,
)


def index_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["e", "b1", "b2", "t", "n", "u"],
            "behavioural": [80.0, 60.0, 60.0, 70.0, 20.0, 10.0],
            "attitudinal": [80.0, 80.0, np.nan, np.nan, 90.0, np.nan],
            "emotional": [90.0, 50.0, 75.0, np.nan, np.nan, np.nan],
            "loyalty_index": [85.0, 62.0, 65.0, 70.0, 50.0, np.nan],
        }
    )


def test_tier_rules():
    con = ibis.duckdb.connect()
    t = con.execute(assign_tiers(ibis.memtable(index_rows())))
    assert dict(zip(t.customer_id, t.tier, strict=True)) == {
        "e": "emotional",
        "b1": "brand",
        "b2": "brand",
        "t": "transactional",
        "n": "not_loyal",  # satisfied, but index 50 < 55 and behaviour 20 < 40
        "u": "unscored",
    }
    with pytest.raises(ConfigError):
        TierRules(emotional_min=120)


def test_lapsed_closed_and_lost_customers_are_never_loyal():
    con = ibis.duckdb.connect()
    stages = pd.DataFrame(
        {
            "customer_id": ["e", "b1", "b2", "t", "n", "u"],
            "stage": ["lapsed", "active", "closed", "lost", "at_risk", "lost"],
        }
    )
    t = con.execute(assign_tiers(ibis.memtable(index_rows()), stages=ibis.memtable(stages)))
    assert list(t.columns) == [*index_rows().columns, "tier"]
    assert dict(zip(t.customer_id, t.tier, strict=True)) == {
        "e": "not_loyal",  # NPS 9+ last year, but lapsed now
        "b1": "brand",
        "b2": "not_loyal",
        "t": "not_loyal",
        "n": "not_loyal",
        "u": "unscored",
    }


def test_tier_migration_table_matrix_and_chart():
    prev = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "tier": ["brand", "emotional", "transactional", "brand"],
            "loyalty_index": [60.0, 90.0, 45.0, 58.0],
        }
    )
    cur = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "e"],
            "tier": ["emotional", "brand", "transactional", "not_loyal"],
            "loyalty_index": [80.0, 70.0, 47.0, 20.0],
        }
    )
    m = tier_migration(prev, cur)
    mv = m.table.set_index("customer_id")["movement"].to_dict()
    assert mv == {"a": "up", "b": "down", "c": "same", "d": "gone", "e": "new"}
    assert m.table.set_index("customer_id").loc["a", "loyalty_index_change"] == 20
    assert m.summary[["up", "down", "same", "new", "gone"]].tolist() == [1, 1, 1, 1, 1]
    assert m.matrix.loc["brand", "emotional"] == 1
    assert m.matrix.loc["(none)", "not_loyal"] == 1
    assert int(m.matrix.to_numpy().sum()) == 5
    fig = m.chart()
    assert fig.data[0].type == "heatmap"


def features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["lost", "lapsed", "new", "won", "risk", "drop", "grow", "ok", "gone"],
            "recency_days": [400.0, 200.0, 5.0, 10.0, 60.0, 20.0, 3.0, 10.0, 20.0],
            "tenure_days": [900.0, 500.0, 30.0, 700.0, 400.0, 400.0, 400.0, 400.0, 400.0],
            "recency_ratio": [10.0, 8.0, np.nan, 0.1, 3.0, 1.0, 0.2, 0.5, 1.0],
            "usual_gap_days": [40.0, 25.0, np.nan, 100.0, 20.0, 20.0, 15.0, 20.0, 20.0],
            "spend_change_90d": [np.nan, -1.0, np.nan, 1.0, 0.0, -0.6, 0.4, 0.1, 0.0],
            "gap_before_last_days": [30.0, 20.0, np.nan, 250.0, 20.0, 20.0, 15.0, np.nan, 20.0],
            "open_accounts": [1, 1, 1, 1, 1, 1, 1, 1, 0],
            "accounts_ever": [1, 1, 1, 1, 1, 1, 1, 1, 2],
        }
    )


def test_lifecycle_rules_in_order():
    con = ibis.duckdb.connect()
    s = con.execute(lifecycle_stages(ibis.memtable(features())))
    assert dict(zip(s.customer_id, s.stage, strict=True)) == {
        "lost": "lost",
        "lapsed": "lapsed",
        "new": "new",
        "won": "won_back",
        "risk": "at_risk",
        "drop": "at_risk",
        "grow": "growing",
        "ok": "active",
        "gone": "closed",
    }
    # Rules are configurable: a stricter growth bar turns "grow" into "active".
    s = con.execute(lifecycle_stages(ibis.memtable(features()), LifecycleRules(growing_rise=0.5)))
    assert s.set_index("customer_id").loc["grow", "stage"] == "active"
    with pytest.raises(ConfigError):
        LifecycleRules(lapsed_days=400, lost_days=365)


def test_stage_transitions():
    prev = pd.DataFrame({"customer_id": ["a", "b", "c"], "stage": ["lapsed", "active", "new"]})
    cur = pd.DataFrame({"customer_id": ["a", "b", "c"], "stage": ["won_back", "at_risk", "new"]})
    t = stage_transitions(prev, cur)
    assert t.table.set_index("customer_id")["movement"].to_dict() == {
        "a": "up",
        "b": "down",
        "c": "same",
    }
    assert t.matrix.loc["lapsed", "won_back"] == 1


def test_index_tiers_and_stages_run_on_churn_features():
    """The loyalty functions read the churn feature table as it is."""
    from loyalloop.churn import FeatureConfig, build_features
    from loyalloop.loyalty import loyalty_index

    tx = pd.DataFrame(
        {
            "transaction_id": ["1", "2", "3", "4"],
            "customer_id": ["a", "a", "b", "c"],
            "timestamp": pd.Series(
                pd.to_datetime(["2023-01-01", "2024-06-01", "2024-05-01", "2022-01-01"]),
                dtype="datetime64[us]",
            ),
            "amount": [10.0, 20.0, 5.0, 7.0],
        }
    )
    fb = pd.DataFrame(
        {
            "feedback_id": ["1"],
            "customer_id": ["a"],
            "timestamp": pd.Series(pd.to_datetime(["2024-06-02"]), dtype="datetime64[us]"),
            "channel": ["survey"],
            "score_type": ["nps"],
            "score": [10.0],
            "text": ["love it"],
        }
    )
    feats = build_features(
        ibis.memtable(tx),
        "2024-07-01",
        feedback=ibis.memtable(fb),
        config=FeatureConfig(active_within_days=None),
    )
    con = ibis.duckdb.connect()
    stages = con.execute(lifecycle_stages(feats)).set_index("customer_id")["stage"].to_dict()
    assert stages == {"a": "won_back", "b": "new", "c": "lost"}
    tiers = con.execute(assign_tiers(loyalty_index(feats))).set_index("customer_id")
    assert tiers.loc["a", "emotional"] == 100
    assert tiers.loc["a", "tier"] in {"brand", "emotional"}


def test_lifecycle_docstring_points_to_the_one_definition():
    """The stage rules are defined once (insight.definitions); the lifecycle module must not
    restate thresholds that can drift from them (it once gave the old at-risk rule)."""
    from dataclasses import fields

    import loyalloop.loyalty.lifecycle as lifecycle
    from loyalloop.insight.definitions import StatusRules

    doc = lifecycle.__doc__ or ""
    assert "loyalloop.insight.definitions" in doc
    restated = [f.name for f in fields(StatusRules) if f.name in doc]
    assert restated == []
