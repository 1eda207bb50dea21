"""Segment summary: size, value and behaviour of each RFM segment."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from loyalloop.insight.rfm import DEFAULT_SEGMENT_RULES, SegmentRule

__all__ = ["segment_summary"]


def segment_summary(
    rfm: ir.Table, rules: Sequence[SegmentRule] = DEFAULT_SEGMENT_RULES
) -> ir.Table:
    """One row per segment (in rule order): ``customers``, ``share``, ``revenue``,
    ``revenue_share``, ``avg_days_since_last``, ``avg_purchase_days``, ``avg_spend``."""
    # Money summed as exact decimals: a float sum depends on the order the engine adds rows.
    spend = rfm.total_spend.cast(dt.Decimal(38, 4))
    g = rfm.group_by("segment").aggregate(
        customers=rfm.count(),
        revenue_exact=spend.sum(),
        avg_days_since_last=rfm.days_since_last.mean(),
        avg_purchase_days=rfm.purchase_days.mean(),
        # the exact sum cast, then divided as floats: Spark rounds a decimal quotient to 6
        # places (322.724885 against DuckDB's 322.72488548483045 at 100k customers)
        avg_spend=spend.sum().cast("float64") / rfm.count().cast("float64"),
    )
    # The total too is summed exactly, then both are cast: segments arrive in any order.
    totals = g.aggregate(all_customers=g.customers.sum(), all_revenue=g.revenue_exact.sum())
    order = ibis.cases(*((g.segment == r.name, i) for i, r in enumerate(rules)), else_=len(rules))
    out = g.cross_join(totals).mutate(_order=order)
    return (
        out.select(
            "segment",
            customers=out.customers.cast("int64"),
            share=out.customers.cast("float64") / out.all_customers.cast("float64"),
            revenue=out.revenue_exact.cast("float64"),
            revenue_share=out.revenue_exact.cast("float64") / out.all_revenue.cast("float64"),
            avg_days_since_last=out.avg_days_since_last,
            avg_purchase_days=out.avg_purchase_days,
            avg_spend=out.avg_spend,
            _order=out._order,
        )
        .order_by(["_order", "segment"])
        .drop("_order")
    )
