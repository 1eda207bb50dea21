"""The same segment, assignment and trigger expressions give identical results on Spark and DuckDB."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import pandas as pd
import pytest

from loyalloop.campaigns import (
    ProgrammeSpec,
    assign_arms,
    audience_view,
    evaluate_trigger,
    parse_campaign,
    parse_segment,
    parse_trigger,
    select_segment,
)

from .conftest import AS_OF, run_frames

pytestmark = pytest.mark.spark

SEGMENT = {
    "name": "s",
    "conditions": [
        {"field": "churn_probability", "op": ">=", "value": 0.3},
        {
            "any": [
                {
                    "field": "complained_aspects",
                    "op": "contains any",
                    "value": ["annual_fee", "interest"],
                },
                {"field": "clv", "op": ">=", "value": 6000},
            ]
        },
        {"not": {"field": "consent_sms", "op": "==", "value": False}},
        {"field": "last_purchase", "op": "more than days ago", "value": 20},
    ],
}
CAMPAIGN = parse_campaign(
    {
        "name": "spark-1",
        "goal": "win-back",
        "channel": "call",
        "audience": SEGMENT,
        "holdout_share": 0.15,
        "arms": [{"name": "a", "share": 0.6}, {"name": "b", "share": 0.4}],
    }
)


def _result(con: ibis.BaseBackend) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = run_frames(n=300, seed=5)
    tables = {k: con.create_table(f"sp_{k}", v, overwrite=True) for k, v in frames.items()}
    view = audience_view(tables, AS_OF)
    seg = select_segment(parse_segment(SEGMENT), view, AS_OF)
    assigned = assign_arms(
        seg.select("customer_id"), CAMPAIGN, ProgrammeSpec("p", 0.1), datetime(2026, 7, 1)
    )
    a = con.execute(assigned.select("customer_id", "arm")).sort_values("customer_id")
    lapse = evaluate_trigger(
        parse_trigger({"kind": "lapse", "gap_multiple": 2, "min_days": 10}), AS_OF, view=view
    )
    t = con.execute(lapse.select("customer_id", "detail")).sort_values("customer_id")
    return a.reset_index(drop=True), t.reset_index(drop=True)


def test_identical_on_spark_and_duckdb(spark: Any) -> None:
    duck_a, duck_t = _result(ibis.duckdb.connect())
    spark_a, spark_t = _result(ibis.pyspark.connect(spark))
    assert len(duck_a) > 20
    pd.testing.assert_frame_equal(duck_a, spark_a)
    assert duck_t.customer_id.tolist() == spark_t.customer_id.tolist()
    assert len(duck_t) > 10
