"""Loyalloop: close the customer loop — collect feedback, understand customers, act, measure."""

from __future__ import annotations

from loyalloop.errors import LoyalloopError

__all__ = ["LoyalloopError", "__version__"]
__version__ = "0.1.0"
