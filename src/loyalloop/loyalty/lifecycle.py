"""Lifecycle stages and stage transitions between runs.

A customer's lifecycle stage is their status as :mod:`loyalloop.insight.definitions` defines
it — the one definition of "new", "active", "growing", "won back", "at risk", "lapsed",
"closed" and "lost" that every section and list uses. Stages are assigned from the churn
features as of a cutoff (:func:`loyalloop.churn.build_features` with
``FeatureConfig(active_within_days=None)`` so lapsed and lost customers are included; pass the
accounts table too, so customers who closed every account are ``closed``).

=============  ==================================================================================
stage          rule (first that holds; thresholds in :class:`LifecycleRules`)
=============  ==================================================================================
``lost``       no purchase for more than ``lost_days`` (365) whole days
``closed``     held accounts and has closed every one
``lapsed``     no purchase for more than ``lapsed_days`` (180) days, or for more than
               ``lapsed_min_days`` (90) when that is ``lapsed_ratio`` (4×) their usual gap
``new``        first purchase within the last ``new_days`` (90)
``won_back``   the last purchase came after a gap longer than ``lapsed_days`` and is within the
               last ``won_back_days`` (90)
``at_risk``    overdue — ``recency_ratio ≥ at_risk_ratio`` (2× their usual gap) — or spend in
               the last 90 days down by ``at_risk_drop`` (50%) or more vs the 90 before, for
               customers whose usual gap is at most 90 days (or who bought once)
``growing``    spend in the last 90 days up by ``growing_rise`` (25%) or more vs the 90 before
``active``     everyone else
=============  ==================================================================================

Transitions between two runs use the order :data:`STAGES` (lost lowest, growing highest) to
call a move up or down.
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from loyalloop.insight.definitions import STATUSES, StatusRules, customer_status
from loyalloop.loyalty.compare import Migration, compare_runs

__all__ = ["STAGES", "LifecycleRules", "lifecycle_stages", "stage_transitions"]

#: Stages from worst to best (the order used to call a transition up or down).
STAGES: tuple[str, ...] = STATUSES

#: The thresholds of the stages are the status rules (one definition per word).
LifecycleRules = StatusRules


def lifecycle_stages(features: ir.Table, rules: StatusRules | None = None) -> ir.Table:
    """``customer_id, stage`` for every row of ``features`` (rules in the module docstring)."""
    return features.select("customer_id", stage=customer_status(features, rules))


def stage_transitions(
    previous: pd.DataFrame, current: pd.DataFrame, *, id_column: str = "customer_id"
) -> Migration:
    """Stage moves between two runs (tables with ``stage``): table, matrix, summary, chart."""
    return compare_runs(previous, current, column="stage", order=STAGES, id_column=id_column)
