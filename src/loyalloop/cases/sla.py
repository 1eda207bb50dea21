"""Service levels: first-response and resolution clocks in business hours, warnings and
escalations decided exactly once.

Targets
    :class:`SlaPolicy` maps an SLA class (named by the rule that opened the case) and a
    priority to :class:`SlaTargets`: the working time allowed until the first response and until
    resolution, and the share of it after which a warning is due (default 0.75). The targets are
    copied onto the case when it opens, so editing the policy does not move running clocks.

Clocks (:func:`sla_due`)
    Both clocks start when the case opens and count working time of the case's
    :class:`~loyalloop.cases.calendar.BusinessCalendar`. Both pause while the case waits for the
    customer. The first-response clock stops at the first contact with the customer (a note
    sent to the customer or a logged call — moving the case to "in progress" is not a
    response), or when the case is resolved or closed without one. The resolution clock pauses
    while the case is resolved (a reopened case resumes where it was) and stops when it is
    closed.

Warnings and escalations
    A running clock that has used ``warning_fraction`` of its target makes a *warning* due;
    one that has used all of it makes a *breach* due (the escalation to the team's manager).
    :func:`sla_due` is a pure decision: given the case's timeline, the notifications already
    done (their :attr:`Notification.key`) and ``now``, it returns what to send now. Calling it
    again — after a crash, a restart, or twice by two schedulers — returns nothing already
    done, so with the keys stored under a unique constraint each breach escalates exactly
    once. A warning that is still unsent when the breach is due is not sent late: it comes
    back in ``superseded``, to be recorded as done. A clock that has stopped sends nothing:
    a late response is counted as a breach in the compliance figures, not escalated after the
    fact. ``next_check_at`` is when the next notification falls due if nothing changes (for the
    scheduler); ``None`` while paused or when nothing is left.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from loyalloop.cases.calendar import BusinessCalendar, Interval, as_aware
from loyalloop.cases.priority import Priority
from loyalloop.errors import ConfigError

__all__ = [
    "ClockState",
    "Notification",
    "NotificationKind",
    "SlaClock",
    "SlaPolicy",
    "SlaStatus",
    "SlaTarget",
    "SlaTargets",
    "SlaTimeline",
    "sla_due",
]


class SlaTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class NotificationKind(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SlaTargets:
    """Working time allowed, in seconds, and the share after which a warning is due."""

    first_response: float
    resolution: float
    warning_fraction: float = 0.75

    def __post_init__(self) -> None:
        if not (self.first_response > 0 and self.resolution > 0):
            raise ConfigError("SLA targets must be longer than zero")
        if self.resolution < self.first_response:
            raise ConfigError(
                f"the resolution target ({self.resolution / 3600:g} h) is shorter than the "
                f"first-response target ({self.first_response / 3600:g} h)"
            )
        if not 0 < self.warning_fraction < 1:
            raise ConfigError(
                f"warning_fraction must be between 0 and 1, got {self.warning_fraction}"
            )

    def seconds(self, target: SlaTarget) -> float:
        return self.first_response if target is SlaTarget.FIRST_RESPONSE else self.resolution


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per SLA class and priority (e.g. ``standard`` × P1 … P4)."""

    classes: Mapping[str, Mapping[Priority, SlaTargets]]

    def __post_init__(self) -> None:
        for name, by_priority in self.classes.items():
            missing = [p.value for p in Priority if p not in by_priority]
            if missing:
                raise ConfigError(f"SLA class {name!r} has no targets for {', '.join(missing)}")

    def targets(self, sla_class: str, priority: Priority) -> SlaTargets:
        try:
            return self.classes[sla_class][priority]
        except KeyError:
            raise ConfigError(
                f"no SLA class {sla_class!r} (classes: {', '.join(sorted(self.classes))})"
            ) from None


@dataclass(frozen=True)
class SlaTimeline:
    """What the SLA clocks need to know about one case (built by the lifecycle or the store).

    ``waiting`` are the periods the case waited for the customer, ``resolved`` the periods it
    sat resolved (``end`` = when it was reopened or ``None`` if it still is); ``closed_at``
    stops everything. ``done`` holds the keys of notifications already sent or recorded.
    """

    case_id: str
    opened_at: dt.datetime
    targets: SlaTargets
    first_response_at: dt.datetime | None = None
    waiting: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()
    resolved: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()
    closed_at: dt.datetime | None = None
    done: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Notification:
    """A warning or breach notification of one clock of one case.

    ``key`` is stable (``case:target:kind``): store it under a unique constraint and the
    notification cannot be sent twice.
    """

    case_id: str
    target: SlaTarget
    kind: NotificationKind
    due_at: dt.datetime

    @property
    def key(self) -> str:
        return notification_key(self.case_id, self.target, self.kind)


