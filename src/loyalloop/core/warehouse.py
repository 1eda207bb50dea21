"""The analytics warehouse: one small adapter between Loyalloop and its engine.

Everything above ``core`` speaks Ibis through :class:`WarehouseAdapter`; only the adapter
speaks an engine's own dialect (catalogue look-ups, reading and writing Parquet, settings). The
shape follows Splink's ``DatabaseAPI``: the base class holds the template methods
(:meth:`~WarehouseAdapter.execute` re-raises any engine failure as
:class:`~loyalloop.errors.EngineError` carrying the SQL), and each backend implements a few
small hooks.

=====================  ==============================================================
backend                what it is
=====================  ==============================================================
:class:`Warehouse`     DuckDB, a file under the project home (the default). Ingest's
                       transactional loading also uses its :attr:`Warehouse.raw`
                       connection.
``SparkWarehouse``     Spark through Ibis' pyspark backend
                       (:mod:`loyalloop.core.spark`, the ``spark`` extra).
=====================  ==============================================================

The adapter knows no canonical table: :mod:`loyalloop.data.schema` creates them through
:meth:`~WarehouseAdapter.create_table` (``core`` sits below ``data``).
"""

from __future__ import annotations

import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import ibis

from loyalloop.core.config import Settings
from loyalloop.errors import BusyError, EngineError, NotFoundError

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend
    from ibis.backends.duckdb import Backend as DuckDBBackend

__all__ = [
    "QUARANTINE_TABLE",
    "REPAIRS_TABLE",
    "SQL_TYPES",
    "Warehouse",
    "WarehouseAdapter",
    "compact_file",
    "engine_errors",
]

log = logging.getLogger(__name__)

#: The table of rows refused by ingest (created by :mod:`loyalloop.data.schema`).
QUARANTINE_TABLE = "quarantine"
#: Loaded rows in which ingest set a bad optional value to missing, or normalised or derived an
#: id (created by :mod:`loyalloop.data.schema`).
REPAIRS_TABLE = "repairs"

#: DuckDB column types of the contracts' logical types (ingest's staging tables).
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


