"""Delivering one campaign message: e-mail through SMTP, SMS and webhooks through HTTP.

SMTP as the service's settings say (STARTTLS / TLS / login, opened by
:func:`loyalloop.services.channels.open_smtp` like :class:`~loyalloop.services.channels.Mailer`'s),
but one session kept open across messages (a
worker sends thousands; a new connection per message costs a handshake each), checked with
``NOOP`` before reuse; and an HTTP ``POST`` with an ``Idempotency-Key`` header for gateways.
Every message carries its outbox idempotency key:

* e-mail: ``Message-ID: <KEY@domain>`` (and ``List-Unsubscribe`` with the customer's signed
  unsubscribe link); the body is the template's HTML (customer values already escaped) with a
  plain-text alternative;
* SMS: ``POST LOYALLOOP_SMS_GATEWAY_URL`` JSON ``{"to", "text", "id"}``;
* webhook (call-campaign hand-offs to a call-centre system): ``POST LOYALLOOP_WEBHOOK_URL``
  JSON ``{"id", "campaign", "customer_id", "payload"}``.

With ``LOYALLOOP_OUTBOX_SINK_DIR`` set, messages are written as files named by their key
instead (a dry run; ``make demo`` uses it): nothing leaves the machine.

A resend after a crash carries the same key, so the receiver recognises it (at-least-once
delivery + idempotency key; see :mod:`loyalloop.services.outbox`). A refusal raises
:class:`~loyalloop.services.channels.DeliveryError` (an ``OSError``); an HTTP 4xx other than
408/409/425/429, an SMTP 5xx reply or a refused recipient is :class:`PermanentDeliveryError` —
retrying cannot help, the message goes straight to dead.
"""

from __future__ import annotations

import contextlib
import email.policy
import html
import json
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from loyalloop.core.export import write_bytes_atomic
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.errors import ConfigError
from loyalloop.services.channels import DeliveryError, open_smtp

__all__ = ["PermanentDeliveryError", "Sender", "campaign_email"]

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.S)
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
    linked = _LINK.sub(lambda m: f"{m.group(2)} {m.group(1)}", html_body.replace("<br>", "\n"))
    text = html.unescape(_TAG.sub("", linked))
    msg.set_content(text)
    msg.add_alternative(f"<html><body>{html_body}</body></html>", subtype="html")
    return msg


class Sender:
    """Sends outbox messages over the configured channels (one instance per worker)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.s = settings
        self.http = httpx.Client(timeout=settings.smtp_timeout)
        self._smtp: smtplib.SMTP | None = None

    def close(self) -> None:
        self.http.close()
        self._drop_smtp()

    def _drop_smtp(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        """One SMTP session kept open across messages (checked with NOOP before reuse)."""
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self._drop_smtp()
        smtp = open_smtp(self.s)
        self._smtp = smtp
        return smtp

    def _mail(self, message: EmailMessage) -> None:
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentDeliveryError(f"SMTP refused: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            self._drop_smtp()
            cls = PermanentDeliveryError if 500 <= exc.smtp_code < 600 else DeliveryError
            raise cls(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop_smtp()
            raise DeliveryError(f"SMTP {self.s.smtp_host}:{self.s.smtp_port}: {exc}") from exc

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

    def _to_sink(
        self,
        channel: str,
        key: str,
        to: str,
        subject: str,
        body: str,
        campaign: str,
        customer_id: str,
        unsubscribe_url: str,
    ) -> None:
        """Write the message to ``<sink>/<key>.eml|.json`` (a resend overwrites the same file)."""
        assert self.s.outbox_sink_dir is not None
        folder = Path(self.s.outbox_sink_dir)
        folder.mkdir(parents=True, exist_ok=True)
        if channel == "email":
            msg = campaign_email(
                self.s, key=key, to=to, subject=subject, html_body=body,
                unsubscribe_url=unsubscribe_url,
            )  # fmt: skip
            data, name = msg.as_bytes(), f"{key}.eml"
        else:
            record = {"channel": channel, "to": to, "text": body, "campaign": campaign,
                      "customer_id": customer_id, "id": key}  # fmt: skip
            data, name = json.dumps(record, ensure_ascii=False).encode(), f"{key}.json"
        try:
            write_bytes_atomic(folder / name, data)
        except OSError as exc:
            raise DeliveryError(f"outbox sink {folder}: {exc}") from exc

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
        if s.outbox_sink_dir is not None:
            self._to_sink(channel, key, to, subject, body, campaign, customer_id, unsubscribe_url)
            return
        if channel == "email":
            if not s.email_enabled:
                raise ConfigError("e-mail is not configured (LOYALLOOP_SMTP_HOST)")
            self._mail(
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
