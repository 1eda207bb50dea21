"""Lifecycle stages and stage transitions between runs.

A customer's lifecycle stage is their status as :mod:`loyalloop.insight.definitions` defines
it — the one definition of "new", "active", "growing", "won back", "at risk", "lapsed",
"closed" and "lost" that every section and list uses. Stages are assigned from the churn
features as of a cutoff (:func:`loyalloop.churn.build_features` with
``FeatureConfig(active_within_days=None)`` so lapsed and lost customers are included; pass the
accounts table too, so customers who closed every account are ``closed``).

The rules — thresholds, the order in which they are tried, what "usual gap" and "overdue"
mean — are defined once, in :mod:`loyalloop.insight.definitions` (its module docstring and
:class:`~loyalloop.insight.definitions.StatusRules`); this module does not restate them, so it
cannot drift from them. :func:`~loyalloop.insight.definitions.glossary` gives each stage's
one-line definition with the thresholds in force, as the report prints it.

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
    """``customer_id, stage`` for every row of ``features`` (rules in
    :mod:`loyalloop.insight.definitions`)."""
    return features.select("customer_id", stage=customer_status(features, rules))


def stage_transitions(
    previous: pd.DataFrame, current: pd.DataFrame, *, id_column: str = "customer_id"
) -> Migration:
    """Stage moves between two runs (tables with ``stage``): table, matrix, summary, chart."""
    return compare_runs(previous, current, column="stage", order=STAGES, id_column=id_column)
