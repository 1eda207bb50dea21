"""Purchase KPIs and monthly cohort retention, as Ibis expressions.

Definitions (all as of ``observation_end``, inclusive):

- ``customers``: rows in the customer (or profile) table;
- ``purchasers``: customers with at least one purchase;
- ``active_customers``: customers with a purchase in the last ``active_days`` days
  (default 90) up to and including ``observation_end``;
- ``repurchase_rate``: share of purchasers with purchases on two or more different days;
- ``average_order_value``: purchase amount / number of purchase transactions;
- ``revenue``: purchase amount; ``refunds``: absolute refund amount; ``refund_rate``:
  refunds / revenue.

Cohort retention: a customer's cohort is the calendar month of their first purchase; cell
``(cohort, k)`` is the share of the cohort with a purchase in month ``cohort + k``
(``k = 0`` is always 100%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir

__all__ = ["PurchaseKpis", "cohort_retention", "purchase_kpis"]


@dataclass(frozen=True)
class PurchaseKpis:
    customers: int
    purchasers: int
    active_customers: int
    repurchase_rate: float | None
    average_order_value: float | None
    revenue: float
    refunds: float
    refund_rate: float | None
    orders: int
    observation_end: date
    active_days: int

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["observation_end"] = self.observation_end.isoformat()
        return d


def _zero_if_missing(v: object) -> float:
    """An engine sum over no rows is NULL (pandas: None or NaN): it means zero here."""
    f = float(v) if v is not None else 0.0  # type: ignore[arg-type]
    return 0.0 if f != f else f


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def purchase_kpis(
    customers: ir.Table,
    transactions: ir.Table,
    observation_end: date | datetime,
    *,
    active_days: int = 90,
) -> PurchaseKpis:
    """Compute the purchase KPIs (aggregated in the engine, one small row returned)."""
    end = observation_end.date() if isinstance(observation_end, datetime) else observation_end
    end_excl = datetime(end.year, end.month, end.day) + timedelta(days=1)
    t = transactions.filter(transactions.timestamp < end_excl)
    purchases = t.filter(t.kind == "purchase")
    per = purchases.group_by("customer_id").aggregate(
        days=purchases.timestamp.cast("date").nunique(),
        last=purchases.timestamp.max(),
    )
    active_from = end_excl - timedelta(days=active_days)
    row = (
        per.aggregate(
            purchasers=per.count(),
            repeaters=(per.days >= 2).sum(),
            active=(per["last"] >= active_from).sum(),
        )
        .execute()
        .iloc[0]
    )
    money = (
        t.aggregate(
            revenue=t.amount.sum(where=t.kind == "purchase"),
            orders=(t.kind == "purchase").sum(),
            refunds=(-t.amount).sum(where=t.kind == "refund"),
        )
        .execute()
        .iloc[0]
    )
    n_customers = int(customers.count().execute())
    purchasers = int(_zero_if_missing(row["purchasers"]))
    revenue = _zero_if_missing(money["revenue"])
    orders = int(_zero_if_missing(money["orders"]))
    refunds = _zero_if_missing(money["refunds"])
    return PurchaseKpis(
        customers=n_customers,
        purchasers=purchasers,
        active_customers=int(_zero_if_missing(row["active"])),
        repurchase_rate=_ratio(_zero_if_missing(row["repeaters"]), purchasers),
        average_order_value=_ratio(revenue, orders),
        revenue=revenue,
        refunds=refunds,
        refund_rate=_ratio(refunds, revenue),
        orders=orders,
        observation_end=end,
        active_days=active_days,
    )


def _month_index(ts: ir.TimestampValue | ir.DateValue) -> ir.IntegerValue:
    return ts.year().cast("int64") * 12 + ts.month().cast("int64") - 1


def cohort_retention(
    transactions: ir.Table, observation_end: date | datetime | None = None
) -> ir.Table:
    """Long table ``cohort`` (first day of month), ``months_since``, ``customers``,
    ``cohort_size``, ``retention``."""
    p = transactions.filter(transactions.kind == "purchase")
    if observation_end is not None:
        end = observation_end.date() if isinstance(observation_end, datetime) else observation_end
        p = p.filter(p.timestamp < datetime(end.year, end.month, end.day) + timedelta(days=1))
    activity = p.select("customer_id", m=_month_index(p.timestamp)).distinct()
    first = activity.group_by("customer_id").aggregate(cohort_m=activity.m.min())
    sizes = first.group_by("cohort_m").aggregate(cohort_size=first.count())
    joined = activity.join(first, "customer_id")
    cells = joined.group_by("cohort_m", months_since=(joined.m - joined.cohort_m)).aggregate(
        customers=joined.customer_id.nunique()
    )
    out = cells.join(sizes, "cohort_m")
    year = (out.cohort_m // 12).cast("int32")
    month = (out.cohort_m % 12 + 1).cast("int32")
    return out.select(
        cohort=ibis.date(year, month, ibis.literal(1, "int32")),
        months_since=out.months_since.cast("int64"),
        customers=out.customers.cast("int64"),
        cohort_size=out.cohort_size.cast("int64"),
        retention=out.customers.cast("float64") / out.cohort_size.cast("float64"),
    ).order_by(["cohort", "months_since"])
