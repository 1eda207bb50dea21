"""The warehouse adapter: generic, engine errors carry their SQL, no canonical table of its own."""

from __future__ import annotations

import pytest

from loyalloop.core import Settings
from loyalloop.core.warehouse import Warehouse
from loyalloop.data.contracts import CONTRACTS
from loyalloop.data.schema import STAGING_PREFIX, open_warehouse
from loyalloop.errors import EngineError, NotFoundError


def test_adapter_knows_no_contract_and_data_ensures_the_schema(settings: Settings) -> None:
    with Warehouse(settings) as wh:
        assert wh.list_tables() == []
        with pytest.raises(NotFoundError, match="no table 'customers'"):
            wh.table("customers")
        wh.create_table(f"{STAGING_PREFIX}x", {"a": "string"})
    with open_warehouse(settings) as wh:
        assert set(wh.list_tables()) == {
            *CONTRACTS,
            "quarantine",
            "repairs",
        }  # leftover staging dropped
        assert wh.count("transactions") == 0
        cols = dict(wh.table("transactions").schema().items())
        assert str(cols["amount"]) == "float64" and "_loaded_at" in cols
    with open_warehouse(settings) as wh:  # opening again changes nothing
        assert set(wh.list_tables()) == {*CONTRACTS, "quarantine", "repairs"}


def test_engine_failure_carries_the_sql(settings: Settings) -> None:
    with Warehouse(settings) as wh, pytest.raises(EngineError) as info:
        wh.execute("SELECT * FROM no_such_table")
    assert info.value.sql == "SELECT * FROM no_such_table"
    assert "no_such_table" in str(info.value)


def test_temp_tables_and_parquet_round_trip(settings: Settings, tmp_path) -> None:
    import ibis

    with Warehouse(settings) as wh:
        t = wh.create_temp_table("_t", ibis.memtable({"x": [1, 2, 3]}))
        assert wh.has_table("_t") and not wh.has_table("_t2")
        rows = wh.to_parquet(t.filter(t.x > 1), tmp_path / "t.parquet")
        assert rows == 2
        assert wh.read_parquet(tmp_path / "t.parquet", "_back").x.sum().execute() == 5


def test_spark_backend_without_the_extra_names_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from loyalloop.core import spark
    from loyalloop.errors import ConfigError

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    spark._backend_class.cache_clear()
    with pytest.raises(ConfigError, match=r"pip install 'loyalloop\[spark\]'"):
        spark.SparkWarehouse(object(), settings)
    spark._backend_class.cache_clear()
