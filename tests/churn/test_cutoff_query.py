"""The backtest's queries compiled once: the same SQL and the same frames as compiled per cutoff."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pytest

from loyalloop.churn import ChurnTables, FeatureConfig
from loyalloop.churn.cutoff_query import SENTINEL, CutoffQuery

CUTOFFS = [
    datetime(2024, 3, 1),
    datetime(2024, 7, 10),
    datetime(2023, 12, 31, 13, 45, 7),  # not a midnight: every part of the literal moves
]


@pytest.fixture
def tables(tiny) -> ChurnTables:
    con = ibis.duckdb.connect()
    return ChurnTables(
        transactions=con.create_table("transactions", tiny["transactions"]),
        feedback=con.create_table("feedback", tiny["feedback"]),
        interactions=con.create_table("interactions", tiny["interactions"]),
        accounts=con.create_table("accounts", tiny["accounts"]),
    )


@pytest.mark.parametrize(("active", "fraction"), [(365, 1.0), (None, 0.5)])
def test_the_sql_is_what_the_backend_compiles_for_each_cutoff(tables, active, fraction):
    config = FeatureConfig(active_within_days=active)
    for sample in (tables.sample(fraction),):
        features = CutoffQuery(lambda c, t=sample: t.features(c, config))
        labels = CutoffQuery(
            lambda c, t=sample: t.labels(c, 90, config), offsets=[timedelta(days=90)]
        )
        backend = sample.transactions._find_backend()
        for c in CUTOFFS:
            assert features.sql(c) == backend.compile(sample.features(c, config))
            assert labels.sql(c) == backend.compile(sample.labels(c, 90, config))


def test_the_frames_equal_the_expression_run_at_each_cutoff(tables):
    features = CutoffQuery(lambda c: tables.features(c))
    labels = CutoffQuery(lambda c: tables.labels(c, 30), offsets=[timedelta(days=30)])
    nonempty = 0
    for c in CUTOFFS:
        expected = tables.features(c).to_pandas()
        pd.testing.assert_frame_equal(features.to_pandas(c), expected)
        pd.testing.assert_frame_equal(labels.to_pandas(c), tables.labels(c, 30).to_pandas())
        nonempty += len(expected) > 0
    assert nonempty >= 2  # the comparison is about rows, not only empty frames


def test_the_sentinel_is_beyond_any_cutoff_and_its_literals_are_replaced(tables):
    assert datetime(2100, 1, 1) < SENTINEL
    query = CutoffQuery(lambda c: tables.labels(c, 90), offsets=[timedelta(days=90)])
    sql = query.sql(datetime(2024, 7, 10))
    assert sql is not None
    assert "2199" not in sql and "2200" not in sql and "7258031998" not in sql
    assert "MAKE_TIMESTAMP(2024, 10, 8" in sql  # the end of the outcome window


def test_other_backends_compile_for_each_cutoff(tables, monkeypatch):
    query = CutoffQuery(lambda c: tables.features(c))
    backend = tables.transactions._find_backend()
    monkeypatch.setattr(type(backend), "name", "other", raising=False)
    assert query.sql(CUTOFFS[0]) is None
    monkeypatch.undo()
    pd.testing.assert_frame_equal(
        query.to_pandas(CUTOFFS[2]), tables.features(CUTOFFS[2]).to_pandas()
    )
