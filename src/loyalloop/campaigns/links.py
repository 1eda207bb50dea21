"""Signed tracked links and unsubscribe links for campaign messages.

A link is ``<base_url>/l/<token>`` (tracked click) or ``<base_url>/u/<token>`` (unsubscribe).
The token is ``<payload>.<signature>`` in URL-safe base64 without padding: the payload names
the purpose, campaign, customer and the link key (or channel), the signature is the first
12 bytes (96 bits) of HMAC-SHA256 over it with the service's secret. Any change to a token
breaks the signature and is refused (:class:`~loyalloop.errors.SignatureError`); signatures
are compared in constant time. The target URL is *not* in the token (SMS must stay short):
the campaign's plan keeps ``link key → URL`` and the redirect looks it up, so a token cannot
be turned into an open redirect.

Previews: :meth:`LinkSigner.preview` gives a signer whose links look like real ones (same
length, so an SMS preview counts its parts truly) but are signed with a key derived from the
secret for previews only. :meth:`LinkSigner.verify` refuses them with
:class:`PreviewLinkError`, so a staff member who follows a link of a message preview records
no click and unsubscribes nobody; the routes show a page that says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from loyalloop.errors import ConfigError, SignatureError

__all__ = ["LinkClaims", "LinkPurpose", "LinkSigner", "PreviewLinkError", "check_target_url"]

_VERSION = "1"
_SIG_BYTES = 12
_SEP = "\x1f"
#: Derives the preview links' key from the secret (a preview token never verifies as live).
_PREVIEW_KEY = b"loyalloop campaign link preview v1"


class PreviewLinkError(SignatureError):
    """The token is a genuine *preview* link: it can never record a click or unsubscribe."""

    code = "preview_link"

    def __init__(self, claims: LinkClaims) -> None:
        self.claims = claims
        super().__init__("from a message preview: nothing is recorded")


class LinkPurpose(StrEnum):
    click = "l"
    unsubscribe = "u"


@dataclass(frozen=True)
class LinkClaims:
    """What a genuine token says."""

    purpose: LinkPurpose
    campaign_id: str
    customer_id: str
    key: str  # link key (click) or channel (unsubscribe)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_target_url(url: str, where: str = "link") -> str:
    """``url`` if it is an absolute http(s) URL; :class:`ConfigError` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: {url!r} is not an absolute http(s) URL")
    return url


class LinkSigner:
    """Makes and checks signed links.

    Parameters
    ----------
    secret
        The service's secret key (at least 16 bytes).
    base_url
        Where the service answers, e.g. ``https://loop.example.com``.

    Examples
    --------
    >>> s = LinkSigner(b"0123456789abcdef", "https://loop.example.com")
    >>> url = s.click_url("CMP-1", "C0000001", "offer")
    >>> s.verify(url.rsplit("/", 1)[1]).key
    'offer'
    """

    def __init__(self, secret: bytes, base_url: str, *, preview: bool = False) -> None:
        if len(secret) < 16:
            raise ConfigError("the link secret must be at least 16 bytes")
        self._secret = secret
        self._preview_key = hmac.new(secret, _PREVIEW_KEY, hashlib.sha256).digest()
        #: Whether this signer makes preview links (:meth:`preview`).
        self.is_preview = preview
        self.base_url = check_target_url(base_url, "base_url").rstrip("/")

    def preview(self) -> LinkSigner:
        """A signer of links for message previews: same shape and length as live links, but
        :meth:`verify` refuses them with :class:`PreviewLinkError` (module docstring)."""
        return LinkSigner(self._secret, self.base_url, preview=True)

    def _token(self, purpose: LinkPurpose, campaign_id: str, customer_id: str, key: str) -> str:
        parts = (_VERSION, purpose.value, campaign_id, customer_id, key)
        if any(_SEP in p or not p for p in parts):
            raise ConfigError("link fields must be non-empty and free of control characters")
        payload = _SEP.join(parts).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def _sign(self, payload: bytes, *, preview: bool | None = None) -> bytes:
        preview = self.is_preview if preview is None else preview
        key = self._preview_key if preview else self._secret
        return hmac.new(key, payload, hashlib.sha256).digest()[:_SIG_BYTES]

    def click_url(self, campaign_id: str, customer_id: str, key: str) -> str:
        """The tracked link of link ``key`` of a campaign, for one customer."""
        tok = self._token(LinkPurpose.click, campaign_id, customer_id, key)
        return f"{self.base_url}/l/{tok}"

    def unsubscribe_url(self, campaign_id: str, customer_id: str, channel: str) -> str:
        """The unsubscribe link of one customer for one channel."""
        tok = self._token(LinkPurpose.unsubscribe, campaign_id, customer_id, channel)
        return f"{self.base_url}/u/{tok}"

    def verify(self, token: str) -> LinkClaims:
        """The claims of a genuine live token; :class:`SignatureError` (malformed / forged),
        :class:`PreviewLinkError` (a genuine preview link: it must not act)."""
        if not isinstance(token, str) or len(token) > 400 or token.count(".") != 1:
            raise SignatureError("malformed")
        head, sig = token.split(".")
        try:
            payload, given = _unb64(head), _unb64(sig)
        except (binascii.Error, ValueError):
            raise SignatureError("malformed") from None
        live = hmac.compare_digest(given, self._sign(payload, preview=False))
        if not live and not hmac.compare_digest(given, self._sign(payload, preview=True)):
            raise SignatureError("forged")
        try:
            version, purpose, campaign, customer, key = payload.decode().split(_SEP)
            claims = LinkClaims(LinkPurpose(purpose), campaign, customer, key)
        except ValueError:
            raise SignatureError("malformed") from None
        if version != _VERSION:
            raise SignatureError("malformed")
        if not live:
            raise PreviewLinkError(claims)
        return claims
