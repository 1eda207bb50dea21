"""Typed dependencies of the routes: the store, a session, who is asking, and their rule.

``SessionDep``, ``StoreDep``, ``PrincipalDep`` and ``LangDep`` are the aliases routes use;
``allow(Permission.X)`` is the rule every route declares (see :mod:`loyalloop.api.access`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from loyalloop.api.access import ADMIN_SCOPE_PERMISSIONS, Permission, role_allows
from loyalloop.api.i18n import staff_language
from loyalloop.services import Actor, Store
from loyalloop.services.users import resolve_session, resolve_token
from loyalloop.store.models import Role, User

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LANG_COOKIE",
    "SESSION_COOKIE",
    "LangDep",
    "Principal",
    "PrincipalDep",
    "SessionDep",
    "StoreDep",
    "allow",
    "client_address",
    "permission_of",
]

SESSION_COOKIE = "ll_session"
LANG_COOKIE = "ll_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def get_session(store: StoreDep) -> Iterator[Session]:
    with store.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a staff member by session or token, or nobody (anonymous)."""

    user: User | None = None
    via: str = ""  # "session", "token" or ""
    csrf: str = ""
    scopes: tuple[str, ...] = ()
    client: str = ""

    @property
    def role(self) -> Role | None:
        return Role(self.user.role) if self.user else None

    def can(self, permission: Permission) -> bool:
        if not role_allows(self.role, permission):
            return False
        return not (
            self.via == "token"
            and permission in ADMIN_SCOPE_PERMISSIONS
            and "admin" not in self.scopes
        )

    @property
    def actor(self) -> Actor:
        if self.user is None:
            return Actor("anonymous", client=self.client)
        return Actor(self.user.email, self.user.role, self.user.id, self.client)


def get_principal(request: Request, session: SessionDep) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    client = client_address(request)
    principal = Principal(client=client)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = resolve_token(session, auth[7:].strip())
        if found is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "invalid, expired or revoked API token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user, tok = found
        principal = Principal(user, "token", "", tuple(tok.scopes.split()), client)
    else:
        found_s = resolve_session(session, request.cookies.get(SESSION_COOKIE))
        if found_s is not None:
            user, us = found_s
            principal = Principal(user, "session", us.csrf_token, (), client)
    # End the read transaction now: on SQLite every transaction holds the write lock until it
    # ends (BEGIN IMMEDIATE, see loyalloop.store.engine), and the route may open its own.
    session.commit()
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_lang(request: Request) -> str:
    """The reader's language: ``?lang=``, else the toggle's cookie, else the project's
    (``LOYALLOOP_LANG``), else ``en`` (:func:`loyalloop.api.i18n.staff_language`)."""
    store: Store = request.app.state.store
    return staff_language(
        request.cookies.get(LANG_COOKIE), request.query_params.get("lang"), store.analytics.lang
    )


LangDep = Annotated[str, Depends(get_lang)]


class NotSignedIn(HTTPException):
    """401, which pages turn into a redirect to the login page."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, "sign in first")


async def _csrf_ok(request: Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    return bool(given) and hmac.compare_digest(str(given), expected)


def allow(permission: Permission) -> Any:
    """The rule of a route: a dependency that admits only holders of ``permission``.

    For sessions it also checks the CSRF token of every state-changing request (form field
    ``csrf_token`` or header ``X-CSRF-Token``); for API tokens, the ``write`` scope for
    state-changing requests and the ``admin`` scope for user management and the audit log.
    """
    if permission is Permission.public:

        async def public() -> None:
            return None

        public.permission = permission  # type: ignore[attr-defined]
        return Depends(public)

    async def check(request: Request, principal: PrincipalDep) -> Principal:
        if principal.user is None:
            raise NotSignedIn()
        if not principal.can(permission):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"your role may not: {permission.value}")
        unsafe = request.method not in SAFE_METHODS
        if principal.via == "token" and unsafe and "write" not in principal.scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this token has no write scope")
        if principal.via == "session" and unsafe and not await _csrf_ok(request, principal.csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    return Depends(check)


def permission_of(dependency: Callable[..., Awaitable[Any]] | Any) -> Permission | None:
    """The permission a rule dependency stands for (for the role-matrix test and the docs)."""
    value = getattr(dependency, "permission", None)
    return value if isinstance(value, Permission) else None
