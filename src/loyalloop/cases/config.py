"""The case configuration: one YAML file with the rules, phrase lists, priority formula, SLA
classes, business calendar, compensation policy and resolution codes.

:func:`load_case_config` reads a file, :func:`parse_case_config` YAML text or a mapping. Every
problem is refused with :class:`~loyalloop.errors.CaseRuleError` naming the line and the field,
e.g. ``cases.yaml, line 41, rules[3].sla_class: no SLA class 'gold' (classes: standard, vip)``.
The shipped default (:func:`default_case_config`, ``cases/data/default_cases.yaml``) is a
working starting point for a Chinese card centre; docs/cases.md documents every field.

A configuration is versioned: ``version`` is the author's number, ``content_hash`` the SHA-256
of the parsed content without it (comments and formatting do not count). The service stores
each version; :func:`~loyalloop.cases.rules.check_new_version` refuses changed content under an
old number. Cases record the version of the rules that opened them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from loyalloop.cases._spec import Field, read_spec
from loyalloop.cases.calendar import OFFICE_WEEK, BusinessCalendar, Minutes, parse_hours
from loyalloop.cases.compensation import CompensationPolicy, Period
from loyalloop.cases.lifecycle import DEFAULT_RESOLUTION_CODES, ERASED
from loyalloop.cases.phrases import PhraseList
from loyalloop.cases.priority import Priority, PriorityFormula
from loyalloop.cases.rules import Rule, RuleKind, RuleSet
from loyalloop.cases.sla import SlaPolicy, SlaTargets
from loyalloop.errors import CaseRuleError, ConfigError

__all__ = [
    "CaseConfig",
    "ClockHours",
    "default_case_config",
    "load_case_config",
    "parse_case_config",
]

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TOP = {
    "version",
    "resolution_codes",
    "priority",
    "phrases",
    "rules",
    "sla",
    "calendar",
    "compensation",
}
_RULE_COMMON = {
    "id",
    "kind",
    "topic",
    "team",
    "sla_class",
    "severity",
    "min_priority",
    "supersedes",
    "enabled",
}
_RULE_PARAMS: dict[RuleKind, set[str]] = {
    RuleKind.DETRACTOR: {"max_score"},
    RuleKind.NEGATIVE_ASPECT: {
        "aspects",
        "min_severity",
        "min_confidence",
        "max_sentiment",
        "max_nps",
    },
    RuleKind.PHRASE: {"lists", "max_sentiment", "max_nps"},
    RuleKind.CHURN_RISK: {"min_probability", "top_clv_share"},
    RuleKind.FAILED_WINBACK: set(),
}


class ClockHours(StrEnum):
    """How an SLA class counts time: the business calendar's working hours, or every hour."""

    BUSINESS = "business"
    CALENDAR = "calendar"


@dataclass(frozen=True)
class CaseConfig:
    """A validated case configuration (see the module docstring)."""

    version: int
    content_hash: str
    rules: RuleSet
    sla: SlaPolicy
    calendar: BusinessCalendar
    compensation: CompensationPolicy | None
    resolution_codes: tuple[str, ...]
    clock_hours: Mapping[str, ClockHours]
    source: str = "<mapping>"

    def calendar_for(self, sla_class: str) -> BusinessCalendar:
        """The calendar an SLA class counts in (24 × 7 for ``hours: calendar`` classes)."""
        if self.clock_hours.get(sla_class) is ClockHours.CALENDAR:
            return self._round_the_clock
        return self.calendar

    @cached_property
    def _round_the_clock(self) -> BusinessCalendar:
        return BusinessCalendar.always(self.calendar.timezone)


def _canonical_hash(data: Any) -> str:
    content = {k: v for k, v in (data or {}).items() if k != "version"}
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _enum(f: Field, enum: type[StrEnum]) -> Any:
    value = f.text()
    try:
        return enum(value)
    except ValueError:
        raise f.error(
            f"{value!r} is not one of: {', '.join(e.value for e in enum)}"  # type: ignore[attr-defined]
        ) from None


