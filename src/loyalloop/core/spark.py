"""The Spark backend of the warehouse adapter, through Ibis' pyspark backend (``spark`` extra).

Install with ``pip install 'loyalloop[spark]'`` (PySpark and Java 17). The same Ibis
expressions that run on DuckDB run here; what differs is behind
:class:`~loyalloop.core.warehouse.WarehouseAdapter`'s hooks:

* **Temporary tables** (the run's profile-keyed transactions, identity resolution's label
  rounds) are Spark DataFrames checkpointed locally and registered as temporary views, so an
  iterative computation does not grow one ever longer query plan. Ibis' own pyspark backend has
  no temporary tables; :class:`SparkWarehouse` adds them.
* **Writing a run's table** is done by Spark: the executors write the (ordered) result as a
  directory of Parquet part files beside the run's files, then the driver concatenates the parts
  into the run's single Parquet file one row group at a time (Loyalloop's runs are one file per
  table). The driver holds one row group, never the table: Ibis' own ``to_pyarrow_batches``
  collects the whole result through pandas first. On a cluster the run directory must be on
  storage the executors can write (as the input copy must be readable, docs/scale-out.md).
* **Errors**: the backend remembers the last SQL it sent to Spark (:attr:`last_sql`), so a
  failure in a stage can name the SQL that failed (:mod:`loyalloop.pipeline.engines`).
* **Catalogue look-ups** use ``SparkSession.catalog`` (temporary views included).
* **Starting a session** (:func:`spark_session`) uses ``LOYALLOOP_SPARK_MASTER`` (default
  ``local[*]``); every other Spark setting comes from Spark's own configuration
  (``$SPARK_CONF_DIR/spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``), as with ``spark-submit``.
  The session's time zone is always UTC: Loyalloop's timestamps are wall-clock times of the
  business time zone, stored without one, and Spark must not shift them. Without PySpark, or
  without Java, the error names what to install (:class:`~loyalloop.errors.ConfigError`).

Closing the adapter leaves the Spark session running unless the adapter started it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loyalloop.core.config import Settings
from loyalloop.core.optional import install_hint, require
from loyalloop.core.warehouse import WarehouseAdapter
from loyalloop.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["INSTALL_HINT", "JAVA_HINT", "SparkWarehouse", "local_session", "spark_session"]

log = logging.getLogger(__name__)

INSTALL_HINT = f"the Spark backend needs the spark extra: {install_hint('spark')} (and Java)"


def _pyspark() -> Any:
    return require("pyspark.sql", extra="spark", feature="the Spark backend (and Java)")


JAVA_HINT = (
    "the Spark backend needs Java 17 (e.g. `apt-get install openjdk-17-jre-headless`, "
    "or set JAVA_HOME)"
)


def _check_java() -> None:
    home = os.environ.get("JAVA_HOME", "")
    if shutil.which("java") is None and not (home and Path(home, "bin", "java").is_file()):
        raise ConfigError(f"{JAVA_HINT}: no `java` on the PATH and JAVA_HOME is not set")


def _start(builder: Any) -> Any:
    """``builder.getOrCreate()``; a JVM that does not start is a ConfigError naming Java."""
    from pyspark.errors import PySparkException

    _check_java()
    try:
        session = builder.getOrCreate()
    except (PySparkException, OSError) as exc:
        raise ConfigError(f"Spark did not start ({exc}); {JAVA_HINT}") from None
    return session


def spark_session(settings: Settings, *, app: str = "loyalloop") -> Any:
    """The session of a run on Spark: ``settings.spark_master``, UTC, no console progress.

    Other settings (executor memory, shuffle partitions, catalogue) come from Spark's own
    configuration; see docs/scale-out.md.
    """
    sql = _pyspark()
    builder = (
        sql.SparkSession.builder.master(settings.spark_master)
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if settings.spark_master.startswith("local"):
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.sql.warehouse.dir", str(settings.home / "spark-warehouse"))
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    session = _start(builder)
    session.sparkContext.setLogLevel("ERROR")
    return session


def local_session(warehouse_dir: Path, *, cores: int = 2, app: str = "loyalloop") -> Any:
    """A local-mode Spark session (tests, a laptop): UTC, few shuffle partitions, no UI."""
    sql = _pyspark()
    return _start(
        sql.SparkSession.builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse_dir))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
    )


@cache
def _backend_class() -> type:
    """Ibis' pyspark backend with temporary tables (locally checkpointed temporary views)."""
    _pyspark()
    import ibis
    from ibis.backends.pyspark import Backend

    ibis.pyspark  # noqa: B018  (loading the backend through ibis registers its options)

    class _SparkBackend(Backend):  # type: ignore[misc]
        #: The last SQL statement sent to Spark through this backend (for error messages).
        last_sql: str | None = None

        def raw_sql(self, query: Any, **kwargs: Any) -> Any:
            self.last_sql = query if isinstance(query, str) else query.sql(self.dialect)
            return super().raw_sql(query, **kwargs)

        def compile(self, expr: Any, /, **kwargs: Any) -> Any:
            sql = super().compile(expr, **kwargs)
            self.last_sql = str(sql)
            return sql

        def _register_in_memory_table(self, op: Any) -> None:
            # Ibis hands Spark a pandas frame, in which a missing string can arrive as the
            # text "NaN" (a name without Han characters then "equals" every other one, a
            # missing address no longer joins as missing); Arrow keeps missing values missing.
            from ibis.backends.pyspark.datatypes import PySparkSchema

            data = op.data.to_pyarrow(op.schema)
            schema = PySparkSchema.from_ibis(op.schema)
            self._session.createDataFrame(data, schema=schema).createOrReplaceTempView(op.name)

        def create_table(self, name: str, /, obj: Any = None, **kw: Any) -> Any:
            if not kw.pop("temp", False):
                return super().create_table(name, obj, **kw)
            if obj is None:
                raise ConfigError("a temporary table needs a query")
            import ibis

            table = obj if isinstance(obj, ibis.expr.types.Table) else ibis.memtable(obj)
            self._run_pre_execute_hooks(table)
            df = self._session.sql(self.compile(table)).localCheckpoint(eager=True)
            df.createOrReplaceTempView(name)
            return self.table(name)

    return _SparkBackend


