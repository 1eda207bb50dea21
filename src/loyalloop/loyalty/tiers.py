"""Loyalty tiers from the index and its components, and tier migration between runs.

Tiers, lowest to highest (:data:`TIERS`):

``not_loyal``
    Indexed, but none of the rules below holds.
``transactional``
    Buys regularly (``behavioural ≥ transactional_min``) without evidence of attachment —
    loyal while the offer is the best one.
``brand``
    Satisfied with the brand (``attitudinal ≥ brand_attitude_min``, or ``emotional ≥
    brand_emotion_min``) and ``loyalty_index ≥ brand_index_min``.
``emotional``
    Recommends the brand (``emotional ≥ emotional_min``, NPS ≈ 9 or more) and
    ``loyalty_index ≥ emotional_index_min``.

The highest tier whose rule holds wins. Customers with no index (too little known, see
:mod:`loyalloop.loyalty.index`) are ``unscored`` — not ranked in migrations.

"Loyal" means one thing (:mod:`loyalloop.insight.definitions`): a *current* customer in one
of the three loyal tiers. Given the customers' statuses (``stages``, from
:func:`loyalloop.loyalty.lifecycle_stages`), lapsed, closed and lost customers are
``not_loyal`` whatever their index says — an index built on last year's answers and
purchases does not make a customer who has gone loyal.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from loyalloop.errors import ConfigError
from loyalloop.insight.definitions import GONE_STATUSES
from loyalloop.loyalty.compare import Migration, compare_runs

__all__ = ["TIERS", "TierRules", "assign_tiers", "tier_migration"]

TIERS: tuple[str, ...] = ("not_loyal", "transactional", "brand", "emotional")
UNSCORED = "unscored"


@dataclass(frozen=True)
class TierRules:
    """Thresholds of the tier rules (0–100 scales; see module docstring)."""

    transactional_min: float = 40.0
    brand_attitude_min: float = 75.0
    brand_emotion_min: float = 70.0
    brand_index_min: float = 55.0
    emotional_min: float = 85.0
    emotional_index_min: float = 70.0

    def __post_init__(self) -> None:
        for name, v in self.__dict__.items():
            if not 0 <= v <= 100:
                raise ConfigError(f"tier threshold {name} must be within 0–100, got {v}")


def assign_tiers(
    index: ir.Table, rules: TierRules | None = None, *, stages: ir.Table | None = None
) -> ir.Table:
    """Add ``tier`` to the output of :func:`~loyalloop.loyalty.index.loyalty_index`.

    ``stages`` (``customer_id, stage``): when given, customers whose status is lapsed, closed
    or lost are ``not_loyal`` (see module docstring).
    """
    r = rules or TierRules()
    gone: ir.BooleanValue = ibis.literal(False)
    if stages is not None:
        st = stages.select(_cid=stages.customer_id, _stage=stages.stage)
        joined = index.left_join(st, index.customer_id == st._cid)
        index = joined.select(*index.columns, _stage=joined._stage)
        gone = index._stage.isin(GONE_STATUSES).fill_null(False)
    li, beh, att, emo = index.loyalty_index, index.behavioural, index.attitudinal, index.emotional
    emotional = (emo >= r.emotional_min) & (li >= r.emotional_index_min)
    brand = ((att >= r.brand_attitude_min) | (emo >= r.brand_emotion_min)) & (
        li >= r.brand_index_min
    )
    transactional = beh >= r.transactional_min
    tier = ibis.cases(
        (li.isnull(), UNSCORED),
        (gone, "not_loyal"),
        (emotional.fill_null(False), "emotional"),
        (brand.fill_null(False), "brand"),
        (transactional.fill_null(False), "transactional"),
        else_="not_loyal",
    )
    out = index.mutate(tier=tier)
    return out.drop("_stage") if stages is not None else out


def tier_migration(
    previous: pd.DataFrame, current: pd.DataFrame, *, id_column: str = "customer_id"
) -> Migration:
    """Who moved up or down a tier between two runs (tables with ``tier``, ``loyalty_index``)."""
    value = (
        "loyalty_index"
        if "loyalty_index" in previous.columns and "loyalty_index" in current.columns
        else None
    )
    return compare_runs(
        previous, current, column="tier", order=TIERS, id_column=id_column, value_column=value
    )
