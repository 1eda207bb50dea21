"""The life of a case: statuses, allowed transitions, owners, notes, resolution and erasure.

Statuses and transitions (:data:`TRANSITIONS`)::

    new ──► in_progress ◄──► waiting_for_customer
     │          │                    │
     └──────────┴──────► resolved ◄──┘
                            │  ▲
             (reopen) ◄─────┘  │          any open status ──► closed (with a resolution code)
                            closed ◄──── resolved
                              │
                              └──► in_progress (reopen, with a reason)

=======================  =========================================================
from                     to
=======================  =========================================================
new                      in_progress, waiting_for_customer, resolved, closed
in_progress              waiting_for_customer, resolved, closed
waiting_for_customer     in_progress, resolved, closed
resolved                 closed, in_progress (reopen)
closed                   in_progress (reopen)
=======================  =========================================================

Resolving needs a resolution code (:data:`DEFAULT_RESOLUTION_CODES`, or the configuration's
list); closing a case that was never resolved needs one too (``duplicate``, ``withdrawn`` …).
Reopening needs a reason. A case closed because the customer was erased (``customer_erased``)
cannot be reopened. An illegal change raises :class:`~loyalloop.errors.CaseTransitionError`
and changes nothing.

Every function here is pure: it returns a new :class:`Case` with the change and a
:class:`CaseEvent` appended to its timeline. Events must not go back in time. The store keeps
the events; :meth:`Case.sla_timeline` turns them into what the SLA clocks need.

Owners: :func:`round_robin` picks the next agent of a team's roster from a counter (stored
per team by the service), skipping agents who are away; :func:`assign` sets an owner by hand,
who must be on the team's roster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from loyalloop.cases.calendar import as_aware
from loyalloop.cases.priority import Priority
from loyalloop.cases.rules import ActionKind, CaseAction
from loyalloop.cases.sla import SlaTargets, SlaTimeline
from loyalloop.errors import CaseTransitionError

__all__ = [
    "DEFAULT_RESOLUTION_CODES",
    "ERASED",
    "MAX_NOTE_CHARS",
    "TRANSITIONS",
    "Assignment",
    "Case",
    "CaseEvent",
    "CaseStatus",
    "EventKind",
    "NoteVisibility",
    "add_note",
    "add_signals",
    "assign",
    "change_status",
    "erase_case",
    "log_contact",
    "open_case",
    "record_compensation",
    "record_notification",
    "round_robin",
]

MAX_NOTE_CHARS = 10_000
#: Resolution code of a case closed because its customer was erased; such a case stays closed.
ERASED = "customer_erased"
#: Resolution codes when the configuration has none.
DEFAULT_RESOLUTION_CODES: tuple[str, ...] = (
    "fixed",
    "explained",
    "compensated",
    "policy_unchanged",
    "no_fault_found",
    "customer_unreachable",
    "duplicate",
    "withdrawn",
    ERASED,
)


class CaseStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting_for_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Open = not closed (a resolved case is still open: it may be reopened)."""
        return self is not CaseStatus.CLOSED


S = CaseStatus
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING, S.RESOLVED, S.CLOSED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
}


class EventKind(StrEnum):
    OPENED = "opened"
    SIGNALS_ADDED = "signals_added"
    STATUS = "status"
    ASSIGNED = "assigned"
    NOTE = "note"
    CONTACT = "contact"
    COMPENSATION = "compensation"
    NOTIFIED = "notified"
    ERASED = "erased"


class NoteVisibility(StrEnum):
    INTERNAL = "internal"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class CaseEvent:
    """One entry of a case's timeline.

    ``text`` is a note's text (untrusted: escape it wherever it is shown), ``code`` a
    resolution code, owner, notification key or compensation kind, depending on ``kind``.
    """

    at: dt.datetime
    kind: EventKind
    actor: str
    from_status: CaseStatus | None = None
    to_status: CaseStatus | None = None
    text: str = ""
    visibility: NoteVisibility | None = None
    code: str = ""
    amount: Decimal | None = None
    priority: Priority | None = None
    #: The currency of ``amount`` (compensation; ``None`` on events stored before it was kept).
    currency: str | None = None


