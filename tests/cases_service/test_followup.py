"""The follow-up survey after a resolved case: queued after the delay, only with consent for the
channel, in the customer's language with the case named, sent once (aiosmtpd), never twice."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from smtpkit import free_port, smtp_server
from svc_fixtures import make_store

from loyalloop.cases import Signal, SignalKind
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError
from loyalloop.services import Actor, Store
from loyalloop.services.cases import apply_signals, change_status, set_team
from loyalloop.services.followup import queue_followups
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.sla_scheduler import tick
from loyalloop.services.surveys import create_survey
from loyalloop.store.models import CaseRow, Invitation

T0 = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Shanghai
FOLLOWUP = {
    "key": "after",
    "title": {"zh": "处理回访", "en": "How did we do"},
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "text": {"zh": "您有多大可能推荐我们？", "en": "Recommend us?"},
        }
    ],
}
VISIT = {**FOLLOWUP, "key": "visit", "title": {"zh": "网点调查", "en": "Branch visit"}}
CUSTOMERS = (
    "customer_id,email,phone,consent_email,consent_sms\n"
    "C0,c0@mail.example,+8613800000000,yes,no\n"
    "C1,c1@mail.example,+8613800000001,no,no\n"
    "C3,c3@mail.example,+8613800000003,yes,yes\n"
)


def subject(m: Message) -> str:
    return str(make_header(decode_header(str(m["Subject"]))))


def _store(tmp_path: Path, url: str, port: int, **extra: object) -> Store:
    store = make_store(tmp_path, url, smtp_host="127.0.0.1", smtp_port=port,
                       smtp_from="care@bank.example", followup_survey="after",
                       followup_delay_hours=72, quiet_hours_start=dt.time(0, 0),
                       quiet_hours_end=dt.time(0, 0), **extra)  # fmt: skip
    csv = tmp_path / "customers.csv"
    csv.write_text(CUSTOMERS, encoding="utf-8")
    with open_warehouse(store.analytics) as wh:
        res = ingest(wh, "customers", [csv])
        assert res.loaded == 3
    with store.session() as s:
        set_team(s, "cx_callback", actor=Actor.cli(), agents=["agent@bank.example"])
        create_survey(s, FOLLOWUP, Actor.cli(), publish=True)
        create_survey(s, VISIT, Actor.cli(), publish=True)
        # C0 answered the branch survey in Chinese (their language), by link
        invite(store, s, "visit", [Recipient("C0", language="zh")], Actor.cli(), now=T0)
    return store


def _detractors(store: Store, ids: list[str], at: dt.datetime) -> dict[str, int]:
    signals = [
        Signal(f"r-{c}-{at.isoformat()}", c, SignalKind.FEEDBACK, at, score_type="nps", score=2)
        for c in ids
    ]
    with store.session() as s:
        apply_signals(s, signals, now=at)
        rows = s.execute(
            sa.select(CaseRow.customer_id, CaseRow.id).where(CaseRow.open_key.is_not(None))
        ).all()
    return {c: i for c, i in rows if c in ids}


def _move(store: Store, case_id: int, to: str, at: dt.datetime) -> None:
    with store.session() as s:
        change_status(s, case_id, to, expected_version=None, actor=Actor("agent@bank.example"),
                      resolution_code="fixed" if to in ("resolved", "closed") else None,
                      reason="the customer says it is not fixed", now=at)  # fmt: skip
        s.commit()


def test_followup_after_delay_with_consent_once(tmp_path: Path, store_url: str) -> None:
    port = free_port()
    store = _store(tmp_path, store_url, port)
    try:
        cases = _detractors(store, ["C0", "C1", "C2", "C3"], T0 - dt.timedelta(hours=5))
        assert len(cases) == 4
        for c in cases.values():
            _move(store, c, "resolved", T0)
        _move(store, cases["C3"], "in_progress", T0 + dt.timedelta(hours=1))  # reopened

        with smtp_server(port) as inbox:
            early = queue_followups(store, T0 + dt.timedelta(hours=71))
            assert (early.looked_at, early.invited, early.waiting) == (0, 0, 4)
            assert inbox.messages == []

            due = queue_followups(store, T0 + dt.timedelta(hours=73))
            assert due.looked_at == 4 and due.invited == 1 and due.already_invited == 0
            # C1 refused e-mail, C2 is not in the warehouse, C3's case was reopened
            assert due.skipped == {"no_consent": 1, "unknown_customer": 1, "reopened": 1}
            assert due.looked_at == due.invited + due.already_invited + sum(due.skipped.values())
            assert (due.sent, due.failed) == (1, 0)
            assert len(inbox.messages) == 1
            m = inbox.messages[0]
            assert str(m["To"]) == "c0@mail.example"
            assert f"工单 {cases['C0']}" in subject(m)  # Chinese, names the case
            body = m.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
            assert "/r/" in body and f"工单编号 {cases['C0']}" in body

            # later rounds: nothing new, nothing sent twice
            again = queue_followups(store, T0 + dt.timedelta(hours=90))
            assert (again.looked_at, again.invited, again.sent) == (0, 0, 0)

            # C0's next case, resolved too: the customer already has the follow-up survey
            _move(store, cases["C0"], "closed", T0 + dt.timedelta(hours=91))
            second = _detractors(store, ["C0"], T0 + dt.timedelta(hours=92))
            _move(store, second["C0"], "resolved", T0 + dt.timedelta(hours=93))
            later = queue_followups(store, T0 + dt.timedelta(hours=200))
            assert (later.looked_at, later.invited, later.already_invited) == (1, 0, 1)
            assert len(inbox.messages) == 1
        with store.session() as s:
            inv = s.scalars(
                sa.select(Invitation).where(Invitation.source.like("case:%"))
            ).one()  # fmt: skip
            assert inv.customer_id == "C0" and inv.source == f"case:{cases['C0']}"
            assert inv.language == "zh" and inv.status == "sent"
    finally:
        store.close()


def test_followup_runs_in_the_scheduler_tick(tmp_path: Path, store_url: str) -> None:
    port = free_port()
    store = _store(tmp_path, store_url, port)
    try:
        with store.session() as s:  # C3 answers in English
            invite(store, s, "visit", [Recipient("C3", language="en")], Actor.cli(), now=T0)
        cases = _detractors(store, ["C3"], T0 - dt.timedelta(hours=1))
        _move(store, cases["C3"], "resolved", T0)
        with smtp_server(port) as inbox:
            r = tick(store, T0 + dt.timedelta(days=4))
            assert (r.followups_invited, r.followups_sent, r.followup_error) == (1, 1, "")
            assert [str(m["To"]) for m in inbox.messages] == ["c3@mail.example"]
            assert "How did we do? Your case" in subject(inbox.messages[0])
    finally:
        store.close()


def test_followup_off_or_misconfigured(tmp_path: Path, store_url: str) -> None:
    port = free_port()
    store = _store(tmp_path, store_url, port)
    try:
        cases = _detractors(store, ["C0"], T0 - dt.timedelta(hours=1))
        _move(store, cases["C0"], "resolved", T0)
        off = queue_followups(store, T0 + dt.timedelta(days=9), survey="")
        assert off.to_dict() == {"looked_at": 0, "invited": 0, "already_invited": 0,
                                 "skipped": {}, "waiting": 0, "sent": 0, "failed": 0}  # fmt: skip
        with pytest.raises(ConfigError, match="LOYALLOOP_FOLLOWUP_SURVEY='nope'"):
            queue_followups(store, T0 + dt.timedelta(days=9), survey="nope")
        # a misconfigured follow-up never holds up the SLA round: reported, retried
        bad = make_store(tmp_path / "b", store_url, followup_survey="nope")
        try:
            res = tick(bad, T0 + dt.timedelta(days=9))
            assert "nope" in res.followup_error and res.followups_invited == 0
        finally:
            bad.close()
    finally:
        store.close()
