"""The operational store of the service: SQLAlchemy 2 models, Alembic migrations, sessions.

Layer 3 (``docs/architecture.md``): imports only ``core`` and ``errors``; never ``data``.
"""

from __future__ import annotations

from loyalloop.store.base import Base, UtcDateTime, utcnow
from loyalloop.store.engine import make_engine, make_session_factory, transaction
from loyalloop.store.migrate import current, head, upgrade

__all__ = [
    "Base",
    "UtcDateTime",
    "current",
    "head",
    "make_engine",
    "make_session_factory",
    "transaction",
    "upgrade",
    "utcnow",
]
