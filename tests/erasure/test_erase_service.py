"""Erasure on the service, on SQLite and PostgreSQL: the admin API route with its explicit
confirmation, the admin page, and every text column of every store table searched afterwards
(the store alone: no warehouse and no run in this home)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from loyalloop.errors import NotFoundError
from loyalloop.services import Store
from loyalloop.services.audit import Actor
from loyalloop.services.erasure import erase_person, export_person
from loyalloop.store.models import (
    Campaign,
    CampaignAssignment,
    CaseEventRow,
    CaseRow,
    CaseSignal,
    OutboxMessage,
)

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from apikit import World, build

COMMENT = "年费扣了两次，电话没人接 QQ-55831"
EMAIL, PHONE = "c0@mail.example", "+8613800000000"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _seed(world: World) -> int:
    client = world.client(None)
    r = client.post(
        f"/r/{world.tokens[0]}", json={"answers": {"nps": 2, "why": COMMENT, "improve": "接电话"}}
    )
    assert r.status_code == 201, r.text
    assert world.app.state.response_hooks.wait_idle(10)  # type: ignore[attr-defined]
    with world.store.session() as s:
        case = CaseRow(
            customer_id="C0",
            topic="complaint",
            team="care",
            sla_class="standard",
            priority="P2",
            status="in_progress",
            open_key=1,
            first_response_seconds=3600.0,
            resolution_seconds=86400.0,
            warning_fraction=0.8,
            opened_at=NOW,
        )
        s.add(case)
        s.flush()
        s.add(CaseEventRow(case_id=case.id, seq=0, at=NOW, kind="opened", actor="rules"))
        s.add(
            CaseEventRow(
                case_id=case.id, seq=1, at=NOW, kind="note", actor="agent@bank.example",
                text=f"called {PHONE}, mailed {EMAIL}", visibility="internal",
            )
        )  # fmt: skip
        s.add(
            CaseSignal(
                signal_id="run:3:churn:C0", case_id=case.id, customer_id="C0", kind="churn",
                at=NOW, rule_id="r1", detail={"text": COMMENT, "reasons": ["投诉"]},
            )
        )  # fmt: skip
        camp = Campaign(name="c", campaign_key="c-1", goal="win-back", channel="email")
        s.add(camp)
        s.flush()
        s.add(CampaignAssignment(campaign_id=camp.id, customer_id="C0", arm="a", assigned_at=NOW))
        s.add(
            OutboxMessage(
                campaign_id=camp.id, customer_id="C0", channel="email", idempotency_key="k0",
                contact=EMAIL, subject="您好", body=f"尊敬的客户 {EMAIL}",
            )
        )  # fmt: skip
        s.commit()
        return case.id


def _search(store: Store, terms: list[str]) -> dict[str, set[str]]:
    """Every text and JSON column of every store table, read through the engine."""
    found: dict[str, set[str]] = {}
    meta = sa.MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(sa.select(table)).all():
                for v in row:
                    text = (
                        v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
                    )
                    hits = {t for t in terms if t in text}
                    if hits:
                        found.setdefault(table.name, set()).update(hits)
    return found


def test_admin_erases_through_the_api_with_confirmation(store: Store) -> None:
    world = build(store)
    case_id = _seed(world)
    terms = [EMAIL, PHONE, COMMENT, "QQ-55831"]
    before = _search(store, terms)
    assert set().union(*before.values()) == set(terms)
    assert {"invitations", "responses", "case_events", "case_signals", "outbox_messages"} <= set(
        before
    )

    exported = export_person(store, "C0", actor=Actor.cli())
    assert json.loads(json.dumps(exported, allow_nan=False)) == exported  # strict JSON
    held = exported["store"]
    # the detractor's answer opened a case of its own (the response hook), besides the seeded one
    cases = sorted(c["id"] for c in held["cases"])
    assert case_id in cases and len(cases) == 2 and len(held["case_events"]) >= 3
    assert held["invitations"][0]["contact"] == EMAIL
    assert held["responses"][0]["answers"]["why"] == COMMENT
    assert held["campaign_messages"][0]["contact"] == EMAIL

    admin = world.client("admin")
    url = "/api/v1/customers/C0/erase"
    assert world.client("agent").post(url, json={"confirm": "C0"}).status_code == 403
    wrong = admin.post(url, json={"confirm": "C1"})
    assert wrong.status_code in (400, 422) and "confirm" in wrong.text
    assert admin.post(url, json={}).status_code == 422
    assert _search(store, terms) == before  # nothing happened without the confirmation

    r = admin.post(url, json={"confirm": "C0"})
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    assert result["complete"] and result["rows"] > 0 and result["actor"] == "admin@bank.example"
    assert _search(store, terms) == {}
    with store.session() as s:
        case = s.get(CaseRow, case_id)
        assert case is not None
        assert (case.status, case.resolution_code, case.open_key) == (
            "closed",
            "customer_erased",
            None,
        )
        assert case.customer_id == result["tombstone_id"]
        kinds = s.scalars(sa.select(CaseEventRow.kind).where(CaseEventRow.case_id == case_id)).all()
        assert kinds[-1] == "erased"
        sigs = set(s.scalars(sa.select(CaseSignal.signal_id)))
        assert f"run:3:churn:{result['tombstone_id']}" in sigs
        open_left = s.scalar(
            sa.select(sa.func.count()).select_from(CaseRow).where(CaseRow.open_key.is_not(None))
        )
        assert open_left == 0
        left = s.scalar(
            sa.select(sa.func.count())
            .select_from(CampaignAssignment)
            .where(CampaignAssignment.customer_id == "C0")
        )
        assert left == 0
    # the other customers are untouched
    assert any("c1@mail.example" in str(v) for v in _search(store, ["c1@mail.example"]).values())

    again = admin.post(url, json={"confirm": "C0"}).json()
    assert again["nothing_left"] and again["already_erased"]
    missing = admin.post("/api/v1/customers/NOPE/erase", json={"confirm": "NOPE"})
    assert missing.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_admin_page_asks_for_confirmation(store: Store) -> None:
    world = build(store)
    admin = world.client("admin")
    page = admin.get("/admin/erase")
    assert page.status_code == 200 and 'name="confirm"' in page.text
    admin.cookies.set("ll_lang", "zh")
    assert "删除客户个人数据" in admin.get("/admin/erase").text
    admin.cookies.set("ll_lang", "en")
    csrf = admin.headers.get("X-CSRF-Token", "")
    form = {"customer_id": "C1", "confirm": "C2", "csrf_token": csrf}
    refused = admin.post("/admin/erase", data=form)
    assert refused.status_code == 422 and "confirm" in refused.text
    done = admin.post("/admin/erase", data={**form, "confirm": "C1"})
    assert done.status_code == 200 and 'id="erase-result"' in done.text
    assert _search(store, ["c1@mail.example"]) == {}
    with pytest.raises(NotFoundError, match="not in the warehouse"):
        erase_person(store, "C-NEVER", actor=Actor.cli())


def test_registry_describes_every_store_table() -> None:
    from loyalloop.cases.erasure import DataLocation, ErasureAction, default_pii_registry
    from loyalloop.store.base import Base

    reg = default_pii_registry()
    missing = [t for t in Base.metadata.tables if reg.find(DataLocation.STORE, t) is None]
    assert not missing, f"store tables not in the PII registry: {missing}"
    # every table with a customer id column identifies the person by it
    for name, table in Base.metadata.tables.items():
        entry = reg.find(DataLocation.STORE, name)
        assert entry is not None
        if "customer_id" in table.c:
            assert entry.action is ErasureAction.REDACT and entry.key == "customer_id", name
