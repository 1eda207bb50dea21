"""SLA clocks: business hours, pauses, reopening, warnings and escalations exactly once."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from loyalloop.cases import (
    BusinessCalendar,
    ClockState,
    NotificationKind,
    SlaTarget,
    SlaTargets,
    SlaTimeline,
    sla_due,
)
from loyalloop.errors import ConfigError

SH = ZoneInfo("Asia/Shanghai")
H = 3600.0
TARGETS = SlaTargets(first_response=2 * H, resolution=8 * H, warning_fraction=0.75)


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return BusinessCalendar.from_country("CN", timezone="Asia/Shanghai")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def test_deadlines_over_a_weekend(cn: BusinessCalendar) -> None:
    t = SlaTimeline("c1", sh(2025, 3, 7, 17), TARGETS)  # Friday 17:00
    s = sla_due(t, cn, sh(2025, 3, 7, 17, 30))
    assert s.first_response.deadline == utc(sh(2025, 3, 10, 10))  # 1 h Fri + 1 h Mon
    assert s.first_response.warn_at == utc(sh(2025, 3, 10, 9, 30))  # 1.5 h
    assert s.resolution.deadline == utc(sh(2025, 3, 10, 17))  # 1 h Fri + 7 h Mon (lunch)
    assert s.due == () and s.next_check_at == utc(sh(2025, 3, 10, 9, 30))
    assert s.first_response.state is ClockState.RUNNING and s.first_response.met is None


def test_deadline_across_national_day_and_makeup_days(cn: BusinessCalendar) -> None:
    # opened Friday 2024-09-27 17:00; 29 Sep (Sunday) is a make-up working day, 1–7 Oct off
    t = SlaTimeline("c1", sh(2024, 9, 27, 17), SlaTargets(4 * H, 24 * H))
    s = sla_due(t, cn, sh(2024, 9, 27, 17))
    assert s.first_response.deadline == utc(sh(2024, 9, 29, 12))  # 1 h Fri + 3 h Sun
    # 1 + 8 (Sun 29) + 8 (Mon 30) = 17 h; 7 more on Tue 8 Oct (09–12, 13–17) → 17:00
    assert s.resolution.deadline == utc(sh(2024, 10, 8, 17))
    assert not s.estimated


def test_warning_then_breach_each_once(cn: BusinessCalendar) -> None:
    t = SlaTimeline("c1", sh(2025, 3, 10, 9), TARGETS)
    s = sla_due(t, cn, sh(2025, 3, 10, 10, 40))  # 1 h 40 m: past 75 % of 2 h
    assert [(n.target, n.kind) for n in s.due] == [
        (SlaTarget.FIRST_RESPONSE, NotificationKind.WARNING)
    ]
    assert s.due[0].due_at == utc(sh(2025, 3, 10, 10, 30))
    done = {s.due[0].key}
    again = sla_due(t, cn, sh(2025, 3, 10, 10, 50), done=done)
    assert again.due == ()
    assert again.next_check_at == utc(sh(2025, 3, 10, 11))
    breach = sla_due(t, cn, sh(2025, 3, 10, 11, 0, 1), done=done)
    assert [(n.target, n.kind) for n in breach.due] == [
        (SlaTarget.FIRST_RESPONSE, NotificationKind.BREACH)
    ]
    assert breach.due[0].key == "c1:first_response:breach"
    done.add(breach.due[0].key)
    later = sla_due(t, cn, sh(2025, 3, 12, 9), done=done)
    assert {n.target for n in later.due} == {SlaTarget.RESOLUTION}


def test_missed_warning_is_superseded_not_sent_late(cn: BusinessCalendar) -> None:
    t = SlaTimeline("c1", sh(2025, 3, 10, 9), TARGETS)
    s = sla_due(t, cn, sh(2025, 3, 10, 17))  # the scheduler was down all day
    kinds = {(n.target, n.kind) for n in s.due}
    assert kinds == {
        (SlaTarget.FIRST_RESPONSE, NotificationKind.BREACH),
        (SlaTarget.RESOLUTION, NotificationKind.WARNING),
    }
    assert [(n.target, n.kind) for n in s.superseded] == [
        (SlaTarget.FIRST_RESPONSE, NotificationKind.WARNING)
    ]


def test_response_stops_the_first_clock(cn: BusinessCalendar) -> None:
    t = SlaTimeline("c1", sh(2025, 3, 10, 9), TARGETS, first_response_at=sh(2025, 3, 10, 10))
    s = sla_due(t, cn, sh(2025, 3, 10, 16))
    assert s.first_response.state is ClockState.STOPPED
    assert s.first_response.met is True and s.first_response.elapsed == 1 * H
    late = SlaTimeline("c1", sh(2025, 3, 10, 9), TARGETS, first_response_at=sh(2025, 3, 10, 15))
    s = sla_due(late, cn, sh(2025, 3, 10, 16))
    # 09–12 + 13–15 = 5 h > 2 h: met late, counted as breached, but nothing is escalated after
    assert s.first_response.met is False and s.first_response.breached
    assert all(n.target is not SlaTarget.FIRST_RESPONSE for n in s.due)


def test_waiting_for_customer_pauses_both_clocks(cn: BusinessCalendar) -> None:
    t = SlaTimeline(
        "c1",
        sh(2025, 3, 10, 9),
        TARGETS,
        first_response_at=sh(2025, 3, 10, 9, 30),
        waiting=((sh(2025, 3, 10, 10), sh(2025, 3, 12, 10)),),
    )
    s = sla_due(t, cn, sh(2025, 3, 12, 11))
    # 1 h before the pause + 1 h after it
    assert s.resolution.elapsed == 2 * H
    assert s.resolution.deadline == utc(sh(2025, 3, 12, 18))  # 10–12 + 13–18 = 7 h more
    open_pause = SlaTimeline(
        "c1",
        sh(2025, 3, 10, 9),
        TARGETS,
        first_response_at=sh(2025, 3, 10, 9, 30),
        waiting=((sh(2025, 3, 10, 10), None),),
    )
    s = sla_due(open_pause, cn, sh(2025, 3, 20, 9))
    assert s.resolution.state is ClockState.PAUSED
    assert s.resolution.deadline is None and s.resolution.remaining == 7 * H
    assert s.due == () and s.next_check_at is None


def test_reopened_case_resumes_where_it_stopped(cn: BusinessCalendar) -> None:
    t = SlaTimeline(
        "c1",
        sh(2025, 3, 10, 9),
        TARGETS,
        first_response_at=sh(2025, 3, 10, 9, 10),
        resolved=((sh(2025, 3, 10, 12), sh(2025, 3, 13, 9)),),  # reopened Thursday 09:00
    )
    s = sla_due(t, cn, sh(2025, 3, 13, 10))
    assert s.resolution.state is ClockState.RUNNING
    assert s.resolution.elapsed == 4 * H
    assert s.resolution.deadline == utc(sh(2025, 3, 13, 15))  # 10–12 + 13–15
    resolved = SlaTimeline(
        "c1",
        sh(2025, 3, 10, 9),
        TARGETS,
        first_response_at=sh(2025, 3, 10, 9, 10),
        resolved=((sh(2025, 3, 10, 12), None),),
    )
    s = sla_due(resolved, cn, sh(2025, 3, 20, 10))
    assert s.resolution.state is ClockState.STOPPED and s.resolution.met is True
    assert s.due == ()


def test_closed_case_sends_nothing(cn: BusinessCalendar) -> None:
    t = SlaTimeline("c1", sh(2025, 3, 10, 9), TARGETS, closed_at=sh(2025, 3, 10, 9, 5))
    s = sla_due(t, cn, sh(2025, 4, 1, 9))
    assert s.due == () and s.next_check_at is None
    assert all(c.state is ClockState.STOPPED for c in s.clocks)


def test_calendar_time_class_counts_nights() -> None:
    always = BusinessCalendar.always("Asia/Shanghai")
    t = SlaTimeline("c1", sh(2025, 3, 8, 23), SlaTargets(1 * H, 24 * H))  # Saturday night
    s = sla_due(t, always, sh(2025, 3, 8, 23))
    assert s.first_response.deadline == utc(sh(2025, 3, 9, 0))


def test_estimated_when_past_the_published_schedule(cn: BusinessCalendar) -> None:
    t = SlaTimeline("c1", sh(2026, 12, 31, 17), TARGETS)
    assert sla_due(t, cn, sh(2026, 12, 31, 17)).estimated


def test_bad_timelines_are_refused(cn: BusinessCalendar) -> None:
    with pytest.raises(ConfigError, match="no time zone"):
        sla_due(SlaTimeline("c", dt.datetime(2025, 3, 10, 9), TARGETS), cn, sh(2025, 3, 10))
    bad = SlaTimeline(
        "c",
        sh(2025, 3, 10, 9),
        TARGETS,
        waiting=((sh(2025, 3, 10, 10), None), (sh(2025, 3, 10, 11), sh(2025, 3, 10, 12))),
    )
    with pytest.raises(ConfigError, match="overlap"):
        sla_due(bad, cn, sh(2025, 3, 10, 12))
    with pytest.raises(ConfigError, match="shorter than"):
        SlaTargets(first_response=8 * H, resolution=2 * H)


def test_scheduler_with_crashes_escalates_each_breach_exactly_once(
    cn: BusinessCalendar,
) -> None:
    """A scheduler wakes at ``next_check_at`` (or at random times after a restart), sends what
    is due and stores the keys; a crash loses the work between sending and storing only if the
    store is not written first — here keys are stored before the "send", as the service does
    under a unique constraint. Over 60 cases and a month, every warning and breach that falls
    due is sent once, none twice, none missed."""
    rng = random.Random(11)
    start = sh(2025, 3, 3, 8)
    cases = []
    for i in range(60):
        opened = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 14))
        waiting: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()
        if rng.random() < 0.4:
            w0 = opened + dt.timedelta(hours=rng.randrange(1, 30))
            waiting = ((w0, w0 + dt.timedelta(hours=rng.randrange(1, 60))),)
        first = opened + dt.timedelta(hours=rng.randrange(0, 40)) if rng.random() < 0.6 else None
        cases.append(SlaTimeline(f"c{i}", opened, TARGETS, first, waiting))
    sent: list[str] = []
    store: set[str] = set()
    now = start
    end = start + dt.timedelta(days=30)
    while True:
        wake = []
        for t in cases:
            if t.opened_at > now:
                wake.append(utc(t.opened_at))
                continue
            s = sla_due(t, cn, now, done=store)
            for n in (*s.due, *s.superseded):
                assert n.key not in store
                store.add(n.key)  # the unique insert commits first …
            sent.extend(n.key for n in s.due)  # … then the e-mail goes out
            if s.next_check_at:
                wake.append(s.next_check_at)
        if now >= utc(end):
            break
        if rng.random() < 0.2:  # a restart: the next look is at an arbitrary later moment
            nxt = now + dt.timedelta(minutes=rng.randrange(1, 600))
        else:
            nxt = min(wake) if wake else end
        now = min(max(utc(nxt), now + dt.timedelta(seconds=1)), utc(end))
    assert len(sent) == len(set(sent))
    # every case's first-response breach was sent unless it responded in time or is paused
    final = {t.case_id: sla_due(t, cn, end) for t in cases}
    for t in cases:
        s = final[t.case_id]
        for clock in s.clocks:
            key = f"{t.case_id}:{clock.target.value}:breach"
            escalated = key in sent
            if clock.state is not ClockState.STOPPED and clock.breached:
                assert escalated, key
            if clock.state is ClockState.STOPPED and clock.met:
                assert not escalated, key
    assert sum(k.endswith(":breach") for k in sent) > 20
