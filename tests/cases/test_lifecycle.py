"""Case lifecycle: the transition table, resolution codes, owners, notes, compensation and
erasure; the SLA timeline the events imply."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest

from loyalloop.cases import (
    ERASED,
    TRANSITIONS,
    ActionKind,
    Case,
    CaseStatus,
    CompensationPolicy,
    CompensationRequest,
    Grant,
    NoteVisibility,
    Period,
    Priority,
    Refusal,
    SlaTargets,
    add_note,
    add_signals,
    assign,
    change_status,
    decide_compensation,
    default_case_config,
    erase_case,
    evaluate_rules,
    log_contact,
    open_case,
    period_bounds,
    record_compensation,
    record_notification,
    round_robin,
)
from loyalloop.cases.rules import OpenCase, Signal, SignalKind
from loyalloop.errors import CaseTransitionError, ConfigError

T0 = dt.datetime(2025, 5, 6, 2, tzinfo=dt.UTC)
TARGETS = SlaTargets(2 * 3600, 8 * 3600)
S = CaseStatus


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def case() -> Case:
    cfg = default_case_config()
    signal = Signal("s1", "u1", SignalKind.FEEDBACK, T0, score_type="nps", score=3)
    (action,) = evaluate_rules(cfg.rules, [signal])
    return open_case(action, case_id="case-1", targets=TARGETS, at=T0)


def _reach(case: Case, status: CaseStatus) -> Case:
    """Walk a new case to ``status`` by a legal path."""
    path = {
        S.NEW: [],
        S.IN_PROGRESS: [S.IN_PROGRESS],
        S.WAITING: [S.WAITING],
        S.RESOLVED: [S.RESOLVED],
        S.CLOSED: [S.RESOLVED, S.CLOSED],
    }[status]
    for i, step in enumerate(path):
        case = change_status(
            case,
            step,
            at=at(i + 1),
            actor="ann",
            resolution_code="fixed" if step is S.RESOLVED else None,
        )
    return case


@pytest.mark.parametrize(("frm", "to"), list(itertools.permutations(list(CaseStatus), 2)))
def test_every_transition_follows_the_table(case: Case, frm: CaseStatus, to: CaseStatus) -> None:
    start = _reach(case, frm)
    kwargs = {"resolution_code": "duplicate" if to in (S.RESOLVED, S.CLOSED) else None}
    if frm in (S.RESOLVED, S.CLOSED) and to is S.IN_PROGRESS:
        kwargs = {"reason": "customer says it is not fixed"}  # type: ignore[dict-item]
    if to in TRANSITIONS[frm]:
        moved = change_status(start, to, at=at(10), actor="ann", **kwargs)  # type: ignore[arg-type]
        assert moved.status is to
        assert moved.events[-1].from_status is frm and moved.events[-1].to_status is to
        assert start.status is frm  # the original is untouched
    else:
        with pytest.raises(CaseTransitionError, match=f"cannot go from {frm} to {to}"):
            change_status(start, to, at=at(10), actor="ann", **kwargs)  # type: ignore[arg-type]


def test_resolution_codes_and_reopen(case: Case) -> None:
    with pytest.raises(CaseTransitionError, match="needs a resolution code"):
        change_status(case, S.RESOLVED, at=at(1), actor="ann")
    with pytest.raises(CaseTransitionError, match="unknown resolution code 'magic'"):
        change_status(case, S.RESOLVED, at=at(1), actor="ann", resolution_code="magic")
    with pytest.raises(CaseTransitionError, match="closing an unresolved case"):
        change_status(case, S.CLOSED, at=at(1), actor="ann")
    with pytest.raises(CaseTransitionError, match="only when resolving or closing"):
        change_status(case, S.IN_PROGRESS, at=at(1), actor="ann", resolution_code="fixed")
    resolved = change_status(case, S.RESOLVED, at=at(1), actor="ann", resolution_code="explained")
    assert resolved.resolution_code == "explained"
    with pytest.raises(CaseTransitionError, match="needs a reason"):
        change_status(resolved, S.IN_PROGRESS, at=at(2), actor="ann")
    reopened = change_status(resolved, S.IN_PROGRESS, at=at(2), actor="ann", reason="still charged")
    assert reopened.resolution_code is None and reopened.status is S.IN_PROGRESS
    with pytest.raises(CaseTransitionError, match="already in_progress"):
        change_status(reopened, S.IN_PROGRESS, at=at(3), actor="ann")
    with pytest.raises(CaseTransitionError, match="earlier than the case's last event"):
        change_status(reopened, S.WAITING, at=at(0), actor="ann")


def test_owners(case: Case) -> None:
    roster = ["ann", "bo", "cai"]
    picks, counter = [], 0
    for _ in range(7):
        a = round_robin(roster, counter)
        picks.append(a.owner)
        counter = a.next_counter
    assert picks == ["ann", "bo", "cai", "ann", "bo", "cai", "ann"]
    assert round_robin(roster, 1, available={"ann"}).owner == "ann"
    with pytest.raises(CaseTransitionError, match="no agent of the team is available"):
        round_robin(roster, 0, available=set())
    with pytest.raises(CaseTransitionError, match="no agents"):
        round_robin([], 0)
    owned = assign(case, "bo", roster=roster, at=at(1), actor="lead")
    assert owned.owner == "bo"
    with pytest.raises(CaseTransitionError, match="not on team cx_callback's roster"):
        assign(case, "zed", roster=roster, at=at(1), actor="lead")
    with pytest.raises(CaseTransitionError, match="already bo's"):
        assign(owned, "bo", roster=roster, at=at(2), actor="lead")


def test_notes_and_the_sla_timeline(case: Case) -> None:
    c = add_note(
        case, "checked the account", visibility=NoteVisibility.INTERNAL, at=at(5), actor="ann"
    )
    c = change_status(c, S.IN_PROGRESS, at=at(6), actor="ann")
    assert (
        c.sla_timeline().first_response_at is None
    )  # internal notes and status are not a response
    c = add_note(
        c, "We are refunding the fee", visibility=NoteVisibility.CUSTOMER, at=at(30), actor="ann"
    )
    c = change_status(c, S.WAITING, at=at(40), actor="ann")
    c = change_status(c, S.IN_PROGRESS, at=at(100), actor="ann")
    c = change_status(c, S.RESOLVED, at=at(120), actor="ann", resolution_code="fixed")
    c = change_status(c, S.IN_PROGRESS, at=at(200), actor="ann", reason="not fixed")
    c = log_contact(c, at=at(210), actor="ann", channel="phone")
    c = record_notification(c, "case-1:resolution:warning", at=at(220))
    assert record_notification(c, "case-1:resolution:warning", at=at(230)) is c
    t = c.sla_timeline()
    assert t.first_response_at == at(30)
    assert t.waiting == ((at(40), at(100)),)
    assert t.resolved == ((at(120), at(200)),)
    assert t.closed_at is None
    assert t.done == frozenset({"case-1:resolution:warning"})
    with pytest.raises(CaseTransitionError, match="cannot be empty"):
        add_note(c, "  ", visibility=NoteVisibility.INTERNAL, at=at(300), actor="ann")
    with pytest.raises(CaseTransitionError, match="limited to"):
        add_note(c, "x" * 10_001, visibility=NoteVisibility.INTERNAL, at=at(300), actor="ann")
    closed = change_status(c, S.CLOSED, at=at(300), actor="ann", resolution_code="withdrawn")
    assert closed.sla_timeline().closed_at == at(300)
    with pytest.raises(CaseTransitionError, match="reopen it to write to the customer"):
        add_note(closed, "hello", visibility=NoteVisibility.CUSTOMER, at=at(301), actor="ann")
    add_note(closed, "for the record", visibility=NoteVisibility.INTERNAL, at=at(301), actor="ann")


def test_new_signals_raise_priority_never_lower(case: Case) -> None:
    cfg = default_case_config()
    worse = Signal("s2", "u1", SignalKind.FEEDBACK, at(5), score_type="nps", score=0,
                   clv_percentile=0.99, churn_probability=0.9)  # fmt: skip
    oc = OpenCase(case.case_id, "u1", case.topic, case.priority, frozenset(case.signal_ids))
    (action,) = evaluate_rules(cfg.rules, [worse], [oc])
    assert action.kind is ActionKind.ADD
    faster = SlaTargets(3600, 4 * 3600)
    c = add_signals(case, action, at=at(5), targets=faster)
    assert c.priority is Priority.P1 and c.targets == faster
    assert c.signal_ids == ("s1", "s2")


def test_erasure_closes_and_empties(case: Case) -> None:
    c = add_note(case, "王芳 13800000000 says the fee is wrong", visibility=NoteVisibility.INTERNAL,
                 at=at(1), actor="ann")  # fmt: skip
    erased = erase_case(c, at=at(2), replacement_id="erased-7f3a")
    assert erased.status is S.CLOSED and erased.resolution_code == ERASED
    assert erased.customer_id == "erased-7f3a"
    assert all(e.text == "" for e in erased.events)
    assert erased.sla_timeline().closed_at == at(2)
    with pytest.raises(CaseTransitionError, match="stays closed"):
        change_status(erased, S.IN_PROGRESS, at=at(3), actor="ann", reason="oops")


# -- compensation ---------------------------------------------------------------------------

POLICY = CompensationPolicy(
    "CNY",
    Period.MONTH,
    {"complaints": D("1000"), "*": D("100")},
    frozenset({"fee_waiver", "points"}),
    max_per_case=D("300"),
    max_per_customer=D("500"),
    approval_above=D("200"),
    timezone="Asia/Shanghai",
)


def req(amount: str, *, case: str = "c9", customer: str = "u9", team: str = "complaints",
        kind: str = "fee_waiver", when: dt.datetime = T0, manager: bool = False) -> CompensationRequest:  # fmt: skip
    return CompensationRequest(case, customer, team, kind, D(amount), when, manager)


@pytest.mark.parametrize(
    ("request_", "granted", "reason"),
    [
        (req("0"), [], Refusal.NOT_POSITIVE),
        (req("50", kind="cash"), [], Refusal.KIND_NOT_ALLOWED),
        (req("350"), [], Refusal.OVER_CASE_LIMIT),
        (
            req("150"),
            [Grant("c9", "u9", "complaints", "points", D("200"), T0)],
            Refusal.OVER_CASE_LIMIT,
        ),
        (
            req("150"),
            [Grant("c1", "u9", "complaints", "points", D("400"), T0)],
            Refusal.OVER_CUSTOMER_LIMIT,
        ),
        (
            req("150"),
            [Grant("c1", "u1", "complaints", "points", D("900"), T0)],
            Refusal.OVER_TEAM_BUDGET,
        ),
        (req("250"), [], Refusal.NEEDS_APPROVAL),
        (req("250", manager=True), [], None),
        (req("100", team="retention"), [], None),  # the "*" budget
        (req("101", team="retention"), [], Refusal.OVER_TEAM_BUDGET),
    ],
)
def test_compensation_decisions(
    request_: CompensationRequest, granted: list[Grant], reason: Refusal | None
) -> None:
    d = decide_compensation(POLICY, request_, granted)
    assert d.reason is reason
    assert d.approved is (reason is None)


def test_compensation_budget_is_per_local_month() -> None:
    # 2025-05-31 17:00 UTC is 1 June 01:00 in Shanghai: May's spend does not count
    may = Grant(
        "c1", "u1", "complaints", "points", D("950"), dt.datetime(2025, 5, 31, 15, tzinfo=dt.UTC)
    )
    june = req("100", when=dt.datetime(2025, 5, 31, 17, tzinfo=dt.UTC))
    d = decide_compensation(POLICY, june, [may])
    assert d.approved and d.period == (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    assert d.team_spent == 0 and d.team_remaining == D("1000")
    refused = decide_compensation(
        POLICY, req("100", when=dt.datetime(2025, 5, 31, 15, tzinfo=dt.UTC)), [may]
    )
    assert refused.reason is Refusal.OVER_TEAM_BUDGET
    assert "(50 CNY left)" in refused.message
    with pytest.raises(ConfigError, match="refused request"):
        refused.as_grant()
    granted = decide_compensation(POLICY, req("40"), []).as_grant()
    assert granted.amount == D("40")


def test_period_bounds_and_recording(case: Case) -> None:
    monday = dt.datetime(2025, 5, 7, 12, tzinfo=dt.UTC)
    assert period_bounds(monday, Period.WEEK, "UTC") == (dt.date(2025, 5, 5), dt.date(2025, 5, 11))
    assert period_bounds(monday, Period.YEAR, "UTC") == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    dec = dt.datetime(2025, 12, 15, tzinfo=dt.UTC)
    assert period_bounds(dec, Period.QUARTER, "UTC") == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
    )
    assert period_bounds(dec, Period.MONTH, "UTC") == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    c = record_compensation(case, kind="fee_waiver", amount=D("88"), at=at(1), actor="ann")
    assert c.events[-1].amount == D("88")


def test_grants_in_another_currency_are_refused_only_where_they_would_count() -> None:
    """Earlier grants in CNY under a policy now in USD: a request they would be added to (same
    case, or the team's or customer's period) is refused naming them; last period's are not."""
    import datetime as dt
    from decimal import Decimal as D

    from loyalloop.cases import CompensationPolicy, CompensationRequest, Grant, Period
    from loyalloop.cases import decide_compensation as decide
    from loyalloop.errors import CurrencyMismatchError

    policy = CompensationPolicy("USD", Period.MONTH, {"*": D("1000")}, frozenset({"gift"}),
                                max_per_case=D("300"), max_per_customer=D("500"))  # fmt: skip
    may = dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC)
    april = dt.datetime(2026, 4, 6, 10, tzinfo=dt.UTC)
    req = CompensationRequest("c2", "u2", "cards", "gift", D("50"), may)
    old = [Grant("c1", "u1", "cards", "gift", D("80"), april, "CNY"),
           Grant("c9", "u9", "other", "gift", D("70"), may, "CNY")]  # fmt: skip
    assert decide(policy, req, old).approved
    same_team = Grant("c1", "u1", "cards", "gift", D("80"), may, "CNY")
    with pytest.raises(CurrencyMismatchError, match=r"another currency \(80 CNY\)"):
        decide(policy, req, [*old, same_team])
    same_case = Grant("c2", "u3", "x", "gift", D("20"), april, "CNY")
    with pytest.raises(CurrencyMismatchError):
        decide(policy, req, [same_case])
    ok = decide(policy, req, [Grant("c1", "u1", "cards", "gift", D("980"), may, "USD")])
    assert not ok.approved and ok.reason is not None and ok.reason.value == "over_team_budget"
    assert ok.currency == "USD" and "USD" in ok.message
