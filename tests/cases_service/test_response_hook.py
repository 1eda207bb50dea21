"""A detractor's answer becomes a case within moments of its submission (the web process's case
worker, off the request path), exactly once, and the sweep of ``loyalloop cases tick`` catches
answers the worker did not see (a stop before it got to them)."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from apikit import build

from loyalloop.api import create_app
from loyalloop.services import Store
from loyalloop.services.cases import sweep_responses
from loyalloop.services.response_hooks import _WAKE, ResponseHooks
from loyalloop.services.responses import submit_personal
from loyalloop.store.models import CaseRow, CaseSignal, Response


def cases(store: Store) -> dict[str, tuple[str, str]]:
    with store.session() as s:
        return {r.customer_id: (r.topic, r.status) for r in s.scalars(sa.select(CaseRow))}


#: Bounds a hang only (a worker that never finishes); the worker takes milliseconds.
HANG = 120


def test_a_detractor_answer_becomes_a_case_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At once, here, is the web process's case worker: the answer's submission queues it and the
    worker's thread evaluates it, with no sweep (``loyalloop cases tick``) in between. What ran
    is checked, not how long it took (a timed assertion fails on a loaded machine)."""
    world = build(store, customers=3)
    c = world.client(None)
    hooks = world.app.state.response_hooks  # type: ignore[attr-defined]
    evaluated: list[tuple[str, list[int]]] = []  # (thread, response ids) of each batch
    evaluate = hooks.evaluate

    def recording(ids: list[int]) -> None:
        evaluated.append((threading.current_thread().name, list(ids)))
        evaluate(ids)

    monkeypatch.setattr(hooks, "evaluate", recording)
    r = c.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 2, "why": "服务太慢",
                                                          "improve": "快一点"}})  # fmt: skip
    assert r.status_code == 201, r.text
    assert hooks.wait_idle(HANG)
    assert cases(store) == {"C0": ("detractor", "new")}
    # the case was opened by the worker's thread, on the submitted response, which it marked
    # evaluated: the sweep has nothing left to do for it
    with store.session() as s:
        (answer,) = s.scalars(sa.select(Response.id))
    assert evaluated == [("loyalloop-case-worker", [answer])]
    assert waiting(store) == []
    # a promoter opens nothing; a complaint phrase opens a complaint case, not a detractor one
    assert c.post(f"/r/{world.tokens[1]}", json={"answers": {"nps": 10}}).status_code == 201
    r = c.post(f"/r/{world.tokens[2]}", json={"answers": {"nps": 3, "why": "我要投诉你们的客服",
                                                          "improve": "x"}})  # fmt: skip
    assert r.status_code == 201
    assert hooks.wait_idle(HANG)
    assert cases(store) == {"C0": ("detractor", "new"), "C2": ("complaint", "new")}
    # the customer edits the answer: a new revision is a new signal on the same open case
    r = c.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 1, "why": "更差了",
                                                          "improve": "y"}})  # fmt: skip
    assert r.status_code == 200
    assert hooks.wait_idle(HANG)
    assert {name for name, _ in evaluated} == {"loyalloop-case-worker"}
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


def build_app(store: Store) -> Any:
    return create_app(store.settings, store.analytics, store=store)


def waiting(store: Store) -> list[tuple[int, int]]:
    """(revision, rules_revision) of the responses the case rules have not seen."""
    with store.session() as s:
        rows = s.execute(
            sa.select(Response.revision, Response.rules_revision)
            .where(Response.rules_revision < Response.revision)
            .order_by(Response.id)
        ).all()
    return [tuple(r) for r in rows]


def test_an_edited_answer_waits_again_and_is_evaluated_once(store: Store) -> None:
    world = build(store, customers=1)
    with store.session() as s:
        submit_personal(s, store.settings.secret, world.tokens[0],
                        {"nps": 2, "why": "慢", "improve": "z"}, lang="zh")  # fmt: skip
    assert waiting(store) == [(1, 0)]
    first = sweep_responses(store)
    assert len(first.opened) == 1 and waiting(store) == []
    with store.session() as s:  # the customer edits the answer: revision 2 waits
        submit_personal(s, store.settings.secret, world.tokens[0],
                        {"nps": 1, "why": "更慢", "improve": "z"}, lang="zh")  # fmt: skip
    assert waiting(store) == [(2, 1)]
    second = sweep_responses(store)
    assert second.opened == () and len(second.added) == 1 and waiting(store) == []
    # evaluating again (a crash between the rules' commit and the mark) changes nothing
    with store.session() as s:
        s.execute(sa.update(Response).values(rules_revision=0))
        s.commit()
    again = sweep_responses(store)
    assert again.opened == () and again.added == () and waiting(store) == []
    assert cases(store) == {"C0": ("detractor", "new")}


