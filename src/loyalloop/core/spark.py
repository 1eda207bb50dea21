"""The Spark backend of the warehouse adapter, through Ibis' pyspark backend (``spark`` extra).

Install with ``pip install 'loyalloop[spark]'`` (PySpark and Java 17). The same Ibis
expressions that run on DuckDB run here; what differs is behind
:class:`~loyalloop.core.warehouse.WarehouseAdapter`'s hooks:

* **Temporary tables** (the run's profile-keyed transactions, identity resolution's label
  rounds) are Spark DataFrames checkpointed locally and registered as temporary views, so an
  iterative computation does not grow one ever longer query plan. Ibis' own pyspark backend has
  no temporary tables; :class:`SparkWarehouse` adds them.
* **Writing a run's table** streams the result into one Parquet file beside the others (Spark
  itself writes directories of part files). Ibis collects a Spark result in the driver before
  handing out Arrow batches, so on Spark the largest output table must fit in the driver's
  memory — a limit of this backend, not of DuckDB's.
* **Catalogue look-ups** use ``SparkSession.catalog`` (temporary views included).

Closing the adapter leaves the Spark session running unless the adapter started it.
"""

from __future__ import annotations

import logging
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

__all__ = ["INSTALL_HINT", "SparkWarehouse", "local_session"]

log = logging.getLogger(__name__)

INSTALL_HINT = f"the Spark backend needs the spark extra: {install_hint('spark')} (and Java)"


def _pyspark() -> Any:
    return require("pyspark.sql", extra="spark", feature="the Spark backend (and Java)")


def local_session(warehouse_dir: Path, *, cores: int = 2, app: str = "loyalloop") -> Any:
    """A local-mode Spark session (tests, a laptop): UTC, few shuffle partitions, no UI."""
    sql = _pyspark()
    return (
        sql.SparkSession.builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse_dir))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )


@cache
def _backend_class() -> type:
    """Ibis' pyspark backend with temporary tables (locally checkpointed temporary views)."""
    _pyspark()
    import ibis
    from ibis.backends.pyspark import Backend

    ibis.pyspark  # noqa: B018  (loading the backend through ibis registers its options)

    class _SparkBackend(Backend):  # type: ignore[misc]
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
        A ``pyspark.sql.SparkSession``; ``None`` starts a local one under the project home.
    settings
        The project's settings (its home holds the runs).
    """

    engine = "Spark"

    def __init__(self, session: Any = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._owns_session = session is None
        if session is None:
            session = local_session(self.settings.home / "spark-warehouse")
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

    def to_parquet(self, expr: ir.Table, path: Path) -> int:
        import pyarrow.parquet as pq

        reader = self.ibis.to_pyarrow_batches(expr)
        rows = 0
        with pq.ParquetWriter(path, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows

    def close(self) -> None:
        if self._owns_session:
            self.session.stop()
