"""Results read into Python from Spark go through Parquet part files, not the driver's heap.

Spark's own ``toPandas`` (Arrow) gathers every partition's Arrow batches in the driver's JVM
before Python reads them; in local mode the driver is the only executor, and the 1M-customer
run failed with a 2 GB heap collecting the churn features (1M rows x ~40 columns). The
executors now write the result as Parquet parts (streamed, a task at a time) and Python reads
the parts. Here: the same frames as ``toPandas`` gives for every column type the stages read,
order kept, empty results, and the parts removed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loyalloop.core import Settings
from loyalloop.core.spark import SPARK_TMP_DIR, read_parts

_FRAME = pd.DataFrame(
    {
        "customer_id": ["c3", "c1", None, "c2"],
        "n": [3, 1, None, 2],
        "k": [7, 5, 6, 4],
        "amount": [1.5, None, 3.25, -2.0],
        "flag": [True, None, False, True],
        "when": [
            datetime(2024, 1, 1, 10, 0, 1, 500000),
            None,
            datetime(2023, 12, 31, 23, 59),
            datetime(2024, 2, 29),
        ],
        "day": [date(2024, 1, 1), None, date(2023, 12, 31), date(2024, 2, 29)],
    }
)


def _parts(tmp_path: Path, tables: list[pa.Table]) -> Path:
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, t in enumerate(tables):
        pq.write_table(t, parts / f"part-{i:05d}-x.snappy.parquet", row_group_size=2)
    (parts / "_SUCCESS").touch()
    return parts


def test_parts_are_read_in_order_in_batches_with_the_schema(tmp_path: Path) -> None:
    first = pa.table({"id": ["a", "b", "c"], "v": pa.array([1, 2, 3], pa.int32())})
    second = pa.table({"v": pa.array([4, 5], pa.int32()), "id": ["d", "e"]})
    schema = pa.schema([("id", pa.string()), ("v", pa.int64())])
    parts = _parts(tmp_path, [second, first])  # part-00000 holds d, e
    batches = list(read_parts(parts, schema, batch_rows=2))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    got = pa.Table.from_batches(batches, schema)
    assert got.column("id").to_pylist() == ["d", "e", "a", "b", "c"]
    assert got.schema == schema
    assert parts.exists()
    assert list(read_parts(parts, schema, remove=True))
    assert not parts.exists()


def test_no_part_file_is_no_batch(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [])
    assert list(read_parts(parts, pa.schema([("id", pa.string())]), remove=True)) == []
    assert not parts.exists()


@pytest.mark.spark
def test_collects_equal_to_pandas_and_leave_no_parts(spark: Any, settings: Settings) -> None:
    from loyalloop.core.spark import SparkWarehouse

    sw = SparkWarehouse(spark, settings)
    frame = _FRAME.astype({"n": "Int64"})
    frame["when"] = pd.to_datetime(frame["when"])
    sw.register("src", frame)
    t = sw.table("src").mutate(money=lambda t: t.amount.cast("decimal(18, 4)"))
    t = t.mutate(money=ibis.ifelse(t.money.isnull(), None, t.money))
    ordered = t.order_by("k")
    spark_own = type(sw.ibis).__mro__[1].execute  # Ibis' pyspark backend: toPandas
    native = ordered.to_pandas()  # through the parts
    pd.testing.assert_frame_equal(native, spark_own(sw.ibis, ordered))
    assert native["k"].tolist() == [4, 5, 6, 7]  # the order of the result
    assert native["money"].tolist()[0] == Decimal("-2.0000")
    assert native["when"][3] == pd.Timestamp(datetime(2024, 1, 1, 10, 0, 1, 500000))
    # a column, a scalar, an empty result, Arrow
    column = ordered.customer_id.to_pandas()
    pd.testing.assert_series_equal(column, spark_own(sw.ibis, ordered.customer_id))
    assert column.tolist()[:2] == ["c2", "c1"] and pd.isna(column[2])
    assert int(t.count().to_pandas()) == 4
    empty = t.filter(t.k > 100)
    pd.testing.assert_frame_equal(empty.to_pandas(), spark_own(sw.ibis, empty))
    assert len(empty.to_pandas()) == 0
    arrow = ordered.to_pyarrow()
    assert arrow.schema == t.schema().to_pyarrow()
    assert arrow.column("day").to_pylist()[0] == date(2024, 2, 29)
    batches = list(sw.ibis.to_pyarrow_batches(ordered, chunk_size=3))
    assert [b.num_rows for b in batches] == [3, 1]
    tmp = settings.home / SPARK_TMP_DIR / "tables"
    assert not list(tmp.glob("collect-*"))
    sw.close()
    spark.catalog.dropTempView("src")
