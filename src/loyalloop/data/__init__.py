"""Customer data: canonical contracts, ingest with quarantine, unification."""

from __future__ import annotations

from loyalloop.data.contracts import CONTRACTS, Column, Contract, contract

__all__ = ["CONTRACTS", "Column", "Contract", "contract"]