def notification_key(case_id: str, target: SlaTarget, kind: NotificationKind) -> str:
    return f"{case_id}:{target.value}:{kind.value}"


@dataclass(frozen=True)
class SlaClock:
    """One clock at ``now``.

    ``elapsed`` and ``remaining`` are working seconds (``remaining`` < 0 once breached);
    ``deadline`` and ``warn_at`` are ``None`` while the clock is paused (they depend on when the
    pause ends) and after it stopped. ``met`` is ``None`` while running or paused, otherwise
    whether it stopped within the target; ``breached`` is whether the target has been used up
    (while running, or before it stopped).
    """

    target: SlaTarget
    state: ClockState
    target_seconds: float
    elapsed: float
    remaining: float
    deadline: dt.datetime | None
    warn_at: dt.datetime | None
    stopped_at: dt.datetime | None
    met: bool | None
    breached: bool


@dataclass(frozen=True)
class SlaStatus:
    """Both clocks, what to send now, and when to look again."""

    case_id: str
    now: dt.datetime
    first_response: SlaClock
    resolution: SlaClock
    due: tuple[Notification, ...]
    superseded: tuple[Notification, ...]
    next_check_at: dt.datetime | None
    estimated: bool

    @property
    def clocks(self) -> tuple[SlaClock, SlaClock]:
        return self.first_response, self.resolution


# -- arithmetic -------------------------------------------------------------------------------


