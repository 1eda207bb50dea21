"""Sending: e-mail through SMTP and SMS through an HTTP gateway.

E-mail (:class:`Mailer`): ``smtplib`` with STARTTLS or TLS and login as the settings say. Each
message carries a stable ``Message-ID`` (``<invitation-N-send|remind@host>``) so a message
re-sent after a crash can be recognised. Headers are built by :mod:`email.message`, which
refuses line breaks in header values (no header injection from a survey title).

SMS (:class:`SmsGateway`): ``POST <LOYALLOOP_SMS_GATEWAY_URL>`` with JSON ``{"to", "text"}``,
an ``Idempotency-Key`` header and, when set, ``Authorization: Bearer <token>``. A 2xx answer is
success; anything else raises :class:`DeliveryError` with the status.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import httpx

from loyalloop.core.service_settings import ServiceSettings, SmtpSecurity
from loyalloop.store.models import Invitation

__all__ = [
    "FOLLOWUP_SOURCE_PREFIX",
    "DeliveryError",
    "Mailer",
    "SmsGateway",
    "followup_case",
    "invitation_email",
    "invitation_sms",
    "open_smtp",
]


class DeliveryError(OSError):
    """A gateway or mail server refused a message."""


def open_smtp(settings: ServiceSettings) -> smtplib.SMTP:
    """An SMTP session as the settings say (TLS, or STARTTLS, then login when a user is set).

    The one place Loyalloop opens a mail connection (:class:`Mailer` sends one message per
    session; :class:`loyalloop.services.delivery.Sender` keeps one open across messages). A
    refusal during the handshake closes the socket and raises :class:`DeliveryError`.
    """
    s = settings
    ctx = ssl.create_default_context()
    smtp: smtplib.SMTP
    try:
        if s.smtp_security is SmtpSecurity.tls:
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=ctx)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc
    try:
        if s.smtp_security is SmtpSecurity.starttls:
            smtp.starttls(context=ctx)
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
    except smtplib.SMTPException as exc:
        smtp.close()
        raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc
    except OSError:
        smtp.close()
        raise
    return smtp


class Mailer:
    def __init__(self, settings: ServiceSettings) -> None:
        self.s = settings

    def send(self, message: EmailMessage) -> None:
        s = self.s
        with open_smtp(s) as smtp:
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc


class SmsGateway:
    def __init__(self, settings: ServiceSettings) -> None:
        self.s = settings

    def send(self, to: str, text: str, key: str) -> None:
        headers = {"Idempotency-Key": key}
        token = self.s.sms_gateway_token.get_secret_value()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            r = httpx.post(
                self.s.sms_gateway_url,
                json={"to": to, "text": text},
                headers=headers,
                timeout=self.s.smtp_timeout,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway: {exc}") from exc
        if not 200 <= r.status_code < 300:
            raise DeliveryError(f"SMS gateway answered {r.status_code}: {r.text[:200]}")


_EMAIL_TEXT = {
    "zh": (
        "{title}",
        "您好！\n\n我们想听听您的意见：{title}。只需一两分钟。\n\n{link}\n\n"
        "链接 {days} 天内有效。不想再收到调查邀请？{unsub}\n",
        "提醒：{title}",
    ),
    "en": (
        "{title}",
        "Hello,\n\nWe would value your opinion: {title}. It takes a minute or two.\n\n{link}\n\n"
        "The link works for {days} days. No more survey invitations? {unsub}\n",
        "Reminder: {title}",
    ),
}


#: Source of a follow-up invitation after a resolved case (``case:<id>``,
#: :mod:`loyalloop.services.followup`): its e-mail and SMS say which case they follow up.
FOLLOWUP_SOURCE_PREFIX = "case:"

_FOLLOWUP_TEXT = {
    "zh": (
        "您反馈的问题已处理（工单 {case}），我们做得怎么样？",
        "您好！\n\n您之前反馈的问题已经处理（工单编号 {case}）。想请您花一分钟告诉我们"
        "处理得怎么样：{title}。\n\n{link}\n\n"
        "链接 {days} 天内有效。不想再收到调查邀请？{unsub}\n",
        "提醒：工单 {case} 处理得怎么样？",
    ),
    "en": (
        "How did we do? Your case {case}",
        "Hello,\n\nWe have dealt with the matter you raised (case {case}). Would you tell us "
        "in a minute how we did: {title}.\n\n{link}\n\n"
        "The link works for {days} days. No more survey invitations? {unsub}\n",
        "Reminder: how did we do with your case {case}?",
    ),
}


def followup_case(inv: Invitation) -> str | None:
    """The case reference of a follow-up invitation (``None`` for any other invitation)."""
    src = inv.source or ""
    return src[len(FOLLOWUP_SOURCE_PREFIX) :] if src.startswith(FOLLOWUP_SOURCE_PREFIX) else None


def invitation_email(
    settings: ServiceSettings,
    inv: Invitation,
    title: str,
    link: str,
    unsubscribe_link: str,
    *,
    reminder: bool,
) -> EmailMessage:
    """The invitation (or reminder) e-mail: plain text, in the invitation's language."""
    case = followup_case(inv)
    texts = _EMAIL_TEXT if case is None else _FOLLOWUP_TEXT
    subject, body, remind = texts["zh" if inv.language == "zh" else "en"]
    msg = EmailMessage()
    clean_title = " ".join(title.split())  # no line breaks from a title into a header
    msg["Subject"] = (remind if reminder else subject).format(title=clean_title, case=case)
    msg["From"] = settings.smtp_from
    msg["To"] = inv.contact
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<invitation-{inv.id}-{'remind' if reminder else 'send'}@{domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe_link}>"
    msg.set_content(
        body.format(
            title=clean_title,
            link=link,
            unsub=unsubscribe_link,
            days=settings.invitation_days,
            case=case,
        )
    )
    return msg


def invitation_sms(inv: Invitation, title: str, link: str, *, reminder: bool) -> str:
    title = " ".join(title.split())[:30]
    case = followup_case(inv)
    if case is not None:
        if inv.language == "zh":
            head = "提醒：" if reminder else ""
            return f"{head}您反馈的问题已处理（工单{case}），请花一分钟评价：{link} 回T退订"
        prefix = "Reminder: " if reminder else ""
        return f"{prefix}Your case {case} is resolved - how did we do? {link} Reply STOP to opt out"
    if inv.language == "zh":
        return f"{'提醒：' if reminder else ''}{title}，邀请您花一分钟评价：{link} 回T退订"
    prefix = "Reminder: " if reminder else ""
    return f"{prefix}{title} - a 1-minute survey: {link} Reply STOP to opt out"
