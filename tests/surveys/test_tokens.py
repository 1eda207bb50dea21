"""Signed invitation tokens: genuine ones verify; forged, altered, expired ones are refused."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from loyalloop.surveys import (
    TokenError,
    form_token,
    sign_invitation,
    verify_form_token,
    verify_invitation,
)

KEY = b"k" * 48
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_round_trip_and_length() -> None:
    token = sign_invitation(KEY, 123456, 7, NOW + timedelta(days=30))
    claims = verify_invitation(KEY, token, NOW)
    assert (claims.invitation_id, claims.survey_id) == (123456, 7)
    assert claims.expires_at == (NOW + timedelta(days=30)).replace(microsecond=0)
    assert len(token) < 70  # fits in an SMS with the host name


def _alter_payload(token: str, new: str) -> str:
    _, sig = token.split(".")
    return base64.urlsafe_b64encode(new.encode()).rstrip(b"=").decode() + "." + sig


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t: _alter_payload(t, "v1:2:7:9999999999"), "forged"),  # another invitation
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "forged"),
        (lambda t: sign_invitation(b"another key" * 4, 1, 7, NOW + timedelta(days=1)), "forged"),
        (lambda t: t.replace(".", ""), "malformed"),
        (lambda t: "not-a-token", "malformed"),
        (lambda t: t + "." + t, "malformed"),
        (lambda t: "x" * 500, "malformed"),
    ],
)
def test_bad_tokens_are_refused(make, reason: str) -> None:  # type: ignore[no-untyped-def]
    token = sign_invitation(KEY, 1, 7, NOW + timedelta(days=1))
    with pytest.raises(TokenError) as info:
        verify_invitation(KEY, make(token), NOW)
    assert info.value.reason == reason


def test_expired_tokens_are_refused_unless_allowed() -> None:
    token = sign_invitation(KEY, 1, 7, NOW - timedelta(seconds=1))
    with pytest.raises(TokenError, match="expired"):
        verify_invitation(KEY, token, NOW)
    assert verify_invitation(KEY, token, NOW, allow_expired=True).invitation_id == 1


def test_form_tokens_are_bound_to_their_scope() -> None:
    t = form_token(KEY, "r:abc")
    assert verify_form_token(KEY, "r:abc", t)
    assert not verify_form_token(KEY, "r:abd", t)
    assert not verify_form_token(KEY, "r:abc", None)
    assert not verify_form_token(b"z" * 48, "r:abc", t)
