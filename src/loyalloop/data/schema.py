"""The canonical tables in the warehouse: created from the contracts through the adapter.

:func:`open_warehouse` opens the project's warehouse and makes sure every canonical table
(:data:`~loyalloop.data.contracts.CONTRACTS`, plus the lineage columns ``_source`` and
``_loaded_at``), the quarantine table and the repairs table exist; staging tables left by a
crashed ingest are dropped. Existing tables are never altered, but for two things: a
quarantine table made before rows carried their ``key`` gets that column, and a canonical table
made before its contract gained an optional column (``assignments.propensity``,
``campaigns.currency``) gets it, empty
on the rows already loaded (ingest names the columns it inserts). The warehouse
adapter itself (``core``) knows no contract: this module, in ``data``, tells it what to create.
"""

from __future__ import annotations

import logging

from loyalloop.core.config import Settings
from loyalloop.core.warehouse import (
    QUARANTINE_TABLE,
    REPAIRS_TABLE,
    SQL_TYPES,
    Warehouse,
    WarehouseAdapter,
)
from loyalloop.data.contracts import CONTRACTS, Contract, LogicalType
from loyalloop.data.sql import ident
from loyalloop.errors import ConfigError

__all__ = [
    "IBIS_TYPES",
    "LINEAGE_COLUMNS",
    "QUARANTINE_SCHEMA",
    "REPAIRS_SCHEMA",
    "STAGING_PREFIX",
    "canonical_schema",
    "ensure_schema",
    "open_warehouse",
]

log = logging.getLogger(__name__)

#: Ibis types of the contracts' logical types.
IBIS_TYPES: dict[LogicalType, str] = {
    "string": "string",
    "int": "int64",
    "float": "float64",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}

#: Lineage columns every canonical table carries besides its contract columns.
LINEAGE_COLUMNS = {"_source": "string", "_loaded_at": "timestamp"}

#: Columns of the quarantine table (one row per refused input row).
QUARANTINE_SCHEMA = {
    "table_name": "string",
    "source": "string",
    "source_sha256": "string",
    "row_number": "int64",
    "line": "int64",
    "fields": "string",
    "reason": "string",
    "raw": "string",
    "quarantined_at": "timestamp",
    "key": "string",
}

#: Columns of the repairs table (one row per value ingest set to missing, normalised or
#: derived in a row it loaded).
REPAIRS_SCHEMA = {
    "table_name": "string",
    "source": "string",
    "source_sha256": "string",
    "row_number": "int64",
    "line": "int64",
    "key": "string",
    "field": "string",
    "reason": "string",
    "raw_value": "string",
    "repaired_at": "timestamp",
}

#: Name prefix of ingest's staging tables (dropped when left over by a crash).
STAGING_PREFIX = "_staging_"


def canonical_schema(c: Contract) -> dict[str, str]:
    """Column → Ibis type of a canonical table in the warehouse (contract + lineage columns)."""
    return {**{col.name: IBIS_TYPES[col.type] for col in c.columns}, **LINEAGE_COLUMNS}


def ensure_schema(wh: WarehouseAdapter) -> None:
    """Create the canonical tables and the quarantine table where missing; drop leftover
    staging tables (nobody reads them)."""
    for c in CONTRACTS.values():
        wh.create_table(c.name, canonical_schema(c))
        if wh.engine == "DuckDB":
            _add_new_columns(wh, c)
    wh.create_table(QUARANTINE_TABLE, QUARANTINE_SCHEMA)
    if wh.engine == "DuckDB" and "key" not in wh.table(QUARANTINE_TABLE).columns:
        # Homes made before quarantined rows carried their key (the one change ever made).
        wh.execute(f'ALTER TABLE {QUARANTINE_TABLE} ADD COLUMN "key" VARCHAR')
    wh.create_table(REPAIRS_TABLE, REPAIRS_SCHEMA)
    for name in wh.list_tables(STAGING_PREFIX):
        log.info("dropping leftover staging table %s", name)
        wh.drop_table(name)


def _add_new_columns(wh: WarehouseAdapter, c: Contract) -> None:
    """Add the optional columns a contract gained since the home's table was made (a required
    one cannot be added: the rows already loaded have no value for it)."""
    have = set(wh.table(c.name).columns)
    for col in c.columns:
        if col.name in have:
            continue
        if col.required:
            raise ConfigError(
                f"warehouse table {c.name} has no column {col.name}, which its contract requires; "
                "the table was made by another version of Loyalloop or outside it"
            )
        log.info("adding column %s to warehouse table %s", col.name, c.name)
        wh.execute(
            f"ALTER TABLE {ident(c.name)} ADD COLUMN {ident(col.name)} {SQL_TYPES[col.type]}"
        )


def open_warehouse(settings: Settings | None = None, *, read_only: bool = False) -> Warehouse:
    """The project's warehouse, with the canonical tables ensured (unless ``read_only``)."""
    wh = Warehouse(settings, read_only=read_only)
    if not read_only:
        try:
            ensure_schema(wh)
        except BaseException:
            wh.close()
            raise
    return wh
