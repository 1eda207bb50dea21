"""Customer data: canonical contracts, ingest with quarantine, unification.

The warehouse side (``open_warehouse``, ``ensure_schema``) is imported on first use
(:pep:`562`), so code that needs only the contracts (the feedback reading checks a taxonomy's
channels against :data:`~loyalloop.data.contracts.FEEDBACK_CHANNELS`) loads no engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalloop.core.lazy import lazy_exports
from loyalloop.data.contracts import CONTRACTS, Column, Contract, contract

if TYPE_CHECKING:  # pragma: no cover
    from loyalloop.data.schema import ensure_schema, open_warehouse

__getattr__, __dir__ = lazy_exports(
    globals(),
    {"ensure_schema": "loyalloop.data.schema", "open_warehouse": "loyalloop.data.schema"},
)

__all__ = ["CONTRACTS", "Column", "Contract", "contract", "ensure_schema", "open_warehouse"]
