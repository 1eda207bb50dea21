"""A detractor's answer becomes a case while the request is answered (the survey page's hook),
and the sweep of ``loyalloop cases tick`` catches answers the hook did not see."""

from __future__ import annotations

import time

import sqlalchemy as sa
from apikit import build

from loyalloop.services import Store
from loyalloop.services.cases import sweep_responses
from loyalloop.services.responses import submit_personal
from loyalloop.store.models import CaseRow, CaseSignal


def cases(store: Store) -> dict[str, tuple[str, str]]:
    with store.session() as s:
        return {r.customer_id: (r.topic, r.status) for r in s.scalars(sa.select(CaseRow))}


def test_a_detractor_answer_becomes_a_case_at_once(store: Store) -> None:
    world = build(store, customers=3)
    c = world.client(None)
    t0 = time.monotonic()
    r = c.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 2, "why": "服务太慢",
                                                          "improve": "快一点"}})  # fmt: skip
    elapsed = time.monotonic() - t0
    assert r.status_code == 201, r.text
    assert cases(store) == {"C0": ("detractor", "new")}
    assert elapsed < 5  # "within seconds": the case exists when the customer sees "thanks"
    # a promoter opens nothing; a complaint phrase opens a complaint case, not a detractor one
    assert c.post(f"/r/{world.tokens[1]}", json={"answers": {"nps": 10}}).status_code == 201
    r = c.post(f"/r/{world.tokens[2]}", json={"answers": {"nps": 3, "why": "我要投诉你们的客服",
                                                          "improve": "x"}})  # fmt: skip
    assert r.status_code == 201
    assert cases(store) == {"C0": ("detractor", "new"), "C2": ("complaint", "new")}
    # the customer edits the answer: a new revision is a new signal on the same open case
    r = c.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 1, "why": "更差了",
                                                          "improve": "y"}})  # fmt: skip
    assert r.status_code == 200
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseRow)) == 2
        sigs = s.scalars(sa.select(CaseSignal.signal_id).order_by(CaseSignal.id)).all()
    assert sigs[0].endswith(":r1") and sigs[-1].endswith(":r2") and len(sigs) == 3
    # the sweep finds nothing new to do
    res = sweep_responses(store)
    assert res.opened == () and res.added == ()


def test_the_sweep_evaluates_answers_the_hook_missed(store: Store) -> None:
    world = build(store, customers=2)
    with store.session() as s:  # stored without the web page: no hook ran
        submit_personal(s, store.settings.secret, world.tokens[0],
                        {"nps": 0, "why": "销卡", "improve": "z"}, lang="zh")  # fmt: skip
        submit_personal(s, store.settings.secret, world.tokens[1], {"nps": 9}, lang="zh")
    assert cases(store) == {}
    res = sweep_responses(store)
    assert len(res.opened) == 1 and res.signals == 2
    assert cases(store) == {"C0": ("retention", "new")}
    again = sweep_responses(store)
    assert again.signals == 0 and again.opened == ()