@dataclass(frozen=True)
class Case:
    """A follow-up case and its timeline (``events``, oldest first)."""

    case_id: str
    customer_id: str
    topic: str
    team: str
    sla_class: str
    priority: Priority
    targets: SlaTargets
    opened_at: dt.datetime
    status: CaseStatus = CaseStatus.NEW
    owner: str | None = None
    resolution_code: str | None = None
    signal_ids: tuple[str, ...] = ()
    rules_version: int | None = None
    events: tuple[CaseEvent, ...] = field(default_factory=tuple)

    def sla_timeline(self) -> SlaTimeline:
        """The periods and moments the SLA clocks need (see :mod:`loyalloop.cases.sla`)."""
        first_response = next(
            (
                e.at
                for e in self.events
                if e.kind is EventKind.CONTACT
                or (e.kind is EventKind.NOTE and e.visibility is NoteVisibility.CUSTOMER)
            ),
            None,
        )
        waiting: list[tuple[dt.datetime, dt.datetime | None]] = []
        resolved: list[tuple[dt.datetime, dt.datetime | None]] = []
        closed_at: dt.datetime | None = None
        for e in self.events:
            if e.kind not in (EventKind.STATUS, EventKind.ERASED):
                continue
            for status, periods in ((S.WAITING, waiting), (S.RESOLVED, resolved)):
                if e.from_status is status and periods and periods[-1][1] is None:
                    periods[-1] = (periods[-1][0], e.at)
                if e.to_status is status:
                    periods.append((e.at, None))
            if e.to_status is S.CLOSED:
                closed_at = e.at
            elif e.from_status is S.CLOSED:
                closed_at = None
        done = frozenset(e.code for e in self.events if e.kind is EventKind.NOTIFIED)
        return SlaTimeline(
            self.case_id,
            self.opened_at,
            self.targets,
            first_response,
            tuple(waiting),
            tuple(resolved),
            closed_at,
            done,
        )


@dataclass(frozen=True)
class Assignment:
    """The agent picked and the team's counter to store for the next pick."""

    owner: str
    next_counter: int


def _append(case: Case, event: CaseEvent, **changes: object) -> Case:
    at = as_aware(event.at, "event time")
    if case.events and at < as_aware(case.events[-1].at, "event time"):
        raise CaseTransitionError(
            f"case {case.case_id}: an event at {at.isoformat()} is earlier than the case's last "
            f"event ({case.events[-1].at.isoformat()})"
        )
    return dataclasses.replace(case, events=(*case.events, event), **changes)  # type: ignore[arg-type]


def open_case(
    action: CaseAction,
    *,
    case_id: str,
    targets: SlaTargets,
    at: dt.datetime,
    actor: str = "rules",
) -> Case:
    """A new case from an ``open`` decision of :func:`~loyalloop.cases.rules.evaluate_rules`."""
    if action.kind is not ActionKind.OPEN:
        raise CaseTransitionError(f"an {action.kind} action does not open a case")
    reasons = "; ".join(str(r) for m in action.matches for r in m.reasons)
    event = CaseEvent(as_aware(at), EventKind.OPENED, actor, None, S.NEW, reasons,
                      priority=action.priority)  # fmt: skip
    return Case(
        case_id,
        action.customer_id,
        action.topic,
        action.team,
        action.sla_class,
        action.priority,
        targets,
        as_aware(at),
        signal_ids=action.signal_ids,
        rules_version=action.rules_version,
        events=(event,),
    )


