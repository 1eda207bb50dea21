"""Loyalty insight: a 0–100 loyalty index, loyalty tiers, lifecycle stages, run-to-run moves.

* :func:`loyalty_index` with :class:`LoyaltyWeights` — behaviour, attitude, emotion.
* :func:`assign_tiers` / :func:`tier_migration` — transactional, brand, emotional loyalty.
* :func:`lifecycle_stages` / :func:`stage_transitions` — new, active, growing, at risk,
  lapsed, won back, lost.
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
from loyalloop.loyalty.tiers import TIERS, TierRules, assign_tiers, tier_migration

__all__ = [
    "COMPONENTS",
    "STAGES",
    "TIERS",
    "LifecycleRules",
    "LoyaltyWeights",
    "Migration",
    "TierRules",
    "assign_tiers",
    "compare_runs",
    "lifecycle_stages",
    "loyalty_index",
    "stage_transitions",
    "tier_migration",
]
