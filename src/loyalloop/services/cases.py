"""Cases on the operational store: the library's decisions (:mod:`loyalloop.cases`), kept.

One function per use case; each write commits its own transaction.

Rules
    :func:`install_rules` stores a validated, versioned case configuration (YAML text; a
    changed configuration must carry a higher ``version``, the same content is not stored
    twice); :func:`active_config` is the newest stored one, or the shipped default.
Signals → cases
    :func:`apply_signals` runs :func:`~loyalloop.cases.evaluate_rules` over new signals and the
    customers' open cases: one open case per customer and topic (the database refuses a
    second: unique index over open cases), a signal is attached once (unique signal id),
    a new case goes to the next agent of its team's roster (round robin, agents away
    skipped; no roster = the team's queue). :func:`cases_from_responses` evaluates committed
    responses that wait for the rules (``responses.rules_revision < revision``): the web
    process's case worker (:mod:`loyalloop.services.response_hooks`) calls it right after a
    response is committed; :func:`sweep_responses` catches any response the worker did not
    reach (``loyalloop cases tick`` and the scheduler run it).
Work on a case
    :func:`change_status`, :func:`add_note`, :func:`assign_case`, :func:`grant_compensation`
    take the version of the case the caller saw (``expected_version``): when someone else has
    changed the case since, nothing is changed and :class:`~loyalloop.errors.ConflictError`
    says so (HTTP 409). Every change bumps the version (SQLAlchemy's version counter also
    catches two writers racing past the check).
Compensation
    Checked by :func:`~loyalloop.cases.decide_compensation` against the ledger
    (``compensation_grants``); a refusal is returned with its reason and audited, nothing is
    granted. Grants of one team are serialised (a PostgreSQL advisory lock; SQLite has one
    writer) so two agents cannot both spend the last of a budget.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from loyalloop.cases import (
    ActionKind,
    Case,
    CaseAction,
    CaseConfig,
    CaseEvent,
    CaseStatus,
    CompensationDecision,
    CompensationPolicy,
    CompensationRequest,
    EventKind,
    Grant,
    NoteVisibility,
    OpenCase,
    Priority,
    Signal,
    SignalKind,
    SlaTargets,
    decide_compensation,
    default_case_config,
    evaluate_rules,
    parse_case_config,
    round_robin,
    sla_due,
)
from loyalloop.cases import add_note as lib_add_note
from loyalloop.cases import add_signals as lib_add_signals
from loyalloop.cases import assign as lib_assign
from loyalloop.cases import change_status as lib_change_status
from loyalloop.cases import open_case as lib_open_case
from loyalloop.cases import record_compensation as lib_record_compensation
from loyalloop.core.config import Settings
from loyalloop.errors import (
    CaseRuleError,
    CaseTransitionError,
    ConfigError,
    ConflictError,
    CurrencyMismatchError,
    LoyalloopError,
    NotFoundError,
)
from loyalloop.services.audit import Actor, record
from loyalloop.services.store import Store
from loyalloop.services.surveys import spec_of
from loyalloop.store.base import utcnow
from loyalloop.store.models import (
    CaseEventRow,
    CaseNotification,
    CaseRow,
    CaseRuleVersion,
    CaseSignal,
    CaseSweep,
    CaseTeam,
    CaseTeamMember,
    CompensationGrant,
    Response,
    SlaTimer,
)
from loyalloop.surveys import QuestionType

__all__ = [
    "ApplyResult",
    "CaseView",
    "CustomerMessage",
    "MentionMaps",
    "RulesVersion",
    "RulesVersionRow",
    "RunScores",
    "active_config",
    "add_note",
    "apply_signals",
    "assign_case",
    "case_reasons",
    "cases_from_response",
    "cases_from_responses",
    "cases_from_run",
    "change_status",
    "compensation_policy",
    "get_case",
    "grant_compensation",
    "install_rules",
    "latest_scores",
    "mention_maps",
    "project_currency",
    "queue",
    "response_signals",
    "rule_versions",
    "run_signals",
    "set_team",
    "sweep_responses",
    "team_names",
    "team_roster",
    "tell_customer",
]

log = logging.getLogger(__name__)

RULES_ACTOR = "rules"
#: The first time a run's feedback is read, comments older than this many days before the
#: run's as-of day are left out (a case for a comment of last year helps nobody).
FIRST_RUN_LOOKBACK_DAYS = 30


# -- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesVersion:
    """A stored case configuration: its version, content hash and whether it was new."""

    version: int
    content_hash: str
    created: bool


_CONFIGS: dict[tuple[int, str], CaseConfig] = {}


def active_config(session: Session) -> CaseConfig:
    """The newest stored case configuration (parsed once per process), else the default."""
    row = session.execute(
        sa.select(CaseRuleVersion.version, CaseRuleVersion.content_hash, CaseRuleVersion.id)
        .order_by(CaseRuleVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        key = (0, "default")
        if key not in _CONFIGS:
            _CONFIGS[key] = default_case_config()
        return _CONFIGS[key]
    key = (row[0], row[1])
    cfg = _CONFIGS.get(key)
    if cfg is None:
        source = session.scalar(
            sa.select(CaseRuleVersion.source).where(CaseRuleVersion.id == row[2])
        )
        cfg = parse_case_config(source or "")
        _CONFIGS[key] = cfg
    return cfg


def install_rules(session: Session, text: str, actor: Actor) -> RulesVersion:
    """Validate ``text`` (YAML) and store it as the newest case configuration.

    Raises
    ------
    CaseRuleError
        The YAML does not parse or breaks the schema (the message names the line and field),
        or the content changed while the version number did not go up.
    """
    cfg = parse_case_config(text)
    prev = session.execute(
        sa.select(CaseRuleVersion.version, CaseRuleVersion.content_hash)
        .order_by(CaseRuleVersion.version.desc())
        .limit(1)
    ).first()
    if prev is not None and prev[1] == cfg.content_hash:
        session.rollback()
        return RulesVersion(prev[0], prev[1], False)
    if prev is not None and cfg.version <= prev[0]:
        session.rollback()
        raise CaseRuleError(
            f"the rules changed but their version is {cfg.version}; the current version is "
            f"{prev[0]} — give the new rules version {prev[0] + 1} or higher",
            field="version",
        )
    session.add(
        CaseRuleVersion(
            version=cfg.version, content_hash=cfg.content_hash, source=text, created_by=actor.name
        )
    )
    record(
        session,
        actor,
        "cases.rules",
        f"rules:v{cfg.version}",
        {"version": cfg.version, "hash": cfg.content_hash[:16]},
    )
    session.commit()
    return RulesVersion(cfg.version, cfg.content_hash, True)


def set_team(
    session: Session,
    name: str,
    *,
    actor: Actor,
    manager_email: str | None = None,
    agents: Sequence[str] | None = None,
    away: Iterable[str] = (),
) -> None:
    """Create or update a team: its manager's address (escalations) and its roster in
    round-robin order (``away`` agents stay on the roster but get no new cases)."""
    if not name or len(name) > 64:
        raise ConfigError("team: a name of 1–64 characters is needed")
    team = session.scalar(sa.select(CaseTeam).where(CaseTeam.name == name))
    if team is None:
        team = CaseTeam(name=name, manager_email="", rr_counter=0)
        session.add(team)
        session.flush()
    if manager_email is not None:
        if manager_email and "@" not in manager_email:
            raise ConfigError(f"manager: {manager_email!r} is not an e-mail address")
        team.manager_email = manager_email.strip()
    if agents is not None:
        if len(set(agents)) != len(agents):
            raise ConfigError("agents: an agent is listed twice")
        session.execute(sa.delete(CaseTeamMember).where(CaseTeamMember.team_id == team.id))
        off = set(away)
        for i, agent in enumerate(agents):
            session.add(CaseTeamMember(team_id=team.id, agent=agent, position=i, away=agent in off))
    record(session, actor, "cases.team", f"team:{name}", {"agents": len(agents or [])})
    session.commit()


_Roster = tuple["CaseTeam | None", list[str], set[str]]


def _roster(session: Session, team: str) -> tuple[CaseTeam | None, list[str], set[str]]:
    row = session.scalar(sa.select(CaseTeam).where(CaseTeam.name == team))
    if row is None:
        return None, [], set()
    members = session.execute(
        sa.select(CaseTeamMember.agent, CaseTeamMember.away)
        .where(CaseTeamMember.team_id == row.id)
        .order_by(CaseTeamMember.position)
    ).all()
    return row, [m[0] for m in members], {m[0] for m in members if not m[1]}


# -- loading and saving a case ----------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    """A case as the queue and the case page show it (``case`` has the whole timeline)."""

    id: int
    version: int
    case: Case
    sla_due_at: dt.datetime | None
    escalated_at: dt.datetime | None


def _event_of(r: CaseEventRow) -> CaseEvent:
    return CaseEvent(
        r.at,
        EventKind(r.kind),
        r.actor,
        CaseStatus(r.from_status) if r.from_status else None,
        CaseStatus(r.to_status) if r.to_status else None,
        r.text,
        NoteVisibility(r.visibility) if r.visibility else None,
        r.code,
        r.amount,
        Priority(r.priority) if r.priority else None,
        r.currency,
    )


def _case_of(session: Session, row: CaseRow) -> Case:
    events = session.scalars(
        sa.select(CaseEventRow).where(CaseEventRow.case_id == row.id).order_by(CaseEventRow.seq)
    ).all()
    signals = session.scalars(
        sa.select(CaseSignal.signal_id).where(CaseSignal.case_id == row.id).order_by(CaseSignal.id)
    ).all()
    return Case(
        str(row.id),
        row.customer_id,
        row.topic,
        row.team,
        row.sla_class,
        Priority(row.priority),
        SlaTargets(row.first_response_seconds, row.resolution_seconds, row.warning_fraction),
        row.opened_at,
        CaseStatus(row.status),
        row.owner,
        row.resolution_code,
        tuple(signals),
        row.rules_version,
        tuple(_event_of(e) for e in events),
    )


def _done_keys(session: Session, case_id: int) -> set[str]:
    return set(
        session.scalars(sa.select(CaseNotification.key).where(CaseNotification.case_id == case_id))
    )


def _save(
    session: Session,
    row: CaseRow,
    case: Case,
    before: int,
    config: CaseConfig,
    now: dt.datetime,
    *,
    new: bool = False,
) -> None:
    """Write ``case``'s fields and its events after the first ``before`` onto ``row``; set the
    SLA deadline shown in queues and the scheduler's next look (one UPDATE of the case: one
    version step). A ``new`` case has no notifications and no timer yet: not looked up."""
    done = set() if new else _done_keys(session, row.id)
    timer = None if new else session.get(SlaTimer, row.id)
    status = sla_due(case.sla_timeline(), config.calendar_for(case.sla_class), now, done=done)
    running = [
        c.deadline for c in (status.first_response, status.resolution) if c.deadline is not None
    ]
    next_check = now if status.due or status.superseded else status.next_check_at
    with session.no_autoflush:
        row.status = case.status.value
        row.owner = case.owner
        row.priority = case.priority.value
        row.resolution_code = case.resolution_code
        row.open_key = 1 if case.status.is_open else None
        row.first_response_seconds = case.targets.first_response
        row.resolution_seconds = case.targets.resolution
        row.warning_fraction = case.targets.warning_fraction
        row.updated_at = now
        flag_modified(row, "updated_at")  # every change is one version step, even a note
        row.sla_due_at = min(running) if running else None
        for seq, e in enumerate(case.events[before:], start=before):
            session.add(
                CaseEventRow(
                    case_id=row.id,
                    seq=seq,
                    at=e.at,
                    kind=e.kind.value,
                    actor=e.actor[:320],
                    from_status=e.from_status.value if e.from_status else None,
                    to_status=e.to_status.value if e.to_status else None,
                    text=e.text,
                    visibility=e.visibility.value if e.visibility else None,
                    code=e.code[:200],
                    amount=e.amount,
                    priority=e.priority.value if e.priority else None,
                    currency=e.currency,
                )
            )
        if timer is None:
            session.add(SlaTimer(case_id=row.id, next_check_at=next_check, updated_at=now))
        else:
            timer.next_check_at = next_check
            timer.updated_at = now


def _finish(session: Session, row: CaseRow) -> CaseView:
    """Write the change (a stale version → :class:`ConflictError`), commit, return the view."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise ConflictError(
            f"case {row.id} was changed by someone else while you edited it; nothing was "
            "changed — reload the case and try again"
        ) from None
    view = _view(session, row)
    session.commit()
    return view


