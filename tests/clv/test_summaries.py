"""CLV by segment and the headline totals, computed in the engine (known answers)."""

from __future__ import annotations

import ibis
import pytest

from loyalloop.clv.summaries import clv_by_segment, clv_totals


def _scores() -> ibis.Table:
    return ibis.memtable(
        {
            "customer_id": [f"C{i:02d}" for i in range(1, 21)],
            "probability_alive": [0.5] * 10 + [0.9] * 10,
            "clv": [float(i) for i in range(1, 21)],
        }
    )


def test_totals_known_answer() -> None:
    t = clv_totals(_scores())
    assert t.customers == 20 and t.total_clv == 210.0
    assert t.top_decile_share == pytest.approx((20 + 19) / 210)  # top tenth: 2 of 20
    assert t.mean_probability_alive == pytest.approx(0.7)
    zero = clv_totals(_scores().mutate(clv=ibis.literal(0.0)))
    assert zero.total_clv == 0.0 and zero.top_decile_share is None


def test_by_segment_most_alive_first() -> None:
    segments = ibis.memtable(
        {
            "customer_id": [f"C{i:02d}" for i in range(1, 21)],
            "segment": ["low"] * 10 + ["high"] * 10,
        }
    )
    out = ibis.duckdb.connect().execute(clv_by_segment(_scores(), segments))
    assert out["segment"].tolist() == ["high", "low"]
    high = out.iloc[0]
    assert high["customers"] == 10 and high["total_clv"] == sum(range(11, 21))
    assert high["clv"] == pytest.approx(15.5) and high["probability_alive"] == pytest.approx(0.9)
