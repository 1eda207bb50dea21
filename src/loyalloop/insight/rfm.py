"""RFM summary, scores and named segments, as Ibis expressions.

Summary (lifetimes' semantics, ``summary_data_from_transaction_data``)
    Only purchases count (``kind == 'purchase'``, i.e. amount > 0; refunds and zero amounts are
    left out). Purchases on the same calendar day are merged into one. For each customer with a
    purchase on or before ``observation_end``:

    - ``frequency`` — number of *repeat* purchase days (purchase days − 1);
    - ``recency`` — time from the first to the last purchase day;
    - ``T`` — time from the first purchase day to ``observation_end``;
    - ``monetary_value`` — mean spend per repeat purchase day (0 when frequency is 0);

    ``recency`` and ``T`` are in ``time_unit`` (a :class:`~loyalloop.core.timeunits.TimeUnit`
    or an alias): days (lifetimes' default), weeks (days / 7) or months (days / 30.4375).
    Purchases are merged by calendar day; ``merge_by="weeks"`` merges them by Monday-based
    calendar week instead (lifetimes' ``freq="W"``: recency and T then count whole weeks).
    ``purchases_only=False`` keeps every transaction, whatever its amount (lifetimes'
    semantics, used by :func:`loyalloop.clv.summary_from_transactions`).

Scores
    ``r_score``, ``f_score``, ``m_score`` in 1..5 from the customer's percentile rank
    (``1 + floor(5 * percent_rank)``, capped at 5) of, respectively, days since the last
    purchase (fewer is better), purchase days, and total spend. Ties share the lower score, so
    the many one-time buyers all get ``f_score`` 1, and the result is the same on every backend.

Segments
    Named by rules over ``r_score``, ``fm_score = (f_score + m_score) / 2`` and, optionally,
    absolute ``days_since_last``; the first matching rule wins; see
    :data:`DEFAULT_SEGMENT_RULES`. Rules can be replaced with a list of dicts or a YAML file,
    and must cover every score combination at every number of days.

    Scores are relative ranks, so on data where everyone has gone quiet the "best" recency
    quintile can be months old (CDNOW's 1997 cohort, eighteen months on: the old "Loyal"
    segment averaged 309 days since the last purchase). The positive segments (champions,
    regulars, recent low spenders, potential) therefore also require a purchase within the
    ``lapsed_days`` of :class:`loyalloop.insight.definitions.StatusRules` (180); customers
    who fail that fall to the segments for customers gone quiet. Segment names never reuse a
    status word (new, active, at risk, lapsed, lost …), which means one thing everywhere —
    see :mod:`loyalloop.insight.definitions`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import ibis
import ibis.expr.types as ir
import yaml

from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import ConfigError
from loyalloop.insight.definitions import StatusRules

__all__ = [
    "DEFAULT_SEGMENT_RULES",
    "SEGMENT_LABELS",
    "SegmentRule",
    "TimeUnit",
    "load_segment_rules",
    "purchase_period",
    "rfm_scores",
    "rfm_segments",
    "rfm_summary",
]


@dataclass(frozen=True)
class SegmentRule:
    """A named segment: customers whose scores fall in both inclusive ranges and, when
    ``days`` is given, whose days since the last purchase fall in that inclusive range."""

    name: str
    r: tuple[float, float]
    fm: tuple[float, float]
    days: tuple[float, float] | None = None


#: Positive segments require a purchase within this many days (the "lapsed" threshold of
#: :class:`loyalloop.insight.definitions.StatusRules`).
_RECENT = (0.0, StatusRules().lapsed_days)

DEFAULT_SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", (4, 5), (4, 5), _RECENT),
    SegmentRule("regulars", (3, 5), (3, 5), _RECENT),
    SegmentRule("recent_low_spend", (4, 5), (1, 1.5), _RECENT),
    SegmentRule("potential", (3, 5), (1, 2.5), _RECENT),
    SegmentRule("cant_lose", (1, 5), (4.5, 5)),
    SegmentRule("need_attention", (1, 5), (3, 4)),
    SegmentRule("hibernating", (2, 5), (1, 2.5)),
    SegmentRule("least_engaged", (1, 1), (1, 2.5)),
)

#: Display names of the default segments (none reuses a status word of
#: :mod:`loyalloop.insight.definitions`).
SEGMENT_LABELS: dict[str, dict[str, str]] = {
    "champions": {"en": "Champions", "zh": "冠军客户"},
    "regulars": {"en": "Regulars", "zh": "常客"},
    "recent_low_spend": {"en": "Recent low spenders", "zh": "近期低消费客户"},
    "potential": {"en": "Potential", "zh": "潜力客户"},
    "cant_lose": {"en": "Can't lose", "zh": "不能失去的客户"},
    "need_attention": {"en": "Need attention", "zh": "需要关注的客户"},
    "hibernating": {"en": "Hibernating", "zh": "沉睡客户"},
    "least_engaged": {"en": "Least engaged", "zh": "参与度最低的客户"},
}


def load_segment_rules(
    source: Path | str | Sequence[Mapping[str, object]] | None,
) -> tuple[SegmentRule, ...]:
    """Segment rules from a YAML file or a list of ``{name, r: [lo, hi], fm: [lo, hi]}``."""
    if source is None:
        return DEFAULT_SEGMENT_RULES
    raw: object = source
    if isinstance(source, str | Path):
        try:
            raw = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read segment rules {source}: {exc}") from None
        if isinstance(raw, dict):
            raw = raw.get("segments")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("segment rules must be a non-empty list of {name, r, fm}")
    rules = []
    for i, item in enumerate(raw, start=1):
        try:
            assert isinstance(item, Mapping)
            r, fm, days = item["r"], item["fm"], item.get("days")
            rule = SegmentRule(
                str(item["name"]),
                (float(r[0]), float(r[1])),  # type: ignore[index]
                (float(fm[0]), float(fm[1])),  # type: ignore[index]
                None if days is None else (float(days[0]), float(days[1])),  # type: ignore[index]
            )
        except (AssertionError, KeyError, TypeError, ValueError, IndexError):
            raise ConfigError(
                f"segment rule {i} must look like {{name: regulars, r: [3, 5], fm: [3, 5]}} "
                "(optionally with days: [0, 180])"
            ) from None
        rules.append(rule)
    _check_coverage(rules)
    return tuple(rules)


def _day_probes(rules: Sequence[SegmentRule]) -> list[float]:
    """Whole numbers of days at which the day ranges of ``rules`` can change."""
    probes = {0.0, 1e9}
    for x in rules:
        if x.days is not None:
            for edge in x.days:
                probes.update({math.floor(edge) - 1, math.floor(edge), math.ceil(edge) + 1})
    return sorted(p for p in probes if p >= 0)


def _check_coverage(rules: Sequence[SegmentRule]) -> None:
    for r in range(1, 6):
        for fm2 in range(2, 11):
            fm = fm2 / 2
            for d in _day_probes(rules):
                if not any(
                    x.r[0] <= r <= x.r[1]
                    and x.fm[0] <= fm <= x.fm[1]
                    and (x.days is None or x.days[0] <= d <= x.days[1])
                    for x in rules
                ):
                    at = "" if d >= 1e9 else f", {d:g} days since the last purchase"
                    raise ConfigError(
                        f"segment rules leave r_score={r}, fm_score={fm:g}{at} without a segment"
                    )


def _as_datetime_end(observation_end: date | datetime | None) -> datetime | None:
    if observation_end is None:
        return None
    d = observation_end.date() if isinstance(observation_end, datetime) else observation_end
    return datetime(d.year, d.month, d.day) + timedelta(days=1)


def purchase_period(timestamp: ir.Value, merge_by: TimeUnit | str = TimeUnit.DAYS) -> ir.DateValue:
    """The calendar day of ``timestamp``, or the Monday of its week (``merge_by="weeks"``)."""
    unit = _merge_unit(merge_by)
    day = timestamp.cast("date")
    return day if unit is TimeUnit.DAYS else day.truncate("W")


def _merge_unit(merge_by: TimeUnit | str) -> TimeUnit:
    unit = TimeUnit.parse(merge_by)
    if unit is TimeUnit.MONTHS:
        raise ConfigError("purchases can be merged by days or weeks, not by months")
    return unit


def rfm_summary(
    transactions: ir.Table,
    observation_end: date | datetime | None = None,
    time_unit: TimeUnit | str = TimeUnit.DAYS,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "timestamp",
    monetary_value_col: str | None = "amount",
    merge_by: TimeUnit | str = TimeUnit.DAYS,
    purchases_only: bool = True,
) -> ir.Table:
    """Per-customer frequency, recency, T and monetary value (see module docstring).

    ``observation_end`` defaults to the day of the last purchase. The result also carries
    ``purchase_days``, ``total_spend``, ``first_purchase``, ``last_purchase`` and
    ``days_since_last``; without ``monetary_value_col`` it has no spend columns.
    """
    unit = TimeUnit.parse(time_unit)
    merge = _merge_unit(merge_by)
    t = transactions
    if purchases_only:
        if "kind" in t.columns:
            t = t.filter(t["kind"] == "purchase")
        elif monetary_value_col is not None:
            t = t.filter(t[monetary_value_col] > 0)
    end_excl = _as_datetime_end(observation_end)
    if end_excl is not None:
        t = t.filter(t[datetime_col] < end_excl)
    spend = {} if monetary_value_col is None else {"spend": t[monetary_value_col].sum()}
    daily = t.group_by(
        customer_id=t[customer_id_col], day=purchase_period(t[datetime_col], merge)
    ).aggregate(**spend)
    # The first day's spend via arg_min: one hash aggregation, no per-customer sort.
    spend_aggs = (
        {}
        if monetary_value_col is None
        else {"total_spend": daily.spend.sum(), "first_spend": daily.spend.argmin(daily.day)}
    )
    per = daily.group_by("customer_id").aggregate(
        first_purchase=daily.day.min(),
        last_purchase=daily.day.max(),
        purchase_days=daily.count(),
        **spend_aggs,
    )
    if end_excl is None:
        end_day: ir.DateValue = per.last_purchase.max().as_scalar()
    else:
        last_day = end_excl.date() - timedelta(days=1)
        if merge is TimeUnit.WEEKS:
            last_day -= timedelta(days=last_day.weekday())
        end_day = ibis.date(last_day)
    recency_days = per.last_purchase.delta(per.first_purchase, unit="day")
    t_days = end_day.delta(per.first_purchase, unit="day")
    frequency = per.purchase_days - 1
    columns: dict[str, ir.Value] = {
        "frequency": frequency.cast("int64"),
        "recency": (recency_days.cast("float64") / unit.days),
        "T": (t_days.cast("float64") / unit.days),
    }
    if monetary_value_col is not None:
        repeat_spend = per.total_spend - per.first_spend
        columns["monetary_value"] = ibis.ifelse(
            frequency > 0, repeat_spend.cast("float64") / frequency.cast("float64"), 0.0
        )
    columns["purchase_days"] = per.purchase_days.cast("int64")
    if monetary_value_col is not None:
        columns["total_spend"] = per.total_spend.cast("float64")
    return per.select(
        "customer_id",
        **columns,
        first_purchase=per.first_purchase,
        last_purchase=per.last_purchase,
        days_since_last=(t_days - recency_days).cast("int64"),
    )


def _score(rank: ir.FloatingValue) -> ir.IntegerValue:
    return ibis.least((rank * 5).floor().cast("int64") + 1, 5)


def rfm_scores(summary: ir.Table) -> ir.Table:
    """Add ``r_score``, ``f_score``, ``m_score``, ``fm_score`` and ``rfm_score`` (e.g. "545")."""
    s = summary
    r = _score(ibis.percent_rank().over(order_by=ibis.desc(s.days_since_last)))
    f = _score(ibis.percent_rank().over(order_by=s.purchase_days))
    m = _score(ibis.percent_rank().over(order_by=s.total_spend))
    s = s.mutate(r_score=r, f_score=f, m_score=m)
    return s.mutate(
        fm_score=(s.f_score + s.m_score).cast("float64") / 2,
        rfm_score=s.r_score.cast("string") + s.f_score.cast("string") + s.m_score.cast("string"),
    )


def rfm_segments(
    scored: ir.Table, rules: Sequence[SegmentRule] = DEFAULT_SEGMENT_RULES
) -> ir.Table:
    """Add ``segment`` to a table with ``r_score``, ``fm_score`` and ``days_since_last``
    (first matching rule)."""
    branches = []
    for rule in rules:
        cond = scored.r_score.between(rule.r[0], rule.r[1]) & scored.fm_score.between(
            rule.fm[0], rule.fm[1]
        )
        if rule.days is not None:
            cond = cond & scored.days_since_last.between(rule.days[0], rule.days[1])
        branches.append((cond, rule.name))
    return scored.mutate(segment=ibis.cases(*branches, else_=None))