def _locked(session: Session, case_id: int, expected_version: int | None) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        session.rollback()
        raise NotFoundError(f"no case {case_id}")
    if expected_version is not None and row.version != expected_version:
        current = row.version
        session.rollback()
        raise ConflictError(
            f"case {case_id} was changed by someone else (you saw version {expected_version}, "
            f"it is now version {current}); nothing was changed — reload the case and try again",
            current=current,
        )
    return row


def _view(session: Session, row: CaseRow) -> CaseView:
    return CaseView(row.id, row.version, _case_of(session, row), row.sla_due_at, row.escalated_at)


def get_case(session: Session, case_id: int, actor: Actor | None = None) -> CaseView:
    """One case with its timeline (a staff view is audited: a case holds customer text)."""
    row = session.get(CaseRow, case_id)
    if row is None:
        raise NotFoundError(f"no case {case_id}")
    view = _view(session, row)
    if actor is not None:
        record(session, actor, "cases.view", f"case:{case_id}")
    session.commit()  # no read transaction left open (SQLite: it would hold the write lock)
    return view


def queue(
    session: Session,
    *,
    owner: str | None = None,
    team: str | None = None,
    unassigned: bool = False,
    include_resolved: bool = False,
    limit: int = 200,
) -> list[CaseRow]:
    """Open cases of an agent or a team (``unassigned``: those nobody owns yet), the nearest
    SLA deadline first (cases whose clocks are stopped or paused after them), then the most
    urgent priority, then the oldest."""
    statuses = [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING]
    if include_resolved:
        statuses.append(CaseStatus.RESOLVED)
    q = sa.select(CaseRow).where(CaseRow.status.in_([s.value for s in statuses]))
    if owner is not None:
        q = q.where(CaseRow.owner == owner)
    if team is not None:
        q = q.where(CaseRow.team == team)
    if unassigned:
        q = q.where(sa.or_(CaseRow.owner.is_(None), CaseRow.owner == ""))
    q = q.order_by(
        CaseRow.sla_due_at.is_(None), CaseRow.sla_due_at, CaseRow.priority, CaseRow.opened_at
    ).limit(limit)
    return list(session.scalars(q).all())


