"""Staff accounts: passwords (argon2), logins with lockout, browser sessions, API tokens.

* Passwords are hashed with argon2id (argon2-cffi's defaults, re-hashed on login when the
  parameters change); at least 10 characters.
* A login that fails ``login_max_failures`` times in a row locks the account for
  ``lockout_minutes``; the message never says whether the e-mail exists.
* A browser session is a random 32-byte token in an HttpOnly cookie; the store keeps only its
  SHA-256 with the CSRF token of that session. Logging out revokes it.
* API tokens (``ll_<random>``) are shown once and stored as SHA-256, with scopes (``read``,
  ``write``, ``admin``) and an optional expiry; revoking takes effect at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from loyalloop.core.service_settings import ServiceSettings
from loyalloop.errors import ConfigError, NotFoundError, PermissionDeniedError
from loyalloop.services.audit import Actor, record
from loyalloop.store.base import utcnow
from loyalloop.store.models import ApiToken, Role, User, UserSession

__all__ = [
    "SCOPES",
    "AuthError",
    "IssuedToken",
    "LoginResult",
    "add_user",
    "authenticate",
    "create_session",
    "create_token",
    "end_session",
    "get_user",
    "list_tokens",
    "list_users",
    "resolve_session",
    "resolve_token",
    "revoke_token",
    "set_password",
    "update_user",
]

SCOPES = ("read", "write", "admin")
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-password-" + secrets.token_hex(8))


class AuthError(PermissionDeniedError):
    """Wrong e-mail or password, locked account, or a bad session / token."""

    code = "unauthenticated"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"password: at least {MIN_PASSWORD} characters")


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ConfigError(
            f"role: {role!r} is not a role; use {', '.join(r.value for r in Role)}"
        ) from None


def add_user(session: Session, email: str, role: str | Role, password: str, actor: Actor) -> User:
    """Create an account (one transaction, audited)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ConfigError(f"email: {email!r} is not an e-mail address")
    r = _role(role)
    _check_password(password)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ConfigError(f"email: a user {email} already exists")
    user = User(email=email, role=r.value, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    record(session, actor, "user.create", f"user:{user.id}", {"email": email, "role": r.value})
    session.commit()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(sa.select(User).order_by(User.email)).all()


def update_user(
    session: Session,
    user_id: int,
    actor: Actor,
    *,
    role: str | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's role or deactivate / reactivate them (audited)."""
    user = get_user(session, user_id)
    changes: dict[str, object] = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role, _role(role).value]
        user.role = _role(role).value
    if active is not None and active != user.is_active:
        changes["active"] = [user.is_active, active]
        user.is_active = active
        if not active:  # end the user's sessions at once
            session.execute(
                sa.update(UserSession).where(UserSession.user_id == user.id).values(revoked=True)
            )
    if changes:
        record(session, actor, "user.update", f"user:{user.id}", changes)
    session.commit()
    return user


def set_password(session: Session, user_id: int, password: str, actor: Actor) -> None:
    user = get_user(session, user_id)
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    record(session, actor, "user.password", f"user:{user.id}")
    session.commit()


@dataclass(frozen=True)
class LoginResult:
    user: User
    session_token: str
    csrf_token: str


def authenticate(
    session: Session, settings: ServiceSettings, email: str, password: str, client: str = ""
) -> User:
    """The user with this e-mail and password, or :class:`AuthError` (audited either way)."""
    email = email.strip().lower()
    user = session.scalar(sa.select(User).where(User.email == email))
    now = utcnow()
    generic = AuthError(
        f"wrong e-mail or password (after {settings.login_max_failures} failures an account "
        f"is locked for {settings.lockout_minutes:g} minutes)"
    )
    if user is None or not user.is_active:
        with contextlib.suppress(VerificationError):  # same time as a known e-mail
            _hasher.verify(_DUMMY_HASH, password)
        record(session, Actor(email or "?", client=client), "login.failed", "", {"known": False})
        session.commit()
        raise generic
    if user.locked_until is not None and user.locked_until > now:
        record(session, Actor(email, client=client), "login.locked", f"user:{user.id}")
        session.commit()
        raise generic
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        detail: dict[str, object] = {"failures": user.failed_logins}
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            detail["locked_until"] = user.locked_until.isoformat()
        record(session, Actor(email, client=client), "login.failed", f"user:{user.id}", detail)
        session.commit()
        raise generic from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def create_session(
    session: Session, settings: ServiceSettings, user: User, client: str = ""
) -> LoginResult:
    """Start a browser session for ``user`` (audited as a login); commits."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_sha256(token),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=utcnow() + timedelta(hours=settings.session_hours),
        )
    )
    record(session, Actor(user.email, user.role, user.id, client), "login", f"user:{user.id}")
    session.commit()
    return LoginResult(user, token, csrf)


def resolve_session(session: Session, token: str | None) -> tuple[User, UserSession] | None:
    """The user and session of a cookie, or ``None`` (unknown, expired, revoked, inactive)."""
    if not token or len(token) > 100:
        return None
    row = session.execute(
        sa.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == _sha256(token))
    ).first()
    if row is None:
        return None
    user, us = row
    if us.revoked or us.expires_at <= utcnow() or not user.is_active:
        return None
    return user, us


def end_session(session: Session, token: str | None, actor: Actor) -> None:
    if token:
        session.execute(
            sa.update(UserSession).where(UserSession.id == _sha256(token)).values(revoked=True)
        )
        record(session, actor, "logout", f"user:{actor.user_id}")
        session.commit()


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once
    scopes: tuple[str, ...]
    expires_at: datetime | None


def create_token(
    session: Session,
    user: User,
    name: str,
    scopes: Sequence[str],
    actor: Actor,
    *,
    days: int | None = None,
) -> IssuedToken:
    """A new API token for ``user``; the clear text is returned once and never stored."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ConfigError(f"scopes: use one or more of {', '.join(SCOPES)} (got {bad or 'none'})")
    if "admin" in scopes and user.role != Role.admin.value:
        raise PermissionDeniedError("scopes: only admins can hold an admin-scoped token")
    name = name.strip()[:100] or "token"
    token = "ll_" + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days else None
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_sha256(token),
        scopes=" ".join(dict.fromkeys(scopes)),
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    record(session, actor, "token.create", f"token:{row.id}", {"name": name, "scopes": row.scopes})
    session.commit()
    return IssuedToken(row.id, token, tuple(row.scopes.split()), expires)


def resolve_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The user and token row of a bearer token, or ``None``."""
    if not token.startswith("ll_") or len(token) > 100:
        return None
    row = session.execute(
        sa.select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _sha256(token))
    ).first()
    if row is None:
        return None
    user, tok = row
    now = utcnow()
    if tok.revoked_at is not None or (tok.expires_at and tok.expires_at <= now):
        return None
    if not user.is_active:
        return None
    return user, tok


def list_tokens(session: Session, user: User | None = None) -> Sequence[ApiToken]:
    q = sa.select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        q = q.where(ApiToken.user_id == user.id)
    return session.scalars(q).all()


def revoke_token(session: Session, token_id: int, actor: Actor, *, any_user: bool) -> None:
    """Revoke a token: one's own, or anyone's with ``any_user`` (admins)."""
    tok = session.get(ApiToken, token_id)
    if tok is None or (not any_user and tok.user_id != actor.user_id):
        raise NotFoundError(f"no token {token_id}")
    if tok.revoked_at is None:
        tok.revoked_at = utcnow()
        record(session, actor, "token.revoke", f"token:{tok.id}")
    session.commit()
