"""Shared pieces of the campaign service tests: an audience view, a campaign file, sinks."""

from __future__ import annotations

import copy
import importlib.util
import json
import socket
import threading
import time
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import ibis
from aiosmtpd.controller import Controller

from loyalloop.campaigns import audience_view


def _campaign_conftest() -> Any:
    """The campaign library's seeded run outputs (tests/campaigns/conftest.py)."""
    path = Path(__file__).parents[1] / "campaigns" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_campaign_lib_frames", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_lib = _campaign_conftest()
AS_OF = _lib.AS_OF
run_frames = _lib.run_frames

__all__ = ["AS_OF", "CAMPAIGN", "Gateway", "Inbox", "free_port", "make_view", "sms_campaign"]

CAMPAIGN: dict[str, Any] = {
    "name": "winback-test",
    "goal": "win-back",
    "channel": "email",
    "audience": {
        "name": "lapsing",
        "conditions": [{"field": "churn_probability", "op": ">=", "value": 0.3}],
    },
    "holdout_share": 0.2,
    "arms": [
        {"name": "offer", "share": 0.5, "offer": "policy", "template": "mail_offer"},
        {"name": "message", "share": 0.5, "template": "mail_plain"},
    ],
    "window_days": 30,
    "budget": 1_000_000,
    "contact_cost": 0.1,
    "templates": {
        "mail_offer": {
            "channel": "email",
            "subject": {"zh": "{{ customer.name }}，专属回馈", "en": "A gift for you"},
            "body": {
                "zh": "{{ customer.name[0] }}您好：{{ offer.name }} {{ link('offer') }}",
                "en": "Hello {{ customer.name[0] }}: {{ offer.name }} {{ link('offer') }}",
            },
            "links": {"offer": "https://example.com/offer"},
        },
        "mail_plain": {
            "channel": "email",
            "subject": {"zh": "好久不见", "en": "We miss you"},
            "body": {"zh": "{{ customer.name[0] }}您好，欢迎回来。", "en": "Welcome back."},
        },
    },
}


def sms_campaign(name: str = "sms-test") -> dict[str, Any]:
    """An SMS campaign spec — a deep copy: tests add audience conditions to theirs, and a shared
    nested audience would narrow every later test's campaign (it did: 4 customers instead of
    hundreds in the kill test when it ran after them)."""
    return {
        **{k: v for k, v in copy.deepcopy(CAMPAIGN).items() if k != "templates"},
        "name": name,
        "channel": "sms",
        "arms": [{"name": "message", "share": 1.0, "template": "sms_plain"}],
        "templates": {"sms_plain": {"channel": "sms", "body": {"zh": "好久不见，欢迎回来"}}},
    }


def make_view(con: ibis.BaseBackend, no_name: int = 0) -> ibis.Table:
    """The audience view of 400 seeded profiles; the first ``no_name`` have no name (a
    template using ``customer.name[0]`` fails for them)."""
    frames = run_frames()
    if no_name:
        p = frames["profiles"].copy()
        p.loc[: no_name - 1, "name"] = None
        frames["profiles"] = p
    tables = {k: con.create_table(f"t_{k}", v, overwrite=True) for k, v in frames.items()}
    return audience_view(tables, AS_OF)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def smtp_server() -> tuple[Controller, Inbox, int]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox, port


class Gateway:
    """A local HTTP gateway recording each request's body and Idempotency-Key; ``fail``
    answers that many requests with ``fail_status`` first; each request waits ``delay``
    seconds (read per request: a test may change it while the gateway runs)."""

    def __init__(self, fail: int = 0, fail_status: int = 500, delay: float = 0.0) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail = fail
        self.fail_status = fail_status
        self.delay = delay
        lock = threading.Lock()
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gw.delay:
                    time.sleep(gw.delay)
                with lock:
                    if gw.fail > 0:
                        gw.fail -= 1
                        self.send_response(gw.fail_status)
                        self.end_headers()
                        return
                    gw.received.append({**body, "key": self.headers.get("Idempotency-Key")})
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
