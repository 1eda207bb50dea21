"""The customer 360 page and the customer search, and the same as JSON under ``/api/v1``.

``/customers?q=`` finds people by customer id, phone or e-mail (one match opens the page,
several are listed); ``/customers/{id}`` shows one person whole
(:func:`loyalloop.services.customer360.customer_view`). Contacts are unmasked only for roles
holding ``pii.view``; comment and answer text only for ``responses.view``. A customer the latest
run does not know is a 404 with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loyalloop.api.access import Permission
from loyalloop.api.deps import LangDep, Principal, StoreDep, allow
from loyalloop.api.pages import render
from loyalloop.errors import NoRunError, NotFoundError
from loyalloop.services import Store
from loyalloop.services.audit import record
from loyalloop.services.customer360 import (
    CustomerMatch,
    CustomerView,
    customer_view,
    search_customers,
)

__all__ = ["api_router", "router"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["customers"])
View = Annotated[Principal, allow(Permission.customers_view)]


def _redact(view: CustomerView, me: Principal) -> CustomerView:
    """Leave out free text the reader's role may not read (comments, survey answers)."""
    if me.can(Permission.responses_view):
        return view
    from dataclasses import replace

    return replace(
        view,
        feedback=tuple(replace(f, text=None) for f in view.feedback),
        surveys=tuple(replace(s, answers=()) for s in view.surveys),
    )


def _view(store: Store, me: Principal, customer_id: str) -> CustomerView:
    """The view, masked per role; an unmasked view is audited (``pii.view``) like every other
    view of contacts."""
    unmask = me.can(Permission.pii_view)
    with store.session() as session:
        view = customer_view(store.analytics, session, customer_id, unmask=unmask)
        if unmask:
            record(session, me.actor, "pii.view", f"customer:{view.profile.profile_id}")
            session.commit()
    return _redact(view, me)


def _search(store: Store, me: Principal, q: str) -> list[CustomerMatch]:
    unmask = me.can(Permission.pii_view)
    matches = search_customers(store.analytics, q, unmask=unmask)
    if unmask and matches:
        with store.session() as session:
            record(session, me.actor, "pii.view", "customer-search", {"matches": len(matches)})
            session.commit()
    return matches


def run_aspect_names(
    store: Store, run: int | None, *, definitions: bool = False
) -> dict[str, tuple[str, str]]:
    """The run's own names of its feedback aspects (``None``: the latest run), so the page says
    "Annual fee" / "年费" as the report does, not the key ``annual_fee`` — or, with
    ``definitions``, what each aspect covers; none when the run cannot be read."""
    from loyalloop.core.runs import RunStore
    from loyalloop.errors import LoyalloopError
    from loyalloop.feedback.names import aspect_definitions, aspect_names

    try:
        run_ = RunStore(store.analytics.runs_dir).get(run)
        return aspect_definitions(run_) if definitions else aspect_names(run_)
    except LoyalloopError:  # the page still shows the keys
        return {}


def _labels(
    lang: str,
    aspects: dict[str, tuple[str, str]] | None = None,
    definitions: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The report's words for segments, tiers, statuses, aspects and sentiment (one word means
    one thing), and what each aspect covers (``covers``: ``""`` when not defined)."""
    from loyalloop.feedback.names import aspect_label
    from loyalloop.report.i18n import t
    from loyalloop.report.parts import segment_label, status_name

    lg: Any = "zh" if lang == "zh" else "en"

    def tier(value: str | None) -> str:
        if value is None:
            return "—"
        try:
            return t(f"lo_tier_{value}", lg)
        except KeyError:  # a tier this version has no wording for: shown as is
            return value

    return {
        "segment": lambda v: "—" if v is None else segment_label(v, lg),
        "tier": tier,
        "status": lambda v: "—" if v is None else status_name(v, lg),
        "aspect": lambda k: aspect_label(aspects or {}, k, lg),
        "covers": lambda k: (definitions or {}).get(k, ("", ""))[1 if lg == "zh" else 0],
        "sentiment": lambda s: (
            t(f"fb_{s}", lg) if s in ("positive", "neutral", "negative") else (s or "—")
        ),
    }


def _match_dict(m: CustomerMatch) -> dict[str, Any]:
    return {
        "profile_id": m.profile_id,
        "customer_ids": list(m.customer_ids),
        "name": m.name,
        "city": m.city,
        "segment": m.segment,
        "matched_by": m.matched_by.value,
    }


@router.get("/customers", response_class=HTMLResponse)
def search_page(request: Request, store: StoreDep, me: View, q: str = "") -> Response:
    matches: list[CustomerMatch] = []
    error = ""
    if q.strip():
        try:
            matches = _search(store, me, q)
        except NoRunError:
            raise
        except NotFoundError as exc:
            error = str(exc)
        if len(matches) == 1:
            return RedirectResponse(f"/customers/{matches[0].profile_id}", status_code=303)
    return render(request, "customers.html", q=q.strip(), matches=matches, error=error)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, customer_id: str, store: StoreDep, me: View, lang: LangDep
) -> HTMLResponse:
    view = _view(store, me, customer_id)
    definitions = run_aspect_names(store, view.run, definitions=True)
    shown = (a.aspect for f in view.feedback for a in f.aspects)
    return render(
        request,
        "customer.html",
        v=view,
        label=_labels(lang, run_aspect_names(store, view.run), definitions),
        covered=[k for k in dict.fromkeys(shown) if k in definitions],
        text_allowed=me.can(Permission.responses_view),
    )


@api_router.get("/customers")
def search_api(store: StoreDep, me: View, q: str) -> dict[str, Any]:
    """People matching ``q`` (customer id, phone or e-mail); contacts masked per role."""
    matches = _search(store, me, q)
    return {"query": q, "matches": [_match_dict(m) for m in matches]}


@api_router.get("/customers/{customer_id}")
def customer_api(customer_id: str, store: StoreDep, me: View) -> dict[str, Any]:
    """One customer's 360 view (the page's data)."""
    return _view(store, me, customer_id).to_dict()
