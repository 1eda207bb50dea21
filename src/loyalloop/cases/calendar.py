"""Business calendars: working hours per weekday in a time zone, public holidays and make-up days.

A :class:`BusinessCalendar` says, for every calendar day, which local wall-clock intervals are
working time. Public holidays come from the maintained ``holidays`` package (one of its 150+
countries and their subdivisions, e.g. ``CN``, ``HK``, ``US`` + ``NY``, ``GB``), including
China's make-up working days (调休: a Saturday or Sunday worked in exchange for a bridge day
off, ``holidays``' ``weekend_workdays``). Its China data agrees day by day with the
``chinesecalendar`` package for 2018–2026 (tested). Days can be added in the configuration:
extra days off (a bank's own closing day) and extra working days (next year's make-up days before
the package knows them).

Years whose official schedule is not published yet (China publishes each year's in the autumn
before) are *estimates*: statutory holidays by rule, no make-up days. The calendar knows the last
year it has make-up days for (``published_through``) and every SLA result computed across a
later day says so (``estimated``), instead of looking certain.

Arithmetic is in real elapsed seconds: each working interval's local start and end are turned
into UTC through the zone's rules (``zoneinfo``), so an interval that spans a daylight-saving
change counts the hour that was skipped or repeated correctly. A local time that does not exist
(inside a spring-forward gap) is read as the offset before the change, i.e. moved forward by
the gap; an ambiguous one (repeated in the autumn) as its first occurrence. All datetimes given
to the calendar must carry a time zone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loyalloop.errors import ConfigError

__all__ = [
    "BusinessCalendar",
    "DayKind",
    "DayRule",
    "Interval",
    "as_aware",
    "parse_hours",
]

UTC = dt.UTC
Minutes = tuple[int, int]  # (start, end) minutes after local midnight, end ≤ 1440
Interval = tuple[dt.datetime, dt.datetime]  # [start, end) in UTC

#: How far (in days) a calculation may walk before it gives up: ten years without enough
#: working time means a calendar with no working hours, not a long SLA.
MAX_DAYS = 3660
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class DayKind(StrEnum):
    """What kind of day a date is in a calendar."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


@dataclass(frozen=True)
class DayRule:
    """A date's kind, its local working intervals and, for holidays, the holiday's name."""

    day: dt.date
    kind: DayKind
    hours: tuple[Minutes, ...]
    name: str = ""
    estimated: bool = False


def as_aware(value: dt.datetime, what: str = "time") -> dt.datetime:
    """``value`` in UTC; refuses naive datetimes (their zone would be a guess)."""
    if not isinstance(value, dt.datetime):
        raise ConfigError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ConfigError(f"{what} {value.isoformat()} has no time zone; give an aware datetime")
    return value.astimezone(UTC)


def parse_hours(spec: str) -> Minutes:
    """``"09:00-18:00"`` → ``(540, 1080)``; ``"00:00-24:00"`` is the whole day.

    >>> parse_hours("13:30-18:00")
    (810, 1080)
    """
    m = _HOURS.match(spec) if isinstance(spec, str) else None
    if not m:
        raise ConfigError(f"{spec!r} is not working hours such as '09:00-18:00'")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or start >= 1440 or end > 1440 or end <= start:
        raise ConfigError(f"{spec!r}: the end must be after the start, within 00:00-24:00")
    return start, end


