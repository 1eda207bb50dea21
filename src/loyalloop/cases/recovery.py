"""Recovery rate: did the customer come back after the case was resolved?

Two measures, chosen per case by the service from the rule that opened it:

``next_survey`` (a detractor)
    The customer's first NPS answer in the ``survey_days`` after resolution: 7–10 (passive or
    promoter) is *recovered*, 0–6 *not recovered*. No answer when the window has ended is
    *no answer* — shown, never counted as a failure or a success; no answer yet while the window
    is still open is *pending*.
``repurchase`` (a complainant)
    Any purchase (amount > 0) in the ``purchase_days`` after resolution is *recovered*; none
    once the window has ended is *not recovered*; none yet while it is open is *pending*.

The rate is ``recovered / (recovered + not recovered)`` per group (topic and team by default,
always within one measure), with a Wilson score or Clopper–Pearson (exact) interval. Groups
are as small as a team's month of cases, so the interval matters: a rate of 3/4 reads 75 %
with a 95 % interval of 30 %–95 %.

Inputs are Ibis tables: ``cases`` (``case_id, customer_id, topic, team, measure,
resolved_at``) and the warehouse's ``feedback`` and ``transactions``. Timestamps are naive, in
the business time zone, as in the warehouse (convert the store's UTC times first). Only answers
and purchases up to ``as_of`` count, so the figures for a past date can be reproduced.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from enum import StrEnum

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special, stats

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.insight.scales import NPS_PASSIVE_MIN

__all__ = [
    "IntervalMethod",
    "RecoveryMeasure",
    "RecoveryOutcome",
    "proportion_interval",
    "recovery_outcomes",
    "recovery_rates",
]


class RecoveryMeasure(StrEnum):
    NEXT_SURVEY = "next_survey"
    REPURCHASE = "repurchase"


class RecoveryOutcome(StrEnum):
    RECOVERED = "recovered"
    NOT_RECOVERED = "not_recovered"
    NO_ANSWER = "no_answer"
    PENDING = "pending"


class IntervalMethod(StrEnum):
    WILSON = "wilson"
    CLOPPER_PEARSON = "clopper_pearson"


def proportion_interval(
    successes: ArrayLike,
    n: ArrayLike,
    *,
    method: IntervalMethod = IntervalMethod.WILSON,
    alpha: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided ``1 − alpha`` interval of a proportion, element-wise (``nan`` where n = 0).

    Wilson: ``(p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)``. Clopper–Pearson: the
    ``alpha/2`` and ``1 − alpha/2`` quantiles of Beta(k, n − k + 1) and Beta(k + 1, n − k)
    (0 and 1 at the ends).

    Examples
    --------
    >>> lo, hi = proportion_interval([3], [4])
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.3006, 0.9544)
    >>> lo, hi = proportion_interval([3], [4], method=IntervalMethod.CLOPPER_PEARSON)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.1941, 0.9937)
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    k = np.asarray(successes, dtype="float64")
    m = np.asarray(n, dtype="float64")
    if np.any(k < 0) or np.any(k > m):
        raise DataValidationError("successes must be between 0 and n")
    with np.errstate(divide="ignore", invalid="ignore"):
        if IntervalMethod(method) is IntervalMethod.WILSON:
            z = float(special.ndtri(1 - alpha / 2))
            p = k / m
            denom = 1 + z * z / m
            centre = (p + z * z / (2 * m)) / denom
            half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
            low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
        else:
            low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, m - k + 1), 0.0)
            high = np.where(k < m, stats.beta.ppf(1 - alpha / 2, k + 1, m - k), 1.0)
    empty = m == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _require(table: ir.Table, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataValidationError(f"table {name} lacks column(s): {', '.join(missing)}")


def recovery_outcomes(
    cases: ir.Table,
    feedback: ir.Table,
    transactions: ir.Table,
    *,
    as_of: dt.datetime,
    survey_days: int = 180,
    purchase_days: int = 90,
) -> ir.Table:
    """One row per resolved case with its ``outcome`` (see the module docstring).

    Returns the case columns plus ``window_end``, ``next_score`` (the first NPS answer in the
    window, for ``next_survey``), ``first_purchase_at`` (for ``repurchase``) and ``outcome``.
    Cases without ``resolved_at``, or resolved after ``as_of``, are left out.
    """
    _require(cases, "cases", ("case_id", "customer_id", "topic", "team", "measure", "resolved_at"))
    _require(feedback, "feedback", ("customer_id", "timestamp", "score_type", "score"))
    _require(transactions, "transactions", ("customer_id", "timestamp", "amount"))
    if survey_days < 1 or purchase_days < 1:
        raise ConfigError("recovery windows must be at least one day")
    unknown = cases.filter(~cases.measure.isin([m.value for m in RecoveryMeasure])).count()
    if int(unknown.execute()):
        raise DataValidationError(
            f"cases.measure must be one of {', '.join(m.value for m in RecoveryMeasure)}"
        )
    stamp = ibis.literal(as_of, type="timestamp")
    c = cases.filter(cases.resolved_at.notnull() & (cases.resolved_at <= stamp))
    keep = list(cases.columns)

    surveyed = c.filter(c.measure == RecoveryMeasure.NEXT_SURVEY.value).mutate(
        window_end=c.resolved_at + ibis.interval(days=survey_days)
    )
    own = ibis.literal(True)
    if "brand" in feedback.columns:
        own = feedback.brand.isnull() | (feedback.brand.lower() == "own")
    nps = feedback.filter(
        (feedback.score_type.lower() == "nps")
        & feedback.score.notnull()
        & own
        & (feedback.timestamp <= stamp)
    ).select(a_customer=feedback.customer_id, a_time=feedback.timestamp, a_score=feedback.score)
    j = surveyed.left_join(
        nps,
        [
            surveyed.customer_id == nps.a_customer,
            nps.a_time > surveyed.resolved_at,
            nps.a_time <= surveyed.window_end,
        ],
    )
    first = j.group_by([*keep, "window_end"]).aggregate(next_score=j.a_score.argmin(j.a_time))
    first = first.mutate(first_purchase_at=ibis.null("timestamp"))
    survey_out = first.mutate(
        outcome=ibis.cases(
            (first.next_score >= NPS_PASSIVE_MIN, RecoveryOutcome.RECOVERED.value),
            (first.next_score.notnull(), RecoveryOutcome.NOT_RECOVERED.value),
            (first.window_end <= stamp, RecoveryOutcome.NO_ANSWER.value),
            else_=RecoveryOutcome.PENDING.value,
        )
    )

    bought = c.filter(c.measure == RecoveryMeasure.REPURCHASE.value).mutate(
        window_end=c.resolved_at + ibis.interval(days=purchase_days)
    )
    tx = transactions.filter((transactions.amount > 0) & (transactions.timestamp <= stamp)).select(
        t_customer=transactions.customer_id, t_time=transactions.timestamp
    )
    k = bought.left_join(
        tx,
        [
            bought.customer_id == tx.t_customer,
            tx.t_time > bought.resolved_at,
            tx.t_time <= bought.window_end,
        ],
    )
    firstbuy = k.group_by([*keep, "window_end"]).aggregate(first_purchase_at=k.t_time.min())
    firstbuy = firstbuy.mutate(next_score=ibis.null("float64"))
    buy_out = firstbuy.mutate(
        outcome=ibis.cases(
            (firstbuy.first_purchase_at.notnull(), RecoveryOutcome.RECOVERED.value),
            (firstbuy.window_end <= stamp, RecoveryOutcome.NOT_RECOVERED.value),
            else_=RecoveryOutcome.PENDING.value,
        )
    )
    cols = [*keep, "window_end", "next_score", "first_purchase_at", "outcome"]
    return survey_out.select(cols).union(buy_out.select(cols))


def recovery_rates(
    outcomes: ir.Table,
    *,
    by: Sequence[str] = ("topic", "team"),
    method: IntervalMethod = IntervalMethod.WILSON,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Recovery rate with its interval per group and measure (see the module docstring).

    Columns: the ``by`` columns, ``measure``, ``cases``, ``recovered``, ``not_recovered``,
    ``no_answer``, ``pending``, ``rate``, ``ci_low``, ``ci_high`` (``nan`` without any
    decided case). Sorted by the groups.
    """
    _require(outcomes, "outcomes", (*by, "measure", "outcome"))
    keys = [*by, "measure"]
    agg = outcomes.group_by(keys).aggregate(
        cases=outcomes.count(),
        **{o.value: (outcomes.outcome == o.value).sum().cast("int64") for o in RecoveryOutcome},
    )
    frame = agg.execute().sort_values(keys, kind="stable").reset_index(drop=True)
    decided = frame["recovered"] + frame["not_recovered"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["rate"] = np.where(decided > 0, frame["recovered"] / decided, math.nan)
    low, high = proportion_interval(frame["recovered"], decided, method=method, alpha=alpha)
    frame["ci_low"], frame["ci_high"] = low, high
    columns = [*keys, "cases", *(o.value for o in RecoveryOutcome), "rate", "ci_low", "ci_high"]
    return frame[columns]