class WarehouseAdapter(ABC):
    """What Loyalloop needs from an analytics engine (template methods over small hooks).

    Attributes
    ----------
    settings : Settings
        The project's settings.
    ibis : ibis.BaseBackend
        The Ibis connection: analytics are Ibis expressions over :meth:`table`.
    """

    settings: Settings
    ibis: BaseBackend
    #: Name of the engine, for messages.
    engine: str = "engine"

    # ------------------------------------------------------------------------ hooks
    @abstractmethod
    def _run_sql(self, sql: str, params: Sequence[object] | None) -> Any:
        """Run one statement in the engine's dialect; engine errors propagate."""

    @abstractmethod
    def _engine_errors(self) -> tuple[type[BaseException], ...]:
        """Exception classes of the engine that :meth:`execute` re-raises as EngineError."""

    @abstractmethod
    def list_tables(self, prefix: str = "") -> list[str]:
        """Tables and views whose name starts with ``prefix`` (temporary ones too)."""

    @abstractmethod
    def read_parquet(self, path: Path, name: str) -> ir.Table:
        """A Parquet file as a table expression registered under ``name``."""

    # ------------------------------------------------------------------------ template methods
    def execute(self, sql: str, params: Sequence[object] | None = None) -> Any:
        """Run one SQL statement on the engine; a failure is re-raised as
        :class:`~loyalloop.errors.EngineError` carrying the SQL that failed."""
        try:
            return self._run_sql(sql, params)
        except self._engine_errors() as exc:
            raise EngineError(f"{type(exc).__name__}: {exc}", sql=sql) from exc

    def has_table(self, name: str) -> bool:
        """Whether the warehouse holds a table or view called ``name`` (temporary ones too)."""
        return name in self.list_tables(name)

    def table(self, name: str) -> ir.Table:
        """A table of the warehouse as an Ibis expression.

        Raises
        ------
        NotFoundError
            When there is no such table.
        """
        if not self.has_table(name):
            raise NotFoundError(f"the warehouse has no table {name!r}")
        return self.ibis.table(name)

    def count(self, name: str) -> int:
        """Rows of table ``name``."""
        return int(self.table(name).count().execute())

    def create_table(self, name: str, schema: Mapping[str, str] | ibis.Schema) -> None:
        """Create an empty table with ``schema`` (Ibis type names) unless it exists."""
        if not self.has_table(name):
            self.ibis.create_table(name, schema=ibis.schema(schema))

    def drop_table(self, name: str) -> None:
        """Drop table ``name`` if it exists."""
        self.ibis.drop_table(name, force=True)

    def create_temp_table(self, name: str, expr: ir.Table) -> ir.Table:
        """Materialise ``expr`` as a temporary table of this connection (replacing one)."""
        self.ibis.create_table(name, expr, temp=True, overwrite=True)
        return self.ibis.table(name)

    def to_parquet(self, expr: ir.Table, path: Path) -> int:
        """Stream ``expr`` from the engine into a Parquet file; its row count."""
        import pyarrow.parquet as pq

        self.ibis.to_parquet(expr, path)
        return int(pq.read_metadata(path).num_rows)

    @contextlib.contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Re-raise an engine failure inside the block (an Ibis expression executed on this
        engine, say) as :class:`~loyalloop.errors.EngineError` prefixed with ``what``."""
        try:
            yield
        except self._engine_errors() as exc:
            raise EngineError(f"{what}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self.ibis.disconnect()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _connect(path: Path, read_only: bool) -> DuckDBBackend:
    """Open the DuckDB file; another process holding it is :class:`BusyError`, not a trace."""
    import duckdb

    try:
        return ibis.duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise EngineError(f"cannot open the warehouse {path}: {exc}") from exc
        holder = str(exc).split("(PID ")[-1].split(")")[0] if "(PID " in str(exc) else ""
        raise BusyError(
            f"another command is using the project home {path.parent}"
            + (f" (process {holder})" if holder.isdigit() else "")
            + "; wait for it to finish and try again"
        ) from None


class Warehouse(WarehouseAdapter):
    """The project's DuckDB warehouse file (the default backend).

    Use as a context manager, or call :meth:`close`. Opening it creates no table: open it
    with :func:`loyalloop.data.open_warehouse` to have the canonical tables ensured.
    """

    engine = "DuckDB"

    def __init__(self, settings: Settings | None = None, *, read_only: bool = False) -> None:
        self.settings = settings or Settings()
        path: Path = self.settings.warehouse_path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only
        self.ibis: DuckDBBackend = _connect(path, read_only)
        self.execute(f"SET memory_limit = '{self.settings.memory_limit}'")
        self.execute("SET preserve_insertion_order = false")

    @classmethod
    def in_memory(cls, settings: Settings | None = None) -> Warehouse:
        """A private in-memory DuckDB database (no file, no lock): caches built from run files,
        such as the customer 360 index (:mod:`loyalloop.services.customer360`)."""
        wh = cls.__new__(cls)
        wh.settings = settings or Settings()
        wh.read_only = False
        wh.ibis = ibis.duckdb.connect()
        return wh

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The underlying DuckDB connection (ingest's transactional loading only)."""
        return self.ibis.con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one thread (DuckDB connections are not shared between
        threads); close it after use."""
        return self.raw.cursor()

    def _run_sql(self, sql: str, params: Sequence[object] | None) -> duckdb.DuckDBPyConnection:
        if params is None:
            return self.raw.execute(sql)
        return self.raw.execute(sql, list(params))

    def _engine_errors(self) -> tuple[type[BaseException], ...]:
        import duckdb

        return (duckdb.Error,)

    def list_tables(self, prefix: str = "") -> list[str]:
        # Not ibis' list_tables(): with duckdb 1.5 it calls the deprecated fetch_arrow_table().
        rows = self.execute(
            "SELECT DISTINCT table_name FROM information_schema.tables "
            "WHERE starts_with(table_name, ?) ORDER BY table_name",
            [prefix],
        ).fetchall()
        return [str(r[0]) for r in rows]

    def read_parquet(self, path: Path, name: str) -> ir.Table:
        return self.ibis.read_parquet(path, table_name=name)


def engine_errors() -> tuple[type[BaseException], ...]:
    """The DuckDB exception classes, for code that runs Ibis expressions on an in-memory
    DuckDB (``ibis.duckdb.connect()``) and must turn an engine failure into a message,
    without importing ``duckdb`` itself (only ``core`` and ``data`` do)."""
    import duckdb

    return (duckdb.Error,)


def compact_file(path: Path) -> None:
    """Copy the DuckDB file ``path`` into a fresh file and rename it into place
    (:func:`loyalloop.core.export.atomic_output`). DuckDB reuses the blocks an UPDATE or
    DELETE freed but does not clear them, so erased values would stay readable in the file's
    bytes (not through the engine) until overwritten; the copy holds only live data. The
    caller holds the project home's lock; nothing else may have the file open."""
    import duckdb

    from loyalloop.core.export import atomic_output

    con = duckdb.connect(str(path))
    try:
        with atomic_output(path) as tmp:
            source = con.execute("SELECT current_database()").fetchone()
            name = (str(source[0]) if source else path.stem).replace('"', '""')
            target = str(tmp).replace("'", "''")
            con.execute(f"ATTACH '{target}' AS compact_copy")
            con.execute(
                f'COPY FROM DATABASE "{name.replace(chr(34), chr(34) * 2)}" TO compact_copy'
            )
            con.execute("DETACH compact_copy")
            con.close()  # before the rename: nothing may hold the old file open
    finally:
        con.close()
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
