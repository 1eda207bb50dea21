"""Triggers: who should enter a triggered campaign now, and why.

========================  ===================================================================
kind                      fires for a customer when
========================  ===================================================================
``lapse``                 P(alive) is below ``probability_alive_below``, or there has been no
                          purchase for more than ``gap_multiple`` × the customer's own usual
                          gap between purchase days (and at least ``min_days``)
``detractor``             an NPS answer of at most ``max_score`` (default 6) in the last
                          ``within_days`` days
``cancellation``          an interaction of a kind in ``kinds`` (default ``cancel_request``)
                          in the last ``within_days`` days
``churn_risk``            the churn probability reaches ``threshold`` and was below it in
                          the previous run (or there is no previous score)
``birthday``              the birthday falls within the next ``days_ahead`` days (29 February
                          counts on 28 February in other years)
========================  ===================================================================

:func:`evaluate_trigger` returns, in the engine, one row per customer with ``customer_id``,
``trigger``, ``triggered_at`` and ``detail``; :func:`apply_cooldown` drops those who entered
the campaign within its cool-down. Evaluated after each run (on the run's view) and as events
arrive (the service passes the new feedback or interactions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import ibis
import ibis.expr.types as ir

from loyalloop.errors import ConfigError, SpecError
from loyalloop.insight.scales import NPS_DETRACTOR_MAX

__all__ = ["TriggerKind", "TriggerSpec", "apply_cooldown", "evaluate_trigger", "parse_trigger"]


class TriggerKind(StrEnum):
    lapse = "lapse"
    detractor = "detractor"
    cancellation = "cancellation"
    churn_risk = "churn_risk"
    birthday = "birthday"


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger and its parameters (module docstring)."""

    kind: TriggerKind
    probability_alive_below: float | None = None
    gap_multiple: float | None = None
    min_days: int = 30
    max_score: float = float(NPS_DETRACTOR_MAX)
    within_days: int = 7
    kinds: tuple[str, ...] = ("cancel_request",)
    threshold: float = 0.5
    days_ahead: int = 7


_PARAMS: dict[TriggerKind, tuple[str, ...]] = {
    TriggerKind.lapse: ("probability_alive_below", "gap_multiple", "min_days"),
    TriggerKind.detractor: ("max_score", "within_days"),
    TriggerKind.cancellation: ("kinds", "within_days"),
    TriggerKind.churn_risk: ("threshold",),
    TriggerKind.birthday: ("days_ahead",),
}


