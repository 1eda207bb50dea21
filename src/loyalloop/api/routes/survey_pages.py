"""Staff pages of surveys: list, editor with preview, detail with statistics, invitations,
responses, and syncing responses into the warehouse."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, SessionDep, StoreDep, allow
from loyalloop.api.pages import render
from loyalloop.core.csvsafe import escape_formula
from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.services import Store
from loyalloop.services.audit import record
from loyalloop.services.invitations import (
    InviteResult,
    Recipient,
    invitation_link,
    invite,
    list_invitations,
    read_recipients,
)
from loyalloop.services.pii import mask_contact
from loyalloop.services.responses import list_responses
from loyalloop.services.surveys import (
    close_survey,
    create_survey,
    get_survey,
    list_surveys,
    publish_survey,
    spec_of,
    survey_stats,
    update_survey,
)
from loyalloop.services.sync import sync_responses
from loyalloop.surveys import Channel, parse_spec_text
from loyalloop.surveys.spec import QuestionType

__all__ = ["STARTER_YAML", "router"]

router = APIRouter(include_in_schema=False)

STARTER_YAML = """\
key: branch-visit-nps
title:
  zh: 网点服务体验调查
  en: Branch visit survey
languages: [zh, en]
questions:
  - id: nps
    type: nps
    text:
      zh: 您有多大可能向亲友推荐我们的信用卡？
      en: How likely are you to recommend our credit card to a friend?
  - id: why
    type: text
    about: nps
    required: false
    text:
      zh: 您给出这个分数的主要原因是什么？
      en: What is the main reason for your score?
  - id: improve
    type: text
    required: false
    show_if: {question: nps, max: 6}
    text:
      zh: 我们最应该改进什么？
      en: What should we improve first?
