"""One customer's answers evaluated together or at once make one case, never a crash.

The quiet-machine benchmark on PostgreSQL (2026-12-01) stopped the case worker on
``uq_cases_open_customer_topic``: the worker and the sweep evaluated one customer's detractor
answers at the same moment and both tried to open the customer's one open detractor case.
These tests reproduce that — in one batch, from two threads released together after both
read "no open case", and from several threads on overlapping batches — on SQLite and
PostgreSQL; and they show that one bad response is set apart, not the batch or the worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from apikit import SPEC, build

import loyalloop.services.cases as cases_mod
from loyalloop.services import Actor, Store
from loyalloop.services.cases import cases_from_responses, sweep_responses
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.response_hooks import ResponseHooks
from loyalloop.services.responses import submit_personal
from loyalloop.services.surveys import create_survey
from loyalloop.store.models import CaseRow, CaseSignal, Response

DETRACTOR = {"nps": 2, "why": "服务太慢", "improve": "快一点"}


def answered_twice(store: Store, customers: int) -> list[tuple[int, int]]:
    """Each customer answers two surveys as a detractor: (first, second) response ids."""
    with store.session() as s:
        create_survey(s, SPEC, Actor.cli(), publish=True)
        create_survey(s, {**SPEC, "key": "visit2"}, Actor.cli(), publish=True)
        people = [Recipient(f"C{i:03d}", email=f"c{i}@mail.example") for i in range(customers)]
        links = [
            invite(store, s, key, people, Actor.cli(), frequency_cap_days=0).links
            for key in ("visit", "visit2")
        ]
    pairs = []
    with store.session() as s:
        for a, b in zip(*links, strict=True):
            ids = [
                submit_personal(
                    s, store.settings.secret, link.url.rsplit("/", 1)[1], DETRACTOR, lang="zh"
                ).response_id
                for link in (a, b)
            ]
            pairs.append((ids[0], ids[1]))
    return pairs


def state(store: Store) -> tuple[dict[str, int], dict[str, int], list[int]]:
    """Open cases per customer, signals per customer, responses still waiting."""
    with store.session() as s:
        n_cases = dict(
            s.execute(
                sa.select(CaseRow.customer_id, sa.func.count())
                .where(CaseRow.topic == "detractor")
                .group_by(CaseRow.customer_id)
            ).all()
        )
        n_sigs = dict(
            s.execute(
                sa.select(CaseSignal.customer_id, sa.func.count()).group_by(CaseSignal.customer_id)
            ).all()
        )
        waiting = list(
            s.scalars(sa.select(Response.id).where(Response.rules_revision < Response.revision))
        )
    return n_cases, n_sigs, waiting


def run_threads(targets: list[Callable[[], Any]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return errors


def test_two_detractor_answers_in_one_batch_make_one_case(store: Store) -> None:
    pairs = answered_twice(store, 3)
    res = cases_from_responses(store, [i for p in pairs for i in p])
    assert len(res.opened) == 3 and res.added == () and res.left == ()
    assert res.signals == 6 and res.matched == 6
    n_cases, n_sigs, waiting = state(store)
    assert n_cases == {"C000": 1, "C001": 1, "C002": 1}
    assert n_sigs == {"C000": 2, "C001": 2, "C002": 2} and waiting == []


def test_two_workers_opening_one_customers_case_at_once(
    store: Store, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both workers read "no open case" before either writes: the loser adds its answer to
    the winner's case (PostgreSQL: the unique key; SQLite takes one writer at a time)."""
    (first, second), *_ = answered_twice(store, 1)
    read = cases_mod._open_cases
    both_read = threading.Barrier(2, timeout=10)
    calls = threading.local()

    def open_cases_then_wait(session: Any, customers: set[str]) -> Any:
        out = read(session, customers)
        if backend == "postgresql" and not getattr(calls, "done", False):
            calls.done = True
            both_read.wait()  # both transactions saw no open case
        return out

    monkeypatch.setattr(cases_mod, "_open_cases", open_cases_then_wait)
    results: list[Any] = []
    errors = run_threads(
        [lambda r=r: results.append(cases_from_responses(store, [r])) for r in (first, second)]
    )
    assert errors == []
    assert sorted((len(r.opened), len(r.added)) for r in results) == [(0, 1), (1, 0)]
    assert all(r.left == () for r in results)
    n_cases, n_sigs, waiting = state(store)
    assert n_cases == {"C000": 1} and n_sigs == {"C000": 2} and waiting == []