def _number(raw: Mapping[str, Any], key: str, lo: float, hi: float) -> float:
    v = raw[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise SpecError(f"{key} is a number, got {v!r}", path=key)
    if not lo <= v <= hi:
        raise SpecError(f"{key} is between {lo:g} and {hi:g}, got {v!r}", path=key)
    return float(v)


def parse_trigger(raw: Mapping[str, Any] | TriggerSpec) -> TriggerSpec:
    """A :class:`TriggerSpec` from ``{kind: …, parameters…}``."""
    if isinstance(raw, TriggerSpec):
        return raw
    if not isinstance(raw, Mapping):
        raise SpecError("a trigger is a mapping with a kind")
    text = str(raw.get("kind", "")).strip().lower().replace("-", "_")
    try:
        kind = TriggerKind(text)
    except ValueError:
        options = ", ".join(k.value for k in TriggerKind)
        raise SpecError(f"kind is one of {options}; got {raw.get('kind')!r}", path="kind") from None
    allowed = _PARAMS[kind]
    for key in raw:
        if key != "kind" and key not in allowed:
            raise SpecError(f"{kind.value} takes {', '.join(allowed)}; not {key!r}", path=str(key))
    kw: dict[str, Any] = {"kind": kind}
    if "probability_alive_below" in raw:
        kw["probability_alive_below"] = _number(raw, "probability_alive_below", 0, 1)
    if "gap_multiple" in raw:
        kw["gap_multiple"] = _number(raw, "gap_multiple", 1, 1000)
    if "min_days" in raw:
        kw["min_days"] = int(_number(raw, "min_days", 0, 3650))
    if "max_score" in raw:
        kw["max_score"] = _number(raw, "max_score", 0, 10)
    if "within_days" in raw:
        kw["within_days"] = int(_number(raw, "within_days", 1, 366))
    if "threshold" in raw:
        kw["threshold"] = _number(raw, "threshold", 0, 1)
    if "days_ahead" in raw:
        kw["days_ahead"] = int(_number(raw, "days_ahead", 0, 60))
    if "kinds" in raw:
        kinds = raw["kinds"]
        if isinstance(kinds, str):
            kinds = [kinds]
        if (
            not isinstance(kinds, Sequence)
            or not kinds
            or not all(isinstance(k, str) for k in kinds)
        ):
            raise SpecError("kinds is a list of interaction kinds", path="kinds")
        kw["kinds"] = tuple(kinds)
    if (
        kind is TriggerKind.lapse
        and "probability_alive_below" not in kw
        and "gap_multiple" not in kw
    ):
        kw["gap_multiple"] = 3.0
    return TriggerSpec(**kw)


def _profile_ids(t: ir.Table, profile_map: ir.Table | None) -> ir.Table:
    if profile_map is None:
        return t
    pm = profile_map.select(_src=profile_map.customer_id, _prof=profile_map.profile_id)
    j = t.left_join(pm, t.customer_id == pm._src)
    return j.mutate(customer_id=j._prof.fill_null(j.customer_id)).drop("_src", "_prof")


def _window(as_of: date, days: int) -> tuple[ir.TimestampValue, ir.TimestampValue]:
    end = datetime.combine(as_of + timedelta(days=1), time())
    start = end - timedelta(days=days)
    return ibis.timestamp(start.isoformat(sep=" ")), ibis.timestamp(end.isoformat(sep=" "))


def _out(t: ir.Table, trigger: TriggerKind, at: Any, detail: Any) -> ir.Table:
    return t.select(
        customer_id=t.customer_id,
        trigger=ibis.literal(trigger.value),
        triggered_at=at,
        detail=detail,
    )


def _fmt(x: ir.NumericValue, digits: int) -> ir.StringValue:
    return x.round(digits).cast("string")


def evaluate_trigger(
    spec: TriggerSpec,
    as_of: date,
    *,
    view: ir.Table | None = None,
    previous_view: ir.Table | None = None,
    feedback: ir.Table | None = None,
    interactions: ir.Table | None = None,
    profile_map: ir.Table | None = None,
) -> ir.Table:
    """Customers for whom ``spec`` fires at ``as_of`` (module docstring).

    Parameters
    ----------
    view
        The audience view (lapse, churn_risk, birthday).
    previous_view
        The previous run's audience view (churn_risk crossing); optional.
    feedback, interactions
        Canonical warehouse tables (detractor, cancellation); their customer ids are mapped
        to profile ids through ``profile_map`` when given.

    Raises
    ------
    ConfigError
        If the table the trigger needs is not given, or lacks the field.
    """
    midnight = ibis.timestamp(datetime.combine(as_of, time()).isoformat(sep=" "))
    kind = spec.kind
    if kind in (TriggerKind.lapse, TriggerKind.churn_risk, TriggerKind.birthday) and view is None:
        raise ConfigError(f"the {kind.value} trigger needs the audience view")
    if kind is TriggerKind.lapse:
        assert view is not None
        parts = []
        if spec.probability_alive_below is not None:
            if "probability_alive" not in view.columns:
                raise ConfigError("the lapse trigger on P(alive) needs the run's clv table")
            pa = view.probability_alive < spec.probability_alive_below
            parts.append(pa.fill_null(False))
        if spec.gap_multiple is not None:
            gap = (
                (view.days_since_last > spec.gap_multiple * view.usual_gap_days)
                & (view.days_since_last >= spec.min_days)
            ).fill_null(False)
            parts.append(gap)
        cond = parts[0] if len(parts) == 1 else parts[0] | parts[1]
        hit = view.filter(cond)
        detail = ibis.literal("no purchase for ") + hit.days_since_last.cast("string") + " days"
        if "usual_gap_days" in hit.columns:
            detail = detail + ibis.ifelse(
                hit.usual_gap_days.notnull(),
                ibis.literal(" (usual gap ") + _fmt(hit.usual_gap_days, 0) + " days)",
                ibis.literal(""),
            )
        if "probability_alive" in hit.columns:
            detail = detail + ibis.ifelse(
                hit.probability_alive.notnull(),
                ibis.literal("; P(alive) ") + _fmt(hit.probability_alive, 2),
                ibis.literal(""),
            )
        return _out(hit, kind, midnight, detail)
    if kind is TriggerKind.churn_risk:
        assert view is not None
        if "churn_probability" not in view.columns:
            raise ConfigError("the churn_risk trigger needs the run's churn_scores table")
        hit = view.filter(view.churn_probability >= spec.threshold)
        if previous_view is not None and "churn_probability" in previous_view.columns:
            prev = previous_view.select(
                _pid=previous_view.customer_id, _prev=previous_view.churn_probability
            )
            j = hit.left_join(prev, hit.customer_id == prev._pid)
            hit = j.filter(j._prev.isnull() | (j._prev < spec.threshold)).drop("_pid")
        detail = ibis.literal("churn probability ") + _fmt(hit.churn_probability, 2)
        return _out(hit, kind, midnight, detail)
    if kind is TriggerKind.birthday:
        assert view is not None
        if "birth_date" not in view.columns:
            raise ConfigError("the birthday trigger needs birth dates (the customers table)")
        bd = view.birth_date
        conds = []
        for k in range(spec.days_ahead + 1):
            d = as_of + timedelta(days=k)
            c = (bd.month() == d.month) & (bd.day() == d.day)
            leap = d.year % 4 == 0 and (d.year % 100 != 0 or d.year % 400 == 0)
            if d.month == 2 and d.day == 28 and not leap:
                c = c | ((bd.month() == 2) & (bd.day() == 29))
            conds.append(c)
        cond = conds[0]
        for c in conds[1:]:
            cond = cond | c
        hit = view.filter(cond.fill_null(False))
        detail = (
            ibis.literal("birthday on ")
            + hit.birth_date.month().cast("string")
            + "-"
            + hit.birth_date.day().cast("string")
        )
        return _out(hit, kind, midnight, detail)
    start, end = _window(as_of, spec.within_days)
    if kind is TriggerKind.detractor:
        if feedback is None:
            raise ConfigError("the detractor trigger needs the feedback table")
        fb = feedback.filter(
            (feedback.score_type == "nps")
            & (feedback.score <= spec.max_score)
            & feedback.customer_id.notnull()
            & (feedback.timestamp >= start)
            & (feedback.timestamp < end)
        )
        fb = _profile_ids(fb, profile_map)
        g = fb.group_by("customer_id").aggregate(
            triggered_at=fb.timestamp.max(), score=fb.score.argmax(fb.timestamp)
        )
        return _out(g, kind, g.triggered_at, ibis.literal("NPS answer ") + _fmt(g.score, 0))
    if interactions is None:
        raise ConfigError("the cancellation trigger needs the interactions table")
    it = interactions.filter(
        interactions.kind.isin(list(spec.kinds))
        & (interactions.timestamp >= start)
        & (interactions.timestamp < end)
    )
    it = _profile_ids(it, profile_map)
    g = it.group_by("customer_id").aggregate(
        triggered_at=it.timestamp.max(), what=it.kind.argmax(it.timestamp)
    )
    return _out(g, kind, g.triggered_at, g.what.cast("string"))


def apply_cooldown(
    triggered: ir.Table,
    assignments: ir.Table | None,
    campaign_id: str,
    cooldown_days: int,
    now: datetime,
) -> ir.Table:
    """``triggered`` without customers assigned to ``campaign_id`` within the cool-down.

    A customer assigned at ``t`` may enter again from ``t + cooldown_days``. One row per
    customer is kept (the earliest trigger).
    """
    t = triggered.mutate(
        _rn=ibis.row_number().over(
            group_by=triggered.customer_id, order_by=[triggered.triggered_at, triggered.trigger]
        )
    )
    t = t.filter(t._rn == 0).drop("_rn")
    if assignments is None:
        return t
    since = ibis.timestamp((now - timedelta(days=cooldown_days)).isoformat(sep=" "))
    recent = assignments.filter(
        (assignments.campaign_id == campaign_id) & (assignments.assigned_at > since)
    ).select(_cid=assignments.customer_id)
    return t.anti_join(recent, t.customer_id == recent._cid)
