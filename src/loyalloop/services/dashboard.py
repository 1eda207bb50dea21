"""What the dashboard shows: published runs (read, never computed) and the cases' sections.

Cases (:func:`case_dashboard`), every figure from a tested library function:

SLA compliance per team, priority and target
    Each case opened in the period has two clocks (:func:`loyalloop.cases.sla_due` at ``now``):
    a clock is *met* when it stopped within its target, *missed* when its target was used up
    (late, or still running past it), *open* while it runs within target. Compliance is
    met / (met + missed) with a Wilson 95 % interval (:func:`loyalloop.cases.proportion_interval`).
Recovery rate per topic and team
    :func:`loyalloop.cases.recovery_outcomes` / :func:`~loyalloop.cases.recovery_rates` over the
    resolved cases (resolution = the last move to *resolved*, or to *closed* without it), the
    warehouse's ``feedback`` and ``transactions`` (survey answers count once ``loyalloop sync``
    has loaded them). A case opened by a detractor rule is measured by the next survey, any
    other by a purchase after resolution.
Themes board
    The main themes of the period — the aspects with the most negative mentions of our brand in
    the latest run's ``feedback_aspects`` over the last ``window_days`` — and the actions taken on
    each, read from ``<home>/theme_actions.yaml`` (``- {aspect, date, description}``; validated:
    an error names the file, the entry and the field). Each action gets
    :func:`loyalloop.cases.theme_effect`: sentiment and NPS of the aspect before and after its
    date, the change with its interval and a verdict. Before/after is not a controlled
    experiment; the page says so.

Small numbers: an interval is drawn only from ``min_n`` decided cases (or comments) and up;
below it the page says "too few" with the count instead of a misleading interval.

Cost: the SLA clocks are evaluated per case in Python (business-calendar arithmetic of the
library), on every dashboard view. Measured on 2026-11-30 (2 shared cores, load 21, SQLite):
5,000 cases in the period take 1.2 s CPU (4.3 s wall) for the three sections. Far beyond
that, precompute the figures with the scheduler's round instead of per view.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from loyalloop.core.config import Settings
from loyalloop.errors import (
    ConfigError,
    DataValidationError,
    EngineError,
    NoRunError,
    NotFoundError,
)
from loyalloop.feedback.names import aspect_definitions, aspect_names
from loyalloop.pipeline import Run, RunStore

__all__ = [
    "CaseDashboard",
    "RecoveryRow",
    "RunSummary",
    "SlaComplianceRow",
    "ThemeRow",
    "case_dashboard",
    "get_run",
    "latest_run",
    "list_runs",
    "load_theme_actions",
]

log = logging.getLogger(__name__)

#: Below this many decided cases (or comments per period) no interval is drawn.
MIN_N = 10
#: Comments (answers for NPS) each side of an action below which the board says "too few"
#: (the library's default, :data:`loyalloop.cases.themes.MIN_N`).
THEME_MIN_N = 30
THEME_ACTIONS_FILE = "theme_actions.yaml"
#: ``CaseDashboard.notes`` values the pages translate (others are error messages, shown as is).
NO_WAREHOUSE = "no_warehouse"
NO_RUN = "no_run"
#: The latest run analysed no comments (no ``feedback_aspects``): no themes to show.
NO_COMMENTS = "no_comments"


@dataclass(frozen=True)
class RunSummary:
    number: int
    as_of: str | None
    created_at: str | None
    customers: int | None
    nps: float | None
    tables: int

    @classmethod
    def of(cls, run: Run) -> RunSummary:
        m = run.manifest
        return cls(
            run.number,
            m.as_of.isoformat(),
            m.created_at.isoformat(timespec="seconds"),
            m.kpis.customers if m.kpis is not None else None,
            m.nps.nps if m.nps is not None else None,
            len(run.tables),
        )


def list_runs(settings: Settings) -> list[RunSummary]:
    return [RunSummary.of(r) for r in reversed(RunStore(settings.runs_dir).survey()[0])]


def latest_run(settings: Settings) -> Run | None:
    try:
        return RunStore(settings.runs_dir).get(None)
    except NoRunError:
        return None


def get_run(settings: Settings, number: int) -> Run:
    return RunStore(settings.runs_dir).get(number)


# -- cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaComplianceRow:
    """One team × priority × target: clocks met, missed and still open; compliance with its
    interval (``None`` when nothing was decided, interval ``None`` below ``min_n``)."""

    team: str
    priority: str
    target: str
    met: int
    missed: int
    open: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def decided(self) -> int:
        return self.met + self.missed


@dataclass(frozen=True)
class RecoveryRow:
    """One topic × team × measure of :func:`loyalloop.cases.recovery_rates`."""

    topic: str
    team: str
    measure: str
    cases: int
    recovered: int
    not_recovered: int
    no_answer: int
    pending: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def decided(self) -> int:
        return self.recovered + self.not_recovered


@dataclass(frozen=True)
class ThemeRow:
    """A main theme of the period, and the effect of each action taken on it."""

    aspect: str
    mentions: int
    negative: int
    effects: tuple[Any, ...] = ()  # loyalloop.cases.ThemeEffect, one per action
    #: The aspect's name in English and Chinese (the run's ``aspect_summary``; the key if none).
    label: str = ""
    label_zh: str = ""
    #: What the aspect covers in English and Chinese (the run's taxonomy; "" if it says not).
    definition: str = ""
    definition_zh: str = ""

    def name(self, lang: str) -> str:
        """The theme's name in ``lang`` (``zh`` or ``en``)."""
        return (self.label_zh if lang == "zh" else self.label) or self.aspect.replace("_", " ")

    def covers(self, lang: str) -> str:
        """What the theme's aspect covers in ``lang`` (``""``: not defined)."""
        return self.definition_zh if lang == "zh" else self.definition