def _check_intervals(hours: Iterable[Minutes], what: str) -> tuple[Minutes, ...]:
    out = tuple(sorted(hours))
    for (s1, e1), (s2, _e2) in itertools.pairwise(out):
        if s2 < e1:
            raise ValueError(f"{what}: working hours overlap ({s1}-{e1} and {s2}-…)")
    for s, e in out:
        if not 0 <= s < e <= 1440:
            raise ValueError(f"{what}: working hours must lie within the day")
    return out


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time: weekly hours in a time zone, minus holidays, plus make-up days.

    Build one with :meth:`from_country` (public holidays from the ``holidays`` package),
    :meth:`always` (24 × 7) or directly.

    Parameters
    ----------
    name
        For messages.
    timezone
        IANA zone of the working hours, e.g. ``Asia/Shanghai``.
    week
        Seven tuples (Monday … Sunday) of ``(start, end)`` minutes after local midnight.
    holidays
        Days off, with their names (they override the weekly hours).
    workdays
        Make-up working days (worked although they fall on a weekend), with their names.
    makeup_hours
        Working hours on a make-up day (default: Monday's).
    years
        First and last year the calendar knows; a calculation outside them is refused.
    published_through
        Last year whose official schedule the calendar has; later days are estimates.
        ``None``: the holidays follow fixed rules (no estimates).
    """

    name: str
    timezone: str
    week: tuple[tuple[Minutes, ...], ...]
    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    workdays: Mapping[dt.date, str] = field(default_factory=dict)
    makeup_hours: tuple[Minutes, ...] | None = None
    years: tuple[int, int] = (2000, 2050)
    published_through: int | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"calendar {self.name}: unknown time zone {self.timezone!r}"
            ) from None
        if len(self.week) != 7:
            raise ConfigError(f"calendar {self.name}: week needs 7 days, got {len(self.week)}")
        try:
            week = tuple(_check_intervals(d, f"{_WEEKDAYS[i]}") for i, d in enumerate(self.week))
            makeup = (
                _check_intervals(self.makeup_hours, "make-up days")
                if self.makeup_hours is not None
                else None
            )
        except ValueError as exc:
            raise ConfigError(f"calendar {self.name}: {exc}") from None
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "makeup_hours", makeup)
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ConfigError(
                f"calendar {self.name}: {both[0].isoformat()} is both a holiday and a working day"
            )
        if self.years[0] > self.years[1]:
            raise ConfigError(f"calendar {self.name}: years {self.years} are reversed")
        if not any(week) and not self.workdays:
            raise ConfigError(f"calendar {self.name} has no working hours at all")

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_country(
        cls,
        country: str,
        *,
        timezone: str,
        subdivision: str | None = None,
        week: tuple[tuple[Minutes, ...], ...] | None = None,
        years: tuple[int, int] = (2010, 2040),
        extra_holidays: Mapping[dt.date, str] | None = None,
        extra_workdays: Mapping[dt.date, str] | None = None,
        makeup_hours: tuple[Minutes, ...] | None = None,
        published_through: int | None = None,
        name: str | None = None,
    ) -> BusinessCalendar:
        """A calendar with the public holidays of ``country`` (ISO code) from ``holidays``.

        ``week`` defaults to Monday–Friday 09:00–12:00 and 13:00–18:00. Make-up days come
        from the package where the country has them (China); ``published_through`` defaults
        to the last year the package has make-up days for, when it has any.

        Examples
        --------
        >>> import datetime as dt
        >>> cn = BusinessCalendar.from_country("CN", timezone="Asia/Shanghai")
        >>> cn.day(dt.date(2026, 2, 14)).kind.value   # a Saturday worked before the Spring Festival
        'makeup_workday'
        >>> cn.day(dt.date(2026, 2, 18)).kind.value
        'holiday'
        """
        import holidays as holidays_pkg

        try:
            table = holidays_pkg.country_holidays(
                country, subdiv=subdivision, years=range(years[0], years[1] + 1)
            )
        except NotImplementedError as exc:
            raise ConfigError(f"holidays: {exc}") from None
        off = {d: str(n) for d, n in table.items()}
        makeup = {d: "make-up working day" for d in getattr(table, "weekend_workdays", ())}
        if published_through is None and makeup:
            published_through = max(d.year for d in makeup)
        off.update(extra_holidays or {})
        for d in extra_holidays or {}:
            makeup.pop(d, None)
        makeup.update(extra_workdays or {})
        for d in extra_workdays or {}:
            off.pop(d, None)
        return cls(
            name=name or (f"{country}-{subdivision}" if subdivision else country),
            timezone=timezone,
            week=week if week is not None else OFFICE_WEEK,
            holidays=off,
            workdays=makeup,
            makeup_hours=makeup_hours,
            years=years,
            published_through=published_through,
        )

    @classmethod
    def always(cls, timezone: str = "UTC", name: str = "24x7") -> BusinessCalendar:
        """Every hour of every day (for SLA classes counted in calendar time)."""
        return cls(name=name, timezone=timezone, week=(((0, 1440),),) * 7)

    # -- days --------------------------------------------------------------------------------

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day(self, day: dt.date) -> DayRule:
        """The kind and working hours of a local date."""
        if not self.years[0] <= day.year <= self.years[1]:
            raise ConfigError(
                f"calendar {self.name} covers {self.years[0]}–{self.years[1]}; "
                f"{day.isoformat()} is outside (widen its years)"
            )
        estimated = self.published_through is not None and day.year > self.published_through
        if day in self.holidays:
            return DayRule(day, DayKind.HOLIDAY, (), self.holidays[day], estimated)
        if day in self.workdays:
            hours = self.makeup_hours if self.makeup_hours is not None else self.week[0]
            return DayRule(day, DayKind.MAKEUP_WORKDAY, hours, self.workdays[day], estimated)
        hours = self.week[day.weekday()]
        kind = DayKind.WORKDAY if hours else DayKind.WEEKEND
        return DayRule(day, kind, hours, "", estimated)

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self.day(day).hours)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return as_aware(moment).astimezone(self.zone).date()

    def _intervals_of(self, day: dt.date) -> list[Interval]:
        cache: dict[dt.date, list[Interval]] = self.__dict__.setdefault("_interval_cache", {})
        hit = cache.get(day)
        if hit is None:
            hit = cache[day] = self._compute_intervals(day)
        return hit

    def _compute_intervals(self, day: dt.date) -> list[Interval]:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return [
            (
                (midnight + dt.timedelta(minutes=s)).astimezone(UTC),
                (midnight + dt.timedelta(minutes=e)).astimezone(UTC),
            )
            for s, e in self.day(day).hours
        ]

    # -- arithmetic --------------------------------------------------------------------------

    def working_intervals(
        self, start: dt.datetime, end: dt.datetime | None = None
    ) -> Iterator[Interval]:
        """Working intervals (UTC) from ``start`` up to ``end`` (or onwards), clipped, in order.

        Without ``end`` the walk stops after :data:`MAX_DAYS` days with a ``ConfigError``.
        """
        start = as_aware(start, "start")
        stop = as_aware(end, "end") if end is not None else None
        day = self.local_date(start) - dt.timedelta(days=1)  # intervals may start before
        for _ in range(MAX_DAYS + 2):
            for s, e in self._intervals_of(day):
                if stop is not None and s >= stop:
                    return
                s, e = max(s, start), min(e, stop) if stop is not None else e
                if e > s:
                    yield s, e
            if stop is not None and self.local_date(stop) < day:
                return
            day += dt.timedelta(days=1)
        raise ConfigError(
            f"calendar {self.name}: no end within {MAX_DAYS} days of {start.isoformat()}"
        )

    def business_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds in ``[start, end)`` (0 when ``end ≤ start``).

        Examples
        --------
        >>> import datetime as dt
        >>> cn = BusinessCalendar.from_country("CN", timezone="Asia/Shanghai")
        >>> tz = dt.timezone(dt.timedelta(hours=8))
        >>> fri = dt.datetime(2024, 9, 27, 17, 0, tzinfo=tz)   # Friday 17:00 before 国庆
        >>> cn.business_seconds(fri, fri + dt.timedelta(days=2)) / 3600   # Sun 29 Sep is worked
        8.0
        """
        if as_aware(end, "end") <= as_aware(start, "start"):
            return 0.0
        return sum((e - s).total_seconds() for s, e in self.working_intervals(start, end))

    def add_business_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The moment ``seconds`` of working time after ``start`` (UTC).

        A deadline that falls exactly at the end of a working interval is that end, not the
        start of the next one.
        """
        if seconds < 0:
            raise ConfigError(f"cannot add negative working time ({seconds} s)")
        start = as_aware(start, "start")
        if seconds == 0:
            return start
        left = float(seconds)
        for s, e in self.working_intervals(start):
            length = (e - s).total_seconds()
            if length >= left:
                return s + dt.timedelta(seconds=left)
            left -= length
        raise AssertionError("unreachable: working_intervals raises past MAX_DAYS")

    def estimated_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether any local day in ``[start, end]`` is in a year past ``published_through``."""
        if self.published_through is None:
            return False
        return max(self.local_date(start), self.local_date(end)).year > self.published_through


_OFFICE_DAY: tuple[Minutes, ...] = ((9 * 60, 12 * 60), (13 * 60, 18 * 60))
#: Monday–Friday, 09:00–12:00 and 13:00–18:00 (a lunch break, as in most Chinese offices).
OFFICE_WEEK: tuple[tuple[Minutes, ...], ...] = (_OFFICE_DAY,) * 5 + ((), ())