# -- signals → cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyResult:
    """What :func:`apply_signals` did: cases opened and cases that got new signals."""

    opened: tuple[int, ...]
    added: tuple[int, ...]
    signals: int
    matched: int
    #: Responses left waiting for the sweep, with the reason (a response whose signal or
    #: case could not be made; see :func:`cases_from_responses`).
    left: tuple[tuple[int, str], ...] = ()


def _open_cases(session: Session, customers: set[str]) -> list[OpenCase]:
    if not customers:
        return []
    rows = session.execute(
        sa.select(CaseRow.id, CaseRow.customer_id, CaseRow.topic, CaseRow.priority).where(
            CaseRow.customer_id.in_(customers), CaseRow.open_key.is_not(None)
        )
    ).all()
    ids = [r[0] for r in rows]
    attached: dict[int, set[str]] = {}
    if ids:
        for cid, sid in session.execute(
            sa.select(CaseSignal.case_id, CaseSignal.signal_id).where(CaseSignal.case_id.in_(ids))
        ):
            attached.setdefault(cid, set()).add(sid)
    return [
        OpenCase(str(r[0]), r[1], r[2], Priority(r[3]), frozenset(attached.get(r[0], ())))
        for r in rows
    ]


def _attach(session: Session, case_id: int, action: CaseAction, by_id: dict[str, Signal]) -> None:
    for m in action.matches:
        s = by_id[m.signal_id]
        session.add(
            CaseSignal(
                signal_id=s.signal_id[:200],
                case_id=case_id,
                customer_id=s.customer_id,
                kind=s.kind.value,
                at=s.at,
                rule_id=m.rule_id,
                detail={
                    # codes with params and the English text (cases.reasons: stored form)
                    "reasons": [r.to_dict() for r in m.reasons],
                    "severity": m.severity,
                    "priority": m.priority.value,
                    "phrases": list(m.phrases),
                    # the customer's own words, for the agent (untrusted: escaped when shown;
                    # erased with the customer)
                    "text": s.text[:4000],
                    "score": s.score,
                },
            )
        )


