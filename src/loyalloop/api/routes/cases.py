"""Cases for staff: queues sorted by SLA, the case page (notes, status, owner, compensation),
the case rules admin page, and the same under ``/api/v1/cases`` as JSON.

Every change carries the version of the case the agent saw; when someone else changed it
meanwhile, the page answers 409 with the current case and says so (the API: 409
``{"error": {"code": "conflict"}}``), and nothing is saved.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, SessionDep, StoreDep, allow
from loyalloop.api.i18n import text
from loyalloop.api.pages import render
from loyalloop.cases import CaseStatus, EventKind, NoteVisibility
from loyalloop.cases.reasons import translate_joined
from loyalloop.errors import (
    CaseRuleError,
    CaseTransitionError,
    ConfigError,
    ConflictError,
    CurrencyMismatchError,
    NoRunError,
    NotFoundError,
)
from loyalloop.services.cases import (
    CaseView,
    active_config,
    add_note,
    assign_case,
    case_reasons,
    change_status,
    compensation_policy,
    get_case,
    install_rules,
    project_currency,
    queue,
    rule_versions,
    team_names,
    team_roster,
)
from loyalloop.store.models import CaseRow, Role

__all__ = ["api_router", "router"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["cases"])
WORK = [allow(Permission.cases_work)]
RULES = [allow(Permission.cases_rules)]
Work = Annotated[Principal, allow(Permission.cases_work)]


def _lang(request: Request) -> str:
    from loyalloop.api.deps import get_lang

    return get_lang(request)


def _row_dict(r: CaseRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "customer_id": r.customer_id,
        "topic": r.topic,
        "team": r.team,
        "sla_class": r.sla_class,
        "priority": r.priority,
        "status": r.status,
        "owner": r.owner,
        "resolution_code": r.resolution_code,
        "opened_at": r.opened_at.isoformat(),
        "sla_due_at": r.sla_due_at.isoformat() if r.sla_due_at else None,
        "escalated_at": r.escalated_at.isoformat() if r.escalated_at else None,
        "version": r.version,
    }


def _view_dict(v: CaseView) -> dict[str, Any]:
    c = v.case
    return {
        "id": v.id,
        "version": v.version,
        "customer_id": c.customer_id,
        "topic": c.topic,
        "team": c.team,
        "sla_class": c.sla_class,
        "priority": c.priority.value,
        "status": c.status.value,
        "owner": c.owner,
        "resolution_code": c.resolution_code,
        "opened_at": c.opened_at.isoformat(),
        "sla_due_at": v.sla_due_at.isoformat() if v.sla_due_at else None,
        "escalated_at": v.escalated_at.isoformat() if v.escalated_at else None,
        "events": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind.value,
                "actor": e.actor,
                "from_status": e.from_status.value if e.from_status else None,
                "to_status": e.to_status.value if e.to_status else None,
                "text": e.text,
                "visibility": e.visibility.value if e.visibility else None,
                "code": e.code,
                "amount": str(e.amount) if e.amount is not None else None,
                "currency": e.currency,
            }
            for e in c.events
        ],
    }


# -- pages ------------------------------------------------------------------------------------


#: The queue a role opens on: an agent works their own cases; an admin (the role that
#: assigns) triages the cases nobody owns yet. The product keeps no per-user filters, so the
#: links on the page switch views and the next visit opens on the role's view again.
#: Any other role that may work cases opens on ``unassigned``.
DEFAULT_QUEUE: dict[str, Literal["mine", "unassigned"]] = {Role.agent.value: "mine"}


@router.get("/cases", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    me: Work,
    team: str | None = None,
    owner: str | None = None,
    view: Literal["mine", "unassigned"] | None = None,
) -> HTMLResponse:
    """The role's queue by default (:data:`DEFAULT_QUEUE`: an agent's own cases, the
    unassigned ones for an admin); ``?view=mine`` / ``?view=unassigned``, ``?team=`` a team's,
    ``?owner=`` another agent's (``?owner=`` empty: every open case)."""
    assert me.user is not None
    if view is None and team is None and owner is None:
        view = DEFAULT_QUEUE.get(str(me.user.role), "unassigned")
    who = me.user.email if view == "mine" else owner
    rows = queue(session, owner=who or None, team=team or None, unassigned=view == "unassigned")
    teams = team_names(session)
    session.commit()
    return render(
        request,
        "cases.html",
        rows=rows,
        teams=teams,
        team=team or "",
        owner=who or "",
        view=view or "",
    )


