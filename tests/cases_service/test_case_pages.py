"""Case pages and the cases API: queue, case page (customer text escaped), changes with the
version seen (the second writer gets 409 and nothing is saved), the rules admin page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from apikit import build

from loyalloop.services import Actor, Store
from loyalloop.services.cases import set_team
from loyalloop.store.models import CaseEventRow, CaseRow

XSS = '<script>alert("x")</script>我要投诉'


def version_of(html: str) -> int:
    m = re.search(r'name="version" value="(\d+)"', html)
    assert m is not None
    return int(m.group(1))


def test_agent_works_a_case_and_a_stale_form_is_a_conflict(store: Store) -> None:
    world = build(store, customers=2)
    with store.session() as s:
        set_team(s, "complaints", actor=Actor.cli(), manager_email="m@bank.example",
                 agents=["agent@bank.example", "admin@bank.example"])  # fmt: skip
    anon = world.client(None)
    r = anon.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 1, "why": XSS, "improve": "x"}})
    assert r.status_code == 201
    assert world.app.state.response_hooks.wait_idle(10)  # type: ignore[attr-defined]
    with store.session() as s:
        cid = s.scalar(sa.select(CaseRow.id))
    agent = world.client("agent")
    queue = agent.get("/cases")
    assert queue.status_code == 200 and f'data-case="{cid}"' in queue.text  # round robin: agent
    page = agent.get(f"/cases/{cid}")
    assert page.status_code == 200
    i = page.text.find("<script>alert")
    assert i < 0, page.text[i - 300 : i + 100]
    assert "&lt;script&gt;alert" in page.text
    v = version_of(page.text)
    # two agents with the same form: the first wins, the second gets 409 with the current case
    admin = world.client("admin")
    first = agent.post(f"/cases/{cid}/notes", data={"version": v, "note": "called the customer",
                                                    "visibility": "customer"},
                       follow_redirects=False)  # fmt: skip
    assert first.status_code == 303
    second = admin.post(f"/cases/{cid}/notes", data={"version": v, "note": "admin's note"})
    assert second.status_code == 409
    assert "nothing was saved" in second.text or "未保存" in second.text
    assert "called the customer" in second.text
    with store.session() as s:
        notes = s.scalars(sa.select(CaseEventRow.text).where(CaseEventRow.kind == "note")).all()
    assert notes == ["called the customer"]
    # resolve through the JSON API with the current version
    case = agent.get(f"/api/v1/cases/{cid}").json()
    stale = agent.post(f"/api/v1/cases/{cid}/status",
                       json={"version": v, "status": "resolved", "resolution_code": "fixed"})  # fmt: skip
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    bad = agent.post(f"/api/v1/cases/{cid}/status",
                     json={"version": case["version"], "status": "resolved"})  # fmt: skip
    assert bad.status_code == 409 and "resolution code" in bad.json()["error"]["message"]
    ok = agent.post(f"/api/v1/cases/{cid}/status", json={"version": case["version"],
                    "status": "resolved", "resolution_code": "fixed"})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["status"] == "resolved"
    # the page in Chinese
    agent.cookies.set("ll_lang", "zh")
    zh = agent.get(f"/cases/{cid}")
    assert "已解决" in zh.text and "时间线" in zh.text
    # codes by their names: the resolution code, the timeline's events, the choices
    assert "(已修复)" in zh.text and " · 创建 → " in zh.text
    assert '<option value="no_fault_found">未发现问题</option>' in zh.text
    assert ">fixed<" not in zh.text and " · opened → " not in zh.text
    en = world.client("agent").get(f"/cases/{cid}").text
    assert "(fixed)" in en and " · opened → " in en


def test_rules_admin_page_validates_and_versions(store: Store) -> None:
    world = build(store, customers=1)
    analyst = world.client("analyst")
    page = analyst.get("/admin/case-rules")
    assert page.status_code == 200 and "version: 1" in page.text
    bad = analyst.post("/admin/case-rules", data={"rules": "version: 2\nrules:\n  - id: x\n"
                                                  "    kind: nonsense\n"})  # fmt: skip
    assert bad.status_code == 422 and "line" in bad.text and "kind" in bad.text
    from importlib.resources import files

    text = (files("loyalloop.cases") / "data" / "default_cases.yaml").read_text("utf-8")
    ok = analyst.post("/admin/case-rules", data={"rules": text.replace("max_score: 6",
                      "max_score: 5").replace("version: 1", "version: 2")})  # fmt: skip
    assert ok.status_code == 200 and "version 2 stored" in ok.text
    assert world.client("agent").get("/admin/case-rules").status_code == 403


def test_case_reasons_in_the_readers_language_and_old_rows_as_written(store: Store) -> None:
    from loyalloop.store.models import CaseSignal

    world = build(store, customers=2)
    with store.session() as s:
        set_team(s, "complaints", actor=Actor.cli(), manager_email="m@bank.example",
                 agents=["agent@bank.example"])  # fmt: skip
    anon = world.client(None)
    r = anon.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 1, "why": "x", "improve": "y"}})
    assert r.status_code == 201
    assert world.app.state.response_hooks.wait_idle(10)  # type: ignore[attr-defined]
    with store.session() as s:
        cid = s.scalar(sa.select(CaseRow.id))
        detail = s.scalar(sa.select(CaseSignal.detail).where(CaseSignal.case_id == cid))
    # stored as a code with params, and the English sentence for exports
    assert detail["reasons"][0] == {
        "code": "nps_detractor",
        "params": {"score": 1.0, "max_score": 6.0},
        "text": "NPS answer 1 (detractor: 0–6)",
    }
    agent = world.client("agent")
    en = agent.get(f"/cases/{cid}").text
    assert "NPS answer 1 (detractor: 0–6)" in en
    agent.cookies.set("ll_lang", "zh")
    zh = agent.get(f"/cases/{cid}").text
    assert "NPS 评分 1（贬损者：0–6 分）" in zh
    # neither the signals list nor the timeline's "opened" event shows the English sentence
    assert "NPS answer" not in zh and "unknown; counted as" not in zh
    api = agent.get(f"/api/v1/cases/{cid}").json()
    assert api["reasons"][0][0]["code"] == "nps_detractor"
    assert api["reasons"][0][0]["text"] == "NPS answer 1 (detractor: 0–6)"
    # a row stored before the codes (plain sentences) still shows, as written
    with store.session() as s:
        sig = s.scalar(sa.select(CaseSignal).where(CaseSignal.case_id == cid))
        sig.detail = {**sig.detail, "reasons": ["an old reason in words"]}
        s.commit()
    assert "an old reason in words" in agent.get(f"/cases/{cid}").text
    old = agent.get(f"/api/v1/cases/{cid}").json()["reasons"][0][0]
    assert old == {"code": "text", "params": {"text": "an old reason in words"},
                   "text": "an old reason in words"}  # fmt: skip


def _case(owner: str | None, customer: str) -> CaseRow:
    import datetime as dt

    return CaseRow(
        customer_id=customer,
        topic="complaint",
        team="complaints",
        sla_class="standard",
        priority="P2",
        status="new",
        owner=owner,
        first_response_seconds=3600.0,
        resolution_seconds=86400.0,
        warning_fraction=0.8,
        opened_at=dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC),
    )


def test_the_queue_opens_on_the_roles_view(store: Store) -> None:
    """An agent opens on their own cases; an admin (who assigns) on the unassigned ones — not on
    an empty "my cases"; the links switch views, in both languages."""
    world = build(store, customers=2)
    with store.session() as s:
        mine, nobodys = _case("agent@bank.example", "C1"), _case(None, "C2")
        s.add_all([mine, nobodys])
        s.commit()
        mine_id, nobodys_id = mine.id, nobodys.id
    agent, admin = world.client("agent"), world.client("admin")
    page = agent.get("/cases").text
    assert f'data-case="{mine_id}"' in page and f'data-case="{nobodys_id}"' not in page
    assert '<a href="/cases?view=mine" aria-current="page">' in page
    page = admin.get("/cases").text
    assert f'data-case="{nobodys_id}"' in page and f'data-case="{mine_id}"' not in page
    assert '<a href="/cases?view=unassigned" aria-current="page">' in page
    # the other views on request
    assert f'data-case="{nobodys_id}"' in agent.get("/cases?view=unassigned").text
    assert f'data-case="{nobodys_id}"' not in admin.get("/cases?view=mine").text
    every = admin.get("/cases?owner=").text
    assert f'data-case="{mine_id}"' in every and f'data-case="{nobodys_id}"' in every
    assert admin.get("/cases?view=other").status_code == 422
    admin.cookies.set("ll_lang", "zh")
    zh = admin.get("/cases").text
    assert "<h1>工单 · 待分配工单</h1>" in zh and "Unassigned" not in zh


def test_case_reasons_joined_and_masks_worded_in_the_readers_language(store: Store) -> None:
    """Two reasons read "…；…" in Chinese and "…; …" in English; the customer's words keep
    their stored mask token and show it as "[电话]" to a Chinese reader, escaped."""
    from loyalloop.store.models import CaseSignal

    world = build(store, customers=2)
    with store.session() as s:
        set_team(s, "complaints", actor=Actor.cli(), agents=["agent@bank.example"])
    anon = world.client(None)
    r = anon.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 1, "why": "x", "improve": "y"}})
    assert r.status_code == 201
    assert world.app.state.response_hooks.wait_idle(10)  # type: ignore[attr-defined]
    two = [{"code": "nps_detractor", "params": {"score": s, "max_score": 6.0}} for s in (1.0, 2.0)]
    with store.session() as s:
        cid = s.scalar(sa.select(CaseRow.id))
        sig = s.scalar(sa.select(CaseSignal).where(CaseSignal.case_id == cid))
        sig.detail = {**sig.detail, "reasons": two, "text": "<i>call</i> me on [phone]"}
        s.commit()
        stored = s.scalar(sa.select(CaseSignal.detail).where(CaseSignal.case_id == cid))["text"]
    agent = world.client("agent")
    en = agent.get(f"/cases/{cid}").text
    assert "NPS answer 1 (detractor: 0–6); NPS answer 2 (detractor: 0–6)" in en
    assert "&lt;i&gt;call&lt;/i&gt; me on [phone]" in en
    agent.cookies.set("ll_lang", "zh")
    zh = agent.get(f"/cases/{cid}").text
    assert "NPS 评分 1（贬损者：0–6 分）；NPS 评分 2（贬损者：0–6 分）" in zh
    assert "&lt;i&gt;call&lt;/i&gt; me on [电话]" in zh and "[phone]" not in zh
    assert "; NPS" not in zh
    assert stored == "<i>call</i> me on [phone]"  # the stored text is unchanged