def _open(
    session: Session,
    action: CaseAction,
    config: CaseConfig,
    by_id: dict[str, Signal],
    now: dt.datetime,
    rosters: dict[str, _Roster] | None = None,
) -> int:
    """Open the case of ``action``; ``rosters`` keeps the teams read in this transaction."""
    targets = config.sla.targets(action.sla_class, action.priority)
    row = CaseRow(
        customer_id=action.customer_id,
        topic=action.topic,
        team=action.team,
        sla_class=action.sla_class,
        priority=action.priority.value,
        status=CaseStatus.NEW.value,
        open_key=1,
        rules_version=action.rules_version,
        first_response_seconds=targets.first_response,
        resolution_seconds=targets.resolution,
        warning_fraction=targets.warning_fraction,
        opened_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    case = lib_open_case(action, case_id=str(row.id), targets=targets, at=now, actor=RULES_ACTOR)
    rosters = {} if rosters is None else rosters
    if action.team not in rosters:
        rosters[action.team] = _roster(session, action.team)
    team, roster, available = rosters[action.team]
    if team is not None and available:
        pick = round_robin(roster, team.rr_counter, available=available)
        team.rr_counter = pick.next_counter
        case = lib_assign(case, pick.owner, roster=roster, at=now, actor="round_robin")
    _attach(session, row.id, action, by_id)
    _save(session, row, case, 0, config, now, new=True)
    return row.id


def _add(
    session: Session,
    action: CaseAction,
    config: CaseConfig,
    by_id: dict[str, Signal],
    now: dt.datetime,
) -> int:
    assert action.case_id is not None
    cid = int(action.case_id)
    row = _locked(session, cid, None)
    case = _case_of(session, row)
    before = len(case.events)
    if case.events and case.events[-1].at > now:
        # a racing transaction (or a process whose clock runs ahead) wrote the case's last
        # event after this evaluation began: the timeline stays in order
        now = case.events[-1].at
    targets = (
        config.sla.targets(case.sla_class, action.priority) if action.raises_priority else None
    )
    case = lib_add_signals(case, action, at=now, targets=targets)
    _attach(session, cid, action, by_id)
    _save(session, row, case, before, config, now)
    return cid


def apply_signals(
    session: Session,
    signals: Iterable[Signal],
    *,
    now: dt.datetime | None = None,
    guarded: bool = True,
) -> ApplyResult:
    """Evaluate the rules in force on ``signals`` and open or update cases (one transaction).

    Signals already attached to a case are skipped, so a signal can be offered again safely.
    Each case's change is made under a savepoint. When another transaction got there first —
    it opened the customer's case on the topic (the unique open key), attached the same
    signal, changed the case (its version) or deadlocked with this one — the savepoint is
    rolled back, the customer's open cases and attached signals are read again and the rules
    decide again: the signal is added to the case the other transaction opened, or skipped
    when it is already attached. So two workers, or the worker and the sweep, evaluating one
    customer's answers at once make one case with each signal once, on SQLite and PostgreSQL.

    ``guarded=False`` takes no savepoints (the ORM then writes the whole batch's rows in a few
    multi-row statements): a lost race fails the transaction, for the caller to roll back and
    call again guarded, as the case worker does (races are rare; the savepoints cost every
    batch).
    """
    now = now or utcnow()
    sigs = list(signals)
    by_id = {s.signal_id: s for s in sigs}
    config = active_config(session)
    handled = _attached(session, list(by_id))
    fresh = [s for s in sigs if s.signal_id not in handled]
    actions = evaluate_rules(
        config.rules,
        fresh,
        _open_cases(session, {s.customer_id for s in fresh}),
        handled_signals=handled,
    )
    opened: list[int] = []
    added: list[int] = []
    matched = 0
    rosters: dict[str, _Roster] = {}
    for first in actions:
        done = _apply_action(session, first, config, by_id, now, rosters, guarded=guarded)
        if done is None:
            continue
        action, cid = done
        (opened if action.kind is ActionKind.OPEN else added).append(cid)
        matched += len(action.matches)
    session.commit()
    return ApplyResult(tuple(opened), tuple(added), len(sigs), matched)


def _attached(session: Session, signal_ids: list[str]) -> set[str]:
    """The ids among ``signal_ids`` already attached to a case (open or closed)."""
    if not signal_ids:
        return set()
    return set(
        session.scalars(sa.select(CaseSignal.signal_id).where(CaseSignal.signal_id.in_(signal_ids)))
    )


#: How often one case's change is decided again after losing a race (each loss means another
#: transaction committed that case's change meanwhile).
_RACE_TRIES = 5
#: PostgreSQL's deadlock and serialization failures: the savepoint is rolled back, try again.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def _lost_race(exc: Exception) -> bool:
    if isinstance(exc, (sa.exc.IntegrityError, StaleDataError)):
        return True
    orig = getattr(exc, "orig", None)
    return isinstance(exc, sa.exc.OperationalError) and (
        getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES
    )


def _apply_action(
    session: Session,
    action: CaseAction,
    config: CaseConfig,
    by_id: dict[str, Signal],
    now: dt.datetime,
    rosters: dict[str, _Roster],
    *,
    guarded: bool,
) -> tuple[CaseAction, int] | None:
    """Open or update one case, under a savepoint when ``guarded`` (see
    :func:`apply_signals`); ``None`` when, decided again after a lost race, nothing is left to
    do (the signals are attached)."""

    def write(act: CaseAction) -> int:
        if act.kind is ActionKind.OPEN:
            cid = _open(session, act, config, by_id, now, rosters)
            what = "cases.open"
        else:
            cid = _add(session, act, config, by_id, now)
            what = "cases.signals"
        record(
            session,
            Actor(RULES_ACTOR, "system"),
            what,
            f"case:{cid}",
            {
                "rules": [m.rule_id for m in act.matches],
                "priority": act.priority.value,
                "rules_version": act.rules_version,
            },
        )
        return cid

    if not guarded:
        return action, write(action)
    current: CaseAction | None = action
    for attempt in range(1, _RACE_TRIES + 1):
        assert current is not None
        try:
            with session.begin_nested():
                cid = write(current)
            return current, cid
        except (sa.exc.IntegrityError, sa.exc.OperationalError, StaleDataError) as exc:
            if not _lost_race(exc) or attempt == _RACE_TRIES:
                raise
            log.info(
                "cases: another transaction changed %s's %s case first; deciding again",
                current.customer_id,
                current.topic,
            )
            session.expire_all()  # read the other transaction's case, not the cached rows
            rosters.clear()
            current = _decide_again(session, current, config, by_id)
            if current is None:
                return None
    raise AssertionError("unreachable")


def _decide_again(
    session: Session, action: CaseAction, config: CaseConfig, by_id: dict[str, Signal]
) -> CaseAction | None:
    """The rules on ``action``'s signals against the customer's cases as they are now."""
    ids = list(dict.fromkeys(m.signal_id for m in action.matches))
    handled = _attached(session, ids)
    fresh = [by_id[i] for i in ids if i not in handled]
    again = evaluate_rules(
        config.rules,
        fresh,
        _open_cases(session, {action.customer_id}),
        handled_signals=handled,
    )
    key = (action.customer_id, action.topic)
    return next((a for a in again if (a.customer_id, a.topic) == key), None)


def _apply_retrying(store: Store, signals: list[Signal], now: dt.datetime | None) -> ApplyResult:
    """:func:`apply_signals` without savepoints; after a lost race, again with them."""
    with store.session() as session:
        try:
            return apply_signals(session, signals, now=now, guarded=False)
        except (sa.exc.IntegrityError, sa.exc.OperationalError, StaleDataError) as exc:
            session.rollback()
            if not _lost_race(exc):
                raise
            log.info("cases: a racing transaction changed a case first; evaluating again")
    with store.session() as session:
        return apply_signals(session, signals, now=now, guarded=True)


# -- survey responses -------------------------------------------------------------------------


def _response_signal(
    session: Session, r: Response, specs: dict[tuple[int, int], Any] | None = None
) -> Signal | None:
    """The signal of one response; ``specs`` keeps the survey versions parsed for a batch."""
    if not r.customer_id:
        return None  # an anonymous public-link answer: nobody to call back
    specs = {} if specs is None else specs
    spec = specs.get((r.survey_id, r.version))
    if spec is None:
        spec = specs[(r.survey_id, r.version)] = spec_of(session, r.survey_id, r.version)
    answers: dict[str, Any] = r.answers or {}
    score_q = next(
        (q for q in spec.questions if q.type is QuestionType.nps and answers.get(q.id) is not None),
        None,
    )
    texts: list[str] = []
    if score_q is not None:
        texts = [
            str(answers[q.id])
            for q in spec.questions
            if q.type is QuestionType.text and q.about == score_q.id and answers.get(q.id)
        ]
    if not texts:
        texts = [
            str(answers[q.id])
            for q in spec.questions
            if q.type is QuestionType.text and answers.get(q.id)
        ]
    score = answers.get(score_q.id) if score_q is not None else None
    return Signal(
        f"response:{r.id}:r{r.revision}",
        r.customer_id,
        SignalKind.FEEDBACK,
        r.updated_at,
        score_type="nps" if score is not None else None,
        score=float(score) if score is not None else None,
        text="\n".join(texts),
    )


def response_signals(session: Session, response_ids: Sequence[int]) -> list[Signal]:
    """The signals of stored responses: the NPS answer and the comment that explains it (the
    text question ``about`` it, else every text answer). Anonymous answers give none.

    Sentiment and aspects are not known yet when a response arrives (the next run's text
    analytics computes them): the response's own rules are the score and the phrases.
    """
    rows = session.scalars(sa.select(Response).where(Response.id.in_(list(response_ids)))).all()
    specs: dict[tuple[int, int], Any] = {}
    out = [_response_signal(session, r, specs) for r in rows]
    return [s for s in out if s is not None]


def cases_from_response(
    store: Store, response_id: int, *, now: dt.datetime | None = None
) -> ApplyResult:
    """Evaluate the rules on one committed response (see :func:`cases_from_responses`)."""
    return cases_from_responses(store, [response_id], now=now)


#: Responses the case rules have not seen: ``rules_revision < revision`` (a known customer's).
_PENDING = (Response.rules_revision < Response.revision) & Response.customer_id.is_not(None)


#: What one response's data can make go wrong on its way to a case (a stored answer of the
#: wrong shape, a survey version that cannot be read, a value the store refuses).
_BAD_RESPONSE = (LoyalloopError, sa.exc.SQLAlchemyError, ValueError, TypeError, LookupError)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


def _store_away(exc: BaseException) -> bool:
    """The store cannot be reached or is locked: every response would fail alike."""
    return isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)) and not (
        _lost_race(exc)  # type: ignore[arg-type]
    )


