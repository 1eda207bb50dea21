"""Choosing the run's engine: the setting, the CLI option, the errors when Spark cannot start,
and reading the inputs from tables that already exist in Spark (``LOYALLOOP_SPARK_DATABASE``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loyalloop.cli.main import app
from loyalloop.core import Settings
from loyalloop.core.config import Engine
from loyalloop.errors import ConfigError, NotFoundError


def test_engine_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOYALLOOP_ENGINE", "Spark")
    monkeypatch.setenv("LOYALLOOP_SPARK_MASTER", "spark://head:7077")
    s = Settings(home=tmp_path)
    assert s.engine is Engine.SPARK and s.spark_master == "spark://head:7077"
    monkeypatch.delenv("LOYALLOOP_ENGINE")
    assert Settings(home=tmp_path).engine is Engine.DUCKDB
    monkeypatch.setenv("LOYALLOOP_ENGINE", "snowflake")
    with pytest.raises(ConfigError, match="LOYALLOOP_ENGINE='snowflake' is not an engine"):
        Settings(home=tmp_path)


def test_run_refuses_an_unknown_engine(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "run", "--engine", "oracle"])
    assert result.exit_code == 2
    assert "oracle" in result.output


def test_spark_without_java_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    pytest.importorskip("pyspark.sql")
    import loyalloop.core.spark as spark_mod

    monkeypatch.setattr(spark_mod.shutil, "which", lambda _: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ConfigError, match="needs Java 17") as info:
        spark_mod.spark_session(settings)
    assert info.value.exit_code == 2


def test_run_on_spark_without_pyspark_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    import importlib

    from loyalloop.apps import load_sample
    from loyalloop.pipeline.run import run_pipeline

    real = importlib.import_module

    def no_pyspark(name: str, *args: Any) -> Any:
        if name.startswith("pyspark"):
            raise ImportError(f"No module named {name!r}", name=name)
        return real(name, *args)

    load_sample(settings, customers=60, seed=1)
    monkeypatch.setattr(importlib, "import_module", no_pyspark)
    with pytest.raises(ConfigError, match=r"pip install 'loyalloop\[spark\]'"):
        run_pipeline(replace(settings, engine=Engine.SPARK))


@pytest.mark.spark
def test_inputs_from_an_existing_spark_database(spark: Any, settings: Settings) -> None:
    from loyalloop.core.spark import SparkWarehouse
    from loyalloop.pipeline.engines import _from_catalog

    sw = SparkWarehouse(spark, settings)
    with pytest.raises(NotFoundError, match="no such database"):
        _from_catalog(sw, "no_such_db", ("customers",))
    spark.sql("CREATE DATABASE IF NOT EXISTS bank_cx")
    spark.sql("DROP TABLE IF EXISTS bank_cx.customers")
    spark.sql("DROP TABLE IF EXISTS bank_cx.transactions")
    # another system's table: extra columns, an optional column missing, amounts as text
    spark.sql(
        "CREATE TABLE bank_cx.customers USING parquet AS SELECT 'C1' AS CUSTOMER_ID, "
        "'王芳' AS name, 'internal' AS crm_flag, CAST(NULL AS STRING) AS email_normalized, "
        "'+8613800138000' AS phone_e164"
    )
    spark.sql(
        "CREATE TABLE bank_cx.transactions USING parquet AS "
        "SELECT 'C1' AS customer_id, TIMESTAMP '2024-01-02 10:00:00' AS timestamp"
    )
    _from_catalog(sw, "bank_cx", ("customers",))
    c = sw.table("customers").to_pyarrow()
    assert c.column("customer_id").to_pylist() == ["C1"]
    assert c.column("name").to_pylist() == ["王芳"]
    assert c.column("email").to_pylist() == [None]  # optional and absent: missing
    assert c.column("phone_e164").to_pylist() == ["+8613800138000"]
    assert "crm_flag" not in c.column_names
    with pytest.raises(
        ConfigError, match=r"bank_cx.transactions lacks required column\(s\) amount"
    ):
        _from_catalog(sw, "bank_cx", ("transactions",))
    with pytest.raises(NotFoundError, match=r"bank_cx\.feedback does not exist"):
        _from_catalog(sw, "bank_cx", ("feedback",))
    # without the columns ingest derives, exact-key matching would silently find nothing
    spark.sql("CREATE DATABASE IF NOT EXISTS bank_raw")
    spark.sql("DROP TABLE IF EXISTS bank_raw.customers")
    spark.sql("CREATE TABLE bank_raw.customers USING parquet AS SELECT 'C1' AS customer_id")
    with pytest.raises(ConfigError, match="email_normalized, phone_e164, which `loyalloop ingest`"):
        _from_catalog(sw, "bank_raw", ("customers",))
    sw.close()


@pytest.mark.spark
def test_a_spark_failure_in_a_stage_names_the_stage_and_the_sql(
    spark: Any, settings: Settings
) -> None:
    from loyalloop.core.spark import SparkWarehouse
    from loyalloop.errors import EngineError
    from loyalloop.pipeline.engines import stage_errors

    sw = SparkWarehouse(spark, settings)
    # text that is no number: Spark (ANSI mode) fails when the query runs, not when planned
    spark.sql(
        "CREATE OR REPLACE TEMPORARY VIEW broken_amounts AS "
        "SELECT CAST(a AS DOUBLE) AS amount FROM VALUES ('1.5'), ('abc') AS t(a)"
    )
    t = sw.table("broken_amounts")
    with pytest.raises(EngineError) as info, stage_errors(sw, "rfm"):
        t.aggregate(total=t.amount.sum()).execute()
    message = str(info.value)
    assert message.startswith("pipeline stage 'rfm' failed on Spark: ")
    assert "CAST_INVALID_INPUT" in message and "'abc'" in message
    assert info.value.sql is not None and "broken_amounts" in info.value.sql
    assert "last SQL sent to Spark: SELECT" in message
    assert info.value.exit_code == 6
    sw.close()


@pytest.mark.spark
def test_a_run_on_a_broken_spark_table_is_an_engine_error_not_a_crash(
    spark: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from loyalloop.apps import load_sample
    from loyalloop.data.schema import open_warehouse
    from loyalloop.pipeline.stages import INPUT_TABLES

    load_sample(settings, customers=40, seed=2)
    spark.sql("CREATE DATABASE IF NOT EXISTS broken_cx")
    with open_warehouse(settings) as duck:
        for name in INPUT_TABLES:
            path = settings.home / f"export-{name}.parquet"
            duck.to_parquet(duck.table(name), path)
            spark.sql(f"DROP TABLE IF EXISTS broken_cx.{name}")
            body = f"SELECT * FROM parquet.`{path}`"
            if name == "customers":
                # one birth date that is no date: a typed column of another system's table
                cols = [
                    "CASE WHEN customer_id = (SELECT MIN(customer_id) FROM parquet.`"
                    f"{path}`) THEN 'not a date' ELSE CAST(birth_date AS STRING) END AS birth_date"
                    if c == "birth_date"
                    else f"`{c}`"
                    for c in duck.table(name).columns
                ]
                body = f"SELECT {', '.join(cols)} FROM parquet.`{path}`"
            spark.sql(f"CREATE TABLE broken_cx.{name} USING parquet AS {body}")
    monkeypatch.setenv("LOYALLOOP_SPARK_DATABASE", "broken_cx")
    result = CliRunner().invoke(
        app, ["--home", str(settings.home), "run", "--engine", "spark", "--json"]
    )
    assert result.exit_code == 6, result.output
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "engine"
    assert "failed on Spark" in error["message"] and "not a date" in error["message"]
    assert "last SQL sent to Spark" in error["message"]
