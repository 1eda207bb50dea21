"""Application services over the operational store — one function per use case.

Layer 6 (``docs/architecture.md``): each write use case runs in one transaction and commits it
itself; errors are :mod:`loyalloop.errors` classes (never HTTP). The API and the CLI call these.
"""

from __future__ import annotations

from loyalloop.services.audit import Actor, list_events, record
from loyalloop.services.store import Store, open_store

__all__ = ["Actor", "Store", "list_events", "open_store", "record"]
