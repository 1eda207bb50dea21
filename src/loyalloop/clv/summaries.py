"""Summaries of per-customer CLV scores (``customer_id, probability_alive, clv`` …), computed in
the engine: CLV by segment and the headline totals.

* :func:`clv_by_segment` — customers, mean P(alive), mean and total CLV per segment, most alive
  segment first.
* :func:`clv_totals` — total CLV, the share of it held by the top tenth of customers (the
  first ``ceil(n / 10)`` ranked by CLV), the mean P(alive) and total expected purchases
  (:class:`ClvTotals`): the one definition behind ``loyalloop clv predict`` and the run report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from loyalloop.clv._data import require_columns
from loyalloop.core.batches import is_ibis_table
from loyalloop.errors import DataValidationError

__all__ = ["ClvTotals", "clv_by_segment", "clv_totals"]


#: Exact sums of model outputs: 12 decimal places, 26 integer digits.
_EXACT = dt.Decimal(38, 12)


def _exact(column: ir.NumericColumn) -> ir.NumericColumn:
    return column.cast(_EXACT)


def clv_by_segment(scores: ir.Table, segments: ir.Table) -> ir.Table:
    """CLV per segment.

    Parameters
    ----------
    scores
        ``customer_id, probability_alive, clv`` per customer, and optionally a boolean
        ``alive_flagged`` (e.g. :func:`~loyalloop.clv.selection.alive_caveat_flag`).
    segments
        ``customer_id, segment`` per customer (customers without a segment are left out).

    Returns
    -------
    ibis.Table
        ``segment, customers, probability_alive, clv, total_clv`` (and ``alive_flagged``, the
        flagged customers, when the scores have the column), highest mean P(alive) first.
    """
    joined = scores.join(segments.select("customer_id", "segment"), "customer_id")
    aggs = {
        "customers": joined.count(),
        "_alive": _exact(joined.probability_alive).sum(),
        "_clv": _exact(joined.clv).sum(),
    }
    if "alive_flagged" in joined.columns:
        aggs["alive_flagged"] = joined.alive_flagged.cast("int64").sum().coalesce(0)
    return (
        joined.group_by("segment")
        .aggregate(**aggs)
        .select(
            "segment",
            "customers",
            *(["alive_flagged"] if "alive_flagged" in aggs else []),
            probability_alive=_["_alive"].cast("float64") / _.customers,
            clv=_["_clv"].cast("float64") / _.customers,
            total_clv=_["_clv"].cast("float64"),
        )
        .order_by(ibis.desc("probability_alive"), "segment")
    )


@dataclass(frozen=True)
class ClvTotals:
    """Headline figures of a scored base (the ones a report or a command prints).

    Attributes
    ----------
    customers
        Customers scored.
    total_clv
        Sum of ``clv`` (``None`` when the scores have no CLV, i.e. no spend model).
    top_decile_share
        ``top_decile_clv / total_clv`` (``None`` when the total is 0 or unknown).
    mean_probability_alive
        Mean ``probability_alive`` (``None`` without customers).
    top_decile_customers
        The top tenth of customers by CLV: ``ceil(customers / 10)``.
    top_decile_clv
        Their summed CLV (ties at the cut-off do not change it).
    total_expected_purchases
        Sum of ``expected_purchases`` (``None`` when the scores have none).
    """

    customers: int
    total_clv: float | None
    top_decile_share: float | None
    mean_probability_alive: float | None
    top_decile_customers: int = 0
    top_decile_clv: float | None = None
    total_expected_purchases: float | None = None


def _ties(table: ir.Table) -> list[str]:
    """Columns that break ties in CLV (which customers are "the top tenth" does not change
    the top tenth's sum, but a fixed order keeps the plan the same)."""
    return [c for c in ("customer_id",) if c in table.columns]


def clv_totals(scores: ir.Table | pd.DataFrame) -> ClvTotals:
    """Total CLV, the top tenth's share of it and the other headline figures of a scores table.

    The one definition used by ``loyalloop clv predict``, the pipeline's ``clv`` stage and the
    report, so they print the same figures for the same scores. Computed in the engine (a
    pandas frame is wrapped in an in-memory table); one row comes back.

    Parameters
    ----------
    scores
        ``probability_alive`` per customer and, for the CLV figures, ``clv``;
        ``expected_purchases`` is totalled when present (the output of
        :func:`loyalloop.clv.score`).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"clv": [float(v) for v in range(1, 21)],
    ...                       "probability_alive": [0.5] * 20, "expected_purchases": [1.0] * 20})
    >>> t = clv_totals(frame)
    >>> t.total_clv, t.top_decile_customers, t.top_decile_clv, t.top_decile_share
    (210.0, 2, 39.0, 0.18571428571428572)
    """
    table: Any = scores
    if not is_ibis_table(scores):
        if not isinstance(scores, pd.DataFrame):
            raise DataValidationError(
                f"scores must be a pandas DataFrame or an Ibis table, not {type(scores).__name__}"
            )
        require_columns(scores, ["probability_alive"], what="clv_totals")
        keep = [c for c in ("probability_alive", "clv", "expected_purchases") if c in scores]
        table = ibis.memtable(scores[keep])
    require_columns(table, ["probability_alive"], what="clv_totals")
    has_clv = "clv" in table.columns
    has_purchases = "expected_purchases" in table.columns
    n = int(table.count().to_pandas())
    top_n = math.ceil(n / 10)
    # Sums as exact decimals: a float sum in the engine depends on the order its threads add
    # the rows, and the same scores must give the same figures to the last bit.
    aggs: dict[str, Any] = {
        "alive": _exact(table.probability_alive).sum(),
        "alive_n": table.probability_alive.count(),
    }
    if has_purchases:
        aggs["purchases"] = _exact(table.expected_purchases).sum()
    if has_clv:
        table = table.mutate(
            __rank__=ibis.row_number().over(order_by=[ibis.desc(table.clv), *_ties(table)])
        )
        aggs["total"] = _exact(table.clv).sum()
        aggs["top"] = _exact(table.clv).sum(where=table.__rank__ < top_n)
    row = table.aggregate(**aggs).to_pandas().iloc[0]

    def number(key: str) -> float:
        value = row[key]
        return 0.0 if pd.isna(value) else float(value)

    total = number("total") if has_clv else None
    top = number("top") if has_clv else None
    return ClvTotals(
        customers=n,
        total_clv=total,
        top_decile_share=(top / total) if total and top is not None else None,
        mean_probability_alive=None if n == 0 else number("alive") / max(number("alive_n"), 1),
        top_decile_customers=top_n if has_clv else 0,
        top_decile_clv=top,
        total_expected_purchases=number("purchases") if has_purchases else None,
    )