def _priority_formula(f: Field) -> PriorityFormula:
    if not f.present:
        return PriorityFormula()
    f.mapping({"weights", "cutoffs", "unknown_as"})
    kw: dict[str, float] = {}
    weights = f.get("weights")
    if weights.present:
        weights.mapping({"value", "risk", "severity"})
        for key in ("value", "risk", "severity"):
            kw[f"w_{key}"] = weights.require(key).number(0, 1)
    cutoffs = f.get("cutoffs")
    if cutoffs.present:
        cutoffs.mapping({"P1", "P2", "P3"})
        for key in ("P1", "P2", "P3"):
            kw[key.lower()] = cutoffs.require(key).number(0, 1)
    if f.get("unknown_as").present:
        kw["unknown_as"] = f.get("unknown_as").number(0, 1)
    try:
        return PriorityFormula(**kw)
    except ValueError as exc:
        raise f.error(str(exc)) from None


def _phrase_lists(f: Field) -> dict[str, PhraseList]:
    out: dict[str, PhraseList] = {}
    if not f.present:
        return out
    for name, item in f.items():
        item.mapping({"severity", "zh", "en", "exclude"})
        if not _NAME.fullmatch(name):
            raise item.error(f"list name {name!r} must be lower-case letters, digits and _")
        phrases = item.get("zh").texts() + item.get("en").texts()
        if not phrases:
            raise item.error("a phrase list needs phrases under zh or en")
        severity = item.get("severity", 0.8).number(0, 1)
        try:
            out[name] = PhraseList(name, phrases, severity, item.get("exclude").texts())
        except ValueError as exc:
            raise item.error(str(exc)) from None
    return out


def _rule(f: Field, phrase_lists: Mapping[str, PhraseList]) -> Rule:
    f.mapping()
    kind: RuleKind = _enum(f.require("kind"), RuleKind)
    f.mapping(_RULE_COMMON | _RULE_PARAMS[kind])
    kw: dict[str, Any] = {
        "id": f.require("id").identifier(),
        "kind": kind,
        "topic": f.require("topic").identifier(),
        "team": f.require("team").identifier(),
        "sla_class": f.require("sla_class").identifier(),
        "enabled": f.get("enabled", True).boolean(),
        "supersedes": tuple(x.identifier() for x in f.get("supersedes").list()),
    }
    if f.get("severity").present:
        kw["severity"] = f.get("severity").number(0, 1)
    if f.get("min_priority").present:
        kw["min_priority"] = _enum(f.get("min_priority"), Priority)
    if f.get("max_sentiment").present:
        kw["max_sentiment"] = f.get("max_sentiment").number(-1, 1)
    if f.get("max_nps").present:
        kw["max_nps"] = f.get("max_nps").integer(0, 10)
    if kind is RuleKind.DETRACTOR:
        kw["max_score"] = f.get("max_score", 6).integer(0, 9)
    elif kind is RuleKind.NEGATIVE_ASPECT:
        kw["aspects"] = tuple(x.identifier() for x in f.get("aspects").list())
        kw["min_severity"] = f.get("min_severity", 0.5).number(0, 1)
        kw["min_confidence"] = f.get("min_confidence", 0).number(0, 1)
    elif kind is RuleKind.PHRASE:
        lists = f.require("lists")
        names = tuple(x.text() for x in lists.list(allow_empty=False))
        for i, name in enumerate(names):
            if name not in phrase_lists:
                known = ", ".join(sorted(phrase_lists)) or "none"
                raise lists.child(i, name).error(f"no phrase list {name!r} (lists: {known})")
        kw["phrase_lists"] = names
    elif kind is RuleKind.CHURN_RISK:
        kw["min_probability"] = f.require("min_probability").number(0, 1)
        kw["top_clv_share"] = f.get("top_clv_share", 0.1).number(0.0001, 1)
    if kw["topic"] in kw["supersedes"]:
        raise f.get("supersedes").error("a rule cannot supersede its own topic")
    return Rule(**kw)


