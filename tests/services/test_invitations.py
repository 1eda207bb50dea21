"""Invitations: consent, unsubscribes, the frequency cap, quiet hours; e-mail through a real
SMTP server (aiosmtpd) with one reminder; SMS through a local HTTP gateway."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from svc_fixtures import make_store

from loyalloop.services import Actor, Store
from loyalloop.services.invitations import Recipient, invite, read_recipients, send_due, unsubscribe
from loyalloop.services.responses import submit_personal
from loyalloop.services.surveys import create_survey
from loyalloop.store.models import Invitation
from loyalloop.surveys import Channel

ME = Actor("ana@example.com", "analyst", 1)
SPEC = {
    "key": "visit",
    "title": {"zh": "网点调查", "en": "Branch visit"},
    "questions": [{"id": "nps", "type": "nps", "text": {"zh": "推荐？", "en": "Recommend?"}}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def gateway() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(
                {
                    **body,
                    "key": self.headers.get("Idempotency-Key"),
                    "auth": self.headers.get("Authorization"),
                }
            )
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


def test_policy_applies_to_every_recipient(store: Store) -> None:
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        unsubscribe(s, "C3", "all", "test")
    people = [
        Recipient("C1", email="c1@example.com", consent_email=True),
        Recipient("C2", email="c2@example.com", consent_email=None),  # unknown consent
        Recipient("C3", email="c3@example.com", consent_email=True),  # unsubscribed
        Recipient("C4", email="", consent_email=True),
        Recipient("C1", email="c1@example.com", consent_email=True),  # twice in the file
    ]
    with store.session() as s:
        result = invite(store, s, "visit", people, ME, channel=Channel.email)
    assert result.created == 1
    assert result.skipped == {"no_consent": 1, "suppressed": 1, "no_contact": 1, "duplicate": 1}
    with store.session() as s:
        again = invite(store, s, "visit", people[:1], ME, channel=Channel.email)
    assert (again.created, again.existing) == (0, 1)  # one invitation per survey and customer


def test_frequency_cap_spans_all_surveys(store: Store) -> None:
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        create_survey(s, {**SPEC, "key": "other"}, ME, publish=True)
        invite(store, s, "visit", [Recipient("C1")], ME)
        result = invite(store, s, "other", [Recipient("C1"), Recipient("C2")], ME)
    assert result.created == 1 and result.skipped == {"frequency_cap": 1}


def test_quiet_hours_delay_the_send(store: Store) -> None:
    # 15:00 UTC = 23:00 in Shanghai: quiet until 08:00 Shanghai (00:00 UTC)
    now = datetime(2026, 5, 1, 15, 0, tzinfo=UTC)
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        invite(
            store,
            s,
            "visit",
            [Recipient("C1", email="c@example.com", consent_email=True, timezone="Asia/Shanghai")],
            ME,
            channel=Channel.email,
            now=now,
        )
        inv = s.scalar(sa.select(Invitation))
    assert inv is not None and inv.send_after == datetime(2026, 5, 2, 0, 0, tzinfo=UTC)
    assert send_due(store, now=now).sent == 0  # not yet


def test_email_invitation_and_one_reminder(
    tmp_path: Path, store_url: str, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    store = make_store(
        tmp_path,
        store_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="cx@bank.example",
        reminder_days=3,
        quiet_hours_start="00:00",
        quiet_hours_end="00:00",
    )
    now = datetime.now(UTC)
    with store.session() as s:
        create_survey(
            s,
            {**SPEC, "title": {"zh": "网点\r\nBcc: evil@x.com 调查", "en": "Visit"}},
            ME,
            publish=True,
        )
        invite(
            store,
            s,
            "visit",
            [
                Recipient("C1", email="wang@example.com", consent_email=True, language="zh"),
                Recipient("C2", email="li@example.com", consent_email=True, language="en"),
            ],
            ME,
            channel=Channel.email,
            now=now,
        )
    assert send_due(store, now=now).sent == 2
    assert send_due(store, now=now).sent == 0  # nothing twice
    assert len(inbox.messages) == 2
    zh = next(m for m in inbox.messages if m["To"] == "wang@example.com")
    assert zh["Message-ID"] == "<invitation-1-send@bank.example>"
    subject = str(make_header(decode_header(zh["Subject"])))
    assert subject == "网点 Bcc: evil@x.com 调查" and zh["Bcc"] is None  # no header injection
    body = zh.get_payload(decode=True).decode()
    assert "/r/" in body and "/u/" in body and "您好" in body
    # C1 answers; after 3 days only C2 gets a reminder, and only one
    token = body.split("/r/")[1].split()[0]
    with store.session() as s:
        submit_personal(s, store.settings.secret, token, {"nps": 8})
    later = now + timedelta(days=3, minutes=1)
    result = send_due(store, now=later)
    assert (result.sent, result.reminded) == (0, 1)
    assert send_due(store, now=later + timedelta(days=5)).reminded == 0
    reminder = inbox.messages[-1]
    assert reminder["To"] == "li@example.com" and reminder["Subject"].startswith("Reminder")
    store.close()


def test_unsubscribe_takes_effect_before_the_send(
    tmp_path: Path, store_url: str, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    store = make_store(
        tmp_path,
        store_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        quiet_hours_start="00:00",
        quiet_hours_end="00:00",
    )
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        invite(
            store,
            s,
            "visit",
            [Recipient("C1", email="a@example.com", consent_email=True)],
            ME,
            channel=Channel.email,
        )
        unsubscribe(s, "C1", "email", "test")
    result = send_due(store)
    assert (result.sent, result.suppressed) == (0, 1) and inbox.messages == []
    store.close()


def test_sms_through_the_gateway(
    tmp_path: Path, store_url: str, gateway: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = gateway
    store = make_store(
        tmp_path,
        store_url,
        sms_gateway_url=url,
        sms_gateway_token="gw-token",
        quiet_hours_start="00:00",
        quiet_hours_end="00:00",
    )
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        invite(
            store,
            s,
            "visit",
            [
                Recipient("C1", phone="+8613800000001", consent_sms=True, language="zh"),
                Recipient("C2", phone="+8613800000002", consent_sms=False),
            ],
            ME,
            channel=Channel.sms,
        )
    assert send_due(store).sent == 1
    (msg,) = received
    assert msg["to"] == "+8613800000001" and "/r/" in msg["text"] and "退订" in msg["text"]
    assert msg["key"] == "inv-1-s" and msg["auth"] == "Bearer gw-token"
    store.close()


def test_smtp_down_is_recorded_and_retried(tmp_path: Path, store_url: str) -> None:
    store = make_store(
        tmp_path,
        store_url,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_timeout=2,
        quiet_hours_start="00:00",
        quiet_hours_end="00:00",
    )
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        invite(
            store,
            s,
            "visit",
            [Recipient("C1", email="a@example.com", consent_email=True)],
            ME,
            channel=Channel.email,
        )
    assert send_due(store).failed == 1
    with store.session() as s:
        inv = s.scalar(sa.select(Invitation))
        assert inv is not None and inv.status == "failed" and inv.error and inv.contacted_at is None
    assert send_due(store).failed == 1  # still due: retried on the next call
    store.close()


def test_recipients_file_errors_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "customer_id,email,consent_email\nC1,a@x.com,yes\n,b@x.com,no\n", encoding="utf-8"
    )
    from loyalloop.errors import DataValidationError

    with pytest.raises(DataValidationError, match="line 3, column customer_id: empty"):
        read_recipients(path)
    path.write_text("customer_id,consent_email\nC1,maybe\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="line 2, column consent_email: 'maybe'"):
        read_recipients(path)
    path.write_text("id\nC1\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no customer_id column"):
        read_recipients(path)