class SparkWarehouse(WarehouseAdapter):
    """Loyalloop's warehouse on a Spark session.

    Parameters
    ----------
    session
        A ``pyspark.sql.SparkSession``; ``None`` uses the process's active session, else starts
        one (:func:`spark_session`: the settings' master URL) and stops it on :meth:`close`.
    settings
        The project's settings (its home holds the runs).
    """

    engine = "Spark"

    def __init__(self, session: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        if session is None and (active := _pyspark().SparkSession.getActiveSession()) is not None:
            session = active  # getOrCreate would return it anyway; it is not ours to stop
        self._owns_session = session is None
        if session is None:
            session = spark_session(self.settings)
        self.session = session
        self.ibis = _backend_class()().connect(session)

    def _run_sql(self, sql: str, params: Sequence[object] | None) -> Any:
        if params is None:
            return self.session.sql(sql)
        return self.session.sql(sql, args=list(params))

    def _engine_errors(self) -> tuple[type[BaseException], ...]:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        return (PySparkException, Py4JError)

    def list_tables(self, prefix: str = "") -> list[str]:
        names = {t.name for t in self.session.catalog.listTables()}
        return sorted(n for n in names if n.startswith(prefix))

    def read_parquet(self, path: Path, name: str) -> ir.Table:
        return self.ibis.read_parquet(str(path), table_name=name)

    def register(self, name: str, data: Any) -> None:
        """Make a pandas or Arrow table available as table ``name`` (a temporary view).

        The data go to Spark as Arrow, so missing text stays missing (through pandas, a
        missing string can arrive as the text ``"NaN"``, and every customer without an
        e-mail would share one).
        """
        import pyarrow as pa

        table = (
            data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        )
        self.session.createDataFrame(table).createOrReplaceTempView(name)

    @property
    def last_sql(self) -> str | None:
        """The last SQL statement this warehouse's Ibis backend sent to Spark."""
        return getattr(self.ibis, "last_sql", None)

    def to_parquet(self, expr: ir.Table, path: Path) -> int:
        """Write ``expr`` with Spark, then join the part files into one Parquet file.

        The executors write the result (its order kept: part files follow the sort's ranges);
        the driver then copies the parts into ``path`` one row group at a time, cast to the
        expression's Arrow schema (the same types as on DuckDB; Spark writes its own, e.g.
        ``INT96`` timestamps). Its row count.
        """
        import pyarrow.parquet as pq

        schema = expr.schema().to_pyarrow()
        parts_dir = path.with_name(f".{path.stem}.spark-parts")
        shutil.rmtree(parts_dir, ignore_errors=True)
        self.ibis._run_pre_execute_hooks(expr)
        sql = self.ibis.compile(expr)
        df = self.session.sql(sql)
        df.write.mode("overwrite").option("compression", "zstd").parquet(str(parts_dir))
        rows = 0
        try:
            with pq.ParquetWriter(path, schema) as writer:
                for part in sorted(parts_dir.glob("part-*.parquet")):
                    source = pq.ParquetFile(part)
                    for i in range(source.num_row_groups):
                        group = source.read_row_group(i)
                        writer.write_table(_conform(group, schema))
                        rows += group.num_rows
        finally:
            shutil.rmtree(parts_dir, ignore_errors=True)
        return rows

    def close(self) -> None:
        if self._owns_session:
            self.session.stop()


def _conform(table: Any, schema: Any) -> Any:
    """``table`` (a Spark part) with ``schema``'s column order and types."""
    return table.select(schema.names).cast(schema)
