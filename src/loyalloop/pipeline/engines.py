"""The engine a run's warehouse work runs on: DuckDB (the project's warehouse file) or Spark.

:func:`run_warehouse` hands the runner a :class:`~loyalloop.core.warehouse.WarehouseAdapter`
holding the canonical input tables (:data:`~loyalloop.pipeline.stages.INPUT_TABLES`) under
their canonical names; every stage then runs the same Ibis expressions on it.

On Spark the inputs come from one of two places (docs/scale-out.md):

* **the DuckDB warehouse** (default): each input table is streamed by DuckDB into one Parquet
  file under ``<home>/spark-input/`` and read by Spark from there (the home must be on storage
  every Spark executor can read — local mode, or a shared file system). The copy is deleted
  when the run ends.
* **tables that already exist in Spark** (``LOYALLOOP_SPARK_DATABASE``): ``<database>.<name>``
  for each input table, with the canonical columns (extra columns are ignored; a missing
  optional column is read as missing; a missing required one, or a missing column that ingest
  derives — ``email_normalized``, ``phone_e164``, ``transactions.kind`` — is refused, naming
  it). Map a table of another shape with a view in that database.

A failure of the engine inside a stage (a Spark ``AnalysisException``, a Py4J error, a DuckDB
error) is re-raised by :func:`stage_errors` as :class:`~loyalloop.errors.EngineError` naming
the stage, the engine and the last SQL sent to it; one outside the stages (reading the inputs,
the data range) by :func:`run_warehouse` in the same way. Without this, the CLI would report it
as an internal error (exit code 70).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from loyalloop.core.config import Engine, Settings
from loyalloop.core.warehouse import Warehouse, WarehouseAdapter
from loyalloop.data.contracts import CONTRACTS
from loyalloop.data.schema import IBIS_TYPES
from loyalloop.errors import ConfigError, EngineError, NotFoundError

__all__ = ["FITTED_TABLES", "SPARK_INPUT_DIR", "run_warehouse", "stage_errors"]

log = logging.getLogger(__name__)

#: Output tables and manifest slots computed by a fitted model: each is fit in Python on a table
#: collected from the engine, so on two engines they agree to the optimiser's precision (1e-6
#: relative), the rest to the order of the engines' sums (1e-9) — tests/pipeline/test_engines.py
#: and ``benchmarks/run_spark.py --compare``.
FITTED_TABLES = frozenset(
    {
        "clv",
        "clv_segments",
        "churn",
        "churn_scores",
        "churn_evaluation",
        "churn_lift",
        "churn_calibration",
        "early_warning",
        "loyalty",
        "survival",
    }
)

#: Directory under the project home of the input tables copied for Spark.
SPARK_INPUT_DIR = "spark-input"

#: Spark SQL types of the Ibis types of the contracts.
_SPARK_TYPES = {
    "string": "string",
    "int64": "bigint",
    "float64": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


@contextmanager
def run_warehouse(
    settings: Settings, duck: Warehouse, tables: tuple[str, ...]
) -> Iterator[WarehouseAdapter]:
    """The warehouse the run's stages use, holding ``tables`` (``settings.engine``).

    Parameters
    ----------
    settings
        The project's settings (``engine``, ``spark_master``, ``spark_database``).
    duck
        The project's DuckDB warehouse (the run's engine on ``duckdb``; the source of the
        input tables on ``spark`` unless ``spark_database`` is set).
    tables
        The canonical tables the run reads.
    """
    if settings.engine is Engine.DUCKDB:
        with stage_errors(duck, None):
            yield duck
        return
    from loyalloop.core.spark import SparkWarehouse

    copy_dir = settings.home / SPARK_INPUT_DIR
    # a local session's driver heap is sized from the rows it will read (core.spark)
    rows = None if settings.spark_database else sum(duck.count(name) for name in tables)
    sw = SparkWarehouse(None, settings, input_rows=rows)
    try:
        with stage_errors(sw, None):
            if settings.spark_database:
                _from_catalog(sw, settings.spark_database, tables)
            else:
                _from_duckdb(sw, duck, tables, copy_dir)
            yield sw
    finally:
        sw.close()
        shutil.rmtree(copy_dir, ignore_errors=True)


#: Characters of the engine's message and of the SQL quoted in an EngineError's message.
_MESSAGE_CHARS = 600
_SQL_CHARS = 800


@contextmanager
def stage_errors(wh: WarehouseAdapter, stage: str | None) -> Iterator[None]:
    """Re-raise an engine failure in ``stage`` as an EngineError naming it and the SQL.

    Parameters
    ----------
    wh
        The run's warehouse (its ``_engine_errors`` are the classes caught).
    stage
        The stage's name; ``None`` outside the stages (reading the inputs, the data range).
    """
    try:
        yield
    except wh._engine_errors() as exc:
        sql = getattr(wh, "last_sql", None)
        where = f"pipeline stage {stage!r}" if stage else "the run (outside the stages)"
        text = " ".join(str(exc).split())
        if len(text) > _MESSAGE_CHARS:
            text = text[:_MESSAGE_CHARS] + " …"
        message = f"{where} failed on {wh.engine}: {type(exc).__name__}: {text}"
        if sql:
            shown = " ".join(sql.split())
            if len(shown) > _SQL_CHARS:
                shown = shown[:_SQL_CHARS] + " …"
            message += f"; last SQL sent to {wh.engine}: {shown}"
        raise EngineError(message, sql=sql) from exc


def _from_duckdb(
    sw: WarehouseAdapter, duck: Warehouse, tables: tuple[str, ...], copy_dir: Any
) -> None:
    """Stream each table from DuckDB into a Parquet file and open it in Spark."""
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir(parents=True)
    for name in tables:
        path = copy_dir / f"{name}.parquet"
        duck.to_parquet(duck.table(name), path)
        sw.read_parquet(path, name)
        log.info("table %s copied to Spark through %s", name, path)


def _from_catalog(sw: Any, database: str, tables: tuple[str, ...]) -> None:
    """Open ``<database>.<name>`` as temporary view ``name`` with the canonical columns."""
    from pyspark.sql import functions as F

    session = sw.session
    if not session.catalog.databaseExists(database):
        raise NotFoundError(f"LOYALLOOP_SPARK_DATABASE={database!r}: Spark has no such database")
    for name in tables:
        contract = CONTRACTS[name]
        if not session.catalog.tableExists(f"{database}.{name}"):
            raise NotFoundError(
                f"Spark table {database}.{name} does not exist (LOYALLOOP_SPARK_DATABASE="
                f"{database!r}; the run reads {', '.join(tables)})"
            )
        df = session.table(f"{database}.{name}")
        have = {c.lower(): c for c in df.columns}
        missing = [c.name for c in contract.columns if c.required and c.name.lower() not in have]
        if missing:
            raise ConfigError(
                f"Spark table {database}.{name} lacks required column(s) {', '.join(missing)} "
                f"of the canonical {name} table (docs/data.md); map it with a view"
            )
        derived = [c.name for c in contract.columns if c.derived and c.name.lower() not in have]
        if derived:
            # ingest derives them (normalised e-mail, E.164 phone); missing, identity
            # resolution would silently find no exact key
            raise ConfigError(
                f"Spark table {database}.{name} lacks column(s) {', '.join(derived)}, which "
                f"`loyalloop ingest` derives; provide them in the table or its view "
                f"(docs/scale-out.md)"
            )
        cols = []
        for c in contract.columns:
            sql_type = _SPARK_TYPES[IBIS_TYPES[c.type]]
            source = F.col(f"`{have[c.name.lower()]}`") if c.name.lower() in have else F.lit(None)
            cols.append(source.cast(sql_type).alias(c.name))
        df.select(*cols).createOrReplaceTempView(name)
        log.info("table %s read from Spark table %s.%s", name, database, name)
