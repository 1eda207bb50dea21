"""Churn features and labels as of a cutoff, computed in the warehouse (Ibis expressions).

Everything here reads only events strictly before the cutoff (``timestamp < cutoff``), so
features computed for a past cutoff are what the business could have known that day; labels
read only ``[cutoff, cutoff + horizon)``. Tables are shaped like the canonical contracts
(:mod:`loyalloop.data.contracts`); optional tables may be left out and their features are
then absent (not zero).

Population
    Customers with at least one purchase (``amount > 0``) in the ``active_within_days``
    (default 365) before the cutoff — customers already long gone are not "at risk" any more.
    ``None`` keeps everyone who ever bought.
Windows
    "In the last *w* days" means ``cutoff − w days ≤ timestamp < cutoff``.

Features (``w`` in :attr:`FeatureConfig.windows`, default 30/90/180/365)

===============================  ==============================================================
``recency_days``                 days from the last purchase to the cutoff
``tenure_days``                  days from the first purchase to the cutoff
``n_purchases_total``            purchases ever; ``spend_total`` their amount
``avg_ticket``                   ``spend_total / n_purchases_total``
``n_purchases_{w}d``             purchases in the last *w* days; ``spend_{w}d`` their amount
``spend_prev_90d``               spend in the 90 days before the last 90 (``trend_days``);
                                 ``n_purchases_prev_90d`` the count
``spend_change_90d``             ``(spend_90d − spend_prev_90d) / spend_prev_90d``; missing when
                                 ``spend_prev_90d`` is 0
``purchases_change_90d``         the same for purchase counts
``usual_gap_days``               mean days between purchases, ``(tenure − recency)/(n − 1)``;
                                 missing for one-time buyers
``recency_ratio``                ``recency_days / usual_gap_days`` (how overdue, in own gaps)
``gap_before_last_days``         days between the last purchase and the one before it
                                 (missing for one-time buyers; lifecycle "won back" uses it)
``refunds_365d``                 refunded amount (positive) in the last 365 days
``nps_last``, ``csat_last``      the latest own-brand NPS / CSAT score (feedback table)
``nps_mean_365d``, …             mean NPS / CSAT in the last 365 days
``n_feedback_365d``              own-brand feedback items in the last 365 days
``complaints_365d``              of those, NPS ≤ 6, CSAT ≤ 2 or rating ≤ 2
``sentiment_mean_365d``          mean of a ``sentiment`` column, if feedback has one
``messages_90d``                 interactions of kind ``sent`` in the last 90 days
``engaged_90d``                  opened / clicked / visited / replied in the last 90 days
``service_contacts_90d``         called / chat / complaint interactions in the last 90 days
``open_accounts``                accounts opened before and not closed before the cutoff
``open_products``                distinct products among them
``closed_accounts_365d``         accounts closed in the last 365 days
===============================  ==============================================================

Context columns (not model inputs): ``nps_last_date``, ``nps_last_text`` (for reasons),
``nps_last_days`` and ``complaint_last_days`` (days before the cutoff of the latest NPS and of
the latest complaint — NPS ≤ 6, CSAT ≤ 2 or rating ≤ 2 — at any age; the early-warning list
counts a complaint as a sign only when it is recent) and
``accounts_ever`` (accounts opened before the cutoff, open or not; with ``open_accounts`` it
tells a customer who closed every account from one who never held any — the ``closed``
status of :mod:`loyalloop.insight.definitions`).

Customer attributes (``segment``, ``city`` …) are not used by default: the canonical
``customers`` table keeps no history, so a value may have been set after the cutoff. Name them
in :attr:`FeatureConfig.customer_attributes` when you know they are stable.

Label
    ``churned`` = 1 when the customer made no purchase in ``[cutoff, cutoff + horizon)``, or
    held an open account at the cutoff and none at ``cutoff + horizon``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from loyalloop.errors import ConfigError
from loyalloop.insight.scales import NPS_DETRACTOR_MAX

__all__ = [
    "CONTEXT_COLUMNS",
    "FeatureConfig",
    "as_timestamp",
    "build_features",
    "build_labels",
]

CONTEXT_COLUMNS: tuple[str, ...] = (
    "nps_last_date",
    "nps_last_text",
    "nps_last_days",
    "complaint_last_days",
    "accounts_ever",
)

_ENGAGED = ("opened", "clicked", "visited", "replied")
#: Amounts are summed as exact decimals (4 places; 14 integer digits).
_MONEY = dt.Decimal(18, 4)
#: Fractional scores (sentiment) are summed as exact decimals (6 places).
_SCORE = dt.Decimal(18, 6)
_SERVICE = ("called", "chat", "complaint")
_DAY = 86400.0


@dataclass(frozen=True)
class FeatureConfig:
    """Windows and thresholds of the churn features (defaults are the documented ones)."""

    windows: tuple[int, ...] = (30, 90, 180, 365)
    trend_days: int = 90
    feedback_days: int = 365
    interaction_days: int = 90
    complaint_nps_max: float = float(NPS_DETRACTOR_MAX)
    complaint_csat_max: float = 2.0
    customer_attributes: tuple[str, ...] = ()
    active_within_days: int | None = 365

    def __post_init__(self) -> None:
        if self.active_within_days is not None and self.active_within_days <= 0:
            raise ConfigError("active_within_days must be positive or None")
        if not self.windows or any(w <= 0 for w in self.windows):
            raise ConfigError(f"feature windows must be positive days, got {self.windows}")
        if self.trend_days <= 0 or self.feedback_days <= 0 or self.interaction_days <= 0:
            raise ConfigError("trend_days, feedback_days and interaction_days must be positive")


def as_timestamp(value: date | datetime | str | pd.Timestamp) -> datetime:
    """A cutoff as a naive ``datetime`` (a date means its midnight)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(f"cutoff {value!r} is not a date") from None
    if ts is pd.NaT:
        raise ConfigError(f"cutoff {value!r} is not a date")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    return ts.to_pydatetime()


