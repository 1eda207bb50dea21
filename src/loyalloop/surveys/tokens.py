"""Signed invitation tokens: which invitation (survey and customer), until when.

A token is ``<payload>.<signature>`` in URL-safe base64 without padding: the payload is
``v1:<invitation id>:<survey id>:<expiry, Unix seconds>`` and the signature the first 16 bytes
of HMAC-SHA256 over it with the service's secret key (128 bits: forging one takes ~2^128
tries). The customer is the invitation's, so a token cannot be moved to another customer or
survey, and any change of the text breaks the signature. Verification compares signatures in
constant time before reading anything else.

Short enough for an SMS (about 60 characters). A survey page's form carries a second, separate
kind of token (:func:`form_token`) so that a form post can be told from a cross-site forgery.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from loyalloop.errors import PermissionDeniedError

__all__ = [
    "InvitationClaims",
    "TokenError",
    "form_token",
    "sign_invitation",
    "verify_form_token",
    "verify_invitation",
]

_VERSION = "v1"
_SIG_BYTES = 16


class TokenError(PermissionDeniedError):
    """A link that is malformed, forged, altered or expired (``reason`` says which)."""

    code = "bad_token"

    def __init__(self, reason: str) -> None:
        self.reason = reason  # malformed, forged, expired
        super().__init__(f"invitation link {reason}")


@dataclass(frozen=True)
class InvitationClaims:
    invitation_id: int
    survey_id: int
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, purpose: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, purpose + b"|" + payload, hashlib.sha256).digest()[:_SIG_BYTES]


def sign_invitation(secret: bytes, invitation_id: int, survey_id: int, expires_at: datetime) -> str:
    """The token of one invitation."""
    payload = f"{_VERSION}:{invitation_id}:{survey_id}:{int(expires_at.timestamp())}".encode()
    return f"{_b64(payload)}.{_b64(_sign(secret, b'invitation', payload))}"


def verify_invitation(
    secret: bytes, token: str, now: datetime | None = None, *, allow_expired: bool = False
) -> InvitationClaims:
    """The claims of a genuine, unexpired token; :class:`TokenError` otherwise.

    ``allow_expired`` accepts an expired (but genuine) token: an unsubscribe link keeps
    working after the survey link expired.
    """
    if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
        raise TokenError("malformed")
    head, sig = token.split(".")
    try:
        payload, given = _unb64(head), _unb64(sig)
    except (binascii.Error, ValueError):
        raise TokenError("malformed") from None
    if not hmac.compare_digest(given, _sign(secret, b"invitation", payload)):
        raise TokenError("forged")
    try:
        version, inv, survey, exp = payload.decode().split(":")
        claims = InvitationClaims(int(inv), int(survey), datetime.fromtimestamp(int(exp), UTC))
    except ValueError:
        raise TokenError("malformed") from None
    if version != _VERSION:
        raise TokenError("malformed")
    if not allow_expired and claims.expires_at <= (now or datetime.now(UTC)):
        raise TokenError("expired")
    return claims


def form_token(secret: bytes, scope: str) -> str:
    """A CSRF token for a public form of ``scope`` (a survey link): an HMAC, no state."""
    return _b64(_sign(secret, b"form", scope.encode()))


def verify_form_token(secret: bytes, scope: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(token), form_token(secret, scope))
