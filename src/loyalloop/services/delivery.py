"""Delivering one campaign message: e-mail through SMTP, SMS and webhooks through HTTP.

The transports are the service's own (:mod:`loyalloop.services.channels`): :class:`Mailer`
for SMTP (STARTTLS / TLS / login as configured) and an HTTP ``POST`` with an
``Idempotency-Key`` header for gateways. Every message carries its outbox idempotency key:

* e-mail: ``Message-ID: <KEY@domain>`` (and ``List-Unsubscribe`` with the customer's signed
  unsubscribe link); the body is the template's HTML (customer values already escaped) with a
  plain-text alternative;
* SMS: ``POST LOYALLOOP_SMS_GATEWAY_URL`` JSON ``{"to", "text", "id"}``;
* webhook (call-campaign hand-offs to a call-centre system): ``POST LOYALLOOP_WEBHOOK_URL``
  JSON ``{"id", "campaign", "customer_id", "payload"}``.

A resend after a crash carries the same key, so the receiver recognises it (at-least-once
delivery + idempotency key; see :mod:`loyalloop.services.outbox`). A refusal raises
:class:`~loyalloop.services.channels.DeliveryError` (an ``OSError``); a 4xx other than 408/429
is :class:`PermanentDeliveryError` — retrying cannot help, the message goes straight to dead.
"""

from __future__ import annotations

import email.policy
import html
import json
import re
from email.message import EmailMessage
from typing import Any

import httpx

from loyalloop.core.service_settings import ServiceSettings
from loyalloop.errors import ConfigError
from loyalloop.services.channels import DeliveryError, Mailer

__all__ = ["PermanentDeliveryError", "Sender", "campaign_email"]

_TAG = re.compile(r"<[^>]+>")
#: Long headers (a signed List-Unsubscribe URL) stay one line rather than RFC 2047-encoded.
_POLICY = email.policy.default.clone(max_line_length=998)


class PermanentDeliveryError(DeliveryError):
    """The receiver refused the message for good (e.g. HTTP 400 or 422)."""


def campaign_email(
    settings: ServiceSettings,
    *,
    key: str,
    to: str,
    subject: str,
    html_body: str,
    unsubscribe_url: str = "",
) -> EmailMessage:
    """The e-mail of one outbox message (``Message-ID`` = the idempotency key)."""
    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = " ".join(subject.split())  # no line breaks into a header
    msg["From"] = settings.smtp_from
    msg["To"] = to
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{key}@{domain}>"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    text = html.unescape(_TAG.sub("", html_body.replace("<br>", "\n")))
    msg.set_content(text)
    msg.add_alternative(f"<html><body>{html_body}</body></html>", subtype="html")
    return msg


class Sender:
    """Sends outbox messages over the configured channels (one instance per worker)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.s = settings
        self.mailer = Mailer(settings) if settings.email_enabled else None
        self.http = httpx.Client(timeout=settings.smtp_timeout)

    def close(self) -> None:
        self.http.close()

    def _post(self, url: str, token: str, body: dict[str, Any], key: str, what: str) -> None:
        headers = {"Idempotency-Key": key}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            r = self.http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{what}: {type(exc).__name__}: {exc}") from exc
        if 200 <= r.status_code < 300:
            return
        msg = f"{what} answered {r.status_code}: {r.text[:200]}"
        if 400 <= r.status_code < 500 and r.status_code not in (408, 409, 425, 429):
            raise PermanentDeliveryError(msg)
        raise DeliveryError(msg)

    def send(
        self,
        *,
        channel: str,
        key: str,
        to: str,
        subject: str,
        body: str,
        campaign: str,
        customer_id: str,
        unsubscribe_url: str = "",
    ) -> None:
        """Deliver one message; raises :class:`DeliveryError` or :class:`ConfigError`."""
        s = self.s
        if channel == "email":
            if self.mailer is None:
                raise ConfigError("e-mail is not configured (LOYALLOOP_SMTP_HOST)")
            self.mailer.send(
                campaign_email(
                    s,
                    key=key,
                    to=to,
                    subject=subject,
                    html_body=body,
                    unsubscribe_url=unsubscribe_url,
                )
            )
        elif channel == "sms":
            if not s.sms_enabled:
                raise ConfigError("SMS is not configured (LOYALLOOP_SMS_GATEWAY_URL)")
            self._post(
                s.sms_gateway_url,
                s.sms_gateway_token.get_secret_value(),
                {"to": to, "text": body, "id": key},
                key,
                "SMS gateway",
            )
        elif channel == "webhook":
            if not s.webhook_enabled:
                raise ConfigError("the webhook is not configured (LOYALLOOP_WEBHOOK_URL)")
            self._post(
                s.webhook_url,
                s.webhook_token.get_secret_value(),
                {
                    "id": key,
                    "campaign": campaign,
                    "customer_id": customer_id,
                    "payload": json.loads(body) if body else {},
                },
                key,
                "webhook",
            )
        else:
            raise ConfigError(f"unknown channel {channel!r}")