def _epoch(ts: datetime) -> int:
    return int(pd.Timestamp(ts).value // 1_000_000_000)


def _days_before(col: ir.TimestampValue, cutoff: datetime) -> ir.FloatingValue:
    """Days from ``col`` to the cutoff (positive for past events)."""
    return (ibis.literal(_epoch(cutoff)) - col.epoch_seconds()).cast("float64") / _DAY


def _ts(cutoff: datetime) -> ir.TimestampScalar:
    return ibis.literal(cutoff, type="timestamp")


def _purchases_before(transactions: ir.Table, cutoff: datetime) -> ir.Table:
    t = transactions
    return t.filter(t.customer_id.notnull(), t.timestamp < _ts(cutoff), t.amount.notnull())


def _transaction_features(tx: ir.Table, cutoff: datetime, cfg: FeatureConfig) -> ir.Table:
    d = _days_before(tx.timestamp, cutoff)
    buy = tx.amount > 0
    # Exact decimal sums: a float sum depends on the order the engine adds rows in, and the
    # same data must give byte-identical features (and so an identical model).
    t = tx.mutate(_d=d, _buy=buy, _amt=tx.amount.cast(_MONEY))
    gaps = t.filter(t._buy).mutate(
        _rn=ibis.row_number().over(group_by=t.customer_id, order_by=[t._d]),
        _prev_d=t._d.lead().over(group_by=t.customer_id, order_by=[t._d]),
    )
    gaps = gaps.filter(gaps._rn == 0).select(
        "customer_id", gap_before_last_days=gaps._prev_d - gaps._d
    )
    aggs: dict[str, Any] = {
        "recency_days": t._d.min(where=t._buy),
        "tenure_days": t._d.max(where=t._buy),
        "n_purchases_total": t._buy.cast("int64").sum(),
        "spend_total": t._amt.sum(where=t._buy).cast("float64"),
    }
    windows = sorted(set(cfg.windows) | {cfg.trend_days})
    for w in windows:
        inside = t._buy & (t._d <= w)
        aggs[f"n_purchases_{w}d"] = inside.cast("int64").sum()
        aggs[f"spend_{w}d"] = t._amt.sum(where=inside).cast("float64").coalesce(0.0)
    prev = t._buy & (t._d > cfg.trend_days) & (t._d <= 2 * cfg.trend_days)
    aggs["spend_prev_90d"] = t._amt.sum(where=prev).cast("float64").coalesce(0.0)
    aggs["n_purchases_prev_90d"] = prev.cast("int64").sum()
    refund = (t._amt < 0) & (t._d <= 365)
    aggs["refunds_365d"] = (-t._amt).sum(where=refund).cast("float64").coalesce(0.0)
    g = t.group_by("customer_id").aggregate(**aggs).filter(lambda r: r.n_purchases_total > 0)
    if cfg.active_within_days is not None:
        g = g.filter(g.recency_days <= cfg.active_within_days)
    tw = cfg.trend_days
    s_now, s_prev = g[f"spend_{tw}d"], g.spend_prev_90d
    n_now, n_prev = g[f"n_purchases_{tw}d"].cast("float64"), g.n_purchases_prev_90d
    n = g.n_purchases_total.cast("float64")
    gap = ibis.ifelse(
        g.n_purchases_total > 1, (g.tenure_days - g.recency_days) / (n - 1.0), ibis.null()
    )
    g = g.mutate(
        avg_ticket=g.spend_total / n,
        spend_change_90d=ibis.ifelse(s_prev > 0, (s_now - s_prev) / s_prev, ibis.null()),
        purchases_change_90d=ibis.ifelse(
            n_prev > 0, (n_now - n_prev.cast("float64")) / n_prev.cast("float64"), ibis.null()
        ),
        usual_gap_days=gap,
    )
    g = g.mutate(
        recency_ratio=ibis.ifelse(
            g.usual_gap_days > 0, g.recency_days / g.usual_gap_days, ibis.null()
        )
    )
    return g.left_join(gaps, "customer_id").drop("customer_id_right")


def _exact_mean(col: ir.NumericValue, where: ir.BooleanValue) -> ir.FloatingValue:
    """Mean over ``where`` from an exact decimal sum (the same whatever the row order)."""
    v = col.cast(_SCORE)
    return v.sum(where=where).cast("float64") / v.count(where=where).nullif(0).cast("float64")


def _feedback_features(fb: ir.Table, cutoff: datetime, cfg: FeatureConfig) -> ir.Table:
    f = fb.filter(fb.customer_id.notnull(), fb.timestamp < _ts(cutoff), fb.score.notnull())
    if "brand" in f.columns:
        brand = f.brand.lower().strip()
        f = f.filter(brand.isnull() | (brand == "") | (brand == "own"))
    stype = f.score_type.lower().strip()
    f = f.mutate(_d=_days_before(f.timestamp, cutoff), _type=stype)
    w = ibis.window(group_by=[f.customer_id, f._type], order_by=[ibis.desc(f.timestamp)])
    f = f.mutate(_rn=ibis.row_number().over(w))
    recent = f._d <= cfg.feedback_days
    complaint = (
        ((f._type == "nps") & (f.score <= cfg.complaint_nps_max))
        | ((f._type == "csat") & (f.score <= cfg.complaint_csat_max))
        | ((f._type == "rating") & (f.score <= 2))
    )
    latest_nps = (f._type == "nps") & (f._rn == 0)
    aggs: dict[str, Any] = {
        "nps_last": f.score.cast("float64").max(where=latest_nps),
        "nps_last_date": f.timestamp.max(where=latest_nps),
        "nps_last_days": f._d.max(where=latest_nps),
        "complaint_last_days": f._d.min(where=complaint),
        "nps_mean_365d": _exact_mean(f.score, (f._type == "nps") & recent),
        "csat_last": f.score.cast("float64").max(where=(f._type == "csat") & (f._rn == 0)),
        "csat_mean_365d": _exact_mean(f.score, (f._type == "csat") & recent),
        "n_feedback_365d": recent.cast("int64").sum(),
        "complaints_365d": (recent & complaint).cast("int64").sum(),
    }
    if "sentiment" in f.columns:
        aggs["sentiment_mean_365d"] = _exact_mean(f.sentiment, recent)
    if "text" in f.columns:
        aggs["nps_last_text"] = f.text.cast("string").max(where=latest_nps)
    g = f.group_by("customer_id").aggregate(**aggs)
    if "text" not in f.columns:
        g = g.mutate(nps_last_text=ibis.null("string"))
    return g


def _interaction_features(it: ir.Table, cutoff: datetime, cfg: FeatureConfig) -> ir.Table:
    d = _days_before(it.timestamp, cutoff)
    i = it.filter(it.customer_id.notnull(), it.timestamp < _ts(cutoff), d <= cfg.interaction_days)
    kind = i.kind.lower().strip()
    return i.group_by("customer_id").aggregate(
        messages_90d=(kind == "sent").cast("int64").sum(),
        engaged_90d=kind.isin(_ENGAGED).cast("int64").sum(),
        service_contacts_90d=kind.isin(_SERVICE).cast("int64").sum(),
    )


def _account_features(acc: ir.Table, cutoff: datetime) -> ir.Table:
    c = _ts(cutoff)
    a = acc.filter(acc.customer_id.notnull(), acc.opened_at < c)
    is_open = a.closed_at.isnull() | (a.closed_at >= c)
    closed_recent = (
        a.closed_at.notnull() & (a.closed_at < c) & (_days_before(a.closed_at, cutoff) <= 365)
    )
    return a.group_by("customer_id").aggregate(
        open_accounts=is_open.cast("int64").sum(),
        open_products=a.product.nunique(where=is_open) if "product" in a.columns else 0,
        closed_accounts_365d=closed_recent.cast("int64").sum(),
        accounts_ever=a.count(),
    )


def build_features(
    transactions: ir.Table,
    cutoff: date | datetime | str,
    *,
    feedback: ir.Table | None = None,
    interactions: ir.Table | None = None,
    accounts: ir.Table | None = None,
    customers: ir.Table | None = None,
    config: FeatureConfig | None = None,
) -> ir.Table:
    """Churn features as of ``cutoff``, one row per customer (see module docstring).

    Parameters
    ----------
    transactions
        Canonical transactions (``customer_id``, ``timestamp``, ``amount``).
    cutoff
        The "as of" moment; only events strictly before it are read.
    feedback, interactions, accounts, customers
        Optional canonical tables; their features are absent when not given.
    config
        Windows and thresholds.

    Returns
    -------
    ibis.Table
        ``customer_id`` followed by the features and :data:`CONTEXT_COLUMNS`.
    """
    cfg = config or FeatureConfig()
    cut = as_timestamp(cutoff)
    out = _transaction_features(_purchases_before(transactions, cut), cut, cfg)
    if feedback is not None:
        fb = _feedback_features(feedback, cut, cfg)
        out = out.left_join(fb, "customer_id").drop("customer_id_right")
        out = out.mutate(
            n_feedback_365d=out.n_feedback_365d.coalesce(0),
            complaints_365d=out.complaints_365d.coalesce(0),
        )
    if interactions is not None:
        it = _interaction_features(interactions, cut, cfg)
        out = out.left_join(it, "customer_id").drop("customer_id_right")
        out = out.mutate(**{c: out[c].coalesce(0) for c in it.columns if c != "customer_id"})
    if accounts is not None:
        ac = _account_features(accounts, cut)
        out = out.left_join(ac, "customer_id").drop("customer_id_right")
        out = out.mutate(**{c: out[c].coalesce(0) for c in ac.columns if c != "customer_id"})
    if customers is not None and cfg.customer_attributes:
        missing = [a for a in cfg.customer_attributes if a not in customers.columns]
        if missing:
            raise ConfigError(f"customers table has no attribute column(s): {missing}")
        attrs = customers.select("customer_id", *cfg.customer_attributes).distinct(
            on="customer_id", keep="first"
        )
        out = out.left_join(attrs, "customer_id").drop("customer_id_right")
    return out.order_by("customer_id")


def build_labels(
    transactions: ir.Table,
    cutoff: date | datetime | str,
    horizon_days: int,
    *,
    accounts: ir.Table | None = None,
    active_within_days: int | None = 365,
) -> ir.Table:
    """``customer_id, churned`` for the feature population at ``cutoff`` (see module docstring).

    Only ``[cutoff, cutoff + horizon_days)`` is read for the outcome. Pass the same
    ``active_within_days`` as the features' :class:`FeatureConfig`.
    """
    if horizon_days <= 0:
        raise ConfigError(f"horizon_days must be positive, got {horizon_days}")
    cut = as_timestamp(cutoff)
    end = cut + pd.Timedelta(days=horizon_days).to_pytimedelta()
    t = transactions.filter(transactions.customer_id.notnull(), transactions.amount > 0)
    before = t.filter(t.timestamp < _ts(cut))
    if active_within_days is not None:
        before = before.filter(_days_before(before.timestamp, cut) <= active_within_days)
    pop = before.select("customer_id").distinct()
    future = (
        t.filter(t.timestamp >= _ts(cut), t.timestamp < _ts(end))
        .group_by("customer_id")
        .aggregate(_n_future=lambda r: r.count())
    )
    lab = pop.left_join(future, "customer_id").drop("customer_id_right")
    churned = lab._n_future.isnull()
    if accounts is not None:
        a = accounts.filter(accounts.customer_id.notnull())
        open_at = lambda ts: (  # noqa: E731
            (a.opened_at < _ts(ts)) & (a.closed_at.isnull() | (a.closed_at >= _ts(ts)))
        )
        acc = a.group_by("customer_id").aggregate(
            _open_then=open_at(cut).cast("int64").sum(),
            _open_later=open_at(end).cast("int64").sum(),
        )
        lab = lab.left_join(acc, "customer_id").drop("customer_id_right")
        closed_all = (lab._open_then.coalesce(0) > 0) & (lab._open_later.coalesce(0) == 0)
        churned = lab._n_future.isnull() | closed_all
    return lab.select("customer_id", churned=churned.cast("int8")).order_by("customer_id")
