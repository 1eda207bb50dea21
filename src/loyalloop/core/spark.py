"""The Spark backend of the warehouse adapter, through Ibis' pyspark backend (``spark`` extra).

Install with ``pip install 'loyalloop[spark]'`` (PySpark and Java 17). The same Ibis
expressions that run on DuckDB run here; what differs is behind
:class:`~loyalloop.core.warehouse.WarehouseAdapter`'s hooks:

* **Temporary tables** (the run's profile-keyed transactions, identity resolution's label
  rounds) are written as Parquet under the project home (``<home>/spark-tmp/tables``, removed
  when the adapter closes) and registered as temporary views reading those files, so an
  iterative computation does not grow one ever longer query plan. They were local checkpoints,
  cached as Java objects in the executors: in local mode the executor is the driver, and they
  (the profile-keyed transactions most of it) held ~325 MB of its heap at 100k customers (1.5M
  cached rows, a class histogram in the churn stage) and about ten times that at 1M, where the
  2 GB default heap failed. Parquet holds them off the heap, compressed, and a query reads
  only the columns it needs. Ibis' own pyspark backend has no temporary tables;
  :class:`SparkWarehouse` adds them.
* **Writing a run's table** is done by Spark: the executors write the (ordered) result as a
  directory of Parquet part files beside the run's files, then the driver concatenates the parts
  into the run's single Parquet file one row group at a time (Loyalloop's runs are one file per
  table). The driver holds one row group, never the table: Ibis' own ``to_pyarrow_batches``
  collects the whole result through pandas first. On a cluster the run directory must be on
  storage the executors can write (as the input copy must be readable, docs/scale-out.md).
* **Reading a result into Python** (``to_pandas``, ``to_pyarrow``, ``to_pyarrow_batches`` of a
  table or column; a scalar still comes back directly) goes the same way: the executors write
  the result as Parquet parts under the temporary-table directory and Python reads the parts
  (:func:`read_parts`, removed once read). Spark's own ``toPandas`` (Arrow) gathers every
  partition's Arrow batches in the driver's heap first: the 1M-customer run failed there with a
  2 GB heap, collecting the churn features (1M rows x ~40 columns), and a stage that reads every
  profile must not need a heap that grows with the profiles. The frames are the same as
  ``toPandas`` gives (``tests/core/test_spark_collect.py``); DuckDB's path is unchanged.
* **Errors**: the backend remembers the last SQL it sent to Spark (:attr:`last_sql`), so a
  failure in a stage can name the SQL that failed (:mod:`loyalloop.pipeline.engines`).
* **Catalogue look-ups** use ``SparkSession.catalog`` (temporary views included).
* **Starting a session** (:func:`spark_session`) uses ``LOYALLOOP_SPARK_MASTER`` (default
  ``local[*]``). On a cluster every other Spark setting comes from Spark's own configuration
  (``$SPARK_CONF_DIR/spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``), as with ``spark-submit``.
  In **local mode** Spark's defaults are made for clusters (200 shuffle partitions, a 1 GB
  driver that is also the only executor), so each of a run's hundreds of small queries paid
  for 200 tasks; :func:`local_defaults` sizes the session for one machine instead (shuffle
  partitions = 2 x cores, adaptive execution, driver memory an eighth of the machine's, Arrow,
  no UI, an in-memory catalogue, scratch space under the project home). A key set in
  ``spark-defaults.conf`` keeps its value there; ``LOYALLOOP_SPARK_CONF`` (``key=value`` pairs,
  ``;``-separated) overrides both, in any mode (:func:`spark_conf`).
  The session's time zone is always UTC: Loyalloop's timestamps are wall-clock times of the
  business time zone, stored without one, and Spark must not shift them. Without PySpark, or
  without Java, the error names what to install (:class:`~loyalloop.errors.ConfigError`).

Closing the adapter leaves the Spark session running unless the adapter started it.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loyalloop.core.config import Settings
from loyalloop.core.optional import install_hint, require
from loyalloop.core.warehouse import WarehouseAdapter
from loyalloop.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "INSTALL_HINT",
    "JAVA_HINT",
    "SPARK_TMP_DIR",
    "SparkWarehouse",
    "check_driver_heap",
    "driver_heap_need",
    "local_defaults",
    "local_session",
    "parse_jvm_size",
    "read_parts",
    "session_conf",
    "spark_conf",
    "spark_session",
]

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


#: Directory under the project home of a local session's scratch space (removed on close).
SPARK_TMP_DIR = "spark-tmp"

#: Numbers the directories of temporary tables written as Parquet.
_TEMP_TABLES = itertools.count(1)

#: Settings that must hold on every session (never overridden).
_FIXED = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false"}

_LOCAL_MASTER = re.compile(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?")


def _local_cores(master: str) -> int | None:
    """The cores of a ``local``/``local[N]``/``local[*]`` master URL; ``None`` on a cluster."""
    m = _LOCAL_MASTER.fullmatch(master.strip())
    if m is None:
        return None
    n = m.group(1)
    if n is None:
        return 1
    return (os.cpu_count() or 1) if n == "*" else max(1, int(n))


def _machine_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


#: The driver heap a local-mode run needs: a base, plus this much per row of its input tables.
#: The figure was 256 bytes (the 1M-customer run, 16.7M input rows, failed with 2 GB and
#: finished with 5 GB) while temporary tables were cached in the heap and results were
#: collected through it. With both on Parquet files the heap holds Spark's execution buffers
#: (sorts, aggregations, joins: they spill to disk past their share), splink's cached tables
#: and Spark's own state. Measured at 1M customers with 1 GB + 96 bytes x 16.7M rows = 2.5 GB
#: (benchmarks/results/run_spark.md, session 10): the live heap after a full GC peaked at
#: 2.3 GiB (0.3-1.5 GiB elsewhere), nearly all of it execution buffers while the
#: profile-keyed transactions were written; those take what the heap allows and spill past it.
#: The run finished (with 2 GB it had failed in the churn stage).
HEAP_BASE_BYTES = 2**30
HEAP_BYTES_PER_ROW = 96
#: The largest heap Loyalloop gives a local session on its own: half the machine's memory (the
#: JVM's resident memory is the heap + ~1.2 GB, beside the Python driver's own 1-3 GB).
HEAP_MACHINE_SHARE = 0.5
_HEAP_STEP = 512 * 2**20


def driver_heap_need(input_rows: int) -> int:
    """The driver heap (bytes, a multiple of 512 MiB) a local run over ``input_rows`` rows
    needs: :data:`HEAP_BASE_BYTES` + :data:`HEAP_BYTES_PER_ROW` per row."""
    need = HEAP_BASE_BYTES + HEAP_BYTES_PER_ROW * max(0, input_rows)
    return -(-need // _HEAP_STEP) * _HEAP_STEP


def _jvm_size(nbytes: int) -> str:
    """``nbytes`` as a JVM memory setting: ``3g``, ``4608m``."""
    gib, rest = divmod(nbytes, 2**30)
    return f"{gib}g" if not rest else f"{nbytes // 2**20}m"


def _gb(nbytes: int) -> str:
    return f"{nbytes / 2**30:.1f} GB"


def parse_jvm_size(text: str) -> int | None:
    """The bytes of a JVM/Spark memory setting (``5g``, ``4608m``, ``512k``; a bare number is
    MiB, as Spark reads ``spark.driver.memory``); ``None`` if it is not one."""
    m = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)b?\s*", text.lower())
    if m is None:
        return None
    scale = {"k": 2**10, "": 2**20, "m": 2**20, "g": 2**30, "t": 2**40}[m.group(2)]
    return int(m.group(1)) * scale


def local_defaults(
    cores: int, home: Path, memory_bytes: int | None = None, input_rows: int | None = None
) -> dict[str, str]:
    """Spark settings for a session on one machine with ``cores`` cores.

    * ``spark.sql.shuffle.partitions`` = 2 x cores (Spark's 200 made every aggregation and
      join of a 10k-customer run schedule 200 tasks for a few kilobytes each; adaptive
      execution coalesces them afterwards, but only after planning and launching them);
    * adaptive execution and its partition coalescing on (Spark 3.2+ default; stated so that a
      ``spark-defaults.conf`` written for an older cluster does not turn it off here);
    * ``spark.driver.memory``: an eighth of the machine's memory, between 1 and 4 GB (in local
      mode the driver is the only executor and holds the cached tables and every collected
      result; Spark's 1 GB is sized for a driver beside executors). The JVM's resident memory
      grows to about this heap plus 1 GB whether the run needs it or not: with a 5 GB heap the
      10k-customer run peaked at 6.0 GB resident (1.8 GB with 1 GB, an earlier run), hence
      the cap. With ``input_rows`` (the rows of the run's input tables) it is at least what
      that data needs (:func:`driver_heap_need`: 2.5 GB for 1M customers), up to
      :data:`HEAP_MACHINE_SHARE` of the machine (:func:`session_conf` refuses a run that
      needs more);
    * Arrow for moving data between Python and the JVM; no web UI; the in-memory catalogue
      (no Hive metastore files written into the working directory);
    * scratch space (``spark.local.dir``) and the warehouse under the project home.
    """
    memory = _machine_memory_bytes() if memory_bytes is None else memory_bytes
    heap = (1 if memory is None else min(4, max(1, memory // 8 // 2**30))) * 2**30
    if input_rows is not None:
        need = driver_heap_need(input_rows)
        limit = None if memory is None else int(memory * HEAP_MACHINE_SHARE)
        heap = max(heap, need if limit is None else min(need, limit))
    return {
        "spark.sql.shuffle.partitions": str(2 * cores),
        "spark.default.parallelism": str(2 * cores),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.driver.memory": _jvm_size(heap),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.enabled": "false",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.local.dir": str(home.absolute() / SPARK_TMP_DIR / "scratch"),
        "spark.sql.warehouse.dir": str(home.absolute() / "spark-warehouse"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
    }


def check_driver_heap(input_rows: int, chosen: str | None, memory_bytes: int | None = None) -> None:
    """Refuse, before Spark starts, a local run whose data need more heap than it will get.

    ``chosen`` is ``spark.driver.memory`` as the user set it (``LOYALLOOP_SPARK_CONF`` or
    ``spark-defaults.conf``), ``None`` when Loyalloop sizes it. Unset, the run is refused when
    :func:`driver_heap_need` exceeds :data:`HEAP_MACHINE_SHARE` of the machine's memory; set
    below the need, it is the user's choice and only logged (a warning).

    Raises
    ------
    ConfigError
        Naming the rows, the heap needed, the machine's memory and the setting.
    """
    need = driver_heap_need(input_rows)
    if chosen is not None:
        given = parse_jvm_size(chosen)
        if given is not None and given < need:
            log.warning(
                "spark.driver.memory=%s is below the %s that %s input rows need in local mode "
                "(docs/scale-out.md); the run may fail with an out-of-memory error",
                chosen,
                _gb(need),
                f"{input_rows:,}",
            )
        return
    memory = _machine_memory_bytes() if memory_bytes is None else memory_bytes
    if memory is None or need <= memory * HEAP_MACHINE_SHARE:
        return
    raise ConfigError(
        f"the run's input tables hold {input_rows:,} rows: Spark in local mode needs a driver "
        f"heap of about {_gb(need)} for them (docs/scale-out.md), more than half of this "
        f"machine's {_gb(memory)} of memory. Set spark.driver.memory yourself "
        f'(LOYALLOOP_SPARK_CONF="spark.driver.memory={_jvm_size(need)}"), run on a cluster '
        "(LOYALLOOP_SPARK_MASTER), or run on DuckDB (--engine duckdb)"
    )


def spark_conf(text: str) -> dict[str, str]:
    """The settings of ``LOYALLOOP_SPARK_CONF``: ``key=value`` pairs separated by ``;`` or new
    lines (blank entries and ``#`` comments ignored); a malformed entry is a ConfigError."""
    conf: dict[str, str] = {}
    for raw in re.split(r"[;\n]", text):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        key, sep, value = entry.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.startswith("spark.") or not value:
            raise ConfigError(
                f"LOYALLOOP_SPARK_CONF entry {entry!r} is not a Spark setting "
                "(write spark.key=value pairs separated by ';')"
            )
        if key in _FIXED and value != _FIXED[key]:
            raise ConfigError(
                f"LOYALLOOP_SPARK_CONF sets {key}; Loyalloop fixes it to {_FIXED[key]!r} "
                "(docs/scale-out.md)"
            )
        conf[key] = value
    return conf


def _spark_defaults() -> dict[str, str]:
    """The settings of Spark's own ``spark-defaults.conf`` (``$SPARK_CONF_DIR``, else
    ``$SPARK_HOME/conf``), whose keys local-mode defaults leave alone."""
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (
        str(Path(os.environ["SPARK_HOME"], "conf")) if os.environ.get("SPARK_HOME") else ""
    )
    path = Path(conf_dir, "spark-defaults.conf") if conf_dir else None
    if path is None or not path.is_file():
        return {}
    conf = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.strip().split(None, 1)
        if parts and not parts[0].startswith("#"):
            key, _, inline = parts[0].partition("=")
            value = inline or (parts[1] if len(parts) > 1 else "")
            conf[key] = value.strip().lstrip("=").strip()
    return conf


def session_conf(settings: Settings, input_rows: int | None = None) -> dict[str, str]:
    """Every setting :func:`spark_session` passes to Spark for ``settings``; in local mode,
    with ``input_rows`` (the rows of the run's input tables), the driver heap is sized from
    them and a run the machine cannot hold is refused (:func:`check_driver_heap`)."""
    conf: dict[str, str] = {}
    user = spark_conf(settings.spark_conf)
    cores = _local_cores(settings.spark_master)
    if cores is not None:
        preset = _spark_defaults()
        if input_rows is not None:
            chosen = user.get("spark.driver.memory", preset.get("spark.driver.memory"))
            check_driver_heap(input_rows, chosen)
        conf.update(
            (k, v)
            for k, v in local_defaults(cores, settings.home, input_rows=input_rows).items()
            if k not in preset
        )
    conf.update(user)
    conf.update(_FIXED)
    return conf


def spark_session(
    settings: Settings, *, app: str = "loyalloop", input_rows: int | None = None
) -> Any:
    """The session of a run on Spark: ``settings.spark_master``, UTC, no console progress;
    in local mode sized for the machine and for ``input_rows`` (:func:`local_defaults`);
    ``LOYALLOOP_SPARK_CONF`` over both. See docs/scale-out.md.
    """
    conf = session_conf(settings, input_rows)  # may refuse before any JVM starts
    sql = _pyspark()
    builder = sql.SparkSession.builder.master(settings.spark_master).appName(app)
    for key, value in conf.items():
        builder = builder.config(key, value)
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
    """Ibis' pyspark backend with temporary tables (temporary views of Parquet files)."""
    _pyspark()
    import ibis
    from ibis.backends.pyspark import Backend

    ibis.pyspark  # noqa: B018  (loading the backend through ibis registers its options)
    import ibis.expr.types

    class _SparkBackend(Backend):  # type: ignore[misc]
        #: The last SQL statement sent to Spark through this backend (for error messages).
        last_sql: str | None = None
        #: Where temporary tables are written as Parquet (set by SparkWarehouse).
        temp_dir: Path
        #: Names of the temporary tables written under ``temp_dir``.
        temp_names: set[str]

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

        def execute(
            self,
            expr: Any,
            /,
            *,
            params: Any = None,
            limit: int | str | None = None,
            **kwargs: Any,
        ) -> Any:
            if isinstance(expr, ibis.expr.types.Scalar):
                return super().execute(expr, params=params, limit=limit, **kwargs)
            from ibis.backends.pyspark.converter import PySparkPandasData

            table = self.to_pyarrow(expr.as_table(), params=params, limit=limit, **kwargs)
            frame = table.to_pandas(date_as_object=True, coerce_temporal_nanoseconds=True)
            frame = PySparkPandasData.convert_table(frame, expr.as_table().schema())
            return expr.__pandas_result__(frame)

        def to_pyarrow(
            self,
            expr: Any,
            /,
            *,
            params: Any = None,
            limit: int | str | None = None,
            **kwargs: Any,
        ) -> Any:
            from ibis.formats.pyarrow import PyArrowData

            table_expr = expr.as_table()
            reader = self.to_pyarrow_batches(table_expr, params=params, limit=limit, **kwargs)
            table = PyArrowData.convert_table(reader.read_all(), table_expr.schema())
            return expr.__pyarrow_result__(table)

        def to_pyarrow_batches(
            self,
            expr: Any,
            /,
            *,
            params: Any = None,
            limit: int | str | None = None,
            chunk_size: int = 1_000_000,
            **kwargs: Any,
        ) -> Any:
            import pyarrow as pa

            table_expr = expr.as_table()
            self._run_pre_execute_hooks(table_expr)
            sql = self.compile(table_expr, params=params, limit=limit, **kwargs)
            parts = self.temp_dir / f"collect-{next(_TEMP_TABLES)}"
            self._session.sql(sql).write.mode("overwrite").parquet(str(parts))
            schema = table_expr.schema().to_pyarrow()
            return pa.RecordBatchReader.from_batches(
                schema, read_parts(parts, schema, chunk_size, remove=True)
            )

        def create_table(self, name: str, /, obj: Any = None, **kw: Any) -> Any:
            if not kw.pop("temp", False):
                return super().create_table(name, obj, **kw)
            if obj is None:
                raise ConfigError("a temporary table needs a query")
            import ibis

            table = obj if isinstance(obj, ibis.expr.types.Table) else ibis.memtable(obj)
            self._run_pre_execute_hooks(table)
            # a new directory per table written: the previous table of this name may be read
            # while this one is computed (identity's label rounds)
            self.temp_names.add(name)
            path = str(self.temp_dir / f"{name}-{next(_TEMP_TABLES)}")
            self._session.sql(self.compile(table)).write.mode("overwrite").parquet(path)
            self._session.read.parquet(path).createOrReplaceTempView(name)
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
    input_rows
        The rows of the run's input tables, when known before the session starts: a session
        this adapter starts in local mode is sized for them (:func:`spark_session`).
    """

    engine = "Spark"

    def __init__(
        self,
        session: Any = None,
        settings: Settings | None = None,
        *,
        input_rows: int | None = None,
    ) -> None:
        self.settings = settings or Settings()
        if session is None and (active := _pyspark().SparkSession.getActiveSession()) is not None:
            session = active  # getOrCreate would return it anyway; it is not ours to stop
        self._owns_session = session is None
        if session is None:
            session = spark_session(self.settings, input_rows=input_rows)
        self.session = session
        self.ibis = _backend_class()().connect(session)
        self._temp_dir = self.settings.home / SPARK_TMP_DIR / "tables"
        self.ibis.temp_dir = self._temp_dir
        self.ibis.temp_names = set()

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
        with pq.ParquetWriter(path, schema) as writer:
            for batch in read_parts(parts_dir, schema, remove=True):
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows

    def close(self) -> None:
        if self._owns_session:
            self.session.stop()
            # the local session's scratch space (shuffle files, spilled cached tables)
            shutil.rmtree(self.settings.home / SPARK_TMP_DIR, ignore_errors=True)
        else:
            # the session stays; the views of this adapter's temporary tables end here
            for name in self.ibis.temp_names:
                self.session.catalog.dropTempView(name)
            shutil.rmtree(self._temp_dir, ignore_errors=True)


def read_parts(
    parts: Path, schema: Any, batch_rows: int = 1_000_000, *, remove: bool = False
) -> Iterator[Any]:
    """The rows of a directory of Parquet part files written by Spark, in order, as Arrow
    record batches of at most ``batch_rows`` rows with ``schema``'s columns and types.

    One batch is in memory at a time; the directory is removed at the end when ``remove``.
    Spark names its parts by partition (``part-00000-…``), so their order is the result's.
    An empty result may have no part file: no batch then.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        for part in sorted(parts.glob("part-*.parquet")):
            source = pq.ParquetFile(part)
            for batch in source.iter_batches(batch_size=batch_rows):
                yield from _conform(pa.Table.from_batches([batch]), schema).to_batches()
    finally:
        if remove:
            shutil.rmtree(parts, ignore_errors=True)


def _conform(table: Any, schema: Any) -> Any:
    """``table`` (a Spark part) with ``schema``'s column order and types."""
    return table.select(schema.names).cast(schema)
