"""What the service commands share: the project's settings and opening the store.

Imports nothing heavy at module level (``loyalloop --help`` stays fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from loyalloop.core.config import Settings
    from loyalloop.services import Store

__all__ = ["analytics_settings", "open_service_store"]


def analytics_settings(ctx: typer.Context) -> Settings:
    """The root command's settings (``--home`` applied)."""
    from loyalloop.cli.common import settings

    return settings(ctx)


def open_service_store(ctx: typer.Context, *, migrate: bool = True, **overrides: Any) -> Store:
    """The operational store of the project home (migrated to the newest schema)."""
    from loyalloop.core.service_settings import load_service_settings
    from loyalloop.services import open_store

    analytics = analytics_settings(ctx)
    overrides.setdefault("timezone", analytics.timezone)
    settings = load_service_settings(analytics.home, **overrides)
    return open_store(settings, analytics, migrate=migrate)
