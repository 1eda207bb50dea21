"""One time unit for the whole library: days, weeks or months.

RFM summaries (:mod:`loyalloop.insight.rfm`), the CLV models and their discounting
(:mod:`loyalloop.clv`) and the command line all name time units with :class:`TimeUnit`, so
"a month" means the same everywhere: ``365.25 / 12 = 30.4375`` days (a week is 7 days).

Accepted spellings (case-insensitive): ``days``/``day``/``d``/``天``/``日``,
``weeks``/``week``/``w``/``周``, ``months``/``month``/``m``/``月``.

This module imports nothing heavy, so command-line modules may use it at import time.

Examples
--------
>>> TimeUnit.parse("W")
<TimeUnit.WEEKS: 'weeks'>
>>> TimeUnit.parse("months").days
30.4375
>>> round(TimeUnit.DAYS.per(TimeUnit.MONTHS), 4)
30.4375
"""

from __future__ import annotations

from enum import StrEnum

from loyalloop.errors import ConfigError

__all__ = ["DAYS_PER_MONTH", "TimeUnit"]

#: Length of a month in days: a Julian year over twelve.
DAYS_PER_MONTH = 365.25 / 12


class TimeUnit(StrEnum):
    """A unit of time for recency, ``T``, horizons and discounting periods."""

    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"

    @property
    def days(self) -> float:
        """Length of one unit in days (a month is ``365.25 / 12`` days)."""
        return _DAYS[self]

    @property
    def label_zh(self) -> str:
        """Chinese name of the unit (天, 周, 月)."""
        return _ZH[self]

    def per(self, other: TimeUnit) -> float:
        """How many of this unit make one ``other`` (e.g. ``DAYS.per(WEEKS) == 7``)."""
        return other.days / self.days

    @classmethod
    def parse(cls, value: TimeUnit | str) -> TimeUnit:
        """The unit named by ``value`` (see the module docstring for accepted spellings).

        Raises
        ------
        ConfigError
            If ``value`` names no unit; the message lists the accepted spellings.
        """
        if isinstance(value, TimeUnit):
            return value
        key = str(value).strip()
        unit = _ALIASES.get(key) or _ALIASES.get(key.lower())
        if unit is None:
            raise ConfigError(
                f"unknown time unit {value!r}: use days (d), weeks (w) or months (m)"
            ) from None
        return unit

    @classmethod
    def choices(cls) -> str:
        """The accepted spellings, for help texts."""
        return "days|weeks|months (or d|w|m)"


_DAYS: dict[TimeUnit, float] = {
    TimeUnit.DAYS: 1.0,
    TimeUnit.WEEKS: 7.0,
    TimeUnit.MONTHS: DAYS_PER_MONTH,
}
_ZH: dict[TimeUnit, str] = {TimeUnit.DAYS: "天", TimeUnit.WEEKS: "周", TimeUnit.MONTHS: "月"}
_ALIASES: dict[str, TimeUnit] = {
    **dict.fromkeys(("days", "day", "d", "天", "日"), TimeUnit.DAYS),
    **dict.fromkeys(("weeks", "week", "w", "周", "星期"), TimeUnit.WEEKS),
    **dict.fromkeys(("months", "month", "m", "月"), TimeUnit.MONTHS),
}
