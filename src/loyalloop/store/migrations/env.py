"""Alembic environment: runs on the connection handed in by :mod:`loyalloop.store.migrate`."""

from __future__ import annotations

from alembic import context

from loyalloop.store import models  # noqa: F401  (registers the models on Base.metadata)
from loyalloop.store.base import Base
from loyalloop.store.engine import make_engine

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # the `alembic` command line, for writing new migrations
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
