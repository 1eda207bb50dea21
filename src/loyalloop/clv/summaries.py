"""Summaries of per-customer CLV scores (``customer_id, probability_alive, clv`` …), computed in
the engine: CLV by segment and the headline totals.

* :func:`clv_by_segment` — customers, mean P(alive), mean and total CLV per segment, most alive
  segment first.
* :func:`clv_totals` — total CLV, the share of it held by the top tenth of customers (ranked by
  CLV; ``ntile`` puts the first ``ceil(n / 10)`` customers in the top tenth), and the mean
  P(alive) (:class:`ClvTotals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

__all__ = ["ClvTotals", "clv_by_segment", "clv_totals"]


def clv_by_segment(scores: ir.Table, segments: ir.Table) -> ir.Table:
    """CLV per segment.

    Parameters
    ----------
    scores
        ``customer_id, probability_alive, clv`` per customer.
    segments
        ``customer_id, segment`` per customer (customers without a segment are left out).

    Returns
    -------
    ibis.Table
        ``segment, customers, probability_alive, clv, total_clv``, highest mean P(alive) first.
    """
    joined = scores.join(segments.select("customer_id", "segment"), "customer_id")
    return (
        joined.group_by("segment")
        .aggregate(
            customers=joined.count(),
            probability_alive=joined.probability_alive.mean(),
            clv=joined.clv.mean(),
            total_clv=joined.clv.sum(),
        )
        .order_by(ibis.desc("probability_alive"))
    )


@dataclass(frozen=True)
class ClvTotals:
    """Headline CLV figures (``top_decile_share`` is ``None`` when the total is zero)."""

    customers: int
    total_clv: float
    top_decile_share: float | None
    mean_probability_alive: float | None


def clv_totals(scores: ir.Table) -> ClvTotals:
    """Total CLV, the top tenth's share of it and the mean P(alive) (one row from the engine)."""
    ranked = scores.mutate(decile=ibis.ntile(10).over(order_by=ibis.desc(scores.clv)))
    row = (
        ranked.aggregate(
            n=ranked.count(),
            total=ranked.clv.sum(),
            top=ranked.clv.sum(where=ranked.decile == 0),
            mean_alive=ranked.probability_alive.mean(),
        )
        .execute()
        .iloc[0]
    )
    n = int(row["n"])
    total = float(row["total"]) if n else 0.0
    top = float(row["top"]) if n and row["top"] == row["top"] else 0.0
    return ClvTotals(
        customers=n,
        total_clv=total,
        top_decile_share=top / total if total else None,
        mean_probability_alive=float(row["mean_alive"]) if n else None,
    )
