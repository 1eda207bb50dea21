"""The web layer of ``loyalloop serve`` (FastAPI): JSON API, staff pages, survey pages.

Layer 9 (``docs/architecture.md``): parses requests, calls :mod:`loyalloop.services`, formats
responses. ``HTTPException`` appears only here.
"""

from __future__ import annotations

from loyalloop.api.app import create_app

__all__ = ["create_app"]