def test_a_stop_before_the_worker_loses_no_case_and_makes_no_second(store: Store) -> None:
    """The server acknowledged the answers, then stopped before its case worker ran: the
    next process's sweep opens each case once; the worker and a sweep racing open it once."""
    world = build(store, customers=20)
    c = world.client(None)
    hooks = world.app.state.response_hooks  # type: ignore[attr-defined]
    hooks.close()  # the worker is gone: what is submitted now waits in the store
    for i, token in enumerate(world.tokens):
        body = {"answers": {"nps": i % 11, "why": "慢" if i % 11 <= 6 else "好", "improve": "z"}}
        assert c.post(f"/r/{token}", json=body).status_code == 201
    assert cases(store) == {} and len(waiting(store)) == 20
    # "restart": a new app's worker and a sweep evaluate the same responses at once
    restarted = build_app(store)
    with store.session() as s:
        ids = list(s.scalars(sa.select(Response.id)))
    for rid in ids:
        restarted.state.response_hooks.submitted(rid)
    res = sweep_responses(store)
    assert restarted.state.response_hooks.wait_idle(HANG)
    detractors = {f"C{i}" for i in range(20) if i % 11 <= 6}
    assert set(cases(store)) == detractors and waiting(store) == []
    with store.session() as s:  # one case per detractor, one signal per response
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseRow)) == len(detractors)
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseSignal)) == len(detractors)
    assert res.signals <= 20


class Recording(ResponseHooks):
    """The worker's queueing and batching, without the rules."""

    def __init__(self, store: Store, idle: float = 0.05) -> None:
        super().__init__(store, batch=3, idle=idle)
        self.seen: list[list[int]] = []

    def evaluate(self, ids: list[int]) -> None:
        time.sleep(0.01)
        self.seen.append(list(ids))


def test_the_worker_batches_ends_when_idle_and_starts_again(store: Store) -> None:
    hooks = Recording(store)
    for i in range(7):
        hooks.submitted(i)
    assert hooks.wait_idle(HANG)
    assert sorted(i for b in hooks.seen for i in b) == list(range(7))
    assert all(len(b) <= 3 for b in hooks.seen)
    thread = hooks._thread  # idle: the thread ends by itself (waited for, not slept on)
    if thread is not None:  # None: it already has
        thread.join(HANG)
        assert not thread.is_alive()
    assert hooks._thread is None
    hooks.submitted(7)  # the next answer starts it again
    assert hooks.wait_idle(HANG) and hooks.seen[-1] == [7]
    store.close()  # closing the store closes the worker: nothing more is taken
    hooks.submitted(8)
    time.sleep(0.2)
    assert hooks.seen[-1] == [7] and hooks._thread is None


class Waits:
    """The worker's queue, recording how each of the thread's waits for a response ended: the
    item it got, or ``"idle"`` when it waited out its ``timeout``."""

    def __init__(self, inner: queue.SimpleQueue[int]) -> None:
        self.inner = inner
        self.ended: list[int | str] = []

    def get(self, timeout: float | None = None) -> int:
        try:
            item = self.inner.get(timeout=timeout)
        except queue.Empty:
            self.ended.append("idle")
            raise
        self.ended.append(item)
        return item

    def get_nowait(self) -> int:
        return self.inner.get_nowait()

    def put(self, item: int) -> None:
        self.inner.put(item)

    def empty(self) -> bool:
        return self.inner.empty()


def test_closing_ends_the_thread_without_waiting_out_its_idle_time(store: Store) -> None:
    """Before session 32 the thread slept out its ``idle`` wait after a close (a web process's
    shutdown, or a test's teardown, waited that long). The thread's last wait must end on the
    close's wake-up, not on its idle timeout (checked on what ended the wait, not on the time
    the close took: a timed assertion fails on a loaded machine)."""
    hooks = Recording(store, idle=60)
    waits = Waits(hooks._queue)
    hooks._queue = waits  # type: ignore[assignment]
    for i in range(4):
        hooks.submitted(i)
    assert hooks.wait_idle(HANG)
    thread = hooks._thread
    assert thread is not None and thread.is_alive()  # waiting up to 60 s for more
    hooks.close()
    assert not thread.is_alive() and hooks._thread is None
    assert waits.ended[-1] == _WAKE and "idle" not in waits.ended  # woken, not timed out
    hooks.submitted(4)  # closed: nothing more is taken
    time.sleep(0.2)
    assert sorted(i for b in hooks.seen for i in b) == [0, 1, 2, 3]