def _sla(f: Field) -> tuple[SlaPolicy, dict[str, ClockHours]]:
    f = f.mapping({"warning_fraction", "classes"})
    fraction = f.get("warning_fraction", 0.75).number(0.01, 0.99)
    classes: dict[str, dict[Priority, SlaTargets]] = {}
    hours: dict[str, ClockHours] = {}
    for name, cls in f.require("classes").items():
        cls.mapping({p.value for p in Priority} | {"hours", "warning_fraction"})
        if not _NAME.fullmatch(name):
            raise cls.error(f"class name {name!r} must be lower-case letters, digits and _")
        hours[name] = (
            _enum(cls.get("hours"), ClockHours) if cls.get("hours").present else ClockHours.BUSINESS
        )
        frac = cls.get("warning_fraction", fraction).number(0.01, 0.99)
        targets: dict[Priority, SlaTargets] = {}
        for p in Priority:
            t = cls.require(p.value).mapping({"first_response", "resolution"})
            first = t.require("first_response").duration()
            resolution = t.require("resolution").duration()
            try:
                targets[p] = SlaTargets(first, resolution, frac)
            except ConfigError as exc:
                raise t.error(str(exc)) from None
        classes[name] = targets
    return SlaPolicy(classes), hours


def _date(f: Field) -> dt.date:
    v = f.value
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise f.error(f"{v!r} is not a date such as 2027-02-06") from None


def _days(f: Field, label: str) -> dict[dt.date, str]:
    if not f.present:
        return {}
    if isinstance(f.value, list):
        return {_date(x): label for x in f.list()}
    return {_date(f.child(str(k), k)): v.text() for k, v in f.items()}


def _hours_list(f: Field) -> tuple[Minutes, ...]:
    out = []
    for item in f.list():
        try:
            out.append(parse_hours(item.value))
        except ValueError as exc:
            raise item.error(str(exc)) from None
    return tuple(out)


def _week(f: Field) -> tuple[tuple[Minutes, ...], ...]:
    if not f.present:
        return OFFICE_WEEK
    week: list[tuple[Minutes, ...] | None] = [None] * 7
    for key, item in f.items():
        if key == "daily":
            days = list(range(7))
        elif "-" in key and all(p in _WEEKDAYS for p in key.split("-", 1)):
            a, b = (_WEEKDAYS.index(p) for p in key.split("-", 1))
            if b < a:
                raise item.error(f"day range {key!r} runs backwards")
            days = list(range(a, b + 1))
        elif key in _WEEKDAYS:
            days = [_WEEKDAYS.index(key)]
        else:
            raise item.error(f"{key!r} is not a day (mon … sun), a range (mon-fri) or 'daily'")
        hours = _hours_list(item)
        for d in days:
            if week[d] is not None:
                raise item.error(f"{_WEEKDAYS[d]} is given twice")
            week[d] = hours
    return tuple(w or () for w in week)


def _calendar(f: Field) -> BusinessCalendar:
    f = f.mapping(
        {
            "name",
            "country",
            "subdivision",
            "timezone",
            "years",
            "hours",
            "makeup_day_hours",
            "holidays",
            "workdays",
            "published_through",
        }
    )
    timezone = f.require("timezone").text()
    years = (2010, 2040)
    if f.get("years").present:
        pair = f.get("years").list()
        if len(pair) != 2:
            raise f.get("years").error("years is [first, last], e.g. [2015, 2035]")
        years = (pair[0].integer(1970, 2200), pair[1].integer(1970, 2200))
    makeup = _hours_list(f.get("makeup_day_hours")) if f.get("makeup_day_hours").present else None
    published = (
        f.get("published_through").integer(1970, 2200)
        if f.get("published_through").present
        else None
    )
    extra_off = _days(f.get("holidays"), "holiday")
    extra_work = _days(f.get("workdays"), "make-up working day")
    week = _week(f.get("hours"))
    name = f.get("name").text() if f.get("name").present else None
    try:
        if f.get("country").present:
            return BusinessCalendar.from_country(
                f.get("country").text(pattern=r"[A-Z]{2,3}"),
                timezone=timezone,
                subdivision=f.get("subdivision").text() if f.get("subdivision").present else None,
                week=week,
                years=years,
                extra_holidays=extra_off,
                extra_workdays=extra_work,
                makeup_hours=makeup,
                published_through=published,
                name=name,
            )
        return BusinessCalendar(
            name=name or "custom",
            timezone=timezone,
            week=week,
            holidays=extra_off,
            workdays=extra_work,
            makeup_hours=makeup,
            years=years,
            published_through=published,
        )
    except ConfigError as exc:
        raise f.error(str(exc)) from None


