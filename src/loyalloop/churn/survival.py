"""Survival view: Kaplan–Meier retention curves by segment or cohort, and median lifetime.

Lifetimes come from the warehouse (:func:`purchase_lifetimes`, :func:`account_lifetimes`,
Ibis expressions); the curve is computed in Python from the per-customer durations, which are
one small row per customer.

Kaplan–Meier
    ``S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)`` over the distinct event times ``t_i``, with ``d_i``
    events and ``n_i`` customers still at risk just before ``t_i`` (customers censored at
    ``t_i`` count as at risk at ``t_i``). Confidence bands use Greenwood's variance on the
    log(−log) scale (the default of most survival packages).
Median lifetime
    The first time at which ``S(t) ≤ 0.5``; missing ("not reached") when the curve stays above.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy.stats import norm

from loyalloop.churn.features import as_timestamp
from loyalloop.errors import DataValidationError

__all__ = [
    "account_lifetimes",
    "kaplan_meier",
    "lifetimes_since",
    "median_lifetime",
    "purchase_lifetimes",
]

_DAY = 86400.0


def kaplan_meier(
    durations: Sequence[float] | np.ndarray | pd.Series,
    observed: Sequence[bool | int] | np.ndarray | pd.Series,
    groups: Sequence[Any] | np.ndarray | pd.Series | None = None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier curves, one per group.

    Parameters
    ----------
    durations
        Time from start to event or censoring (≥ 0).
    observed
        1/True when the event (churn) happened, 0/False when censored (still a customer).
    groups
        Optional group label per row (segment, cohort); one curve per group.

    Returns
    -------
    pandas.DataFrame
        ``group, time, at_risk, events, censored, survival, ci_lower, ci_upper``; each
        group's curve starts at ``time = 0``.

    Examples
    --------
    >>> kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])["survival"].round(3).tolist()
    [1.0, 0.75, 0.5, 0.0]
    """
    d = np.asarray(durations, dtype="float64")
    e = np.asarray(observed).astype(bool)
    if d.shape != e.shape:
        raise DataValidationError(f"got {len(d)} durations but {len(e)} event flags")
    if np.isnan(d).any() or (d < 0).any():
        raise DataValidationError("durations must be non-negative numbers with no missing values")
    g = np.asarray(groups, dtype=object) if groups is not None else np.full(len(d), "all", object)
    if g.shape != d.shape:
        raise DataValidationError(f"got {len(d)} durations but {len(g)} group labels")
    z = float(norm.ppf(0.5 + confidence / 2))
    frames = []
    for label in pd.unique(g):
        m = g == label
        frames.append(_km_one(d[m], e[m], z).assign(group=label))
    cols = ["group", "time", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _km_one(d: np.ndarray, e: np.ndarray, z: float) -> pd.DataFrame:
    times, inverse = np.unique(d, return_inverse=True)
    events = np.bincount(inverse, weights=e.astype(float), minlength=len(times))
    total = np.bincount(inverse, minlength=len(times)).astype(float)
    at_risk = len(d) - np.concatenate([[0.0], np.cumsum(total)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        gw = np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0))
        log_s = np.log(survival)
        se = np.sqrt(gw) / np.abs(log_s)
        lower = np.exp(-np.exp(np.log(-log_s) + z * se))
        upper = np.exp(-np.exp(np.log(-log_s) - z * se))
    defined = (survival > 0) & (survival < 1)
    lower = np.where(defined, lower, survival)
    upper = np.where(defined, upper, survival)
    head = pd.DataFrame(
        {
            "time": [0.0],
            "at_risk": [float(len(d))],
            "events": [0.0],
            "censored": [0.0],
            "survival": [1.0],
            "ci_lower": [1.0],
            "ci_upper": [1.0],
        }
    )
    body = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk,
            "events": events,
            "censored": total - events,
            "survival": survival,
            "ci_lower": lower,
            "ci_upper": upper,
        }
    )
    # Start every curve at time 0 (unless something already happens at time 0).
    out = body if times[0] == 0 else pd.concat([head, body], ignore_index=True)
    for c in ("at_risk", "events", "censored"):
        out[c] = out[c].astype("int64")
    return out


def median_lifetime(curves: pd.DataFrame) -> pd.Series:
    """Median lifetime per group of :func:`kaplan_meier` output (``NaN`` = not reached)."""
    out = {}
    for label, c in curves.groupby("group", sort=False):
        below = c.loc[c["survival"] <= 0.5, "time"]
        out[label] = float(below.iloc[0]) if len(below) else float("nan")
    return pd.Series(out, name="median_lifetime", dtype="float64").rename_axis("group")


