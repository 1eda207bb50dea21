"""Staff pages for accounts: users (admins), the audit log (admins), one's own API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, SessionDep, allow
from loyalloop.api.pages import render
from loyalloop.errors import ConfigError, PermissionDeniedError
from loyalloop.services.audit import list_events
from loyalloop.services.users import (
    SCOPES,
    add_user,
    create_token,
    list_tokens,
    list_users,
    revoke_token,
    update_user,
)
from loyalloop.store.models import Role

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/admin/users", response_class=HTMLResponse, dependencies=[allow(Permission.users)])
def users_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "users.html", users=list_users(session), roles=list(Role), error="")


@router.post("/admin/users", response_class=HTMLResponse)
def users_add(
    request: Request,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.users)],
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    try:
        add_user(session, email, role, password, me.actor)
    except ConfigError as exc:
        session.rollback()
        return render(
            request,
            "users.html",
            status_code=422,
            users=list_users(session),
            roles=list(Role),
            error=str(exc),
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}")
def users_update(
    user_id: int,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.users)],
    role: Annotated[Role | None, Form()] = None,
    active: Annotated[bool | None, Form()] = None,
) -> Response:
    if user_id == me.actor.user_id and (active is False or (role and role is not Role.admin)):
        raise PermissionDeniedError("you cannot demote or deactivate yourself")
    update_user(session, user_id, me.actor, role=role.value if role else None, active=active)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse, dependencies=[allow(Permission.audit)])
def audit_page(
    request: Request, session: SessionDep, action: str = "", before: int | None = None
) -> HTMLResponse:
    events = list_events(session, limit=200, before_id=before, action=action)
    return render(request, "audit.html", events=events, action=action)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request, session: SessionDep, me: Annotated[Principal, allow(Permission.account)]
) -> HTMLResponse:
    assert me.user is not None
    return render(
        request,
        "tokens.html",
        tokens=list_tokens(session, me.user),
        scopes=SCOPES,
        issued=None,
        error="",
    )


@router.post("/tokens", response_class=HTMLResponse)
async def tokens_create(
    request: Request,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.account)],
    name: Annotated[str, Form(max_length=100)],
    days: Annotated[int | None, Form(ge=1, le=3650)] = None,
) -> HTMLResponse:
    assert me.user is not None
    form = await request.form()
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    try:
        issued = create_token(session, me.user, name, scopes, me.actor, days=days)
    except (ConfigError, PermissionDeniedError) as exc:
        session.rollback()
        return render(
            request,
            "tokens.html",
            status_code=422,
            tokens=list_tokens(session, me.user),
            scopes=SCOPES,
            issued=None,
            error=str(exc),
        )
    return render(
        request,
        "tokens.html",
        tokens=list_tokens(session, me.user),
        scopes=SCOPES,
        issued=issued,
        error="",
    )


@router.post("/tokens/{token_id}/revoke")
def tokens_revoke(
    token_id: int, session: SessionDep, me: Annotated[Principal, allow(Permission.account)]
) -> Response:
    revoke_token(session, token_id, me.actor, any_user=me.can(Permission.users))
    return RedirectResponse("/tokens", status_code=303)