def _apply_isolating(
    store: Store, signals: list[Signal], now: dt.datetime | None
) -> tuple[list[ApplyResult], dict[str, str]]:
    """Apply ``signals``; when the batch fails, halve it until the failing signals are alone.

    Returns the results of the parts that were applied and, per signal that could not be,
    the reason. A store that cannot be reached fails the whole batch (it is not a bad
    signal): the error is raised and every response waits for the sweep.
    """
    try:
        return [_apply_retrying(store, signals, now)], {}
    except _BAD_RESPONSE as exc:
        if _store_away(exc):
            raise
        if len(signals) == 1:
            return [], {signals[0].signal_id: _reason(exc)}
        mid = len(signals) // 2
        done_a, bad_a = _apply_isolating(store, signals[:mid], now)
        done_b, bad_b = _apply_isolating(store, signals[mid:], now)
        return done_a + done_b, {**bad_a, **bad_b}


def cases_from_responses(
    store: Store, response_ids: Sequence[int], *, now: dt.datetime | None = None
) -> ApplyResult:
    """Evaluate the rules on committed responses that wait for them, then mark them evaluated.

    A response waits while its ``rules_revision`` is below its ``revision`` (a new answer, or
    an edited one). The mark moves only after the rules' transaction committed, and only up
    to the revision evaluated (an edit made meanwhile still waits). Evaluating a response
    again (a crash between the two commits, two processes at once) changes nothing: its
    signal is already attached to its case.

    Each signal carries the customer's churn probability and CLV percentile in the latest
    published run (:func:`latest_scores`), for the priority.

    One bad response does not hold up the others: a response whose signal cannot be made,
    or whose case cannot be written, is set apart (the batch is halved until it is alone),
    logged with the reason, left waiting for the sweep and listed in ``left``; the others
    are evaluated and marked.
    """
    ids = list(response_ids)
    if not ids:
        return ApplyResult((), (), 0, 0)
    left: dict[int, str] = {}
    seen: dict[int, int] = {}
    signals: list[Signal] = []
    owner: dict[str, int] = {}
    with store.session() as session:
        rows = session.scalars(sa.select(Response).where(Response.id.in_(ids), _PENDING)).all()
        specs: dict[tuple[int, int], Any] = {}
        for r in rows:
            try:
                sig = _response_signal(session, r, specs)
            except _BAD_RESPONSE as exc:
                if _store_away(exc):
                    raise
                left[r.id] = _reason(exc)
                continue
            seen[r.id] = r.revision
            if sig is not None:
                signals.append(sig)
                owner[sig.signal_id] = r.id
        session.rollback()
    known = latest_scores(store) if signals else None
    if known is not None:  # the priority needs the customer's scores in the latest run
        signals = [known.scored(sig) for sig in signals]
    parts, failed = _apply_isolating(store, signals, now) if signals else ([], {})
    for sid, why in failed.items():
        left[owner[sid]] = why
        seen.pop(owner[sid], None)
    for rid, why in sorted(left.items()):
        log.warning("case rules: response %d left for the sweep: %s", rid, why)
    if seen:
        with store.session() as session:
            session.connection().execute(
                sa.update(Response)
                .where(
                    Response.id == sa.bindparam("rid"),
                    Response.rules_revision < sa.bindparam("rev"),
                )
                .values(rules_revision=sa.bindparam("rev"))
                .execution_options(synchronize_session=False),
                [{"rid": i, "rev": r} for i, r in seen.items()],
            )
            session.commit()
    return ApplyResult(
        tuple(c for p in parts for c in p.opened),
        tuple(c for p in parts for c in p.added),
        len(signals),
        sum(p.matched for p in parts),
        tuple(sorted(left.items())),
    )


def sweep_responses(
    store: Store, *, now: dt.datetime | None = None, batch: int = 500
) -> ApplyResult:
    """Evaluate every response still waiting for the case rules (responses the web process's
    case worker did not reach, e.g. when the server stopped before it did). Safe to run
    again, and beside the worker: a response already evaluated is skipped."""
    opened: list[int] = []
    added: list[int] = []
    left: list[tuple[int, str]] = []
    n_signals = n_matched = 0
    after = 0
    while True:
        with store.session() as session:
            ids = list(
                session.scalars(
                    sa.select(Response.id)
                    .where(_PENDING, Response.id > after)
                    .order_by(Response.id)
                    .limit(batch)
                )
            )
            session.rollback()
        if not ids:
            break
        after = ids[-1]
        res = cases_from_responses(store, ids, now=now)
        opened += res.opened
        added += res.added
        n_signals += res.signals
        n_matched += res.matched
        left += res.left
    return ApplyResult(tuple(opened), tuple(added), n_signals, n_matched, tuple(left))


# -- work on a case ---------------------------------------------------------------------------


