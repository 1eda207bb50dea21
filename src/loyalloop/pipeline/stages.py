"""The pipeline's stages, in order. Each reads canonical tables or earlier outputs, and saves
its outputs through the context; none of them does analytics itself — they call the library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import ibis

from loyalloop.core.results import CsatSummary, KpiSummary, NpsSummary, ProfilesSummary
from loyalloop.data.unify import build_profiles
from loyalloop.insight.kpis import cohort_retention, purchase_kpis
from loyalloop.insight.rfm import rfm_scores, rfm_segments, rfm_summary
from loyalloop.insight.segments import segment_summary
from loyalloop.insight.surveys import csat, csat_monthly, nps, nps_monthly
from loyalloop.pipeline.churn_stage import stage_churn
from loyalloop.pipeline.clv_stage import stage_clv
from loyalloop.pipeline.context import PROFILE_TX, RunContext
from loyalloop.pipeline.feedback_stage import stage_feedback
from loyalloop.pipeline.loyalty_stage import stage_loyalty

__all__ = ["STAGES", "Stage"]

Stage = tuple[str, Callable[[RunContext], None]]


def stage_profiles(ctx: RunContext) -> None:
    """Unify customer records into profiles; re-key transactions by profile."""
    id_map, profiles = build_profiles(ctx.wh.ibis, ctx.wh.table("customers"))
    ctx.save("profile_map", id_map)
    ctx.save("profiles", profiles)
    tx = ctx.wh.table("transactions")
    mapped = tx.join(id_map, "customer_id").select(
        customer_id=id_map.profile_id,
        source_customer_id=tx.customer_id,
        timestamp=tx.timestamp,
        amount=tx.amount,
        kind=tx.kind,
        channel=tx.channel,
        category=tx.category,
    )
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
    tx = ctx.wh.ibis.table(PROFILE_TX)
    scored = rfm_segments(
        rfm_scores(rfm_summary(tx, observation_end=ctx.as_of, time_unit="D")),
        ctx.config.segment_rules,
    )
    ctx.save("rfm", scored)
    ctx.save("segments", segment_summary(ctx.output("rfm"), ctx.config.segment_rules))


def stage_kpis(ctx: RunContext) -> None:
    """Purchase KPIs, cohort retention, NPS and CSAT with their monthly trends."""
    tx = ctx.wh.ibis.table(PROFILE_TX)
    profiles = ctx.output("profiles")
    kpis = purchase_kpis(profiles, tx, ctx.as_of, active_days=ctx.config.active_days)
    ctx.record("kpis", KpiSummary(**asdict(kpis)))
    ctx.save("cohorts", cohort_retention(tx, ctx.as_of))
    fb = ctx.wh.table("feedback")
    fb = fb.filter(fb.timestamp < ibis.date(ctx.as_of) + ibis.interval(days=1))
    ctx.record("nps", NpsSummary(**asdict(nps(fb))))
    ctx.record("csat", CsatSummary(**asdict(csat(fb))))
    ctx.save("nps_monthly", nps_monthly(fb))
    ctx.save("csat_monthly", csat_monthly(fb))


STAGES: list[Stage] = [
    ("profiles", stage_profiles),
    ("rfm", stage_rfm),
    ("kpis", stage_kpis),
    ("clv", stage_clv),
    ("churn", stage_churn),
    ("loyalty", stage_loyalty),
    ("feedback", stage_feedback),
]