def _shown_reasons(
    request: Request, signals: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Each signal's reasons as sentences in the reader's language (aspects by the latest
    run's names), beside the customer's words; and each reason's English sentence → the shown
    one (for the timeline's rules events, whose text is the English sentences)."""
    from loyalloop.api.routes.customers import run_aspect_names

    lang = _lang(request)
    names = run_aspect_names(request.app.state.store, None) if signals else {}
    shown = [{**sig, "reasons": [r.text(lang, names) for r in sig["reasons"]]} for sig in signals]
    sentences = {
        r.text("en"): r.text(lang, names) for sig in signals for r in sig["reasons"] if r.text("en")
    }
    return shown, sentences


def _currency_text(exc: CurrencyMismatchError, lang: str) -> str:
    """Why compensation cannot be granted in this project's currency, in ``lang``."""
    return text(f"comp_currency_{exc.reason}", lang, expected=exc.expected, found=exc.found)


def _case_page(
    request: Request, session: Any, case_id: int, me: Principal, *, error: str = "",
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    view = get_case(session, case_id, me.actor)
    config = active_config(session)
    reasons, sentences = _shown_reasons(request, case_reasons(session, case_id))
    roster = team_roster(session, view.case.team)
    comp_error = ""
    try:
        comp = compensation_policy(session, project_currency(request.app.state.store.analytics))
    except CurrencyMismatchError as exc:  # shown in place of the form: nothing can be granted
        comp, comp_error = config.compensation, _currency_text(exc, _lang(request))
    session.commit()
    return render(
        request,
        "case.html",
        status_code=status_code,
        v=view,
        c=view.case,
        reasons=reasons,
        event_text=lambda e: (
            translate_joined(e.text, sentences, _lang(request))
            if e.kind in (EventKind.OPENED, EventKind.SIGNALS_ADDED)
            else e.text
        ),
        statuses=[s.value for s in CaseStatus if s is not view.case.status],
        codes=config.resolution_codes,
        roster=roster,
        kinds=sorted(comp.kinds) if comp else [],
        currency=(comp.currency or "") if comp else "",
        comp_error=comp_error,
        error=error,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, session: SessionDep, me: Work) -> HTMLResponse:
    return _case_page(request, session, case_id, me)


def _after(request: Request, session: Any, case_id: int, me: Principal, work: Any) -> Response:
    """Run a change; redirect to the case (303), or show it again with the reason (409)."""
    try:
        work()
    except ConflictError:
        session.rollback()
        return _case_page(request, session, case_id, me, error=text("conflict", _lang(request)),
                          status_code=409)  # fmt: skip
    except CaseTransitionError as exc:
        session.rollback()
        return _case_page(request, session, case_id, me, error=str(exc), status_code=409)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/status")
def status_form(
    request: Request,
    case_id: int,
    session: SessionDep,
    me: Work,
    version: Annotated[int, Form()],
    status: Annotated[str, Form(max_length=40)],
    resolution_code: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    return _after(request, session, case_id, me, lambda: change_status(
        session, case_id, status, expected_version=version, actor=me.actor,
        resolution_code=resolution_code or None, reason=reason,
    ))  # fmt: skip


@router.post("/cases/{case_id}/notes")
def note_form(
    request: Request,
    case_id: int,
    session: SessionDep,
    me: Work,
    version: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=10_000)],
    visibility: Annotated[NoteVisibility, Form()] = NoteVisibility.INTERNAL,
) -> Response:
    return _after(request, session, case_id, me, lambda: add_note(
        session, case_id, note, visibility=visibility, expected_version=version, actor=me.actor,
    ))  # fmt: skip


@router.post("/cases/{case_id}/assign")
def assign_form(
    request: Request,
    case_id: int,
    session: SessionDep,
    me: Work,
    version: Annotated[int, Form()],
    owner: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    assert me.user is not None
    who = owner or me.user.email
    return _after(request, session, case_id, me, lambda: assign_case(
        session, case_id, who, expected_version=version, actor=me.actor,
    ))  # fmt: skip


@router.post("/cases/{case_id}/compensation", response_class=HTMLResponse)
def compensation_form(
    request: Request,
    case_id: int,
    session: SessionDep,
    store: StoreDep,
    me: Work,
    version: Annotated[int, Form()],
    kind: Annotated[str, Form(max_length=40)],
    amount: Annotated[str, Form(max_length=20)],
    approved: Annotated[bool, Form()] = False,
) -> Response:
    from loyalloop.services.cases import grant_compensation

    try:
        value = Decimal(amount)
    except InvalidOperation:
        return _case_page(request, session, case_id, me, status_code=422,
                          error=f"amount: {amount!r} is not a number")  # fmt: skip
    outcome: dict[str, Any] = {}

    currency = project_currency(store.analytics)

    def work() -> None:
        decision, _ = grant_compensation(
            session, case_id, kind=kind, amount=value, expected_version=version,
            actor=me.actor, approved_by_manager=approved, currency=currency,
        )  # fmt: skip
        outcome["d"] = decision

    try:
        done = _after(request, session, case_id, me, work)
    except CurrencyMismatchError as exc:
        return _case_page(request, session, case_id, me, status_code=422,
                          error=_currency_text(exc, _lang(request)))  # fmt: skip
    d = outcome.get("d")
    if d is not None and not d.approved:
        lang = _lang(request)
        return _case_page(request, session, case_id, me, status_code=422,
                          error=f"{text('refused', lang)}: {d.message}")  # fmt: skip
    return done


@router.post("/cases/{case_id}/tell", response_class=HTMLResponse)
def tell_form(
    request: Request,
    case_id: int,
    session: SessionDep,
    store: StoreDep,
    me: Work,
    version: Annotated[int, Form()],
    we_did: Annotated[str, Form(max_length=4000)],
) -> Response:
    """E-mail the customer what was done ("you said, we did")."""
    from loyalloop.services.cases import tell_customer
    from loyalloop.services.channels import DeliveryError

    try:
        tell_customer(store, case_id, we_did, expected_version=version, actor=me.actor)
    except ConflictError:
        return _case_page(request, session, case_id, me, error=text("conflict", _lang(request)),
                          status_code=409)  # fmt: skip
    except (CaseTransitionError, NotFoundError, DeliveryError) as exc:
        return _case_page(request, session, case_id, me, error=str(exc), status_code=409)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/admin/case-rules", response_class=HTMLResponse, dependencies=RULES)
def rules_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _rules_page(request, session)


def _rules_page(
    request: Request, session: Any, *, message: str = "", error: str = "", source: str = "",
    status_code: int = 200, preview: dict[str, Any] | None = None, days: int = 30,
) -> HTMLResponse:  # fmt: skip
    from importlib.resources import files

    versions, current = rule_versions(session)
    session.commit()
    if not source:
        source = current or (files("loyalloop.cases") / "data" / "default_cases.yaml").read_text(
            "utf-8"
        )
    return render(
        request,
        "case_rules.html",
        status_code=status_code,
        versions=versions,
        source=source,
        message=message,
        error=error,
        preview=preview,
        days=days,
    )


@router.post("/admin/case-rules", response_class=HTMLResponse)
def rules_upload(
    request: Request,
    session: SessionDep,
    store: StoreDep,
    me: Annotated[Principal, allow(Permission.cases_rules)],
    rules: Annotated[str, Form(max_length=200_000)],
    action: Annotated[Literal["store", "preview"], Form()] = "store",
    days: Annotated[int, Form(ge=1, le=3660)] = 30,
) -> HTMLResponse:
    """Store the rules as a new version, or (``action=preview``) try them on the latest run's
    comments of the last ``days`` days beside the rules in force and store nothing."""
    lang = _lang(request)
    if action == "preview":
        from loyalloop.services.case_preview import preview_data, preview_rules

        try:
            shown = preview_rules(store, rules, days=days)
        except (CaseRuleError, ConfigError) as exc:
            return _rules_page(request, session, error=str(exc), source=rules, status_code=422)
        except NoRunError:
            msg = text("rules_preview_no_run", lang)
            return _rules_page(request, session, error=msg, source=rules, status_code=409)
        view = preview_data(shown, lang)
        return _rules_page(request, session, source=rules, preview=view, days=days)
    try:
        v = install_rules(session, rules, me.actor)
    except (CaseRuleError, ConfigError) as exc:
        session.rollback()
        return _rules_page(request, session, error=str(exc), source=rules, status_code=422)
    msg = text("rules_stored" if v.created else "rules_same", lang, v=v.version)
    return _rules_page(request, session, message=msg)


# -- JSON API ---------------------------------------------------------------------------------


class StatusIn(BaseModel):
    version: int
    status: CaseStatus
    resolution_code: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=10_000)


class NoteIn(BaseModel):
    version: int
    text: str = Field(max_length=10_000)
    visibility: NoteVisibility = NoteVisibility.INTERNAL


class AssignIn(BaseModel):
    version: int
    owner: str = Field(max_length=320)


@api_router.get("/cases", dependencies=WORK)
def api_queue(
    session: SessionDep, team: str | None = None, owner: str | None = None
) -> list[dict[str, Any]]:
    """Open cases (of a team or an agent), the nearest SLA deadline first."""
    rows = [_row_dict(r) for r in queue(session, owner=owner, team=team)]
    session.commit()
    return rows


@api_router.get("/cases/{case_id}")
def api_case(case_id: int, session: SessionDep, me: Work) -> dict[str, Any]:
    """One case with its timeline (``version`` is what a change must send back) and
    ``reasons``: per signal, why the rules fired — ``code``, ``params`` and the English
    ``text`` (a row stored before the codes has code ``text`` and its sentence)."""
    view = _view_dict(get_case(session, case_id, me.actor))
    signals = case_reasons(session, case_id)
    session.commit()
    view["reasons"] = [[r.to_dict() for r in sig["reasons"]] for sig in signals]
    return view


@api_router.post("/cases/{case_id}/status")
def api_status(case_id: int, body: StatusIn, session: SessionDep, me: Work) -> dict[str, Any]:
    """Change the status; 409 when the case changed since ``version`` or the move is illegal."""
    view = change_status(
        session, case_id, body.status, expected_version=body.version, actor=me.actor,
        resolution_code=body.resolution_code, reason=body.reason,
    )  # fmt: skip
    return _view_dict(view)


@api_router.post("/cases/{case_id}/notes")
def api_note(case_id: int, body: NoteIn, session: SessionDep, me: Work) -> dict[str, Any]:
    """Add a note (internal, or to the customer); 409 when the case changed since ``version``."""
    view = add_note(
        session, case_id, body.text, visibility=body.visibility,
        expected_version=body.version, actor=me.actor,
    )  # fmt: skip
    return _view_dict(view)


@api_router.post("/cases/{case_id}/assign")
def api_assign(case_id: int, body: AssignIn, session: SessionDep, me: Work) -> dict[str, Any]:
    """Give the case to an agent of its team; 409 when someone took it first."""
    view = assign_case(session, case_id, body.owner, expected_version=body.version, actor=me.actor)
    return _view_dict(view)
