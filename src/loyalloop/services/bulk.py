"""Bulk inserts inside a session's transaction: ``COPY`` on PostgreSQL, batched
``executemany`` elsewhere.

A launch writes hundreds of thousands of assignment and outbox rows in one transaction. On
PostgreSQL, SQLAlchemy's batched ``INSERT … VALUES`` (insertmanyvalues) sends one statement
per 1,000 rows that the server parses and plans each time; ``COPY … FROM STDIN`` streams the
rows in one command (psycopg 3's ``Cursor.copy``), on the same connection and therefore in
the same transaction. SQLite has no ``COPY``; its in-process ``executemany`` of one prepared
statement is already the fast path. Figures: benchmarks/results/campaigns.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

__all__ = ["bulk_insert"]

#: Rows per executemany batch (SQLite and other dialects).
CHUNK = 5000


def bulk_insert(session: Session, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    Returns the number of rows written. Columns a row leaves out get the model's column
    defaults (scalars and callables, evaluated once per call) on both paths.
    """
    if not rows:
        return 0
    bind = session.connection()
    if bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg":
        columns = list(rows[0].keys())
        for name in columns:
            if name not in table.c:
                raise KeyError(f"{table.name} has no column {name!r}")
        extra: dict[str, Any] = {}
        for col in table.c:
            d = col.default
            if col.name in columns or col.primary_key or d is None:
                continue
            if d.is_scalar:
                extra[col.name] = d.arg  # type: ignore[attr-defined]
            elif d.is_callable:
                extra[col.name] = d.arg(None)  # type: ignore[attr-defined]
        values = [*extra.values()]
        columns += list(extra)
        raw = bind.connection.driver_connection
        assert raw is not None
        names = ", ".join(f'"{c}"' for c in columns)
        import psycopg

        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        try:
            with raw.cursor() as cur, cur.copy(statement) as cp:
                for row in rows:
                    cp.write_row([*(row[c] for c in rows[0]), *values])
        except psycopg.errors.IntegrityError as exc:  # as SQLAlchemy's own inserts raise it
            raise sa.exc.IntegrityError(statement, None, exc) from exc
        return len(rows)
    for start in range(0, len(rows), CHUNK):
        session.execute(sa.insert(table), list(rows[start : start + CHUNK]))
    return len(rows)