@dataclass(frozen=True)
class CaseDashboard:
    """The dashboard's case sections; ``notes`` say what could not be computed and why."""

    now: dt.datetime
    period_days: int
    min_n: int
    window_days: int
    sla: tuple[SlaComplianceRow, ...]
    recovery: tuple[RecoveryRow, ...]
    themes: tuple[ThemeRow, ...]
    notes: dict[str, str] = field(default_factory=dict)


def _interval(k: int, n: int, min_n: int) -> tuple[float | None, float | None, float | None]:
    from loyalloop.cases import proportion_interval

    if n == 0:
        return None, None, None
    if n < min_n:
        return k / n, None, None
    low, high = proportion_interval([k], [n])
    return k / n, float(low[0]), float(high[0])


def _opt(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _cases_in_period(session: Any, since: dt.datetime) -> list[Any]:
    """``(id, case, rule ids)`` of the period's cases with their timelines (three queries, not
    one per case)."""
    import sqlalchemy as sa

    from loyalloop.cases import Case, CaseStatus, Priority, SlaTargets
    from loyalloop.services.cases import _event_of
    from loyalloop.store.models import CaseEventRow, CaseRow, CaseSignal

    rows = session.scalars(sa.select(CaseRow).where(CaseRow.opened_at >= since)).all()
    ids = [r.id for r in rows]
    events: dict[int, list[Any]] = {i: [] for i in ids}
    rules: dict[int, set[str]] = {i: set() for i in ids}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for e in session.scalars(
            sa.select(CaseEventRow)
            .where(CaseEventRow.case_id.in_(chunk))
            .order_by(CaseEventRow.case_id, CaseEventRow.seq)
        ):
            events[e.case_id].append(_event_of(e))
        for cid, rule in session.execute(
            sa.select(CaseSignal.case_id, CaseSignal.rule_id).where(CaseSignal.case_id.in_(chunk))
        ):
            rules[cid].add(rule)
    out = []
    for r in rows:
        case = Case(
            str(r.id), r.customer_id, r.topic, r.team, r.sla_class, Priority(r.priority),
            SlaTargets(r.first_response_seconds, r.resolution_seconds, r.warning_fraction),
            r.opened_at, CaseStatus(r.status), r.owner, r.resolution_code, (), r.rules_version,
            tuple(events[r.id]),
        )  # fmt: skip
        out.append((r.id, case, rules[r.id]))
    return out


def sla_compliance(
    cases: Sequence[Any], config: Any, now: dt.datetime, *, min_n: int = MIN_N
) -> tuple[SlaComplianceRow, ...]:
    """Compliance per team, priority and target (module docstring) of ``(row, case, rules)``."""
    from loyalloop.cases import sla_due

    counts: dict[tuple[str, str, str], list[int]] = {}
    for _row, case, _rules in cases:
        status = sla_due(case.sla_timeline(), config.calendar_for(case.sla_class), now)
        for clock in status.clocks:
            key = (case.team, case.priority.value, clock.target.value)
            c = counts.setdefault(key, [0, 0, 0])
            if clock.breached:
                c[1] += 1
            elif clock.met:
                c[0] += 1
            else:
                c[2] += 1
    out = []
    for (team, priority, target), (met, missed, running) in sorted(counts.items()):
        rate, low, high = _interval(met, met + missed, min_n)
        out.append(SlaComplianceRow(team, priority, target, met, missed, running, rate, low, high))
    return tuple(out)


def _resolved_at(case: Any) -> dt.datetime | None:
    """When the case was last resolved (or closed without being resolved); ``None`` if open."""
    from loyalloop.cases import CaseStatus, EventKind

    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return None
    at = None
    for e in case.events:
        if e.kind is EventKind.STATUS and (
            e.to_status is CaseStatus.RESOLVED
            or (e.to_status is CaseStatus.CLOSED and e.from_status is not CaseStatus.RESOLVED)
        ):
            at = e.at
    return at


def recovery(
    cases: Sequence[Any],
    config: Any,
    analytics: Settings,
    now: dt.datetime,
    *,
    min_n: int = MIN_N,
) -> tuple[RecoveryRow, ...]:
    """Recovery rate per topic and team (module docstring); needs the warehouse."""
    import ibis
    import pandas as pd

    from loyalloop.cases import RecoveryMeasure, RuleKind
    from loyalloop.cases import recovery_outcomes as lib_outcomes
    from loyalloop.cases import recovery_rates as lib_rates
    from loyalloop.core.warehouse import Warehouse

    detractor_rules = {r.id for r in config.rules.rules if r.kind is RuleKind.DETRACTOR}
    zone = ZoneInfo(analytics.timezone)
    records = []
    for case_id, case, rules in cases:
        at = _resolved_at(case)
        if at is None:
            continue
        measure = (
            RecoveryMeasure.NEXT_SURVEY if rules & detractor_rules else RecoveryMeasure.REPURCHASE
        )
        local = at.astimezone(zone).replace(tzinfo=None)
        records.append((case_id, case.customer_id, case.topic, case.team, measure.value, local))
    if not records:
        return ()
    if not analytics.warehouse_path.exists():
        raise NotFoundError(NO_WAREHOUSE)
    frame = pd.DataFrame(
        records, columns=["case_id", "customer_id", "topic", "team", "measure", "resolved_at"]
    )
    frame["resolved_at"] = pd.to_datetime(frame["resolved_at"])
    as_of = now.astimezone(zone).replace(tzinfo=None)
    with Warehouse(analytics, read_only=True) as wh, wh.guard("the warehouse cannot be read now"):
        # the warehouse's timestamp(6) would clash with the library's plain timestamps in
        # its union of the two measures: one type for all
        fb, tx = wh.table("feedback"), wh.table("transactions")
        fb = fb.mutate(timestamp=fb.timestamp.cast("timestamp"))
        tx = tx.mutate(timestamp=tx.timestamp.cast("timestamp"))
        outcomes = lib_outcomes(ibis.memtable(frame), fb, tx, as_of=as_of)
        rates = lib_rates(outcomes)
    out = []
    for r in rates.to_dict("records"):
        decided = int(r["recovered"]) + int(r["not_recovered"])
        show = decided >= min_n
        out.append(
            RecoveryRow(
                str(r["topic"]), str(r["team"]), str(r["measure"]), int(r["cases"]),
                int(r["recovered"]), int(r["not_recovered"]), int(r["no_answer"]),
                int(r["pending"]), _opt(r["rate"]),
                _opt(r["ci_low"]) if show else None, _opt(r["ci_high"]) if show else None,
            )
        )  # fmt: skip
    return tuple(out)


def load_theme_actions(path: Path) -> list[Any]:
    """The actions taken on themes, from a YAML list of ``{aspect, date, description}``.

    A missing file is no actions; a bad entry is refused naming the file, entry and field.
    """
    import yaml

    from loyalloop.cases import ThemeAction

    if not path.exists():
        return []
    try:
        # every scalar as text (YAML's own date parsing fails with a bare ValueError)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or []
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of {{aspect, date, description}} entries")
    out = []
    for i, item in enumerate(data, 1):
        where = f"{path}, entry {i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping with aspect, date, description")
        unknown = set(item) - {"aspect", "date", "description"}
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        aspect = str(item.get("aspect") or "").strip()
        if not aspect:
            raise ConfigError(f"{where}, field aspect: name the aspect (e.g. annual_fee)")
        raw = item.get("date")
        try:
            when = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            raise ConfigError(f"{where}, field date: {raw!r} is not a date (YYYY-MM-DD)") from None
        if when.tzinfo is not None:
            raise ConfigError(f"{where}, field date: give the business-local date, no time zone")
        out.append(ThemeAction(aspect, when, str(item.get("description") or "").strip()))
    return out