def change_status(
    session: Session,
    case_id: int,
    to: CaseStatus | str,
    *,
    expected_version: int | None,
    actor: Actor,
    resolution_code: str | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> CaseView:
    """Move a case to another status (the library's transition rules; a conflicting edit is
    refused with :class:`~loyalloop.errors.ConflictError`)."""
    now = now or utcnow()
    row = _locked(session, case_id, expected_version)
    config = active_config(session)
    case = _case_of(session, row)
    before = len(case.events)
    try:
        to_status = CaseStatus(to)
    except ValueError:
        session.rollback()
        allowed = ", ".join(s.value for s in CaseStatus)
        raise CaseTransitionError(f"status: {to!r} is not a status ({allowed})") from None
    try:
        case = lib_change_status(
            case,
            to_status,
            at=now,
            actor=actor.name,
            resolution_code=resolution_code or None,
            reason=reason,
            resolution_codes=config.resolution_codes,
        )
    except CaseTransitionError:
        session.rollback()
        raise
    _save(session, row, case, before, config, now)
    record(
        session,
        actor,
        "cases.status",
        f"case:{case_id}",
        {"to": to_status.value, "code": resolution_code or ""},
    )
    return _finish(session, row)


def add_note(
    session: Session,
    case_id: int,
    text: str,
    *,
    visibility: NoteVisibility | str,
    expected_version: int | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> CaseView:
    """Add an internal note or a note to the customer (the first such note is the first
    response of the SLA)."""
    now = now or utcnow()
    row = _locked(session, case_id, expected_version)
    config = active_config(session)
    case = _case_of(session, row)
    before = len(case.events)
    try:
        vis = NoteVisibility(visibility)
        case = lib_add_note(case, text, visibility=vis, at=now, actor=actor.name)
    except (CaseTransitionError, ValueError) as exc:
        session.rollback()
        if isinstance(exc, CaseTransitionError):
            raise
        raise CaseTransitionError(
            f"visibility: {visibility!r} is not internal or customer"
        ) from None
    _save(session, row, case, before, config, now)
    record(session, actor, "cases.note", f"case:{case_id}", {"visibility": vis.value})
    return _finish(session, row)


def assign_case(
    session: Session,
    case_id: int,
    owner: str,
    *,
    expected_version: int | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> CaseView:
    """Give a case to an agent on its team's roster (two agents taking the same case: the
    second is told it was taken)."""
    now = now or utcnow()
    row = _locked(session, case_id, expected_version)
    config = active_config(session)
    case = _case_of(session, row)
    before = len(case.events)
    _team, roster, _ = _roster(session, case.team)
    try:
        case = lib_assign(case, owner, roster=roster, at=now, actor=actor.name)
    except CaseTransitionError:
        session.rollback()
        raise
    _save(session, row, case, before, config, now)
    record(session, actor, "cases.assign", f"case:{case_id}", {"owner": owner})
    return _finish(session, row)


def grant_compensation(
    session: Session,
    case_id: int,
    *,
    kind: str,
    amount: Decimal,
    expected_version: int | None,
    actor: Actor,
    currency: str | None,
    approved_by_manager: bool = False,
    now: dt.datetime | None = None,
) -> tuple[CompensationDecision, CaseView]:
    """Give compensation on a case if the policy and the budget allow it.

    ``currency`` is the project's currency (:func:`project_currency`; ``None``: not known):
    the amount is in it, and the policy must be in it too (or name none) —
    :class:`~loyalloop.errors.CurrencyMismatchError` otherwise, before anything is written.
    A refusal changes nothing on the case; it is audited and returned with its reason and
    message (e.g. "250 USD would take team complaints to 20 050 USD of its 20 000 USD budget").
    """
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        row0 = session.get(CaseRow, case_id)
        if row0 is not None:
            session.execute(
                sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("comp:" + row0.team)))
            )
    row = _locked(session, case_id, expected_version)
    config = active_config(session)
    if config.compensation is None:
        session.rollback()
        raise ConfigError("the case configuration has no compensation policy")
    try:
        policy = config.compensation.in_currency(currency)
    except CurrencyMismatchError:
        session.rollback()
        raise
    granted = [
        Grant(str(g.case_id), g.customer_id, g.team, g.kind, Decimal(g.amount), g.at, g.currency)
        for g in session.scalars(
            sa.select(CompensationGrant).where(
                sa.or_(
                    CompensationGrant.team == row.team,
                    CompensationGrant.customer_id == row.customer_id,
                    CompensationGrant.case_id == row.id,
                )
            )
        )
    ]
    request = CompensationRequest(
        str(row.id), row.customer_id, row.team, kind, Decimal(amount), now, approved_by_manager
    )
    try:
        decision = decide_compensation(policy, request, granted)
    except CurrencyMismatchError:
        session.rollback()
        raise
    if not decision.approved:
        record(
            session,
            actor,
            "cases.compensation_refused",
            f"case:{case_id}",
            {
                "kind": kind,
                "amount": str(amount),
                "reason": decision.reason.value if decision.reason else "",
            },
        )
        view = _view(session, row)
        session.commit()
        return decision, view
    case = _case_of(session, row)
    before = len(case.events)
    try:
        case = lib_record_compensation(
            case, kind=kind, amount=Decimal(amount), at=now, actor=actor.name,
            currency=policy.currency,
        )  # fmt: skip
    except CaseTransitionError:
        session.rollback()
        raise
    session.add(
        CompensationGrant(
            case_id=row.id,
            customer_id=row.customer_id,
            team=row.team,
            kind=kind,
            amount=Decimal(amount),
            currency=policy.currency,
            at=now,
            actor=actor.name,
        )
    )
    _save(session, row, case, before, config, now)
    record(
        session,
        actor,
        "cases.compensation",
        f"case:{case_id}",
        {"kind": kind, "amount": str(amount), "currency": policy.currency},
    )
    return decision, _finish(session, row)


def project_currency(analytics: Settings) -> str | None:
    """The project's currency: that of the amounts of its latest published run (the
    transactions' ``currency`` column, else the run setting ``currency``); ``None`` when no
    run names one."""
    from loyalloop.core.runs import RunStore
    from loyalloop.errors import NoRunError

    try:
        run = RunStore(analytics.runs_dir).get(None)
    except NoRunError:
        return None
    kpis = run.manifest.kpis
    return kpis.currency if kpis is not None else None


def compensation_policy(session: Session, currency: str | None) -> CompensationPolicy | None:
    """The active compensation policy in the project's ``currency``
    (:meth:`~loyalloop.cases.CompensationPolicy.in_currency`; ``None``: no policy)."""
    policy = active_config(session).compensation
    return policy.in_currency(currency) if policy is not None else None


# -- what the pages show besides the case -----------------------------------------------------


def team_names(session: Session) -> list[str]:
    """The teams, by name."""
    return list(session.scalars(sa.select(CaseTeam.name).order_by(CaseTeam.name)))


def team_roster(session: Session, team: str) -> list[str]:
    """The team's agents in round-robin order."""
    return _roster(session, team)[1]


def case_reasons(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Why the case exists, oldest signal first: each signal's ``reasons`` (the rules that
    fired, as :class:`~loyalloop.cases.reasons.Reason` — render with ``.text(lang)``; rows
    stored before the codes come back as their English sentence), the customer's ``text``
    (untrusted) and ``score``."""
    from loyalloop.cases.reasons import Reason

    details = session.scalars(
        sa.select(CaseSignal.detail).where(CaseSignal.case_id == case_id).order_by(CaseSignal.id)
    ).all()
    return [
        {
            "reasons": [Reason.from_stored(r) for r in (d or {}).get("reasons", [])],
            "text": str((d or {}).get("text") or ""),
            "score": (d or {}).get("score"),
        }
        for d in details
    ]


@dataclass(frozen=True)
class RulesVersionRow:
    version: int
    content_hash: str
    created_by: str
    created_at: dt.datetime


def rule_versions(session: Session) -> tuple[list[RulesVersionRow], str | None]:
    """Every stored version of the case rules (newest first) and the newest one's YAML."""
    rows = session.execute(
        sa.select(
            CaseRuleVersion.version,
            CaseRuleVersion.content_hash,
            CaseRuleVersion.created_by,
            CaseRuleVersion.created_at,
        ).order_by(CaseRuleVersion.version.desc())
    ).all()
    source = session.scalar(
        sa.select(CaseRuleVersion.source).order_by(CaseRuleVersion.version.desc()).limit(1)
    )
    return [RulesVersionRow(*r) for r in rows], source


# -- "you said, we did" -----------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerMessage:
    """What was sent to the customer: to whom (masked in the audit log), in which language."""

    case: CaseView
    language: str
    subject: str
    message_id: str


def _customer_contact(session: Session, customer_id: str) -> tuple[str, str]:
    """The customer's e-mail and language from their newest e-mail invitation ("", "zh")."""
    from loyalloop.store.models import Invitation

    row = session.execute(
        sa.select(Invitation.contact, Invitation.language)
        .where(Invitation.customer_id == customer_id, Invitation.contact.contains("@"))
        .order_by(Invitation.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else ("", "zh")


def tell_customer(
    store: Store,
    case_id: int,
    we_did: str,
    *,
    expected_version: int | None,
    actor: Actor,
    mailer: Any = None,
    now: dt.datetime | None = None,
) -> CustomerMessage:
    """E-mail the customer of a resolved case what was done ("you said, we did": the shipped
    ``resolved`` template in the customer's language, their words quoted back), then record
    it on the case as a note to the customer.

    Refused (nothing sent) when the case is not resolved, changed since ``expected_version``,
    or the customer has no e-mail address in the store; an SMTP failure raises
    :class:`~loyalloop.services.channels.DeliveryError` and records nothing.
    """
    from email.message import EmailMessage

    from loyalloop.cases import default_resolution_templates, render_resolution
    from loyalloop.services.channels import Mailer

    now = now or utcnow()
    if not we_did.strip():
        raise CaseTransitionError("say what was done (we_did) before telling the customer")
    with store.session() as session:
        row = _locked(session, case_id, expected_version)
        if row.status != CaseStatus.RESOLVED.value:
            session.rollback()
            raise CaseTransitionError(
                f"case {case_id} is {row.status}; the customer is told once it is resolved"
            )
        email, language = _customer_contact(session, row.customer_id)
        reasons = case_reasons(session, case_id)
        version = row.version
        code, topic = row.resolution_code, row.topic
        session.rollback()
    if not email:
        raise NotFoundError(f"case {case_id}: the customer has no e-mail address in the store")
    said = next((r["text"] for r in reasons if r["text"]), "")
    msg = render_resolution(
        default_resolution_templates()["resolved"],
        language=language,
        customer_name=None,
        you_said=said,
        we_did=we_did,
        case_reference=str(case_id),
        topic=topic,
        resolution_code=code,
        resolved_on=now.date(),
        agent="",
    )
    domain = store.settings.smtp_from.rpartition("@")[2] or "localhost"
    message_id = f"<case-{case_id}-told-v{version}@{domain}>"
    mail = EmailMessage()
    mail["Subject"] = " ".join(msg.subject.split())
    mail["From"] = store.settings.smtp_from
    mail["To"] = email
    mail["Message-ID"] = message_id
    mail.set_content(msg.text)
    mail.add_alternative(f"<html><body><p>{msg.html}</p></body></html>", subtype="html")
    (mailer or Mailer(store.settings)).send(mail)
    with store.session() as session:
        view = add_note(
            session,
            case_id,
            msg.text,
            visibility=NoteVisibility.CUSTOMER,
            expected_version=None,  # the e-mail is out: record it whatever changed meanwhile
            actor=actor,
            now=now,
        )
        record(session, actor, "cases.told_customer", f"case:{case_id}",
               {"language": msg.language, "message_id": message_id})  # fmt: skip
        session.commit()
    return CustomerMessage(view, msg.language, msg.subject, message_id)


# -- after a run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunScores:
    """Each profile's churn probability and CLV percentile in one run, and the customer ids of
    the profiles (``profile_map``): what the priority formula needs about a customer.

    The CLV percentile is the share of the run's profiles with a lower CLV (the library's
    ``clv_percentile``). A customer the run does not know, or a score the run lacks, is
    ``None`` (the priority then says "unknown"); a known score is never replaced.
    """

    churn: dict[str, float]
    clv_percentile: dict[str, float]
    profile_of: dict[str, str]

    @classmethod
    def of_run(cls, run: Any) -> RunScores:
        """The scores of ``run`` (:class:`loyalloop.core.runs.Run`); empty parts when the run
        has no ``churn_scores``, ``clv`` or ``profile_map``."""
        churn: dict[str, float] = {}
        pct: dict[str, float] = {}
        prof: dict[str, str] = {}
        if run.has_table("churn_scores"):
            t = run.read("churn_scores").select(["customer_id", "churn_probability"]).to_pandas()
            t = t.dropna()
            churn = dict(
                zip(t["customer_id"].astype(str), t["churn_probability"].astype(float), strict=True)
            )
        if run.has_table("clv"):
            c = run.read("clv").select(["customer_id", "clv"]).to_pandas().dropna()
            ranks = (c["clv"].rank(method="min") - 1.0) / max(len(c), 1)
            pct = dict(zip(c["customer_id"].astype(str), ranks.astype(float), strict=True))
        if run.has_table("profile_map"):
            pm = run.read("profile_map").to_pandas()
            if {"customer_id", "profile_id"} <= set(pm.columns):
                prof = dict(
                    zip(pm["customer_id"].astype(str), pm["profile_id"].astype(str), strict=True)
                )
        return cls(churn, pct, prof)

    def profile(self, customer_id: str) -> str:
        """The profile of a customer id (a profile id maps to itself)."""
        return self.profile_of.get(customer_id, customer_id)

    def scored(self, signal: Signal, profile_id: str | None = None) -> Signal:
        """``signal`` with the customer's churn probability and CLV percentile from the run
        where the signal has none (``profile_id`` when known, else the customer's)."""
        pid = profile_id or self.profile(signal.customer_id)
        p = signal.churn_probability
        v = signal.clv_percentile
        p = self.churn.get(pid) if p is None else p
        v = self.clv_percentile.get(pid) if v is None else v
        if p is not None:
            p = float(min(max(p, 0.0), 1.0))
        if v is not None:
            v = float(min(max(v, 0.0), 1.0))
        return replace(signal, churn_probability=p, clv_percentile=v)


def latest_scores(store: Store) -> RunScores | None:
    """The scores of the newest readable published run, ``None`` when there is none."""
    from loyalloop.core.runs import RunStore

    run = next(iter(RunStore(store.analytics.runs_dir).previous_readable()), None)
    return None if run is None else RunScores.of_run(run)


class MentionMaps(NamedTuple):
    """Per comment (``feedback_id`` as text): each aspect's most negative clause sentiment,
    its largest confidence over the comment and over one of its clauses read alone, and the
    comment's clauses joined (what a :class:`~loyalloop.cases.Signal` of the comment holds)."""

    aspects: dict[str, dict[str, float]]
    confidence: dict[str, dict[str, float]]
    clause_confidence: dict[str, dict[str, float]]
    texts: dict[str, str]


def mention_maps(m: Any) -> MentionMaps:
    """:class:`MentionMaps` of a mention table (``feedback_aspects``, a pandas DataFrame);
    a table written before a column existed gives empty maps for it."""
    out = MentionMaps({}, {}, {}, {})
    if {"feedback_id", "aspect", "sentiment_score"} <= set(m.columns):
        worst = m.groupby(["feedback_id", "aspect"])["sentiment_score"].min()
        for (f_id, aspect), sev in worst.items():
            out.aspects.setdefault(str(f_id), {})[str(aspect)] = float(sev)
    # the reading's confidence ranks a comment's complaints and a rule's min_confidence
    # filters them (older runs have none, or only the comment's)
    for column, into in (
        ("confidence", out.confidence),
        ("clause_confidence", out.clause_confidence),
    ):
        if {"feedback_id", "aspect", column} <= set(m.columns):
            sure = m.groupby(["feedback_id", "aspect"])[column].max().dropna()
            for (f_id, aspect), c in sure.items():
                into.setdefault(str(f_id), {})[str(aspect)] = float(c)
    if "clause" in m.columns:
        joined = m.groupby("feedback_id")["clause"].apply(
            lambda c: " ".join(str(x) for x in c if isinstance(x, str))
        )
        out.texts.update({str(k): str(v) for k, v in joined.items()})
    return out


def run_signals(
    run: Any, config: CaseConfig, *, feedback_after: dt.datetime | None = None
) -> list[Signal]:
    """Signals from a published run's outputs (:class:`loyalloop.core.runs.Run`).

    * churn risk: every active profile's ``churn_probability`` (``churn_scores``) with its CLV
      percentile among the run's profiles (``clv``), for profiles that can meet a
      ``churn_risk`` rule of ``config`` (the others cannot open a case);
    * feedback: each analysed comment (``feedback_analysis``) with its score, sentiment, the
      most negative sentiment per aspect and the clauses' text (``feedback_aspects``), for
      the phrase rules, and the customer's churn probability and CLV percentile in this run
      (:class:`RunScores`) for the priority.

    Run outputs are keyed by pseudonymous profile ids; ``profile_map`` gives the customer ids
    (a profile merged from several records takes its smallest id). Feedback signals are
    ``feedback:<feedback id>`` (never attached twice); comments that came from survey
    responses (``svy-…``) were evaluated when they arrived and are left out; only comments
    after ``feedback_after`` are read (each run's comments include the whole history).
    Churn signals are ``run:<n>:churn:<profile>`` (a customer still at risk in the next run
    adds that run's signal to the open retention case, or opens one if the last was closed).
    """
    import pandas as pd

    from loyalloop.cases import RuleKind

    at = dt.datetime.combine(run.manifest.as_of, dt.time(), dt.UTC)
    out: list[Signal] = []
    ids: dict[str, str] = {}
    if run.has_table("profile_map"):
        pm = run.read("profile_map").to_pandas()
        src = "customer_id" if "customer_id" in pm.columns else pm.columns[0]
        ids = pm.sort_values(src).drop_duplicates("profile_id").set_index("profile_id")[src]
        ids = {str(k): str(v) for k, v in ids.items()}
    known = RunScores.of_run(run)
    churn_rules = [r for r in config.rules.rules if r.kind is RuleKind.CHURN_RISK and r.enabled]
    if churn_rules and run.has_table("churn_scores") and run.has_table("clv"):
        scores = run.read("churn_scores").to_pandas()
        scores["customer_id"] = scores["customer_id"].astype(str)
        pct = pd.Series(known.clv_percentile, name="pct", dtype=float)
        df = scores.merge(pct.rename_axis("customer_id").reset_index(), on="customer_id")
        if "population" in df.columns:
            df = df[df["population"] == "active"]
        p_min = min(r.min_probability for r in churn_rules)
        share = max(r.top_clv_share for r in churn_rules)
        df = df[(df["churn_probability"] >= p_min) & (df["pct"] >= 1.0 - share)]
        for pid, p, v in zip(df["customer_id"], df["churn_probability"], df["pct"], strict=True):
            cust = ids.get(str(pid), str(pid))
            out.append(
                Signal(
                    f"run:{run.number}:churn:{pid}",
                    cust,
                    SignalKind.CHURN_RISK,
                    at,
                    churn_probability=float(min(max(p, 0.0), 1.0)),
                    clv_percentile=float(min(max(v, 0.0), 1.0)),
                )
            )
    if run.has_table("feedback_analysis"):
        fa = run.read("feedback_analysis").to_pandas()
        maps = MentionMaps({}, {}, {}, {})
        if run.has_table("feedback_aspects"):
            maps = mention_maps(run.read("feedback_aspects").to_pandas())
        aspects, confidence, clause_sure, texts = maps
        for row in fa.itertuples(index=False):
            raw_customer = getattr(row, "customer_id", None)
            if raw_customer is None or pd.isna(raw_customer):
                continue
            fid = str(row.feedback_id)
            if fid.startswith("svy-"):
                continue
            score = getattr(row, "score", None)
            sentiment = getattr(row, "sentiment_score", None)
            ts = getattr(row, "timestamp", None)
            when = pd.Timestamp(ts).to_pydatetime() if ts is not None and not pd.isna(ts) else at
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            if feedback_after is not None and when <= feedback_after:
                continue
            profile = getattr(row, "profile_id", None)
            out.append(
                known.scored(
                    Signal(
                        f"feedback:{fid}",
                        str(raw_customer),
                        SignalKind.FEEDBACK,
                        when,
                        score_type=str(row.score_type)
                        if getattr(row, "score_type", None)
                        else None,
                        score=float(score) if score is not None and not pd.isna(score) else None,
                        text=texts.get(fid, ""),
                        sentiment=float(sentiment)
                        if sentiment is not None and not pd.isna(sentiment)
                        else None,
                        aspects=aspects.get(fid, {}),
                        aspect_confidence=confidence.get(fid, {}),
                        aspect_clause_confidence=clause_sure.get(fid, {}),
                    ),
                    None if profile is None or pd.isna(profile) else str(profile),
                )
            )
    return out


def cases_from_run(
    store: Store, number: int | None = None, *, now: dt.datetime | None = None
) -> ApplyResult:
    """Evaluate the rules on a published run's outputs (the latest by default): churn risk
    in the top CLV decile, negative aspects, complaint phrases (see :func:`run_signals`).
    Safe to call again: signals already attached are skipped, and comments are read from
    where the last call stopped (the first call: the last :data:`FIRST_RUN_LOOKBACK_DAYS`
    days before the run's as-of day)."""
    from loyalloop.core.runs import RunStore

    run = RunStore(store.analytics.runs_dir).get(number)
    with store.session() as session:
        config = active_config(session)
        sweep = session.get(CaseSweep, "run_feedback")
        if sweep is not None:
            after = dt.datetime.fromtimestamp(sweep.last_id, dt.UTC)
        else:  # the first run read: recent comments only, not years of history
            after = dt.datetime.combine(run.manifest.as_of, dt.time(), dt.UTC) - dt.timedelta(
                days=FIRST_RUN_LOOKBACK_DAYS
            )
        session.rollback()
    signals = run_signals(run, config, feedback_after=after)
    result = _apply_retrying(store, signals, now) if signals else ApplyResult((), (), 0, 0)
    newest = max((s.at for s in signals if s.kind is SignalKind.FEEDBACK), default=None)
    if newest is not None:
        with store.session() as session:
            sweep = session.get(CaseSweep, "run_feedback")
            stamp = int(newest.timestamp())
            if sweep is None:
                session.add(CaseSweep(name="run_feedback", last_id=stamp, updated_at=utcnow()))
            elif sweep.last_id < stamp:
                sweep.last_id = stamp
                sweep.updated_at = utcnow()
            session.commit()
    return result
