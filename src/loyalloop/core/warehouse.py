"""The analytics warehouse: a DuckDB file under the project home, reached through Ibis.

All analytics are Ibis expressions over :meth:`Warehouse.table`; only ingest's loading step
and the DDL below speak DuckDB SQL directly, because they need transactions.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import ibis

from loyalloop.core.config import Settings
from loyalloop.data.contracts import CONTRACTS, Contract, LogicalType, contract
from loyalloop.errors import BusyError, EngineError

if TYPE_CHECKING:
    import duckdb
    from ibis.backends.duckdb import Backend as DuckDBBackend

__all__ = ["QUARANTINE_TABLE", "REPAIRS_TABLE", "SQL_TYPES", "Warehouse"]

log = logging.getLogger(__name__)

QUARANTINE_TABLE = "quarantine"
#: Loaded rows in which ingest set a bad optional value to missing (or normalised an id).
REPAIRS_TABLE = "repairs"

SQL_TYPES: dict[LogicalType, str] = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

#: Lineage columns every canonical table carries besides its contract columns.
LINEAGE_COLUMNS = ("_source", "_loaded_at")


def table_ddl(c: Contract, name: str | None = None) -> str:
    cols = [f'"{col.name}" {SQL_TYPES[col.type]}' for col in c.columns]
    cols += ['"_source" VARCHAR', '"_loaded_at" TIMESTAMP']
    return f'CREATE TABLE IF NOT EXISTS "{name or c.name}" ({", ".join(cols)})'


QUARANTINE_DDL = f"""
CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
    "table_name" VARCHAR,
    "source" VARCHAR,
    "source_sha256" VARCHAR,
    "row_number" BIGINT,
    "line" BIGINT,
    "fields" VARCHAR,
    "reason" VARCHAR,
    "raw" VARCHAR,
    "quarantined_at" TIMESTAMP,
    "key" VARCHAR
)
"""

REPAIRS_DDL = f"""
CREATE TABLE IF NOT EXISTS {REPAIRS_TABLE} (
    "table_name" VARCHAR,
    "source" VARCHAR,
    "source_sha256" VARCHAR,
    "row_number" BIGINT,
    "line" BIGINT,
    "key" VARCHAR,
    "field" VARCHAR,
    "reason" VARCHAR,
    "raw_value" VARCHAR,
    "repaired_at" TIMESTAMP
)
"""


def _connect(path: Path, read_only: bool) -> DuckDBBackend:
    """Open the warehouse file; another process holding it is :class:`BusyError`, not a trace."""
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


class Warehouse:
    """An open connection to the project's DuckDB warehouse.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, settings: Settings | None = None, *, read_only: bool = False) -> None:
        self.settings = settings or Settings()
        path: Path = self.settings.warehouse_path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ibis: DuckDBBackend = _connect(path, read_only)
        self.raw.execute(f"SET memory_limit = '{self.settings.memory_limit}'")
        self.raw.execute("SET preserve_insertion_order = false")
        if not read_only:
            self._ensure_schema()

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The underlying DuckDB connection (DDL and transactional loading only)."""
        return self.ibis.con

    def execute(self, sql: str, params: list[object] | None = None) -> duckdb.DuckDBPyConnection:
        """Run one SQL statement on the engine; a failure is re-raised as
        :class:`~loyalloop.errors.EngineError` carrying the SQL that failed."""
        import duckdb

        try:
            return self.raw.execute(sql, params) if params is not None else self.raw.execute(sql)
        except duckdb.Error as exc:
            raise EngineError(f"{type(exc).__name__}: {exc}", sql=sql) from exc

    def has_table(self, name: str) -> bool:
        """Whether the warehouse holds a table or view called ``name``."""
        return name in self.ibis.list_tables()

    def _ensure_schema(self) -> None:
        for c in CONTRACTS.values():
            self.raw.execute(table_ddl(c))
        self.raw.execute(QUARANTINE_DDL)
        self.raw.execute(f'ALTER TABLE {QUARANTINE_TABLE} ADD COLUMN IF NOT EXISTS "key" VARCHAR')
        self.raw.execute(REPAIRS_DDL)
        # Staging tables of a crashed ingest hold nothing anyone reads: drop them.
        for (name,) in self.raw.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE starts_with(table_name, '_staging_')"
        ).fetchall():
            log.info("dropping leftover staging table %s", name)
            self.raw.execute(f'DROP TABLE IF EXISTS "{name}"')

    def table(self, name: str) -> ibis.Table:
        """A canonical table (or the quarantine table) as an Ibis expression."""
        if name not in (QUARANTINE_TABLE, REPAIRS_TABLE):
            contract(name)  # fail clearly on unknown names
        return self.ibis.table(name)

    def count(self, name: str) -> int:
        return int(self.table(name).count().execute())

    def close(self) -> None:
        self.ibis.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
