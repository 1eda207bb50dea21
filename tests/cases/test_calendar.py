"""Business-calendar arithmetic: weekends, China's holidays and make-up days, lunch breaks,
time zones and daylight saving."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from loyalloop.cases import BusinessCalendar, DayKind, parse_hours
from loyalloop.errors import ConfigError

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
H = 3600.0


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return BusinessCalendar.from_country("CN", timezone="Asia/Shanghai")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def test_china_days_agree_with_chinesecalendar(cn: BusinessCalendar) -> None:
    chinese_calendar = pytest.importorskip("chinese_calendar", reason="dev extra chinesecalendar")
    day, mismatches, checked = dt.date(2018, 1, 1), [], 0
    while day <= dt.date(2026, 12, 31):
        if chinese_calendar.is_workday(day) != cn.is_working_day(day):
            mismatches.append(day)
        checked += 1
        day += dt.timedelta(days=1)
    assert checked == 3287
    assert mismatches == []


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (dt.date(2026, 2, 14), DayKind.MAKEUP_WORKDAY),  # Saturday worked before 春节
        (dt.date(2026, 2, 28), DayKind.MAKEUP_WORKDAY),
        (dt.date(2026, 2, 17), DayKind.HOLIDAY),  # 春节
        (dt.date(2026, 2, 23), DayKind.HOLIDAY),  # a Monday off in exchange for 28 Feb
        (dt.date(2026, 2, 21), DayKind.WEEKEND),
        (dt.date(2026, 3, 2), DayKind.WORKDAY),
        (dt.date(2024, 9, 29), DayKind.MAKEUP_WORKDAY),  # Sunday before 国庆
        (dt.date(2024, 10, 7), DayKind.HOLIDAY),
    ],
)
def test_china_day_kinds(cn: BusinessCalendar, day: dt.date, kind: DayKind) -> None:
    assert cn.day(day).kind is kind


def test_weekend_and_lunch_break(cn: BusinessCalendar) -> None:
    # Friday 2025-03-07 16:30 → Monday 10:15: 1.5 h Friday + 1.25 h Monday
    assert cn.business_seconds(sh(2025, 3, 7, 16, 30), sh(2025, 3, 10, 10, 15)) == 2.75 * H
    # across lunch: 11:00 → 14:00 is 2 h of work
    assert cn.business_seconds(sh(2025, 3, 10, 11), sh(2025, 3, 10, 14)) == 2 * H
    # a full week is 40 h
    assert cn.business_seconds(sh(2025, 3, 10), sh(2025, 3, 17)) == 40 * H
    # nothing when end ≤ start, nothing at night
    assert cn.business_seconds(sh(2025, 3, 10, 12), sh(2025, 3, 10, 9)) == 0
    assert cn.business_seconds(sh(2025, 3, 10, 19), sh(2025, 3, 11, 8, 59)) == 0


def test_spring_festival_with_makeup_days(cn: BusinessCalendar) -> None:
    # Fri 2026-02-13 09:00 → Mon 2026-03-02 09:00: Fri 13 (8 h) + Sat 14 make-up (8 h)
    # + 15–23 off + Tue 24–Fri 27 (4 × 8 h) + Sat 28 make-up (8 h) = 56 h
    assert cn.business_seconds(sh(2026, 2, 13, 9), sh(2026, 3, 2, 9)) == 56 * H
    # 9 working hours after Friday 17:00 end on the make-up Saturday; the 10th is after 春节
    assert cn.add_business_seconds(sh(2026, 2, 13, 17), 9 * H) == sh(2026, 2, 14, 18).astimezone(
        dt.UTC
    )
    assert cn.add_business_seconds(sh(2026, 2, 13, 17), 10 * H) == sh(2026, 2, 24, 10).astimezone(
        dt.UTC
    )


def test_deadline_at_end_of_interval_stays_there(cn: BusinessCalendar) -> None:
    assert cn.add_business_seconds(sh(2025, 3, 10, 9), 3 * H) == sh(2025, 3, 10, 12).astimezone(
        dt.UTC
    )
    assert cn.add_business_seconds(sh(2025, 3, 10, 12, 30), 1) == sh(
        2025, 3, 10, 13, 0, 1
    ).astimezone(dt.UTC)


def test_add_and_count_are_inverse(cn: BusinessCalendar) -> None:
    rng = random.Random(7)
    for _ in range(300):
        start = sh(2025, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        seconds = rng.randrange(1, 200) * 900.0
        end = cn.add_business_seconds(start, seconds)
        assert cn.business_seconds(start, end) == pytest.approx(seconds)
        # and the deadline is the first such moment: one second earlier is short
        assert cn.business_seconds(start, end - dt.timedelta(seconds=1)) < seconds


def test_other_time_zones_give_the_same_answer(cn: BusinessCalendar) -> None:
    start = sh(2025, 3, 7, 16, 30)
    assert cn.business_seconds(
        start.astimezone(NY), start.astimezone(dt.UTC) + dt.timedelta(days=3)
    ) == (cn.business_seconds(start, start + dt.timedelta(days=3)))


def test_dst_new_york_office_hours_and_round_the_clock() -> None:
    us = BusinessCalendar.from_country(
        "US", subdivision="NY", timezone="America/New_York", years=(2024, 2026)
    )
    # office hours 09–12, 13–18 local: the Monday after the spring change still has 8 h, and
    # Friday 17:00 EST → Monday 10:00 EDT is 2 h across the change
    fri = dt.datetime(2025, 3, 7, 17, tzinfo=NY)
    mon = dt.datetime(2025, 3, 10, 10, tzinfo=NY)
    assert us.business_seconds(fri, mon) == 2 * H
    # wall clock says 65 h; in real time one was skipped
    assert (mon.astimezone(dt.UTC) - fri.astimezone(dt.UTC)).total_seconds() == 64 * H
    always = BusinessCalendar.always("America/New_York")
    sat = dt.datetime(2025, 3, 8, 12, tzinfo=NY)
    sun = dt.datetime(2025, 3, 9, 12, tzinfo=NY)
    assert always.business_seconds(sat, sun) == 23 * H  # the spring day has 23 hours
    nov_sat = dt.datetime(2025, 11, 1, 12, tzinfo=NY)
    nov_sun = dt.datetime(2025, 11, 2, 12, tzinfo=NY)
    assert always.business_seconds(nov_sat, nov_sun) == 25 * H
    assert always.add_business_seconds(sat, 24 * H) == dt.datetime(2025, 3, 9, 13, tzinfo=NY)
    # Thanksgiving 2025-11-27 is off in New York
    assert us.day(dt.date(2025, 11, 27)).kind is DayKind.HOLIDAY


def test_dst_gap_inside_working_hours() -> None:
    # a night shift 00:00–06:00 in London: on the spring change 01:00–02:00 does not exist
    week = (((0, 360),),) * 7
    uk = BusinessCalendar("night", "Europe/London", week)  # type: ignore[arg-type]
    day_start = dt.datetime(2025, 3, 30, 0, tzinfo=ZoneInfo("Europe/London"))
    assert uk.business_seconds(day_start, day_start + dt.timedelta(hours=12)) == 5 * H
    autumn = dt.datetime(2025, 10, 26, 0, tzinfo=ZoneInfo("Europe/London"))
    assert uk.business_seconds(autumn, autumn + dt.timedelta(hours=12)) == 7 * H


def test_extra_days_and_estimates() -> None:
    cal = BusinessCalendar.from_country(
        "CN",
        timezone="Asia/Shanghai",
        extra_holidays={dt.date(2025, 3, 10): "bank day off"},
        extra_workdays={dt.date(2027, 2, 6): "make-up day (announced)"},
    )
    assert cal.day(dt.date(2025, 3, 10)).kind is DayKind.HOLIDAY
    assert cal.day(dt.date(2027, 2, 6)).kind is DayKind.MAKEUP_WORKDAY
    # one added day does not make 2027's schedule complete: that takes an explicit statement
    assert cal.published_through == 2026 and cal.day(dt.date(2027, 2, 6)).estimated
    stated = BusinessCalendar.from_country("CN", timezone="Asia/Shanghai", published_through=2027)
    assert not stated.day(dt.date(2027, 2, 8)).estimated
    plain = BusinessCalendar.from_country("CN", timezone="Asia/Shanghai")
    assert plain.published_through == 2026
    assert plain.day(dt.date(2027, 3, 1)).estimated
    assert not plain.day(dt.date(2026, 3, 2)).estimated
    assert plain.estimated_between(sh(2026, 12, 30), sh(2027, 1, 4))


def test_refusals(cn: BusinessCalendar) -> None:
    with pytest.raises(ConfigError, match="no time zone"):
        cn.business_seconds(dt.datetime(2025, 1, 2, 9), sh(2025, 1, 3))
    with pytest.raises(ConfigError, match="covers 2010–2040"):
        cn.day(dt.date(2041, 1, 2))
    with pytest.raises(ConfigError, match="unknown time zone"):
        BusinessCalendar("x", "Mars/Base", ((),) * 7)
    with pytest.raises(ConfigError, match="no working hours"):
        BusinessCalendar("x", "UTC", ((),) * 7)
    with pytest.raises(ConfigError, match="overlap"):
        BusinessCalendar("x", "UTC", (((540, 720), (700, 800)),) * 7)
    with pytest.raises(ConfigError, match="both a holiday and a working day"):
        BusinessCalendar(
            "x",
            "UTC",
            (((540, 1080),),) * 7,
            holidays={dt.date(2025, 1, 1): "a"},
            workdays={dt.date(2025, 1, 1): "b"},
        )
    with pytest.raises(ConfigError, match="negative"):
        cn.add_business_seconds(sh(2025, 1, 2), -1)
    for bad in ("9-18", "18:00-09:00", "09:00-25:00", "09:70-10:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)
    assert parse_hours("00:00-24:00") == (0, 1440)
