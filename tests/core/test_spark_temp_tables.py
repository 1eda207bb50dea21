"""Temporary tables on Spark are Parquet files under the home, not objects in the driver's heap.

They were local checkpoints cached as Java objects in the executor, which in local mode is the
driver: the run's profile-keyed transactions held ~325 MB of a 100k-customer run's heap, and
ten times that at 1M customers, where the default heap failed. A table replaced under its own
name may be computed from its previous version (identity resolution's label rounds); closing
the adapter ends its views and removes the files.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from loyalloop.core import Settings

pytestmark = pytest.mark.spark


def test_temporary_tables_are_parquet_files_removed_on_close(
    spark: Any, settings: Settings
) -> None:
    from loyalloop.core.spark import SPARK_TMP_DIR, SparkWarehouse

    sw = SparkWarehouse(spark, settings)
    src = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-02 10:00", None]),
            "amount": [1.5, None, 3.0],
        }
    )
    sw.register("src", src)
    t = sw.create_temp_table("labels", sw.table("src").filter(lambda t: t.amount.notnull()))
    assert t.schema() == sw.table("src").schema()
    # the next round reads the previous one under the same name
    sw.create_temp_table("labels", sw.table("labels").mutate(double=lambda t: t.amount * 2))
    got = sw.table("labels").to_pandas().sort_values("customer_id").reset_index(drop=True)
    assert got["customer_id"].tolist() == ["a", "c"]
    assert got["double"].tolist() == [3.0, 6.0]
    assert pd.isna(got["timestamp"][1]) and got["timestamp"][0] == pd.Timestamp("2024-01-01")
    empty = sw.create_temp_table("none", sw.table("src").filter(lambda t: t.amount > 100))
    assert int(empty.count().to_pandas()) == 0
    files = settings.home / SPARK_TMP_DIR / "tables"
    assert len(list(files.glob("labels-*"))) == 2 and list(files.glob("none-*"))
    # the views read those files (no cached blocks behind them)
    plan = spark.table("labels")._jdf.queryExecution().optimizedPlan().toString()
    assert "Relation" in plan and "parquet" in plan.lower() and "LogicalRDD" not in plan
    sw.close()
    assert not files.exists()
    assert "labels" not in sw.list_tables() and "none" not in sw.list_tables()
    assert "src" in sw.list_tables()
    spark.catalog.dropTempView("src")
