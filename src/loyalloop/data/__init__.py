"""Customer data: canonical contracts, ingest with quarantine, unification."""

from __future__ import annotations

from loyalloop.data.contracts import CONTRACTS, Column, Contract, contract
from loyalloop.data.schema import ensure_schema, open_warehouse

__all__ = ["CONTRACTS", "Column", "Contract", "contract", "ensure_schema", "open_warehouse"]
