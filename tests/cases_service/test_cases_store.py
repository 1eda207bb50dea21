"""Cases on the store (SQLite and PostgreSQL): rules into cases, one open case per customer and
topic, round robin, transitions, notes, compensation under the budget, optimistic locking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from loyalloop.cases import CaseStatus, NoteVisibility, Signal, SignalKind
from loyalloop.errors import CaseRuleError, CaseTransitionError, ConflictError
from loyalloop.services import Actor, Store
from loyalloop.services.cases import (
    active_config,
    add_note,
    apply_signals,
    assign_case,
    change_status,
    get_case,
    grant_compensation,
    install_rules,
    queue,
    set_team,
)
from loyalloop.store.models import AuditEvent, CaseEventRow, CaseRow, CaseSignal, SlaTimer

ADMIN = Actor("admin@bank.example", "admin", 1)
ANN = Actor("ann@bank.example", "agent", 2)
BO = Actor("bo@bank.example", "agent", 3)
# Monday 2026-06-01 10:00 in Shanghai (a working day, inside working hours)
NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)


def nps(sid: str, customer: str, score: float, text: str = "") -> Signal:
    return Signal(sid, customer, SignalKind.FEEDBACK, NOW, score_type="nps", score=score, text=text)


def teams(store: Store) -> None:
    with store.session() as s:
        set_team(s, "cx_callback", actor=ADMIN, manager_email="boss@bank.example",
                 agents=[ANN.name, BO.name])  # fmt: skip
        set_team(s, "complaints", actor=ADMIN, manager_email="chief@bank.example",
                 agents=[BO.name])  # fmt: skip


def test_detractors_open_cases_round_robin_with_their_sla(store: Store) -> None:
    teams(store)
    with store.session() as s:
        res = apply_signals(
            s,
            [nps("r1", "C1", 3), nps("r2", "C2", 5), nps("r3", "C3", 9), nps("r4", "C4", 0)],
            now=NOW,
        )
        assert len(res.opened) == 3 and res.added == ()  # the promoter (9) opens nothing
        rows = {r.customer_id: r for r in s.scalars(sa.select(CaseRow))}
    assert set(rows) == {"C1", "C2", "C4"}
    assert [rows[c].owner for c in ("C1", "C2", "C4")] == [ANN.name, BO.name, ANN.name]
    c1 = rows["C1"]
    assert (c1.topic, c1.team, c1.sla_class, c1.status) == (
        "detractor", "cx_callback", "standard", "new"
    )  # fmt: skip
    # the standard class counts working hours (09-12, 13-18 Shanghai); its targets by priority
    cfg = active_config_of(store)
    expect = cfg.sla.targets("standard", cfg.rules.priority.score(
        clv_percentile=None, churn_probability=None, severity=0.7).priority)  # fmt: skip
    assert c1.first_response_seconds == expect.first_response
    assert c1.sla_due_at is not None and c1.sla_due_at > NOW
    with store.session() as s:
        timer = s.get(SlaTimer, c1.id)
        assert timer is not None and timer.next_check_at is not None
        # the warning comes before the deadline
        assert NOW < timer.next_check_at < c1.sla_due_at


def active_config_of(store: Store):  # type: ignore[no-untyped-def]
    with store.session() as s:
        return active_config(s)


def test_one_open_case_per_customer_and_topic_and_signals_once(store: Store) -> None:
    teams(store)
    with store.session() as s:
        first = apply_signals(s, [nps("r1", "C1", 4)], now=NOW)
        again = apply_signals(s, [nps("r1", "C1", 4)], now=NOW)  # the same signal again
        more = apply_signals(s, [nps("r2", "C1", 2)], now=NOW + dt.timedelta(hours=1))
        assert again.opened == again.added == ()
        assert more.opened == () and more.added == first.opened
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseRow)) == 1
        sigs = s.scalars(sa.select(CaseSignal.signal_id).order_by(CaseSignal.id)).all()
        assert sigs == ["r1", "r2"]
        # a complaint phrase is another topic: the complaint rule supersedes the detractor one
        compl = apply_signals(s, [nps("r3", "C2", 2, "我要投诉你们")], now=NOW)
        row = s.get(CaseRow, compl.opened[0])
        assert row is not None and (row.topic, row.team) == ("complaint", "complaints")
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseRow)) == 2
    # once closed, a new signal opens a new case
    cid = first.opened[0]
    with store.session() as s:
        v = get_case(s, cid).version
        change_status(s, cid, CaseStatus.CLOSED, expected_version=v, actor=ANN,
                      resolution_code="duplicate")  # fmt: skip
        later = apply_signals(s, [nps("r9", "C1", 1)], now=NOW + dt.timedelta(days=2))
        assert len(later.opened) == 1 and later.opened[0] != cid


def test_the_database_refuses_a_second_open_case(store: Store) -> None:
    with store.session() as s:
        cid = apply_signals(s, [nps("r1", "C1", 4)], now=NOW).opened[0]
        row = s.get(CaseRow, cid)
        assert row is not None
        twin = {c.key: getattr(row, c.key) for c in CaseRow.__mapper__.column_attrs
                if c.key != "id"}  # fmt: skip
        s.add(CaseRow(**twin))
        with pytest.raises(sa.exc.IntegrityError):
            s.flush()
        s.rollback()


def test_transitions_notes_and_sla_first_response(store: Store) -> None:
    teams(store)
    with store.session() as s:
        cid = apply_signals(s, [nps("r1", "C1", 4)], now=NOW).opened[0]
        v = get_case(s, cid).version
        view = add_note(s, cid, "<b>called</b>, will fix the fee", visibility="customer",
                        expected_version=v, actor=ANN, now=NOW + dt.timedelta(minutes=30))  # fmt: skip
        assert view.version == v + 1
        with pytest.raises(CaseTransitionError, match="needs a resolution code"):
            change_status(s, cid, "resolved", expected_version=view.version, actor=ANN)
        with pytest.raises(CaseTransitionError, match="not a status"):
            change_status(s, cid, "done", expected_version=view.version, actor=ANN)
        view = change_status(s, cid, CaseStatus.RESOLVED, expected_version=view.version,
                             actor=ANN, resolution_code="fixed",
                             now=NOW + dt.timedelta(hours=1))  # fmt: skip
        assert view.case.status is CaseStatus.RESOLVED and view.case.resolution_code == "fixed"
        # the note to the customer stopped the first-response clock; resolved pauses resolution
        assert view.sla_due_at is None
        kinds = s.scalars(
            sa.select(CaseEventRow.kind).where(CaseEventRow.case_id == cid).order_by(
                CaseEventRow.seq)
        ).all()  # fmt: skip
        assert kinds == ["opened", "assigned", "note", "status"]
        notes = [e for e in view.case.events if e.visibility is NoteVisibility.CUSTOMER]
        assert notes[0].text == "<b>called</b>, will fix the fee"  # stored as given
        actions = set(s.scalars(sa.select(AuditEvent.action)))
    assert {"cases.open", "cases.note", "cases.status"} <= actions


def test_a_stale_version_is_a_conflict_and_changes_nothing(store: Store) -> None:
    teams(store)
    with store.session() as s:
        cid = apply_signals(s, [nps("r1", "C1", 4)], now=NOW).opened[0]
        v = get_case(s, cid).version
    with store.session() as a, store.session() as b:
        assign_case(a, cid, BO.name, expected_version=v, actor=BO)  # ann's case: bo takes it
        with pytest.raises(ConflictError, match="changed by someone else") as err:
            assign_case(b, cid, BO.name, expected_version=v, actor=ANN)
        assert err.value.current == v + 1 and err.value.exit_code == 8
    with store.session() as s:
        view = get_case(s, cid)
        assert view.case.owner == BO.name and view.version == v + 1


def test_racing_writers_one_wins_the_other_is_told(store: Store) -> None:
    """Two agents who both read version v and both pass the version check: the database's
    version counter (UPDATE … WHERE version = v) lets one commit; the other is told, and
    nothing is lost or doubled."""
    teams(store)
    with store.session() as s:
        cid = apply_signals(s, [nps("r1", "C1", 4)], now=NOW).opened[0]
    with store.session() as a, store.session() as b:
        row_a = a.get(CaseRow, cid)  # agent A reads the case …
        assert row_a is not None
        v = row_a.version
        a.commit()  # … and its read transaction ends (A keeps the loaded row, version v)
        add_note(b, cid, "B was faster", visibility="internal", expected_version=v, actor=BO)
        # A's check passes on the row A loaded (version v); the database refuses the write
        with pytest.raises(ConflictError, match="changed by someone else"):
            add_note(a, cid, "A's note", visibility="internal", expected_version=v, actor=ANN)
    with store.session() as s:
        notes = s.scalars(
            sa.select(CaseEventRow.text).where(CaseEventRow.case_id == cid,
                                               CaseEventRow.kind == "note")
        ).all()  # fmt: skip
        assert notes == ["B was faster"] and get_case(s, cid).version == v + 1


def test_compensation_within_the_budget_and_refused_beyond(store: Store) -> None:
    teams(store)
    signals = [nps(f"r{i}", f"C{i}", 2, "我要投诉") for i in range(3)]
    with store.session() as s:
        ids = apply_signals(s, signals, now=NOW).opened
        v = get_case(s, ids[0]).version
        d, view = grant_compensation(s, ids[0], kind="fee_waiver", amount=Decimal("200"),
                                     expected_version=v, actor=BO, now=NOW, currency="CNY")  # fmt: skip
        assert d.approved and view.version == v + 1
        d2, view2 = grant_compensation(s, ids[0], kind="fee_waiver", amount=Decimal("400"),
                                       expected_version=view.version, actor=BO, now=NOW,
                                       currency="CNY")  # fmt: skip
        assert not d2.approved and d2.reason is not None
        assert d2.reason.value == "over_case_limit" and "limit per case is 500" in d2.message
        assert view2.version == view.version  # a refusal changes nothing
        d3, _ = grant_compensation(s, ids[1], kind="points", amount=Decimal("350"),
                                   expected_version=None, actor=BO, now=NOW, currency="CNY")  # fmt: skip
        assert not d3.approved and d3.reason is not None
        assert d3.reason.value == "needs_approval"
        d4, _ = grant_compensation(s, ids[1], kind="cash", amount=Decimal("10"),
                                   expected_version=None, actor=BO, now=NOW, currency="CNY")  # fmt: skip
        assert d4.reason is not None and d4.reason.value == "kind_not_allowed"
        refused = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "cases.compensation_refused"))  # fmt: skip
        assert refused == 3


def test_team_budget_is_counted_across_cases(store: Store) -> None:
    from importlib.resources import files

    text = (files("loyalloop.cases") / "data" / "default_cases.yaml").read_text("utf-8")
    text = text.replace("version: 1", "version: 2").replace(
        'budgets: {complaints: 20000, retention: 30000, "*": 5000}',
        'budgets: {complaints: 600, retention: 30000, "*": 5000}',
    )
    with store.session() as s:
        assert install_rules(s, text, ADMIN).created
        ids = apply_signals(s, [nps(f"r{i}", f"C{i}", 2, "投诉") for i in range(3)], now=NOW).opened
        results = [
            grant_compensation(s, cid, kind="fee_waiver", amount=Decimal("250"),
                               expected_version=None, actor=BO, now=NOW, currency="CNY")[0]
            for cid in ids
        ]  # fmt: skip
    assert [r.approved for r in results] == [True, True, False]
    assert results[2].reason is not None and results[2].reason.value == "over_team_budget"
    assert "100.00 CNY left" in results[2].message


def test_rules_are_validated_and_versioned(store: Store) -> None:
    from importlib.resources import files

    text = (files("loyalloop.cases") / "data" / "default_cases.yaml").read_text("utf-8")
    with store.session() as s:
        first = install_rules(s, text, ADMIN)
        assert first.created and first.version == 1
        assert not install_rules(s, text + "\n# a comment\n", ADMIN).created  # same content
        changed = text.replace("max_score: 6", "max_score: 5")
        with pytest.raises(CaseRuleError, match="version 2 or higher"):
            install_rules(s, changed, ADMIN)
        assert install_rules(s, changed.replace("version: 1", "version: 2"), ADMIN).version == 2
        assert active_config(s).version == 2
        with pytest.raises(CaseRuleError, match="line"):
            install_rules(s, "version: 3\nrules:\n  - id: x\n    kind: nonsense\n", ADMIN)
        # a detractor at 6 no longer opens a case under version 2
        assert apply_signals(s, [nps("r1", "C1", 6)], now=NOW).opened == ()
        assert len(apply_signals(s, [nps("r2", "C2", 5)], now=NOW).opened) == 1
        assert s.scalar(sa.select(CaseRow.rules_version)) == 2


def test_queues_sort_by_sla(store: Store) -> None:
    teams(store)
    with store.session() as s:
        a = apply_signals(s, [nps("r1", "C1", 5)], now=NOW).opened[0]
        b = apply_signals(s, [nps("r2", "C2", 5)], now=NOW - dt.timedelta(hours=1)).opened[0]
        c = apply_signals(s, [nps("r3", "C3", 0, "投诉")], now=NOW).opened[0]
        team_q = [r.id for r in queue(s, team="cx_callback")]
        assert team_q == [b, a]  # the older one is due first
        assert [r.id for r in queue(s, team="complaints")] == [c]
        mine = [r.id for r in queue(s, owner=BO.name)]
        assert set(mine) == {b, c} or set(mine) == {a, c}