def themes(
    run: Run,
    actions: Sequence[Any],
    *,
    window_days: int = 60,
    top: int = 5,
    min_n: int = THEME_MIN_N,
) -> tuple[ThemeRow, ...]:
    """The main themes of the run's last ``window_days`` and the effect of each action."""
    import ibis

    from loyalloop.cases import theme_effect

    if "feedback_aspects" not in run.tables:
        raise NotFoundError(f"run {run.number} has no feedback_aspects (no comments analysed)")
    con = ibis.duckdb.connect()
    m = con.read_parquet(run.table_path("feedback_aspects"))
    need = {"feedback_id", "timestamp", "aspect", "sentiment", "sentiment_score"}
    if need - set(m.columns):
        raise DataValidationError(
            f"run {run.number}'s feedback_aspects lacks {', '.join(sorted(need - set(m.columns)))}"
        )
    if "brand" in m.columns:
        m = m.filter(m.brand.isnull() | (m.brand.lower() == "own"))
    nps = ibis.null("float64")
    if {"score_type", "score"} <= set(m.columns):
        nps = ibis.cases(
            (m.score_type.lower() == "nps", m.score.cast("float64")), else_=ibis.null("float64")
        )
    mentions = m.select(
        feedback_id=m.feedback_id,
        timestamp=m.timestamp.cast("timestamp"),
        aspect=m.aspect,
        sentiment=m.sentiment_score.cast("float64"),
        label=m.sentiment,
        nps=nps,
    )
    end = dt.datetime.combine(run.manifest.as_of, dt.time()) + dt.timedelta(days=1)
    start = end - dt.timedelta(days=window_days)
    period = mentions.filter((mentions.timestamp >= start) & (mentions.timestamp < end))
    per = period.group_by(["aspect", "feedback_id"]).aggregate(
        neg=(period.label == "negative").any()
    )
    main = (
        per.group_by("aspect")
        .aggregate(mentions=per.count(), negative=per.neg.sum().cast("int64"))
        .filter(lambda t: t.negative > 0)
        .order_by([ibis.desc("negative"), "aspect"])
        .limit(top)
        .execute()
    )
    names = aspect_names(run)
    defs = aspect_definitions(run)
    by_aspect: dict[str, list[Any]] = {}
    for a in actions:
        by_aspect.setdefault(a.aspect, []).append(a)
    out = []
    for r in main.to_dict("records"):
        aspect = str(r["aspect"])
        effects = tuple(
            theme_effect(mentions, a, window_days=window_days, min_n=min_n)
            for a in sorted(by_aspect.get(aspect, []), key=lambda a: a.action_at)
        )
        words = (*names.get(aspect, ("", "")), *defs.get(aspect, ("", "")))
        out.append(ThemeRow(aspect, int(r["mentions"]), int(r["negative"]), effects, *words))
    # an action on a theme outside the top still shows (the manager asked about it)
    shown = {t.aspect for t in out}
    for aspect, acts in sorted(by_aspect.items()):
        if aspect not in shown:
            effects = tuple(
                theme_effect(mentions, a, window_days=window_days, min_n=min_n)
                for a in sorted(acts, key=lambda a: a.action_at)
            )
            words = (*names.get(aspect, ("", "")), *defs.get(aspect, ("", "")))
            out.append(ThemeRow(aspect, 0, 0, effects, *words))
    return tuple(out)


