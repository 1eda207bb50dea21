"""Alembic migrations shipped inside the package, applied programmatically.

``upgrade(engine)`` brings a store to the newest schema (``loyalloop db upgrade`` and
``loyalloop serve`` call it); ``current(engine)`` and ``head()`` tell where a store is.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = ["alembic_config", "current", "head", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: sa.Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(
    engine: sa.Engine, revision: str = "head", *, project_currency: str | None = None
) -> None:
    """Apply every migration up to ``revision`` (default: the newest). ``project_currency``:
    the project's currency (ISO code, ``None``: not known), which migration 0011 gives the
    campaigns made before it."""
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        cfg.attributes["project_currency"] = project_currency
        command.upgrade(cfg, revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current(engine: sa.Engine) -> str | None:
    """The revision the store is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    """The newest revision shipped with this version of Loyalloop."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev
