"""'You said, we did': the agent resolves the case and the customer gets the e-mail (aiosmtpd),
in the customer's language, their words quoted back without markup; once, recorded."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from apikit import build
from smtpkit import free_port, smtp_server
from svc_fixtures import make_store

from loyalloop.services import Actor
from loyalloop.services.cases import set_team
from loyalloop.store.models import AuditEvent, CaseEventRow, CaseRow


def version_of(html: str) -> int:
    m = re.search(r'name="version" value="(\d+)"', html)
    assert m is not None
    return int(m.group(1))


def test_resolved_case_tells_the_customer(tmp_path: Path, store_url: str) -> None:
    port = free_port()
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=port,
                       smtp_from="care@bank.example")  # fmt: skip
    try:
        world = build(store, customers=1)
        with store.session() as s:
            set_team(s, "complaints", actor=Actor.cli(), agents=["agent@bank.example"])
        said = "年费<b>乱扣</b>，我要投诉"
        r = world.client(None).post(
            f"/r/{world.tokens[0]}", json={"answers": {"nps": 2, "why": said, "improve": "退费"}}
        )
        assert r.status_code == 201
        assert world.app.state.response_hooks.wait_idle(10)  # type: ignore[attr-defined]
        with store.session() as s:
            cid = s.scalar(sa.select(CaseRow.id))
        agent = world.client("agent")
        v = version_of(agent.get(f"/cases/{cid}").text)
        early = agent.post(f"/cases/{cid}/tell", data={"version": v, "we_did": "退还年费"})
        assert early.status_code == 409 and "once it is resolved" in early.text
        done = agent.post(f"/cases/{cid}/status", data={"version": v, "status": "resolved",
                          "resolution_code": "compensated"}, follow_redirects=False)  # fmt: skip
        assert done.status_code == 303
        v = version_of(agent.get(f"/cases/{cid}").text)
        with smtp_server(port) as inbox:
            told = agent.post(f"/cases/{cid}/tell", data={"version": v, "we_did": "已退还年费 200 元"},
                              follow_redirects=False)  # fmt: skip
            assert told.status_code == 303, told.text[:500]
            assert len(inbox.messages) == 1
            m = inbox.messages[0]
        assert str(m["To"]) == "c0@mail.example"
        assert str(m["Message-ID"]) == f"<case-{cid}-told-v{v}@bank.example>"
        body = m.get_payload()[0].get_payload(decode=True).decode("utf-8")  # type: ignore[index,union-attr]
        assert "乱扣" in body and "我要投诉" in body and "<b>" not in body  # quoted, no tags
        assert "已退还年费 200 元" in body and "您好" in body  # the zh template
        with store.session() as s:
            note = s.scalars(
                sa.select(CaseEventRow).where(CaseEventRow.kind == "note")
            ).one()  # fmt: skip
            assert note.visibility == "customer" and "已退还年费" in note.text
            assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "cases.told_customer")) == 1  # fmt: skip
    finally:
        store.close()
