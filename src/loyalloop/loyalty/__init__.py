"""Loyalty insight: a 0–100 loyalty index, loyalty tiers, lifecycle stages, run-to-run moves.

* :func:`loyalty_index` with :class:`LoyaltyWeights` — behaviour, attitude, emotion.
* :func:`assign_tiers` / :func:`tier_migration` — transactional, brand, emotional loyalty.
* :func:`lifecycle_stages` / :func:`stage_transitions` — the statuses of
  :mod:`loyalloop.insight.definitions` (new, active, growing, won back, at risk, lapsed,
  closed, lost).
* :func:`early_warning_list` / :func:`winback_list` — whom to contact first, ranked by value
  at stake / win-back value, with reasons; :func:`estimate_return_rates` for the win-back
  return probabilities.
"""

from __future__ import annotations

from loyalloop.loyalty.compare import Migration, compare_runs
from loyalloop.loyalty.index import COMPONENTS, LoyaltyWeights, loyalty_index
from loyalloop.loyalty.lifecycle import (
    STAGES,
    LifecycleRules,
    lifecycle_stages,
    stage_transitions,
)
from loyalloop.loyalty.priorities import (
    PriorityList,
    ReturnRates,
    early_warning_list,
    estimate_return_rates,
    winback_list,
)
from loyalloop.loyalty.tiers import TIERS, TierRules, assign_tiers, tier_migration

__all__ = [
    "COMPONENTS",
    "STAGES",
    "TIERS",
    "LifecycleRules",
    "LoyaltyWeights",
    "Migration",
    "PriorityList",
    "ReturnRates",
    "TierRules",
    "assign_tiers",
    "compare_runs",
    "early_warning_list",
    "estimate_return_rates",
    "lifecycle_stages",
    "loyalty_index",
    "stage_transitions",
    "tier_migration",
    "winback_list",
]