def add_signals(
    case: Case, action: CaseAction, *, at: dt.datetime, targets: SlaTargets | None = None
) -> Case:
    """Attach an ``add`` decision's signals; raise the priority if the decision does.

    Pass the new priority's ``targets`` when the priority rises (the SLA clocks then count
    against them from the case's opening; notifications already sent stay sent).
    """
    if action.kind is not ActionKind.ADD or action.case_id != case.case_id:
        raise CaseTransitionError(f"this action is not an addition to case {case.case_id}")
    if not case.status.is_open:
        raise CaseTransitionError(f"case {case.case_id} is closed; signals open a new case")
    new_ids = tuple(s for s in action.signal_ids if s not in case.signal_ids)
    priority = case.priority.at_least(action.priority)
    reasons = "; ".join(str(r) for m in action.matches for r in m.reasons)
    event = CaseEvent(as_aware(at), EventKind.SIGNALS_ADDED, "rules", text=reasons,
                      priority=priority)  # fmt: skip
    return _append(
        case,
        event,
        signal_ids=(*case.signal_ids, *new_ids),
        priority=priority,
        targets=targets if targets is not None and priority is not case.priority else case.targets,
    )


def change_status(
    case: Case,
    to: CaseStatus,
    *,
    at: dt.datetime,
    actor: str,
    resolution_code: str | None = None,
    reason: str = "",
    resolution_codes: Collection[str] = DEFAULT_RESOLUTION_CODES,
) -> Case:
    """Move ``case`` to status ``to`` (see the module docstring for the rules)."""
    to = CaseStatus(to)
    frm = case.status
    if to is frm:
        raise CaseTransitionError(f"case {case.case_id} is already {frm}")
    if to not in TRANSITIONS[frm]:
        allowed = ", ".join(sorted(TRANSITIONS[frm]))
        raise CaseTransitionError(
            f"case {case.case_id} cannot go from {frm} to {to} (from {frm}: {allowed})"
        )
    code = case.resolution_code
    reopen = frm in (S.RESOLVED, S.CLOSED) and to is S.IN_PROGRESS
    if reopen:
        if case.resolution_code == ERASED:
            raise CaseTransitionError(
                f"case {case.case_id} was closed because the customer was erased; it stays closed"
            )
        if not reason.strip():
            raise CaseTransitionError(f"reopening case {case.case_id} needs a reason")
        code = None
    needs_code = to is S.RESOLVED or (to is S.CLOSED and frm is not S.RESOLVED)
    if needs_code and not resolution_code:
        raise CaseTransitionError(
            f"{'resolving' if to is S.RESOLVED else 'closing an unresolved'} case "
            f"{case.case_id} needs a resolution code ({', '.join(resolution_codes)})"
        )
    if resolution_code is not None:
        if to not in (S.RESOLVED, S.CLOSED):
            raise CaseTransitionError("a resolution code is given only when resolving or closing")
        if resolution_code not in resolution_codes:
            raise CaseTransitionError(
                f"unknown resolution code {resolution_code!r} "
                f"(codes: {', '.join(resolution_codes)})"
            )
        code = resolution_code
    event = CaseEvent(
        as_aware(at), EventKind.STATUS, actor, frm, to, _note(reason), code=code or ""
    )
    return _append(case, event, status=to, resolution_code=code)


def _note(text: str) -> str:
    if not isinstance(text, str):
        raise CaseTransitionError(f"a note must be text, got {type(text).__name__}")
    if len(text) > MAX_NOTE_CHARS:
        raise CaseTransitionError(f"a note is limited to {MAX_NOTE_CHARS} characters")
    return text


def add_note(
    case: Case,
    text: str,
    *,
    visibility: NoteVisibility,
    at: dt.datetime,
    actor: str,
) -> Case:
    """Add a note: ``internal`` (staff only) or ``customer`` (sent to the customer — the first
    one is the case's first response). A closed case takes internal notes only."""
    visibility = NoteVisibility(visibility)
    if not _note(text).strip():
        raise CaseTransitionError("a note cannot be empty")
    if not case.status.is_open and visibility is NoteVisibility.CUSTOMER:
        raise CaseTransitionError(
            f"case {case.case_id} is closed; reopen it to write to the customer"
        )
    event = CaseEvent(as_aware(at), EventKind.NOTE, actor, text=text, visibility=visibility)
    return _append(case, event)