def case_dashboard(
    session: Any,
    analytics: Settings,
    now: dt.datetime | None = None,
    *,
    period_days: int = 90,
    min_n: int = MIN_N,
    window_days: int = 60,
) -> CaseDashboard:
    """The three case sections of the dashboard (module docstring), read in ``session`` (the
    operational store) and the warehouse and runs of ``analytics``. A section that cannot be
    computed is empty with the reason in ``notes`` (its key: ``sla``, ``recovery``,
    ``themes``); the others are still shown."""
    from loyalloop.services.cases import active_config
    from loyalloop.store.base import utcnow

    now = now or utcnow()
    since = now - dt.timedelta(days=period_days)
    notes: dict[str, str] = {}
    config = active_config(session)
    cases = _cases_in_period(session, since)
    sla = sla_compliance(cases, config, now, min_n=min_n)
    rec: tuple[RecoveryRow, ...] = ()
    try:
        rec = recovery(cases, config, analytics, now, min_n=min_n)
    except (NotFoundError, DataValidationError, ConfigError, EngineError) as exc:
        notes["recovery"] = str(exc)
    board: tuple[ThemeRow, ...] = ()
    run = latest_run(analytics)
    if run is None:
        notes["themes"] = NO_RUN
    elif "feedback_aspects" not in run.tables:
        notes["themes"] = NO_COMMENTS
    else:
        try:
            actions = load_theme_actions(analytics.home / THEME_ACTIONS_FILE)
            board = themes(run, actions, window_days=window_days)
        except (NotFoundError, DataValidationError, ConfigError, EngineError) as exc:
            notes["themes"] = str(exc)
    return CaseDashboard(now, period_days, min_n, window_days, sla, rec, board, notes)
