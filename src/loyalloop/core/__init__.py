"""Settings and storage plumbing shared by every capability."""

from __future__ import annotations

from loyalloop.core.config import Settings
from loyalloop.core.warehouse import Warehouse

__all__ = ["Settings", "Warehouse"]