def log_contact(case: Case, *, at: dt.datetime, actor: str, channel: str, text: str = "") -> Case:
    """Record a contact with the customer outside the system (a call, a visit): a response."""
    if not case.status.is_open:
        raise CaseTransitionError(f"case {case.case_id} is closed")
    event = CaseEvent(as_aware(at), EventKind.CONTACT, actor, text=_note(text), code=channel)
    return _append(case, event)


def round_robin(
    roster: Sequence[str], counter: int, *, available: Collection[str] | None = None
) -> Assignment:
    """The next agent of ``roster`` after ``counter`` picks, skipping those not ``available``.

    Examples
    --------
    >>> round_robin(["ann", "bo", "cai"], 4)
    Assignment(owner='bo', next_counter=5)
    >>> round_robin(["ann", "bo", "cai"], 4, available={"ann", "cai"})
    Assignment(owner='cai', next_counter=6)
    """
    if not roster:
        raise CaseTransitionError("the team has no agents to assign")
    if len(set(roster)) != len(roster):
        raise CaseTransitionError("the team's roster lists an agent twice")
    if counter < 0:
        raise CaseTransitionError(f"the round-robin counter cannot be negative ({counter})")
    n = len(roster)
    for step in range(n):
        agent = roster[(counter + step) % n]
        if available is None or agent in available:
            return Assignment(agent, counter + step + 1)
    raise CaseTransitionError("no agent of the team is available")


def assign(case: Case, owner: str, *, roster: Collection[str], at: dt.datetime, actor: str) -> Case:
    """Give ``case`` to ``owner``, who must be on the team's ``roster``."""
    if not case.status.is_open:
        raise CaseTransitionError(f"case {case.case_id} is closed")
    if owner not in roster:
        raise CaseTransitionError(f"{owner} is not on team {case.team}'s roster")
    if owner == case.owner:
        raise CaseTransitionError(f"case {case.case_id} is already {owner}'s")
    event = CaseEvent(as_aware(at), EventKind.ASSIGNED, actor, code=owner)
    return _append(case, event, owner=owner)


def record_compensation(
    case: Case,
    *,
    kind: str,
    amount: Decimal,
    at: dt.datetime,
    actor: str,
    currency: str | None = None,
) -> Case:
    """Record compensation given (after :func:`~loyalloop.cases.compensation.decide_compensation`
    approved it), in ``currency`` (the policy's)."""
    if not case.status.is_open:
        raise CaseTransitionError(f"case {case.case_id} is closed")
    event = CaseEvent(
        as_aware(at), EventKind.COMPENSATION, actor, code=kind, amount=amount, currency=currency
    )
    return _append(case, event)


def record_notification(case: Case, key: str, *, at: dt.datetime) -> Case:
    """Record an SLA notification as done (sent or superseded); recording it twice is a no-op."""
    if any(e.kind is EventKind.NOTIFIED and e.code == key for e in case.events):
        return case
    return _append(case, CaseEvent(as_aware(at), EventKind.NOTIFIED, "sla", code=key))


def erase_case(case: Case, *, at: dt.datetime, replacement_id: str, actor: str = "erasure") -> Case:
    """Close and empty the case of an erased customer: every note's text is removed, the
    customer id becomes ``replacement_id`` (the erasure's tombstone id), the status becomes
    closed with code ``customer_erased`` and the case cannot be reopened."""
    emptied = tuple(dataclasses.replace(e, text="") for e in case.events)
    erased = dataclasses.replace(case, events=emptied, customer_id=replacement_id)
    event = CaseEvent(as_aware(at), EventKind.ERASED, actor, case.status, S.CLOSED, code=ERASED)
    return _append(erased, event, status=S.CLOSED, resolution_code=ERASED)
