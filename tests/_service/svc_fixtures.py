"""Fixtures of the service's tests: the store on SQLite and on PostgreSQL, for real.

PostgreSQL: the session creates its own database (``loyalloop_test_<pid>_<random>``) on the
server named by ``LOYALLOOP_TEST_PG_ADMIN_URL`` (default: the local cluster through its Unix
socket, as the current OS user — ``make test`` and ``.ci/run`` start the cluster and create
that role) and drops it at the end; each test starts from empty tables. When no server is
reachable the PostgreSQL tests are skipped with the reason, and ``.ci/run`` fails on such skips.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from loyalloop.core.config import Settings
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.services import Store, open_store

__all__ = ["SECRET", "backend", "cheap_argon2", "make_store", "pg_database", "store", "store_url"]

SECRET = "test-secret-" + "x" * 40
PG_ADMIN_URL = os.environ.get(
    "LOYALLOOP_TEST_PG_ADMIN_URL", "postgresql+psycopg:///postgres?host=/var/run/postgresql"
)
PG_SKIP = "PostgreSQL not reachable at {url}: {reason} (start it: pg_ctlcluster 15 main start)"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head; dropped after."""
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        pytest.skip("PostgreSQL tests need psycopg: pip install 'psycopg[binary]'")
    name = f"loyalloop_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(PG_SKIP.format(url=PG_ADMIN_URL, reason=str(exc.orig).strip()[:200]))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'service.sqlite3'}"
        return
    url = request.getfixturevalue("pg_database")
    engine = sa.create_engine(url)
    from loyalloop.store import Base, upgrade

    upgrade(engine)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:  # TRUNCATE fires no row triggers: the audit log is emptied too
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()
    yield url


#: No sending rate unless a test asks for one: no test measures the rate (the limiter is tested
#: on its own clock in tests/services/test_rate_limiter.py), and at the default 20 e-mails a
#: second an in-process worker sending a test campaign's ~200 messages only waited (~10 s).
UNLIMITED = {"email_per_second": 0.0, "sms_per_second": 0.0, "webhook_per_second": 0.0}


def make_store(tmp_path: Path, url: str, **overrides: object) -> Store:
    home = tmp_path / "home"
    settings = ServiceSettings(
        home=home,
        database_url=url,
        secret_key=SECRET,  # type: ignore[arg-type]
        env="production",  # type: ignore[arg-type]
        **{**UNLIMITED, **overrides},  # type: ignore[arg-type]
    )
    return open_store(settings, Settings(home=home, timezone="UTC", phone_region="CN"))


@pytest.fixture
def store(tmp_path: Path, store_url: str) -> Iterator[Store]:
    s = make_store(tmp_path, store_url)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small parameters: the same code path, a fraction of the CPU per hash."""
    from argon2 import PasswordHasher

    import loyalloop.services.users as users

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_hasher", hasher)
    monkeypatch.setattr(users, "_DUMMY_HASH", hasher.hash("dummy password"))
