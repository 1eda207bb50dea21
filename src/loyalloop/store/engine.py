"""Engines and sessions of the operational store.

SQLite (the default, a file under the project home) runs in WAL mode with ``synchronous=NORMAL``
(a committed transaction survives a process crash; WAL's documented trade-off is that the last
transactions may be lost on a power cut), a 5 s busy timeout and foreign keys on. PostgreSQL
(``LOYALLOOP_DATABASE_URL=postgresql+psycopg://…``) uses a connection pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from loyalloop.errors import ConfigError

__all__ = ["make_engine", "make_session_factory", "transaction"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for ``url`` (SQLite file or PostgreSQL), configured as the module says."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"LOYALLOOP_DATABASE_URL: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 5}, **kwargs
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so a write
        # transaction takes the lock at its start (no upgrade deadlocks between writers).
        sa.event.listen(engine, "connect", _no_pysqlite_begin)
        sa.event.listen(engine, "begin", _begin_immediate)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_pre_ping", True)
        try:
            return sa.create_engine(parsed, **kwargs)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"{exc.name} is needed for PostgreSQL: pip install 'loyalloop[postgres]'"
            ) from None
    raise ConfigError(
        f"LOYALLOOP_DATABASE_URL: {backend!r} is not supported; use sqlite:/// or "
        "postgresql+psycopg://"
    )


def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session and one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session
