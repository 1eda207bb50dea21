"""The pipeline's stages, in order, each declared with what it reads and writes
(:class:`~loyalloop.pipeline.stage.Stage`). Each reads canonical tables or earlier outputs and
saves its outputs through the context; none of them does analytics itself — they call the
library."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import ibis

from loyalloop.core.export import write_text_atomic
from loyalloop.core.results import CsatSummary, KpiSummary, NpsSummary, ProfilesSummary
from loyalloop.data.identity import resolve_identities
from loyalloop.data.unify import profiles_from_map
from loyalloop.insight.kpis import cohort_retention, purchase_kpis
from loyalloop.insight.rfm import rfm_scores, rfm_segments, rfm_summary
from loyalloop.insight.segments import segment_summary
from loyalloop.insight.surveys import csat, csat_monthly, nps, nps_monthly
from loyalloop.pipeline.campaign_outcomes_stage import (
    OUTCOME_INPUTS,
    OUTCOME_OUTPUTS,
    stage_campaign_outcomes,
)
from loyalloop.pipeline.campaign_results_stage import (
    CAMPAIGN_INPUTS,
    CAMPAIGN_OUTPUTS,
    stage_campaign_results,
)
from loyalloop.pipeline.churn_stage import CHURN_OUTPUTS, stage_churn, stage_churn_features
from loyalloop.pipeline.clv_stage import stage_clv
from loyalloop.pipeline.context import PROFILE_TX, RunContext, exact_amounts
from loyalloop.pipeline.currency import currency_counts, run_currency
from loyalloop.pipeline.lists_stage import stage_early_warning, stage_win_back
from loyalloop.pipeline.loyalty_stage import stage_loyalty, stage_statuses
from loyalloop.pipeline.profile_keys import rekey_by_profile
from loyalloop.pipeline.stage import Deferred, Stage

__all__ = ["INPUT_TABLES", "STAGES", "STAGE_OUTPUTS", "Stage"]

#: The canonical tables a run reads.
INPUT_TABLES = (
    "customers",
    "transactions",
    "accounts",
    "feedback",
    "interactions",
    # the campaign_results stage (measure)
    "campaigns",
    "assignments",
    "outcomes",
)


#: The unmerge list a run reads when ``identity.keep_apart_path`` is not set.
KEEP_APART_FILE = Path("identity") / "keep_apart.csv"
#: The trained matching model, in the run directory (``identity.model_path`` can point at it).
IDENTITY_MODEL_FILE = "identity_model.json"


def stage_profiles(ctx: RunContext) -> None:
    """Resolve customer records into profiles (exact keys, then the probabilistic model;
    :mod:`loyalloop.data.identity`); publish the merge explanations and the review pairs;
    re-key transactions by profile."""
    cfg = ctx.config.identity
    if cfg.keep_apart_path is None:
        cfg = replace(cfg, keep_apart_path=ctx.wh.settings.home / KEEP_APART_FILE)
    customers = ctx.wh.table("customers")
    result = resolve_identities(ctx.wh.ibis, customers, cfg)
    id_map = result.id_map
    profiles = profiles_from_map(customers, id_map)
    ctx.save("profile_map", id_map)
    ctx.save("profiles", profiles)
    ctx.save("profile_merges", result.merges)
    ctx.save("identity_review", result.review)
    if result.model is not None:
        text = json.dumps(result.model, ensure_ascii=False, indent=1)
        write_text_atomic(ctx.writer.path / IDENTITY_MODEL_FILE, text)
    tx = ctx.wh.table("transactions")
    tx = tx.select("customer_id", "timestamp", "amount", "kind", "channel", "category")
    mapped = rekey_by_profile(tx, id_map, source_column="source_customer_id")
    ctx.wh.create_temp_table(PROFILE_TX, mapped)
    s = result.summary
    ctx.record(
        "profiles",
        ProfilesSummary(
            customer_records=s.records,
            profiles=s.profiles,
            merged_records=s.merged_records,
            mode=s.mode,
            merged_by_exact_keys=s.merged_by_exact_keys,
            merged_by_model=s.merged_by_model,
            merged_pairs_by_rule=dict(s.merged_pairs_by_rule),
            compared_pairs=s.compared_pairs,
            review_pairs=s.review_pairs,
            refused_pairs=s.refused_pairs,
            placeholder_values=s.placeholder_values,
            keep_apart_rows=s.keep_apart_rows,
            match_weight=s.match_weight,
            review_weight=s.review_weight,
            note=s.note,
        ),
    )


def stage_rfm(ctx: RunContext) -> None:
    """RFM summary in days, scores and segments per profile; segment summary."""
    tx = exact_amounts(ctx.wh.ibis.table(PROFILE_TX))
    scored = rfm_segments(
        rfm_scores(rfm_summary(tx, observation_end=ctx.as_of, time_unit="D")),
        ctx.config.segment_rules,
    )
    ctx.save("rfm", scored)
    ctx.save("segments", segment_summary(ctx.output("rfm"), ctx.config.segment_rules))


def stage_kpis(ctx: RunContext) -> None:
    """Purchase KPIs and the currency, cohort retention, NPS and CSAT with their monthly
    trends."""
    tx = exact_amounts(ctx.wh.ibis.table(PROFILE_TX))
    profiles = ctx.output("profiles")
    kpis = purchase_kpis(profiles, tx, ctx.as_of, active_days=ctx.config.active_days)
    currencies = currency_counts(ctx.wh.table("transactions"))
    currency = run_currency(currencies, ctx.config.currency)
    ctx.record("kpis", KpiSummary(**asdict(kpis), currency=currency, currencies=currencies))
    ctx.save("cohorts", cohort_retention(tx, ctx.as_of))
    fb = ctx.wh.table("feedback")
    fb = fb.filter(fb.timestamp < ibis.date(ctx.as_of) + ibis.interval(days=1))
    ctx.record("nps", NpsSummary(**asdict(nps(fb))))
    ctx.record("csat", CsatSummary(**asdict(csat(fb))))
    ctx.save("nps_monthly", nps_monthly(fb))
    ctx.save("csat_monthly", csat_monthly(fb))


#: Tables keyed by source customer id that churn features read (re-keyed by profile).
_CHURN_INPUTS = (PROFILE_TX, "profile_map", "feedback", "interactions", "accounts")

#: Tables the feedback stage may write (:mod:`loyalloop.pipeline.feedback_stage`). Declared
#: here so that the runner does not import that stage, which runs in the worker process.
FEEDBACK_OUTPUTS = (
    "feedback_analysis",
    "feedback_aspects",
    "aspect_summary",
    "aspect_trends",
    "feedback_alerts",
    "key_drivers",
    "topics",
    "kano",
    "brand_benchmark",
    "channel_comparison",
    "aspect_examples",
    "alert_examples",
    "feedback_signals",
)


STAGES: list[Stage] = [
    Stage(
        "profiles",
        stage_profiles,
        requires=("customers", "transactions"),
        produces=("profile_map", "profiles", "profile_merges", "identity_review", PROFILE_TX),
        slot="profiles",
    ),
    Stage("rfm", stage_rfm, requires=(PROFILE_TX,), produces=("rfm", "segments")),
    Stage(
        "kpis",
        stage_kpis,
        requires=("profiles", PROFILE_TX, "feedback"),
        produces=("cohorts", "nps_monthly", "csat_monthly"),
        slot="kpis",
    ),
    Stage(
        "clv", stage_clv, requires=(PROFILE_TX, "rfm"), produces=("clv", "clv_segments"), slot="clv"
    ),
    Stage(
        "churn_features",
        stage_churn_features,
        requires=_CHURN_INPUTS,
        produces=("churn_features",),
    ),
    Stage("statuses", stage_statuses, requires=("churn_features",), produces=("statuses",)),
    Stage(
        "churn",
        stage_churn,
        requires=(*_CHURN_INPUTS, "churn_features", "statuses"),
        produces=CHURN_OUTPUTS,
        slot="churn",
    ),
    Stage(
        "loyalty",
        stage_loyalty,
        requires=("churn_features", "statuses", "rfm", PROFILE_TX),
        produces=(
            "loyalty",
            "loyalty_summary",
            "tier_migration",
            "lifecycle_transitions",
            "survival",
        ),
        slot="loyalty",
    ),
    Stage(
        "early_warning",
        stage_early_warning,
        requires=("churn_features", "statuses", "churn_scores"),
        produces=("early_warning",),
        slot="early_warning",
        optional=("clv",),
    ),
    Stage(
        "win_back",
        stage_win_back,
        requires=(*_CHURN_INPUTS, "churn_features", "statuses"),
        produces=("win_back",),
        slot="win_back",
    ),
    Stage(
        "feedback",
        Deferred("loyalloop.pipeline.feedback_stage:stage_feedback"),
        requires=("feedback", "profile_map", "rfm"),
        produces=FEEDBACK_OUTPUTS,
        slot="feedback",
    ),
    # campaign outcomes attributed to assignments (docs/campaigns.md), then measurement
    Stage(
        "campaign_outcomes",
        stage_campaign_outcomes,
        requires=OUTCOME_INPUTS,
        produces=OUTCOME_OUTPUTS,
    ),
    # campaign measurement (docs/measurement.md)
    Stage(
        "campaign_results",
        stage_campaign_results,
        requires=CAMPAIGN_INPUTS,
        produces=CAMPAIGN_OUTPUTS,
        slot="campaigns",
        optional=("loyalty",),  # segments by lifecycle stage
    ),
]

#: Every output of the full catalogue: an optional input among them may be absent from a
#: reduced plan (:func:`~loyalloop.pipeline.stage.check_plan`'s ``known``).
STAGE_OUTPUTS: frozenset[str] = frozenset(n for s in STAGES for n in s.produces)