def _periods(
    raw: tuple[tuple[dt.datetime, dt.datetime | None], ...], what: str
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    out: list[tuple[dt.datetime, dt.datetime | None]] = []
    for start, end in raw:
        s = as_aware(start, f"{what} start")
        e = as_aware(end, f"{what} end") if end is not None else None
        if e is not None and e < s:
            raise ConfigError(f"{what} period ends ({e.isoformat()}) before it starts")
        out.append((s, e))
    out.sort(key=lambda p: p[0])
    for (_, e1), (s2, _) in itertools.pairwise(out):
        if e1 is None or s2 < e1:
            raise ConfigError(f"{what} periods overlap (one starts at {s2.isoformat()})")
    return out


def _active(
    calendar: BusinessCalendar,
    start: dt.datetime,
    pauses: list[tuple[dt.datetime, dt.datetime | None]],
    stop: dt.datetime | None,
) -> Iterator[Interval]:
    """Working intervals from ``start`` (up to ``stop``) minus the pauses; ends at an open
    pause (its end is not known)."""
    i = 0
    for s, e in calendar.working_intervals(start, stop):
        while s < e:
            while i < len(pauses) and (pauses[i][1] is not None and pauses[i][1] <= s):  # type: ignore[operator]
                i += 1
            if i == len(pauses):
                yield s, e
                break
            p_start, p_end = pauses[i]
            if p_start >= e:
                yield s, e
                break
            if p_start > s:
                yield s, p_start
            if p_end is None:
                return
            s = max(s, p_end)


def _merge(
    *lists: list[tuple[dt.datetime, dt.datetime | None]],
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """Union of pause periods (an open one swallows everything after it)."""
    items = sorted((p for lst in lists for p in lst), key=lambda p: p[0])
    out: list[tuple[dt.datetime, dt.datetime | None]] = []
    for s, e in items:
        if out and (out[-1][1] is None or s <= out[-1][1]):  # type: ignore[operator]
            last_s, last_e = out[-1]
            out[-1] = (last_s, None if e is None or last_e is None else max(last_e, e))
        else:
            out.append((s, e))
    return out


def _moment(
    calendar: BusinessCalendar,
    start: dt.datetime,
    pauses: list[tuple[dt.datetime, dt.datetime | None]],
    seconds: float,
) -> dt.datetime | None:
    """When ``seconds`` of unpaused working time have passed; ``None`` if an open pause comes
    first."""
    left = seconds
    for s, e in _active(calendar, start, pauses, None):
        length = (e - s).total_seconds()
        if length >= left:
            return s + dt.timedelta(seconds=left)
        left -= length
    return None


def _elapsed(
    calendar: BusinessCalendar,
    start: dt.datetime,
    pauses: list[tuple[dt.datetime, dt.datetime | None]],
    until: dt.datetime,
) -> float:
    if until <= start:
        return 0.0
    return sum((e - s).total_seconds() for s, e in _active(calendar, start, pauses, until))


def _clock(
    calendar: BusinessCalendar,
    timeline: SlaTimeline,
    target: SlaTarget,
    pauses: list[tuple[dt.datetime, dt.datetime | None]],
    stopped_at: dt.datetime | None,
    now: dt.datetime,
) -> SlaClock:
    total = timeline.targets.seconds(target)
    opened = as_aware(timeline.opened_at, "opened_at")
    until = min(now, stopped_at) if stopped_at is not None else now
    elapsed = _elapsed(calendar, opened, pauses, until)
    paused_now = any(s <= now and (e is None or now < e) for s, e in pauses)
    if stopped_at is not None and stopped_at <= now:
        return SlaClock(
            target,
            ClockState.STOPPED,
            total,
            elapsed,
            total - elapsed,
            None,
            None,
            stopped_at,
            elapsed <= total,
            elapsed > total,
        )
    deadline = warn_at = None
    if not paused_now:
        deadline = _moment(calendar, opened, pauses, total)
        warn_at = _moment(calendar, opened, pauses, total * timeline.targets.warning_fraction)
    return SlaClock(
        target,
        ClockState.PAUSED if paused_now else ClockState.RUNNING,
        total,
        elapsed,
        total - elapsed,
        deadline,
        warn_at,
        None,
        None,
        elapsed >= total,
    )


def sla_due(
    timeline: SlaTimeline,
    calendar: BusinessCalendar,
    now: dt.datetime,
    *,
    done: Collection[str] | None = None,
) -> SlaStatus:
    """Both clocks of a case at ``now`` and the notifications due (see the module docstring).

    Parameters
    ----------
    timeline
        The case's SLA timeline; its ``done`` holds notification keys already handled.
    calendar
        The business calendar the targets are counted in.
    now
        The current time (aware); pass the scheduler's clock, so tests can inject one.
    done
        More keys already handled (added to ``timeline.done``).
    """
    now = as_aware(now, "now")
    opened = as_aware(timeline.opened_at, "opened_at")
    handled = set(timeline.done) | set(done or ())
    waiting = _periods(timeline.waiting, "waiting")
    resolved = _periods(timeline.resolved, "resolved")
    closed = as_aware(timeline.closed_at, "closed_at") if timeline.closed_at else None
    first = (
        as_aware(timeline.first_response_at, "first_response_at")
        if timeline.first_response_at
        else None
    )
    fr_stops = [t for t in (first, closed, resolved[0][0] if resolved else None) if t is not None]
    fr_stop = min(fr_stops) if fr_stops else None
    # the resolution clock stops for good when the case is closed, or is resolved and not reopened
    res_stop = closed
    if res_stop is None and resolved and resolved[-1][1] is None:
        res_stop = resolved[-1][0]
    clocks = (
        _clock(calendar, timeline, SlaTarget.FIRST_RESPONSE, waiting, fr_stop, now),
        _clock(
            calendar,
            timeline,
            SlaTarget.RESOLUTION,
            _merge(waiting, [p for p in resolved if p[1] is not None]),
            res_stop,
            now,
        ),
    )
    due: list[Notification] = []
    superseded: list[Notification] = []
    upcoming: list[dt.datetime] = []
    for clock in clocks:
        if clock.state is ClockState.STOPPED:
            continue
        warn = Notification(
            timeline.case_id, clock.target, NotificationKind.WARNING, clock.warn_at or now
        )
        breach = Notification(
            timeline.case_id, clock.target, NotificationKind.BREACH, clock.deadline or now
        )
        warned = clock.elapsed >= clock.target_seconds * timeline.targets.warning_fraction
        if clock.breached:
            if breach.key not in handled:
                due.append(breach)
                if warn.key not in handled:
                    superseded.append(warn)
            continue
        if warned and warn.key not in handled:
            due.append(warn)
        if clock.state is ClockState.RUNNING:
            if not warned and warn.key not in handled and clock.warn_at is not None:
                upcoming.append(clock.warn_at)
            if breach.key not in handled and clock.deadline is not None:
                upcoming.append(clock.deadline)
    ends = [c.deadline for c in clocks if c.deadline is not None] + [now]
    return SlaStatus(
        timeline.case_id,
        now,
        clocks[0],
        clocks[1],
        tuple(due),
        tuple(superseded),
        min(upcoming) if upcoming else None,
        calendar.estimated_between(opened, max(ends)),
    )
