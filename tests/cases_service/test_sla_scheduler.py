"""The SLA scheduler with an injected clock, on SQLite and PostgreSQL: warning before the
breach, escalation to the team's manager exactly once, SMTP down → retried, not lost, not
doubled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from smtpkit import free_port, smtp_server
from svc_fixtures import make_store

from loyalloop.cases import Signal, SignalKind
from loyalloop.services import Actor, Store
from loyalloop.services.cases import add_note, apply_signals, get_case, set_team
from loyalloop.services.sla_scheduler import tick
from loyalloop.store.models import CaseNotification, CaseRow

ADMIN = Actor("admin@bank.example", "admin", 1)
# Monday 2026-06-01 09:00 Shanghai = 01:00 UTC; the standard class counts 09-12 and 13-18
MON_9 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def open_detractor(store: Store, customer: str = "C1", score: float = 0) -> int:
    with store.session() as s:
        set_team(s, "cx_callback", actor=ADMIN, manager_email="boss@bank.example",
                 agents=["ann@bank.example"])  # fmt: skip
        sig = Signal(f"r-{customer}", customer, SignalKind.FEEDBACK, MON_9, score_type="nps",
                     score=score)  # fmt: skip
        return apply_signals(s, [sig], now=MON_9).opened[0]


def notifications(store: Store) -> list[tuple[str, str, str]]:
    with store.session() as s:
        return [
            (n.kind, n.target, n.status)
            for n in s.scalars(sa.select(CaseNotification).order_by(CaseNotification.id))
        ]


def test_warning_then_breach_escalated_once_in_business_hours(
    tmp_path: Path, store_url: str
) -> None:
    port = free_port()
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=port,
                       smtp_from="cases@bank.example")  # fmt: skip
    try:
        cid = open_detractor(store)
        with store.session() as s:
            row = s.get(CaseRow, cid)
            assert row is not None
            fr = row.first_response_seconds
            assert row.priority == "P2" and fr == 4 * 3600  # NPS 0 → severity 1: P2, 4 h
        with smtp_server(port) as inbox:
            # 09:00 + 4 working hours = 14:00 (lunch 12-13 does not count); warning at 75%: 12:00
            r = tick(store, MON_9 + 2.9 * H)  # 11:54: nothing due
            assert (r.warnings, r.breaches, r.sent) == (0, 0, 0)
            r = tick(store, MON_9 + 3 * H)  # 12:00 Shanghai: the first-response warning
            assert (r.warnings, r.breaches, r.sent) == (1, 0, 1)
            r = tick(store, MON_9 + 4.9 * H)  # 13:54: 3 h 54 min of working time used
            assert (r.warnings, r.breaches) == (0, 0)
            r = tick(store, MON_9 + 5 * H)  # 14:00: breach
            assert (r.breaches, r.sent) == (1, 1)
            for _ in range(3):  # ticking again (a restart, a second scheduler) sends nothing
                r = tick(store, MON_9 + 5.5 * H)
                assert (r.warnings, r.breaches, r.sent) == (0, 0, 0)
            subjects = [str(m["Subject"]) for m in inbox.messages]
            ids = inbox.ids()
        assert len(subjects) == 2 and "SLA warning" in subjects[0] and "breached" in subjects[1]
        assert ids == [
            f"<case-{cid}-first_response-warning@bank.example>",
            f"<case-{cid}-first_response-breach@bank.example>",
        ]
        assert all(str(m["To"]) == "boss@bank.example" for m in inbox.messages)
        with store.session() as s:
            row = s.get(CaseRow, cid)
            assert row is not None and row.escalated_at == MON_9 + 5 * H
            assert row.version == get_case(s, cid).version  # the scheduler bumps no version
    finally:
        store.close()


def test_a_response_in_time_stops_the_clock(tmp_path: Path, store_url: str) -> None:
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=free_port())
    try:
        cid = open_detractor(store)
        with store.session() as s:
            add_note(s, cid, "我们已致电客户", visibility="customer", expected_version=None,
                     actor=Actor("ann@bank.example", "agent"), now=MON_9 + 2 * H)  # fmt: skip
        r = tick(store, MON_9 + 6 * H)
        assert (r.warnings, r.breaches) == (0, 0)
        assert notifications(store) == []
    finally:
        store.close()


def test_breach_after_a_weekend_is_found_by_the_next_tick(tmp_path: Path, store_url: str) -> None:
    """Opened Friday 17:00: 4 working hours end Monday 12:00; a scheduler that was down all
    weekend escalates once on Monday, with the warning superseded (not sent late)."""
    port = free_port()
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=port)
    fri_17 = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)
    try:
        with store.session() as s:
            set_team(s, "cx_callback", actor=ADMIN, manager_email="boss@bank.example")
            sig = Signal("r1", "C1", SignalKind.FEEDBACK, fri_17, score_type="nps", score=0)
            apply_signals(s, [sig], now=fri_17)
        with smtp_server(port) as inbox:
            r = tick(store, dt.datetime(2026, 6, 8, 3, 59, tzinfo=dt.UTC))  # Mon 11:59
            assert (r.warnings, r.breaches) == (1, 0)
            r = tick(store, dt.datetime(2026, 6, 8, 4, 0, tzinfo=dt.UTC))  # Mon 12:00
            assert r.breaches == 1
            assert len(inbox.messages) == 2
    finally:
        store.close()


def test_smtp_down_is_retried_and_sent_once_when_back(tmp_path: Path, store_url: str) -> None:
    port = free_port()
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=port,
                       smtp_timeout=2)  # fmt: skip
    try:
        open_detractor(store)
        r = tick(store, MON_9 + 6 * H)  # nobody listens on the port
        assert (r.breaches, r.sent, r.failed, r.pending) == (1, 0, 1, 1)
        assert r.superseded == 1  # the warning was never sent in time: not sent late
        r = tick(store, MON_9 + 6.5 * H)
        assert (r.breaches, r.failed, r.pending) == (0, 1, 1)
        with store.session() as s:
            n = s.scalars(
                sa.select(CaseNotification).where(CaseNotification.kind == "breach")
            ).one()
            assert n.attempts == 2 and n.last_error and n.status == "pending"
        with smtp_server(port) as inbox:
            r = tick(store, MON_9 + 7 * H)
            assert (r.sent, r.failed, r.pending) == (1, 0, 0)
            tick(store, MON_9 + 8 * H)
            assert len(inbox.messages) == 1 and "breached" in str(inbox.messages[0]["Subject"])
        assert sorted(notifications(store)) == [
            ("breach", "first_response", "sent"),
            ("warning", "first_response", "superseded"),
        ]
    finally:
        store.close()


def test_no_manager_is_recorded_not_lost(tmp_path: Path, store_url: str) -> None:
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=free_port())
    try:
        with store.session() as s:
            sig = Signal("r1", "C1", SignalKind.FEEDBACK, MON_9, score_type="nps", score=0)
            apply_signals(s, [sig], now=MON_9)  # the team has no row: no manager
        r = tick(store, MON_9 + 6 * H)
        assert r.breaches == 1 and r.sent == 0
        assert ("breach", "first_response", "no_recipient") in notifications(store)
        with store.session() as s:
            assert s.scalar(sa.select(CaseRow.escalated_at)) is not None
    finally:
        store.close()