def purchase_lifetimes(
    transactions: ir.Table,
    cutoff: date | datetime | str,
    *,
    lapse_days: int = 180,
    customers: ir.Table | None = None,
    group_by: str | None = None,
) -> ir.Table:
    """Repeat-purchase lifetimes as of ``cutoff``, one row per customer.

    A customer is counted as lost (``observed = 1``) when the last purchase is more than
    ``lapse_days`` before the cutoff; the lifetime is then first → last purchase. Otherwise
    the lifetime is censored at ``cutoff − lapse_days`` (``observed = 0``): a stop is dated at
    the last purchase but only seen ``lapse_days`` later, so a customer who bought recently is
    known to be buying up to that day, not up to the cutoff (censoring at the cutoff would
    count as survivors, over the last ``lapse_days`` of every curve, customers who may already
    have stopped). Customers whose first purchase is after ``cutoff − lapse_days`` cannot be
    seen to stop yet and are left out. ``cohort`` is the quarter of the first purchase
    (``2024Q1``); ``group_by`` adds a ``customers`` column (e.g. ``segment``).
    """
    cut = as_timestamp(cutoff)
    cut_epoch = int(pd.Timestamp(cut).value // 1_000_000_000)
    t = transactions
    t = t.filter(t.customer_id.notnull(), t.amount > 0, t.timestamp < ibis.literal(cut))
    g = t.group_by("customer_id").aggregate(first=t.timestamp.min(), last=t.timestamp.max())
    seen_until = cut_epoch - lapse_days * _DAY  # the last day a stop can be seen on
    g = g.filter(g["first"].epoch_seconds() <= seen_until)
    first_s = g["first"].epoch_seconds()
    last_s = g["last"].epoch_seconds()
    lost = (ibis.literal(cut_epoch) - last_s) > lapse_days * _DAY
    end = ibis.ifelse(lost, last_s, ibis.literal(seen_until))
    out = g.mutate(
        duration_days=(end - first_s).cast("float64") / _DAY,
        observed=lost.cast("int8"),
        cohort=g["first"].year().cast("string") + "Q" + g["first"].quarter().cast("string"),
    )
    if group_by is not None:
        if customers is None or group_by not in customers.columns:
            raise DataValidationError(f"customers table with a {group_by!r} column is needed")
        attrs = customers.select("customer_id", group_by).distinct(on="customer_id", keep="first")
        out = out.left_join(attrs, "customer_id").drop("customer_id_right")
    return out.drop("first", "last").order_by("customer_id")


def lifetimes_since(
    transactions: ir.Table,
    start: date | datetime | str,
    cutoff: date | datetime | str,
    *,
    lapse_days: int = 180,
) -> ir.Table:
    """How long customers kept buying after ``start``, one row per customer who bought before it.

    The same rule as :func:`purchase_lifetimes`, counted from ``start`` instead of the first
    purchase: a customer whose last purchase before ``cutoff`` is more than ``lapse_days`` old
    is lost (``observed = 1``) at that purchase (``duration_days`` = last purchase − start, 0
    when they never bought after ``start``); the others are still buying, censored at
    ``cutoff − lapse_days − start`` (the last day a stop can be seen on), so ``cutoff`` must be
    more than ``lapse_days`` after ``start``. Grouped by what was known at ``start`` (e.g. the
    customer's status then), the curves say how each group fared afterwards — unlike groups
    read at ``cutoff``, which already know who stopped.

    Columns ``customer_id, duration_days, observed``.
    """
    begin, cut = as_timestamp(start), as_timestamp(cutoff)
    if begin >= cut:
        raise DataValidationError(f"start {begin:%Y-%m-%d} must be before cutoff {cut:%Y-%m-%d}")
    begin_s = int(pd.Timestamp(begin).value // 1_000_000_000)
    cut_s = int(pd.Timestamp(cut).value // 1_000_000_000)
    seen_until = cut_s - lapse_days * _DAY
    if seen_until <= begin_s:
        raise DataValidationError(
            f"cutoff {cut:%Y-%m-%d} must be more than lapse_days={lapse_days} after start "
            f"{begin:%Y-%m-%d}: no stop after the start could be seen"
        )
    t = transactions
    t = t.filter(t.customer_id.notnull(), t.amount > 0, t.timestamp < ibis.literal(cut))
    g = t.group_by("customer_id").aggregate(first=t.timestamp.min(), last=t.timestamp.max())
    g = g.filter(g["first"] < ibis.literal(begin))
    last_s = g["last"].epoch_seconds()
    lost = (ibis.literal(cut_s) - last_s) > lapse_days * _DAY
    end = ibis.ifelse(lost, ibis.greatest(last_s, ibis.literal(begin_s)), ibis.literal(seen_until))
    return g.select(
        "customer_id",
        duration_days=(end - ibis.literal(begin_s)).cast("float64") / _DAY,
        observed=lost.cast("int8"),
    ).order_by("customer_id")


def account_lifetimes(
    accounts: ir.Table,
    cutoff: date | datetime | str,
) -> ir.Table:
    """Contractual lifetimes (opened → closed, censored at ``cutoff`` while open), per account.

    Columns ``account_id, customer_id, product, duration_days, observed, cohort``.
    """
    cut = as_timestamp(cutoff)
    c = ibis.literal(cut)
    a = accounts.filter(accounts.opened_at < c)
    closed = a.closed_at.notnull() & (a.closed_at < c)
    end = ibis.ifelse(closed, a.closed_at, c)
    return a.select(
        "account_id",
        "customer_id",
        "product",
        duration_days=(end.epoch_seconds() - a.opened_at.epoch_seconds()).cast("float64") / _DAY,
        observed=closed.cast("int8"),
        cohort=a.opened_at.year().cast("string") + "Q" + a.opened_at.quarter().cast("string"),
    ).order_by("account_id")