def test_workers_and_sweeps_on_overlapping_batches(store: Store) -> None:
    """Four threads (as the worker and the scheduler's sweep under load) evaluate the same
    customers' answers in batches that overlap: one case per customer, each answer once."""
    pairs = answered_twice(store, 40)
    firsts = [p[0] for p in pairs]
    seconds = [p[1] for p in pairs]
    batches = [firsts, seconds[::-1], firsts[::2] + seconds[1::2], seconds[::2] + firsts[1::2]]
    errors = run_threads(
        [(lambda b=b: cases_from_responses(store, b)) for b in batches]
        + [lambda: sweep_responses(store, batch=16)]
    )
    assert errors == []
    n_cases, n_sigs, waiting = state(store)
    assert set(n_cases.values()) == {1} and len(n_cases) == 40
    assert set(n_sigs.values()) == {2} and len(n_sigs) == 40
    assert waiting == []


def break_answer(store: Store, response_id: int) -> None:
    """A stored answer of the wrong shape (an NPS score that is no number)."""
    with store.session() as s:
        r = s.get(Response, response_id)
        assert r is not None
        r.answers = {**r.answers, "nps": "zwei"}
        s.commit()


def test_a_bad_response_is_set_apart_and_the_rest_evaluated(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    pairs = answered_twice(store, 4)
    bad = pairs[1][0]
    break_answer(store, bad)
    with caplog.at_level(logging.WARNING, logger="loyalloop.services.cases"):
        res = cases_from_responses(store, [i for p in pairs for i in p])
    assert [rid for rid, _ in res.left] == [bad]
    assert "ValueError" in res.left[0][1]
    assert f"response {bad} left for the sweep" in caplog.text
    n_cases, n_sigs, waiting = state(store)
    assert len(n_cases) == 4 and n_sigs == {"C000": 2, "C001": 1, "C002": 2, "C003": 2}
    assert waiting == [bad]  # the sweep tries it again
    assert sweep_responses(store).left == res.left


def test_a_case_that_cannot_be_written_is_set_apart(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure comes while writing one customer's case (after the signals were made):
    the batch is halved until that customer's answers are alone; the others get cases."""
    pairs = answered_twice(store, 6)
    attach = cases_mod._attach

    def refuse_c004(session: Any, case_id: int, action: Any, by_id: Any) -> None:
        if action.customer_id == "C004":
            raise ValueError("C004 refused by the test")
        attach(session, case_id, action, by_id)

    monkeypatch.setattr(cases_mod, "_attach", refuse_c004)
    res = cases_from_responses(store, [i for p in pairs for i in p])
    assert sorted(rid for rid, _ in res.left) == sorted(pairs[4])
    assert all("C004 refused by the test" in why for _, why in res.left)
    n_cases, n_sigs, waiting = state(store)
    assert sorted(n_cases) == ["C000", "C001", "C002", "C003", "C005"]
    assert set(n_sigs.values()) == {2} and sorted(waiting) == sorted(pairs[4])


def test_the_worker_thread_goes_on_after_a_bad_response(store: Store) -> None:
    world = build(store, customers=3)
    hooks: ResponseHooks = world.app.state.response_hooks  # type: ignore[attr-defined]
    hooks.close()  # evaluated by hand below, on a worker of our own
    with store.session() as s:
        ids = [
            submit_personal(s, store.settings.secret, t, DETRACTOR, lang="zh").response_id
            for t in world.tokens
        ]
    break_answer(store, ids[0])
    worker = ResponseHooks(store, batch=10, idle=30)
    for rid in ids:
        worker.submitted(rid)
    assert worker.wait_idle(10)
    n_cases, _, waiting = state(store)
    assert sorted(n_cases) == ["C1", "C2"] and waiting == [ids[0]]
    thread = worker._thread
    assert thread is not None and thread.is_alive()  # it did not die on the bad one
