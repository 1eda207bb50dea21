"""Group sizes and headline figures of a loyalty table."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from loyalloop.loyalty.summaries import group_summary, loyalty_headline

FRAME = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        "loyalty_index": [80.0, 60.0, None, 40.0],
        "attitudinal": [70.0, None, None, None],
        "emotional": [None, 50.0, None, None],
        "tier": ["brand", "brand", "unscored", "not_loyal"],
        "lifecycle_stage": ["active", "active", "lost", "at_risk"],
    }
)


def test_group_summary_sizes_shares_and_mean_index() -> None:
    out = ibis.duckdb.connect().execute(group_summary(ibis.memtable(FRAME)))
    got = out.set_index(["dimension", "group"])
    assert got.loc[("tier", "brand"), "customers"] == 2
    assert got.loc[("tier", "brand"), "share"] == pytest.approx(0.5)
    assert got.loc[("tier", "brand"), "mean_index"] == pytest.approx(70.0)
    assert pd.isna(got.loc[("tier", "unscored"), "mean_index"])
    assert got.loc[("lifecycle_stage", "active"), "customers"] == 2
    assert out.groupby("dimension")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_headline() -> None:
    h = loyalty_headline(FRAME)
    assert (h.customers, h.indexed, h.with_attitude_or_emotion) == (4, 3, 2)
    assert h.mean_index == pytest.approx(60.0) and h.median_index == pytest.approx(60.0)
    assert h.tiers == {"brand": 2, "unscored": 1, "not_loyal": 1}
    nobody = loyalty_headline(FRAME.assign(loyalty_index=None))
    assert nobody.mean_index is None and nobody.median_index is None
