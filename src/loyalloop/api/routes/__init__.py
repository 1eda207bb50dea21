"""The routers of the app — the one place to add a router (with a rule on each route)."""

from __future__ import annotations

from loyalloop.api.routes import (
    admin,
    api_v1,
    auth,
    campaign_links,
    campaigns,
    cases,
    customers,
    erasure,
    public,
    segments,
    staff,
    survey_pages,
)

__all__ = ["ROUTERS"]

ROUTERS = [
    public.router,
    auth.router,
    staff.router,
    survey_pages.router,
    admin.router,
    api_v1.router,
    campaign_links.router,
    cases.router,
    cases.api_router,
    customers.router,
    customers.api_router,
    segments.router,
    segments.api_router,
    campaigns.router,
    campaigns.api_router,
    erasure.router,
]
