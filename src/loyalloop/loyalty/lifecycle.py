"""Lifecycle stages with documented, configurable rules, and stage transitions between runs.

Stages are assigned from the churn features as of a cutoff
(:func:`loyalloop.churn.build_features` with ``FeatureConfig(active_within_days=None)`` so
lapsed and lost customers are included). Rules are checked in this order; the first that holds
wins (defaults in :class:`LifecycleRules`):

=============  ==================================================================================
stage          rule
=============  ==================================================================================
``lost``       no purchase for more than ``lost_days`` (365)
``lapsed``     no purchase for more than ``lapsed_days`` (180)
``new``        first purchase within the last ``new_days`` (90)
``won_back``   the last purchase came after a gap longer than ``lapsed_days`` and is within the
               last ``won_back_days`` (90)
``at_risk``    overdue — ``recency_ratio ≥ at_risk_ratio`` (2× their usual gap) — or spend in
               the last 90 days down by ``at_risk_drop`` (50%) or more vs the 90 before
``growing``    spend in the last 90 days up by ``growing_rise`` (25%) or more vs the 90 before
``active``     everyone else
=============  ==================================================================================

Transitions between two runs use the order :data:`STAGES` (lost lowest, growing highest) to
call a move up or down.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.loyalty.compare import Migration, compare_runs

__all__ = ["STAGES", "LifecycleRules", "lifecycle_stages", "stage_transitions"]

#: Stages from worst to best (the order used to call a transition up or down).
STAGES: tuple[str, ...] = ("lost", "lapsed", "at_risk", "new", "won_back", "active", "growing")

_NEEDED = (
    "customer_id",
    "recency_days",
    "tenure_days",
    "recency_ratio",
    "spend_change_90d",
    "gap_before_last_days",
)


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle rules (see module docstring)."""

    new_days: float = 90
    lapsed_days: float = 180
    lost_days: float = 365
    won_back_days: float = 90
    at_risk_ratio: float = 2.0
    at_risk_drop: float = 0.5
    growing_rise: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.lapsed_days < self.lost_days:
            raise ConfigError("lifecycle rules need 0 < lapsed_days < lost_days")
        if min(self.new_days, self.won_back_days, self.at_risk_ratio) <= 0:
            raise ConfigError("new_days, won_back_days and at_risk_ratio must be > 0")
        if not 0 < self.at_risk_drop <= 1 or self.growing_rise <= 0:
            raise ConfigError("at_risk_drop must be in (0, 1] and growing_rise > 0")


def lifecycle_stages(features: ir.Table, rules: LifecycleRules | None = None) -> ir.Table:
    """``customer_id, stage`` for every row of ``features`` (rules in the module docstring)."""
    r = rules or LifecycleRules()
    missing = [c for c in _NEEDED if c not in features.columns]
    if missing:
        raise DataValidationError(f"lifecycle rules need feature column(s): {', '.join(missing)}")
    f = features
    change = f.spend_change_90d
    stage = ibis.cases(
        (f.recency_days > r.lost_days, "lost"),
        (f.recency_days > r.lapsed_days, "lapsed"),
        (f.tenure_days <= r.new_days, "new"),
        (
            (f.gap_before_last_days > r.lapsed_days).fill_null(False)
            & (f.recency_days <= r.won_back_days),
            "won_back",
        ),
        (
            (f.recency_ratio >= r.at_risk_ratio).fill_null(False)
            | (change <= -r.at_risk_drop).fill_null(False),
            "at_risk",
        ),
        ((change >= r.growing_rise).fill_null(False), "growing"),
        else_="active",
    )
    return f.select("customer_id", stage=stage)


def stage_transitions(
    previous: pd.DataFrame, current: pd.DataFrame, *, id_column: str = "customer_id"
) -> Migration:
    """Stage moves between two runs (tables with ``stage``): table, matrix, summary, chart."""
    return compare_runs(previous, current, column="stage", order=STAGES, id_column=id_column)
