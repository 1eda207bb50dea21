"""The ``loyalty`` stage: loyalty index, tiers, lifecycle stages, moves since the last run,
and the survival view.

* **Inputs.** ``churn_features``: the churn features as of the midnight after ``as_of``, for
  everyone who ever bought (``FeatureConfig(active_within_days=None)``, so lapsed and lost
  customers get a lifecycle stage), saved by the ``churn_features`` stage; the run's ``rfm``
  segments; the profile-keyed transactions.
* **loyalty** — one row per profile that ever bought: the index (0–100) with its component
  scores, ``coverage`` and ``missing_components`` (missing components are left out, never
  scored as zero; the index is missing when coverage is below ``min_coverage``, and the tier
  is then ``unscored``), ``tier`` and ``lifecycle_stage``. Weights and rules are the run's
  (``RunConfig.loyalty``; by default the library's :class:`~loyalloop.loyalty.LoyaltyWeights`,
  :class:`~loyalloop.loyalty.TierRules`, :class:`~loyalloop.loyalty.LifecycleRules`). No
  ``share_of_spend`` is available from the canonical tables, so that behavioural
  sub-component is missing for everyone (and said so).
* **tier_migration**, **lifecycle_transitions** — when the latest published run has a
  ``loyalty`` table: one row per profile in either run with ``before``, ``after`` and
  ``movement`` (up / down / same / changed / new / gone); the index change rides along in
  ``tier_migration``. The compared run's number is in the manifest. Sizes per tier and stage
  (``loyalty_summary``) and the headline figures come from :mod:`loyalloop.loyalty.summaries`.
* **survival** — Kaplan–Meier repeat-purchase retention (a customer is lost after
  ``RunConfig.loyalty.lapse_days`` (default 180) without a purchase; lifetime first → last
  purchase, censored at the cutoff while still buying), by RFM segment of this run and by
  quarterly acquisition cohort (:func:`loyalloop.churn.run_outputs.survival_table`).
  Durations are in whole days (floored) so a curve has at most one step per day. Columns
  ``dimension`` (``segment`` / ``cohort``), ``group``, the curve (``time, at_risk, events,
  censored, survival, ci_lower, ci_upper``) and the group's ``median_lifetime_days`` (missing
  when the curve never reaches 0.5).
"""

from __future__ import annotations

import logging
from dataclasses import asdict

import pandas as pd

from loyalloop.churn import purchase_lifetimes
from loyalloop.churn.run_outputs import median_lifetimes, survival_table
from loyalloop.core.results import LoyaltySummary, NotComputed
from loyalloop.core.runs import RunStore
from loyalloop.loyalty import (
    assign_tiers,
    lifecycle_stages,
    loyalty_index,
    stage_transitions,
    tier_migration,
)
from loyalloop.loyalty.summaries import group_summary, loyalty_headline
from loyalloop.pipeline.churn_stage import score_cutoff
from loyalloop.pipeline.config import LoyaltyConfig
from loyalloop.pipeline.context import PROFILE_TX, RunContext

__all__ = ["LAPSE_DAYS", "stage_loyalty"]

log = logging.getLogger(__name__)

#: Default of the survival view's lapse (:class:`~loyalloop.pipeline.config.LoyaltyConfig`).
LAPSE_DAYS = LoyaltyConfig.lapse_days


def stage_loyalty(ctx: RunContext) -> None:
    """Index, tiers, lifecycle, migrations and survival (see module docstring)."""
    cfg = ctx.config.loyalty
    feats = ctx.output("churn_features")
    index = assign_tiers(loyalty_index(feats, cfg.weights), cfg.tiers)
    stages = lifecycle_stages(feats, cfg.lifecycle)
    joined = index.join(stages, "customer_id")
    loyalty = joined.select(*[c for c in index.columns], lifecycle_stage=joined.stage).order_by(
        "customer_id"
    )
    ctx.save("loyalty", loyalty)
    saved = ctx.output("loyalty")
    ctx.save("loyalty_summary", group_summary(saved))
    current = saved.to_pandas()
    compared: int | None = None
    tier_moves: dict[str, int] | None = None
    stage_moves: dict[str, int] | None = None
    previous = _previous_loyalty(ctx)
    if previous is not None:
        compared, prev = previous
        tiers = tier_migration(prev, current)
        moves = stage_transitions(
            prev.rename(columns={"lifecycle_stage": "stage"}),
            current.rename(columns={"lifecycle_stage": "stage"}),
        )
        ctx.save("tier_migration", tiers.table)
        ctx.save("lifecycle_transitions", moves.table)
        tier_moves = {str(k): int(v) for k, v in tiers.summary.items()}
        stage_moves = {str(k): int(v) for k, v in moves.summary.items()}
    medians: dict[str, dict[str, float | None]] | NotComputed
    survival = _survival(ctx)
    if survival is not None:
        ctx.save("survival", survival)
        medians = median_lifetimes(survival)
    else:
        medians = NotComputed("no_data", "no purchase lifetimes to follow")
    ctx.record(
        "loyalty",
        LoyaltySummary(
            **asdict(loyalty_headline(current)),
            compared_with_run=compared,
            tier_migration=tier_moves,
            lifecycle_transitions=stage_moves,
            median_lifetime_days=medians,
            survival_lapse_days=cfg.lapse_days if survival is not None else None,
        ),
    )


def _previous_loyalty(ctx: RunContext) -> tuple[int, pd.DataFrame] | None:
    """The latest published run's ``loyalty`` table (this run is not published yet)."""
    cols = ["customer_id", "tier", "loyalty_index", "lifecycle_stage"]
    for run in RunStore(ctx.wh.settings.runs_dir).previous_readable():
        if run.has_table("loyalty"):
            table = run.read("loyalty")
            if not set(cols) <= set(table.column_names):
                log.warning("run %d's loyalty table predates this layout; not compared", run.number)
                return None
            return run.number, table.select(cols).to_pandas()
    return None


def _survival(ctx: RunContext) -> pd.DataFrame | None:
    tx = ctx.wh.table(PROFILE_TX)
    rfm = ctx.output("rfm").select("customer_id", "segment")
    lives = purchase_lifetimes(
        tx,
        score_cutoff(ctx.as_of),
        lapse_days=ctx.config.loyalty.lapse_days,
        customers=rfm,
        group_by="segment",
    ).to_pandas()
    return survival_table(lives, ("segment", "cohort"))
