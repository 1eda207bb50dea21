"""One SMTP handshake for the whole service (issue 8 "one of each"): survey/case mail
(:class:`Mailer`) and campaign delivery (:class:`Sender`) both open their session with
:func:`open_smtp`, which closes the socket when the server refuses the login."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar

import pytest

from loyalloop.core.service_settings import ServiceSettings, SmtpSecurity
from loyalloop.services import channels
from loyalloop.services.channels import DeliveryError, Mailer
from loyalloop.services.delivery import Sender


class FakeSMTP:
    """Records what a session did; ``refuse_login`` makes the server refuse the credentials."""

    sessions: ClassVar[list[FakeSMTP]] = []
    refuse_login: ClassVar[bool] = False

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls: list[str] = [f"connect {host}:{port}"]
        FakeSMTP.sessions.append(self)

    def starttls(self, context: Any = None) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        if FakeSMTP.refuse_login:
            raise smtplib.SMTPAuthenticationError(535, b"bad credentials")
        self.calls.append(f"login {user}")

    def send_message(self, message: EmailMessage) -> None:
        self.calls.append(f"send {message['To']}")

    def noop(self) -> tuple[int, bytes]:
        return 250, b"ok"

    def quit(self) -> None:
        self.calls.append("quit")

    def close(self) -> None:
        self.calls.append("close")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.quit()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ServiceSettings:
    monkeypatch.setattr(channels.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sessions, FakeSMTP.refuse_login = [], False
    return ServiceSettings(
        home=tmp_path,
        smtp_host="mail.example",
        smtp_port=587,
        smtp_security=SmtpSecurity.starttls,
        smtp_user="bot",
        smtp_password="pw",
    )


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = "a@example.com"
    msg.set_content("hi")
    return msg


def test_mailer_and_sender_shake_hands_the_same_way(settings: ServiceSettings) -> None:
    Mailer(settings).send(_message())
    sender = Sender(settings)
    sender._mail(_message())
    sender._mail(_message())  # the same session, checked with NOOP
    sender.close()
    mailer_session, sender_session = FakeSMTP.sessions
    handshake = ["connect mail.example:587", "starttls", "login bot"]
    assert mailer_session.calls == [*handshake, "send a@example.com", "quit"]
    assert sender_session.calls[:3] == handshake
    assert sender_session.calls.count("send a@example.com") == 2


def test_a_refused_login_closes_the_socket_and_says_which_server(
    settings: ServiceSettings,
) -> None:
    FakeSMTP.refuse_login = True
    with pytest.raises(DeliveryError, match=r"SMTP mail\.example:587: .*bad credentials"):
        Mailer(settings).send(_message())
    sender = Sender(settings)
    with pytest.raises(DeliveryError, match=r"mail\.example:587"):
        sender._mail(_message())
    sender.close()
    assert [s.calls[-1] for s in FakeSMTP.sessions] == ["close", "close"]
