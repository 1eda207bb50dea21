"""Signing in and out, and the language toggle."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Principal,
    SessionDep,
    StoreDep,
    allow,
    client_address,
)
from loyalloop.api.pages import render
from loyalloop.services.users import AuthError, authenticate, create_session, end_session

__all__ = ["router"]

router = APIRouter(tags=["auth"], include_in_schema=False)
LOGIN_CSRF_COOKIE = "ll_login_csrf"


def _safe_next(value: str | None) -> str:
    """Only local paths: ``//host`` and ``https://…`` would be an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _secure(request: Request, store_secure: bool) -> bool:
    return store_secure or request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse, dependencies=[allow(Permission.public)])
def login_page(request: Request, store: StoreDep, next: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", next=_safe_next(next), login_csrf=token, error="")
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request, store.settings.secure_cookies),
        path="/login",
    )
    return response


@router.post("/login", dependencies=[allow(Permission.public)])
async def login(
    request: Request,
    session: SessionDep,
    store: StoreDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token; reload the sign-in page")
    client = client_address(request)
    if request.app.state.login_limiter.hit(client):
        raise HTTPException(429, "too many sign-in attempts from your address; wait a minute")
    try:
        user = await run_in_threadpool(
            authenticate, session, store.settings, email, password, client
        )
        result = await run_in_threadpool(create_session, session, store.settings, user, client)
    except AuthError as exc:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            login_csrf=cookie,
            error=str(exc),
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_token,
        max_age=int(store.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(request, store.settings.secure_cookies),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    me: Annotated[Principal, allow(Permission.account)],
) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE), me.actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}", dependencies=[allow(Permission.public)])
def set_language(request: Request, lang: str, next: str | None = None) -> Response:
    """The zh/en toggle: remembered in a cookie for a year."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response
