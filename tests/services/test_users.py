"""Accounts: argon2 passwords, lockout, sessions and hashed, scoped, revocable tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from loyalloop.errors import ConfigError, PermissionDeniedError
from loyalloop.services import Actor, Store
from loyalloop.services.users import (
    AuthError,
    add_user,
    authenticate,
    create_session,
    create_token,
    resolve_session,
    resolve_token,
    revoke_token,
    update_user,
)
from loyalloop.store.base import utcnow
from loyalloop.store.models import ApiToken, AuditEvent, User

CLI = Actor.cli()
PW = "correct horse battery"


def test_passwords_are_argon2_and_checked(store: Store) -> None:
    with store.session() as s:
        user = add_user(s, " Ana@Example.com ", "analyst", PW, CLI)
        assert user.email == "ana@example.com" and user.password_hash.startswith("$argon2id$")
        assert PW not in user.password_hash
        assert authenticate(s, store.settings, "ANA@example.com", PW).id == user.id
        with pytest.raises(AuthError, match="wrong e-mail or password"):
            authenticate(s, store.settings, "ana@example.com", "wrong password!")
        with pytest.raises(AuthError, match="wrong e-mail or password"):
            authenticate(s, store.settings, "nobody@example.com", PW)
        for bad, match in (("short", "at least 10"), (PW, "already exists")):
            with pytest.raises(ConfigError, match=match):
                add_user(s, "ana@example.com", "analyst", bad, CLI)
        with pytest.raises(ConfigError, match="not a role"):
            add_user(s, "x@example.com", "boss", PW, CLI)


def test_lockout_after_repeated_failures(store: Store) -> None:
    n = store.settings.login_max_failures
    with store.session() as s:
        add_user(s, "a@example.com", "viewer", PW, CLI)
        for _ in range(n):
            with pytest.raises(AuthError):
                authenticate(s, store.settings, "a@example.com", "not the password")
        user = s.scalar(sa.select(User))
        assert user is not None and user.locked_until is not None
        with pytest.raises(AuthError):  # the right password is refused while locked
            authenticate(s, store.settings, "a@example.com", PW)
        user.locked_until = utcnow() - timedelta(seconds=1)
        s.commit()
        assert authenticate(s, store.settings, "a@example.com", PW).email == "a@example.com"
        actions = s.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("login.failed") == n and "login.locked" in actions


def test_sessions_end_when_a_user_is_deactivated(store: Store) -> None:
    with store.session() as s:
        user = add_user(s, "a@example.com", "agent", PW, CLI)
        login = create_session(s, store.settings, user)
        found = resolve_session(s, login.session_token)
        assert found is not None and found[0].id == user.id
        assert resolve_session(s, login.session_token + "x") is None
        update_user(s, user.id, CLI, active=False)
        assert resolve_session(s, login.session_token) is None


def test_tokens_are_stored_hashed_scoped_and_revocable(store: Store) -> None:
    with store.session() as s:
        viewer = add_user(s, "v@example.com", "viewer", PW, CLI)
        issued = create_token(s, viewer, "report script", ["read"], CLI, days=30)
        row = s.scalar(sa.select(ApiToken))
        assert (
            row is not None and row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        )
        assert issued.token not in str(row.__dict__)
        found = resolve_token(s, issued.token)
        assert found is not None and found[1].scopes == "read"
        with pytest.raises(PermissionDeniedError, match="only admins"):
            create_token(s, viewer, "x", ["admin"], CLI)
        with pytest.raises(ConfigError, match="scopes"):
            create_token(s, viewer, "x", ["everything"], CLI)
        revoke_token(s, issued.id, Actor("v@example.com", "viewer", viewer.id), any_user=False)
        assert resolve_token(s, issued.token) is None
        expired = create_token(s, viewer, "old", ["read"], CLI, days=1)
        tok = s.get(ApiToken, expired.id)
        assert tok is not None
        tok.expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
        assert resolve_token(s, expired.token) is None
