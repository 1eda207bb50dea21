"""The ``statuses`` and ``loyalty`` stages: every customer's status (one definition per
word), then the loyalty index, tiers, lifecycle stages, moves since the last run, and the
survival view.

* **statuses** (stage ``statuses``, before ``churn``) — ``customer_id, stage``: the status of
  everyone who ever bought, by :func:`loyalloop.insight.definitions.customer_status` with the
  run's rules (``RunConfig.loyalty.lifecycle``), from the ``churn_features`` (as of the midnight
  after ``as_of``; ``FeatureConfig(active_within_days=None)``, so lapsed and lost customers are
  in them; with the accounts, so customers who closed every account are ``closed``). Every
  section and list of the run reads this one table: the lifecycle stage, the tiers (a lapsed,
  closed or lost customer is never "loyal"), the churn headline (current customers), the
  early-warning and win-back lists — so a word counts the same customers everywhere.
* **Inputs of loyalty.** ``churn_features``, ``statuses``, the run's ``rfm`` segments and the
  profile-keyed transactions.
* **loyalty** — one row per profile that ever bought: the index (0–100) with its component
  scores, ``coverage`` and ``missing_components`` (missing components are left out, never
  scored as zero; the index is missing when coverage is below ``min_coverage``, and the tier
  is then ``unscored``), ``tier`` (``not_loyal`` for lapsed, closed and lost customers) and
  ``lifecycle_stage`` (the status). Weights and rules are the run's
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
  purchase, censored ``lapse_days`` before the cutoff while still buying — the last day a stop
  can be seen on; customers who first bought after it are not in the curves yet), by groups
  known *before* the outcome —
  never by a grouping that already knows who stopped (RFM segments and today's statuses do:
  every "lost" customer has stopped by definition):

  - ``cohort`` — the year of the first purchase; lifetimes from the first purchase;
  - ``stage`` — the status customers had :data:`STAGE_LOOKBACK_DAYS` (365) days before the
    scoring cutoff (:data:`SURVIVAL_STAGES`), followed from that day
    (:func:`loyalloop.churn.lifetimes_since`): of those "at risk" a year ago, how many are
    still buying (left out when ``lapse_days`` is 365 or more: no stop could be seen yet).

  (:func:`loyalloop.churn.run_outputs.survival_table`.) Durations are in whole days (floored)
  so a curve has at most one step per day. Columns ``dimension`` (``cohort`` / ``stage``),
  ``group``, the curve (``time, at_risk, events, censored, survival, ci_lower, ci_upper``) and
  the group's ``median_lifetime_days`` (missing when the curve never reaches 0.5). Small groups
  are kept here; the report leaves them out of the charts and says so.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta

import pandas as pd

from loyalloop.churn import FeatureConfig, lifetimes_since, purchase_lifetimes
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
from loyalloop.pipeline.churn_stage import churn_tables, score_cutoff
from loyalloop.pipeline.config import LoyaltyConfig
from loyalloop.pipeline.context import PROFILE_TX, RunContext

__all__ = [
    "LAPSE_DAYS",
    "STAGE_LOOKBACK_DAYS",
    "SURVIVAL_STAGES",
    "stage_loyalty",
    "stage_statuses",
]

log = logging.getLogger(__name__)

#: Default of the survival view's lapse (:class:`~loyalloop.pipeline.config.LoyaltyConfig`).
LAPSE_DAYS = LoyaltyConfig.lapse_days
#: The survival view by status follows customers from this many days before the scoring
#: cutoff, grouped by their status then.
STAGE_LOOKBACK_DAYS = 365
#: Statuses followed (closed and lost customers had stopped already: their curves say nothing).
SURVIVAL_STAGES: tuple[str, ...] = ("new", "active", "growing", "won_back", "at_risk", "lapsed")


def stage_statuses(ctx: RunContext) -> None:
    """Save ``statuses``: every buyer's status by the run's rules (see module docstring)."""
    feats = ctx.output("churn_features")
    ctx.save(
        "statuses", lifecycle_stages(feats, ctx.config.loyalty.lifecycle).order_by("customer_id")
    )


def stage_loyalty(ctx: RunContext) -> None:
    """Index, tiers, lifecycle, migrations and survival (see module docstring)."""
    cfg = ctx.config.loyalty
    feats = ctx.output("churn_features")
    stages = ctx.output("statuses")
    index = assign_tiers(loyalty_index(feats, cfg.weights), cfg.tiers, stages=stages)
    joined = index.join(stages, "customer_id")
    loyalty = joined.select(*[c for c in index.columns], lifecycle_stage=joined.stage).order_by(
        "customer_id"
    )
    ctx.save("loyalty", loyalty)
    saved = ctx.output("loyalty")
    ctx.save("loyalty_summary", group_summary(saved).order_by("dimension", "group"))
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
            survival_stage_start=(
                stage_start(ctx).date()
                if survival is not None and (survival["dimension"] == "stage").any()
                else None
            ),
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


def stage_start(ctx: RunContext) -> datetime:
    """The day the curves by status start from: :data:`STAGE_LOOKBACK_DAYS` before the
    scoring cutoff."""
    return score_cutoff(ctx.as_of) - timedelta(days=STAGE_LOOKBACK_DAYS)


def _survival(ctx: RunContext) -> pd.DataFrame | None:
    """Retention curves by acquisition year (from the first purchase) and by the status
    customers had :data:`STAGE_LOOKBACK_DAYS` earlier (from that day on)."""
    tx = ctx.wh.table(PROFILE_TX)
    cut = score_cutoff(ctx.as_of)
    lapse = ctx.config.loyalty.lapse_days
    lives = purchase_lifetimes(tx, cut, lapse_days=lapse).to_pandas()
    lives["cohort"] = lives["cohort"].str.slice(0, 4)  # acquisition year
    parts = [survival_table(lives, ("cohort",))]
    start = stage_start(ctx)
    if (cut - start).days <= lapse:  # no stop after the start could be seen yet
        found = [p for p in parts if p is not None]
        return pd.concat(found, ignore_index=True) if found else None
    since = lifetimes_since(tx, start, cut, lapse_days=lapse)
    feats = churn_tables(ctx).features(start, FeatureConfig(active_within_days=None))
    then = lifecycle_stages(feats, ctx.config.loyalty.lifecycle).rename(stage_then="stage")
    grouped = since.join(then, "customer_id").to_pandas()
    grouped = grouped[grouped["stage_then"].isin(SURVIVAL_STAGES)]
    parts.append(survival_table(grouped.rename(columns={"stage_then": "stage"}), ("stage",)))
    found = [p for p in parts if p is not None]
    return pd.concat(found, ignore_index=True) if found else None