def _money(f: Field) -> Decimal:
    v = f.value
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise f.error(f"must be an amount, got {v!r}")
    try:
        amount = Decimal(str(v))
    except InvalidOperation:
        raise f.error(f"{v!r} is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise f.error(f"must be a non-negative amount, got {v!r}")
    return amount


def _compensation(f: Field, timezone: str) -> CompensationPolicy | None:
    if not f.present:
        return None
    f = f.mapping(
        {
            "currency",
            "period",
            "kinds",
            "budgets",
            "max_per_case",
            "max_per_customer",
            "approval_above",
        }
    )
    budgets = {}
    for team, amount in f.require("budgets").items():
        if team != "*":
            amount.child(team, team).identifier()
        budgets[team] = _money(amount)
    try:
        return CompensationPolicy(
            currency=f.get("currency").text(pattern=r"[A-Z]{3}")
            if f.get("currency").present
            else None,
            period=_enum(f.require("period"), Period),
            budgets=budgets,
            kinds=frozenset(x.identifier() for x in f.require("kinds").list(allow_empty=False)),
            max_per_case=_money(f.require("max_per_case")),
            max_per_customer=_money(f.require("max_per_customer")),
            approval_above=_money(f.get("approval_above"))
            if f.get("approval_above").present
            else None,
            timezone=timezone,
        )
    except CaseRuleError:
        raise
    except ConfigError as exc:
        raise f.error(str(exc)) from None


def _config(root: Field, source: str) -> CaseConfig:
    root.mapping(_TOP)
    version = root.require("version").integer(1)
    codes = tuple(x.identifier() for x in root.get("resolution_codes").list())
    codes = tuple(dict.fromkeys((*codes, ERASED))) if codes else DEFAULT_RESOLUTION_CODES
    formula = _priority_formula(root.get("priority"))
    lists = _phrase_lists(root.get("phrases"))
    sla, clock_hours = _sla(root.require("sla"))
    rules_field = root.require("rules")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    rule_fields = rules_field.list(allow_empty=False)
    for i, rf in enumerate(rule_fields):
        rule = _rule(rf, lists)
        if rule.id in seen:
            raise rf.get("id").error(
                f"rule id {rule.id!r} is already used by rules[{seen[rule.id]}]"
            )
        seen[rule.id] = i
        if rule.sla_class not in sla.classes:
            raise rf.get("sla_class").error(
                f"no SLA class {rule.sla_class!r} (classes: {', '.join(sorted(sla.classes))})"
            )
        rules.append(rule)
    topics = {r.topic for r in rules}
    for i, rule in enumerate(rules):
        for j, topic in enumerate(rule.supersedes):
            if topic not in topics:
                raise (
                    rule_fields[i]
                    .get("supersedes")
                    .child(j, topic)
                    .error(f"no rule has topic {topic!r}")
                )
    calendar = _calendar(root.require("calendar"))
    return CaseConfig(
        version=version,
        content_hash=_canonical_hash(root.value),
        rules=RuleSet(version, tuple(rules), lists, formula),
        sla=sla,
        calendar=calendar,
        compensation=_compensation(root.get("compensation"), calendar.timezone),
        resolution_codes=codes,
        clock_hours=clock_hours,
        source=source,
    )


def load_case_config(path: str | Path) -> CaseConfig:
    """Read and validate a case configuration file (YAML, UTF-8)."""
    path = Path(path)
    return _config(read_spec(path), str(path))


def parse_case_config(spec: str | Mapping[str, Any]) -> CaseConfig:
    """Validate a case configuration given as YAML text or an already parsed mapping."""
    root = read_spec(spec)
    if not root.present:
        raise CaseRuleError("the case configuration is empty")
    return _config(root, "<text>" if isinstance(spec, str) else "<mapping>")


def default_case_config() -> CaseConfig:
    """The shipped default configuration (``loyalloop/cases/data/default_cases.yaml``)."""
    ref = resources.files("loyalloop.cases").joinpath("data", "default_cases.yaml")
    root = read_spec(ref.read_text("utf-8"))
    return _config(root, "default_cases.yaml")
