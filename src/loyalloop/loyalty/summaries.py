"""Summaries of a loyalty table (one row per customer: ``loyalty_index``, its components,
``tier``, ``lifecycle_stage``): group sizes for the report and the headline figures.

* :func:`group_summary` — size, share and mean index of each tier and each lifecycle stage
  (computed in the engine).
* :func:`loyalty_headline` — customers, how many have an index, its mean and median, how many
  have an attitudinal or emotional component, and the counts per tier and per stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

__all__ = ["LoyaltyHeadline", "group_summary", "loyalty_headline"]


def group_summary(loyalty: ir.Table) -> ir.Table:
    """``dimension`` (``tier`` / ``lifecycle_stage``), ``group``, ``customers``, ``share`` and
    ``mean_index`` (mean of the non-missing indexes) per group."""
    total = loyalty.count().as_scalar()
    parts = []
    for dimension in ("tier", "lifecycle_stage"):
        g = loyalty.group_by(group=loyalty[dimension].cast("string")).aggregate(
            customers=loyalty.count(), mean_index=loyalty.loyalty_index.mean()
        )
        parts.append(
            g.select(
                dimension=ibis.literal(dimension),
                group=g.group,
                customers=g.customers.cast("int64"),
                share=g.customers.cast("float64") / total.cast("float64"),
                mean_index=g.mean_index,
            )
        )
    return parts[0].union(parts[1])


@dataclass(frozen=True)
class LoyaltyHeadline:
    """Headline figures of a loyalty table (``None`` where no customer has an index)."""

    customers: int
    indexed: int
    mean_index: float | None
    median_index: float | None
    with_attitude_or_emotion: int
    tiers: dict[str, int]
    lifecycle: dict[str, int]


def _opt(v: object) -> float | None:
    f = float(v)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


def loyalty_headline(loyalty: pd.DataFrame) -> LoyaltyHeadline:
    """Headline figures of a loyalty table.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "loyalty_index": [80.0, None], "attitudinal": [70.0, None],
    ...     "emotional": [None, None], "tier": ["brand", "unscored"],
    ...     "lifecycle_stage": ["active", "lost"]})
    >>> h = loyalty_headline(frame)
    >>> (h.customers, h.indexed, h.mean_index, h.with_attitude_or_emotion, h.tiers["unscored"])
    (2, 1, 80.0, 1, 1)
    """
    index = loyalty["loyalty_index"]
    return LoyaltyHeadline(
        customers=len(loyalty),
        indexed=int(index.notna().sum()),
        mean_index=_opt(index.mean()),
        median_index=_opt(index.median()),
        with_attitude_or_emotion=int(
            (loyalty["attitudinal"].notna() | loyalty["emotional"].notna()).sum()
        ),
        tiers={str(k): int(v) for k, v in loyalty["tier"].value_counts().items()},
        lifecycle={str(k): int(v) for k, v in loyalty["lifecycle_stage"].value_counts().items()},
    )