"""


def _editor(
    request: Request,
    *,
    source: str,
    action: str,
    errors: list[str] | None = None,
    preview: Any = None,
    status_code: int = 200,
    survey: Any = None,
) -> HTMLResponse:
    return render(
        request,
        "survey_edit.html",
        status_code=status_code,
        source=source,
        action=action,
        errors=errors or [],
        preview=preview,
        survey=survey,
        QT=QuestionType,
        kano_scale=("like", "must-be", "neutral", "live-with", "dislike"),
    )


def _problems(exc: ConfigError) -> list[str]:
    text = str(exc).removeprefix("editor: ").removeprefix("survey spec: ")
    return [p.strip() for p in text.split("; ") if p.strip()]


@router.get("/surveys", response_class=HTMLResponse, dependencies=[allow(Permission.dashboard)])
def surveys_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "surveys.html", surveys=list_surveys(session))


@router.get(
    "/surveys/new", response_class=HTMLResponse, dependencies=[allow(Permission.surveys_edit)]
)
def new_survey_page(request: Request) -> HTMLResponse:
    return _editor(request, source=STARTER_YAML, action="/surveys/new")


@router.post("/surveys/new", response_class=HTMLResponse)
def new_survey(
    request: Request,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.surveys_edit)],
    source: Annotated[str, Form(max_length=60_000)],
    action: Annotated[str, Form()] = "preview",
) -> Response:
    try:
        spec = parse_spec_text(source, "editor")
    except ConfigError as exc:
        return _editor(
            request, source=source, action="/surveys/new", errors=_problems(exc), status_code=422
        )
    if action == "preview":
        return _editor(request, source=source, action="/surveys/new", preview=spec)
    try:
        survey = create_survey(session, spec, me.actor, publish=action == "publish")
    except ConfigError as exc:
        return _editor(
            request, source=source, action="/surveys/new", errors=_problems(exc), status_code=422
        )
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.get(
    "/surveys/{survey_id}/edit",
    response_class=HTMLResponse,
    dependencies=[allow(Permission.surveys_edit)],
)
def edit_survey_page(request: Request, survey_id: int, session: SessionDep) -> HTMLResponse:
    survey = get_survey(session, survey_id)
    spec = spec_of(session, survey.id, survey.current_version)
    source = yaml.safe_dump(spec.to_dict(), allow_unicode=True, sort_keys=False)
    return _editor(request, source=source, action=f"/surveys/{survey.id}/edit", survey=survey)


@router.post("/surveys/{survey_id}/edit", response_class=HTMLResponse)
def edit_survey(
    request: Request,
    survey_id: int,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.surveys_edit)],
    source: Annotated[str, Form(max_length=60_000)],
    action: Annotated[str, Form()] = "preview",
) -> Response:
    survey = get_survey(session, survey_id)
    target = f"/surveys/{survey.id}/edit"
    try:
        spec = parse_spec_text(source, "editor")
        if action == "preview":
            return _editor(request, source=source, action=target, preview=spec, survey=survey)
        update_survey(session, survey.id, spec, me.actor)
    except ConfigError as exc:
        return _editor(
            request,
            source=source,
            action=target,
            errors=_problems(exc),
            status_code=422,
            survey=survey,
        )
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.post("/surveys/{survey_id}/publish")
def publish(
    survey_id: int, session: SessionDep, me: Annotated[Principal, allow(Permission.surveys_edit)]
) -> Response:
    publish_survey(session, survey_id, me.actor)
    return RedirectResponse(f"/surveys/{survey_id}", status_code=303)


@router.post("/surveys/{survey_id}/close")
def close(
    survey_id: int, session: SessionDep, me: Annotated[Principal, allow(Permission.surveys_edit)]
) -> Response:
    close_survey(session, survey_id, me.actor)
    return RedirectResponse(f"/surveys/{survey_id}", status_code=303)


def _survey_view(
    request: Request,
    session: Session,
    store: Store,
    me: Principal,
    survey_id: int,
    invite_result: InviteResult | None = None,
) -> HTMLResponse:
    survey = get_survey(session, survey_id)
    return render(
        request,
        "survey.html",
        survey=survey,
        spec=spec_of(session, survey.id, survey.current_version),
        stats=survey_stats(session, survey.id),
        public_url=f"{store.settings.public_url}/s/{survey.key}",
        can_edit=me.can(Permission.surveys_edit),
        can_invite=me.can(Permission.surveys_invite),
        can_responses=me.can(Permission.responses_view),
        can_sync=me.can(Permission.sync),
        invite_result=invite_result,
        links=invite_result.links[:200] if invite_result else [],
    )


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def survey_page(
    request: Request,
    survey_id: int,
    session: SessionDep,
    store: StoreDep,
    me: Annotated[Principal, allow(Permission.dashboard)],
) -> HTMLResponse:
    return _survey_view(request, session, store, me, survey_id)


def _recipients_from_text(text: str) -> list[Recipient]:
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        raise DataValidationError("customers: give at least one customer id")
    if rows[0].lower().startswith("customer_id"):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "customers.csv"
            path.write_text("\n".join(rows) + "\n", encoding="utf-8")
            return read_recipients(path)
    return [Recipient(customer_id=r.strip().split(",")[0].strip()) for r in rows]


@router.post("/surveys/{survey_id}/invite", response_class=HTMLResponse)
async def invite_page(
    request: Request,
    survey_id: int,
    session: SessionDep,
    store: StoreDep,
    me: Annotated[Principal, allow(Permission.surveys_invite)],
    customers: Annotated[str, Form(max_length=2_000_000)] = "",
    channel: Annotated[Channel, Form()] = Channel.link,
    file: UploadFile | None = None,
) -> HTMLResponse:
    if file is not None and file.filename:
        content = (await file.read()).decode("utf-8-sig", errors="replace")
        customers = content
    people = _recipients_from_text(customers)

    def run() -> InviteResult:
        return invite(store, session, survey_id, people, me.actor, channel=channel, source="page")

    result = await run_in_threadpool(run)
    return _survey_view(request, session, store, me, survey_id, result)


@router.get("/surveys/{survey_id}/links.csv")
def links_csv(
    survey_id: int,
    session: SessionDep,
    store: StoreDep,
    me: Annotated[Principal, allow(Permission.surveys_invite)],
) -> Response:
    """Every invitation's personal link (contacts masked unless the role may see PII)."""
    invs = list_invitations(session, survey_id, limit=1_000_000)
    pii = me.can(Permission.pii_view)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["customer_id", "channel", "contact", "link", "expires_at", "status"])
    for inv in invs:
        contact = inv.contact if pii else mask_contact(inv.contact)
        w.writerow(
            [
                escape_formula(x)
                for x in (
                    inv.customer_id,
                    inv.channel,
                    contact,
                    invitation_link(store, inv),
                    inv.expires_at.isoformat(),
                    inv.status,
                )
            ]
        )
    record(
        session, me.actor, "export.links", f"survey:{survey_id}", {"rows": len(invs), "pii": pii}
    )
    session.commit()
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey_id}-links.csv"'},
    )


@router.get("/surveys/{survey_id}/responses", response_class=HTMLResponse)
def responses_page(
    request: Request,
    survey_id: int,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.responses_view)],
    page: int = 1,
) -> HTMLResponse:
    from loyalloop.store.models import Invitation

    survey = get_survey(session, survey_id)
    spec = spec_of(session, survey.id, survey.current_version)
    size = 50
    pii = me.can(Permission.pii_view)
    total, rows = list_responses(
        session, survey.id, me.actor, unmask=pii, limit=size, offset=(max(page, 1) - 1) * size
    )
    ids = [r.customer_id for r in rows if r.customer_id]
    contacts: dict[str, str] = {}
    if ids:
        import sqlalchemy as sa

        for cid, contact in session.execute(
            sa.select(Invitation.customer_id, Invitation.contact).where(
                Invitation.survey_id == survey.id, Invitation.customer_id.in_(ids)
            )
        ):
            contacts[cid] = contact if pii else mask_contact(contact)
        if pii and any(contacts.values()):
            record(
                session, me.actor, "pii.view", f"survey:{survey.id}", {"contacts": len(contacts)}
            )
            session.commit()
    return render(
        request,
        "responses.html",
        survey=survey,
        spec=spec,
        total=total,
        rows=rows,
        page=page,
        pages=(total + size - 1) // size,
        contacts=contacts,
        pii=pii,
    )


@router.post("/surveys/sync", response_class=HTMLResponse)
async def sync_page(
    request: Request,
    store: StoreDep,
    me: Annotated[Principal, allow(Permission.sync)],
) -> HTMLResponse:
    result = await run_in_threadpool(sync_responses, store, actor=me.actor)
    return render(request, "synced.html", result=result)
