"""Settings and storage plumbing shared by every capability: settings, the warehouse adapter,
runs and their typed results.

Names are imported on first use, so ``import loyalloop.core.runs`` does not load the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalloop.core.lazy import lazy_exports

if TYPE_CHECKING:
    from loyalloop.core.config import Settings
    from loyalloop.core.results import NotComputed, RunManifest
    from loyalloop.core.runs import Run, RunStore
    from loyalloop.core.warehouse import Warehouse

__all__ = ["NotComputed", "Run", "RunManifest", "RunStore", "Settings", "Warehouse"]

_WHERE = {
    "Settings": "loyalloop.core.config",
    "NotComputed": "loyalloop.core.results",
    "RunManifest": "loyalloop.core.results",
    "Run": "loyalloop.core.runs",
    "RunStore": "loyalloop.core.runs",
    "Warehouse": "loyalloop.core.warehouse",
}


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
