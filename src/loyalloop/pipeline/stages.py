"""The pipeline's stages, in order, each declared with what it reads and writes
(:class:`~loyalloop.pipeline.stage.Stage`). Each reads canonical tables or earlier outputs and
saves its outputs through the context; none of them does analytics itself — they call the
library."""

from __future__ import annotations

from dataclasses import asdict

import ibis

from loyalloop.core.results import CsatSummary, KpiSummary, NpsSummary, ProfilesSummary
from loyalloop.data.unify import build_profiles
from loyalloop.insight.kpis import cohort_retention, purchase_kpis
from loyalloop.insight.rfm import rfm_scores, rfm_segments, rfm_summary
from loyalloop.insight.segments import segment_summary
from loyalloop.insight.surveys import csat, csat_monthly, nps, nps_monthly
from loyalloop.pipeline.campaign_results_stage import (
    CAMPAIGN_INPUTS,
    CAMPAIGN_OUTPUTS,
    stage_campaign_results,
)
from loyalloop.pipeline.churn_stage import CHURN_OUTPUTS, stage_churn, stage_churn_features
from loyalloop.pipeline.clv_stage import stage_clv
from loyalloop.pipeline.context import PROFILE_TX, RunContext, exact_amounts
from loyalloop.pipeline.currency import currency_counts, run_currency
from loyalloop.pipeline.feedback_stage import FEEDBACK_OUTPUTS, stage_feedback
from loyalloop.pipeline.lists_stage import stage_early_warning, stage_win_back
from loyalloop.pipeline.loyalty_stage import stage_loyalty, stage_statuses
from loyalloop.pipeline.profile_keys import rekey_by_profile
from loyalloop.pipeline.stage import Stage

__all__ = ["INPUT_TABLES", "STAGES", "Stage"]

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


def stage_profiles(ctx: RunContext) -> None:
    """Unify customer records into profiles; re-key transactions by profile."""
    id_map, profiles = build_profiles(ctx.wh.ibis, ctx.wh.table("customers"))
    ctx.save("profile_map", id_map)
    ctx.save("profiles", profiles)
    tx = ctx.wh.table("transactions")
    tx = tx.select("customer_id", "timestamp", "amount", "kind", "channel", "category")
    mapped = rekey_by_profile(tx, id_map, source_column="source_customer_id")
    ctx.wh.create_temp_table(PROFILE_TX, mapped)
    n_customers = ctx.wh.count("customers")
    n_profiles = int(profiles.count().execute())
    ctx.record(
        "profiles",
        ProfilesSummary(
            customer_records=n_customers,
            profiles=n_profiles,
            merged_records=n_customers - n_profiles,
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

STAGES: list[Stage] = [
    Stage(
        "profiles",
        stage_profiles,
        requires=("customers", "transactions"),
        produces=("profile_map", "profiles", PROFILE_TX),
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
        stage_feedback,
        requires=("feedback", "profile_map", "rfm"),
        produces=FEEDBACK_OUTPUTS,
        slot="feedback",
    ),
    # campaign measurement (docs/measurement.md)
    Stage(
        "campaign_results",
        stage_campaign_results,
        requires=CAMPAIGN_INPUTS,
        produces=CAMPAIGN_OUTPUTS,
        slot="campaigns",
    ),
]
