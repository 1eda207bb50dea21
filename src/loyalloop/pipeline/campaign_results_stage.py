"""The ``campaign_results`` stage: every campaign in the warehouse measured against its holdout.

Reads the warehouse's ``assignments`` and ``campaigns`` tables and the run's
``campaign_outcomes`` (the ``campaign_outcomes`` stage: outcome rows loaded into the warehouse,
and purchases, reactivations, survey answers, clicks and redemptions attributed from the
transactions, feedback and interactions within each assignment's window up to the run's as-of
day) — the summary says whether a campaign's outcomes were loaded or attributed
(``outcome_source``). Costs, margin and planned splits come from the run
settings (``campaigns`` in docs/configuration.md); the pre-period revenue (CUPED covariate)
from the run's transactions; the segment from the run's RFM (or lifecycle) table.

A campaign whose money is in another currency than the run's amounts (the ``campaigns``
table's ``currency``, recorded at its creation; docs/campaigns.md "Currency") is not measured:
its summary carries ``error="currency_mismatch"`` and says so, and its assignments are left out
of the measurement, the learning rows and the programme comparison — its costs and ROI are
never set against revenue in another currency.

Writes ``campaign_results`` (one row per campaign, arm/group, segment and metric) and
``campaign_customers`` (one row per assignment with its outcomes and cost: the learning loop's
training rows), and records :class:`~loyalloop.core.results.CampaignResultsSummary` — or
"not computed: no campaigns" when the warehouse holds no assignments.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from loyalloop.core.results import (
    CampaignArmSummary,
    CampaignResultsSummary,
    CampaignSummary,
    Interval,
    KpiSummary,
    NotComputed,
    ProgrammeSummary,
    TargetingModelInfo,
)
from loyalloop.experiments import Estimate
from loyalloop.measurement import (
    ArmCost,
    CampaignReport,
    CostModel,
    Effect,
    Metric,
    ModelRegistry,
    ProgrammeEffect,
    campaign_results,
    measurement_table,
    programme_effect,
    registry_dir,
)
from loyalloop.measurement.notes import make_note
from loyalloop.pipeline.config import CampaignsConfig, SegmentField
from loyalloop.pipeline.context import PROFILE_TX, RunContext
from loyalloop.pipeline.currency import currency_counts, run_currency

__all__ = ["CAMPAIGN_INPUTS", "CAMPAIGN_OUTPUTS", "stage_campaign_results"]

#: What the stage reads: the warehouse's campaign tables and the run's transactions and segments.
CAMPAIGN_INPUTS = (
    "assignments",
    "campaign_outcomes",
    "campaigns",
    PROFILE_TX,
    "rfm",
)
CAMPAIGN_OUTPUTS = ("campaign_results", "campaign_customers")
NO_CAMPAIGNS = make_note("no_campaigns")


def _f(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def _iv(e: Estimate) -> Interval | None:
    if not math.isfinite(e.estimate):
        return None
    return Interval(_f(e.estimate), _f(e.low), _f(e.high))


def cost_models(cfg: CampaignsConfig) -> tuple[CostModel, dict[str, CostModel]]:
    """The default cost model and one per configured campaign."""
    default = CostModel(
        contact_cost=cfg.contact_cost or 0.0,
        redemption_cost=cfg.redemption_cost or 0.0,
        margin_rate=cfg.margin_rate,
    )
    per: dict[str, CostModel] = {}
    for cid, c in cfg.campaign.items():
        arms = {
            a: ArmCost(c.arm_contact_cost.get(a), c.arm_redemption_cost.get(a))
            for a in {*c.arm_contact_cost, *c.arm_redemption_cost}
        }
        per[cid] = CostModel(
            contact_cost=default.contact_cost if c.contact_cost is None else c.contact_cost,
            redemption_cost=(
                default.redemption_cost if c.redemption_cost is None else c.redemption_cost
            ),
            margin_rate=default.margin_rate if c.margin_rate is None else c.margin_rate,
            arms=arms,
        )
    return default, per


def _arm_summary(e: Effect) -> CampaignArmSummary:
    def metric(m: Metric) -> Any:
        try:
            return e.metric(m)
        except KeyError:
            return None

    resp, rev, margin, net = (
        metric(m) for m in (Metric.RESPONSE, Metric.REVENUE, Metric.MARGIN, Metric.NET)
    )
    ok = lambda x: x is not None and x.error is None  # noqa: E731
    return CampaignArmSummary(
        level=e.level.value,  # type: ignore[arg-type]
        arm=e.arm,
        control=e.control,
        customers=e.n,
        control_customers=e.control_n,
        response_rate=_f(resp.mean) if resp is not None else None,
        control_response_rate=_f(resp.control_mean) if resp is not None else None,
        response_lift=_iv(resp.lift) if ok(resp) else None,
        incremental_responses=_iv(resp.total) if ok(resp) else None,
        incremental_revenue=_iv(rev.total) if ok(rev) else None,
        incremental_margin=_iv(margin.total) if ok(margin) else None,
        cost=float(e.cost),
        net_value=_iv(net.total) if ok(net) else None,
        roi=_iv(e.roi) if e.roi_error is None else None,
        p_value=_f(rev.p_value_adjusted) if ok(rev) else None,
        cuped=bool(rev.cuped) if rev is not None else False,
        error=e.error or (rev.error if rev is not None else None),
        message=e.message or (rev.message if rev is not None else ""),
    )


def _programme(p: ProgrammeEffect) -> ProgrammeSummary | NotComputed:
    if p.error in ("no_global_control", "unstable_global_control", "no_units"):
        return NotComputed(
            "no_data" if p.error != "unstable_global_control" else "bad_data",
            p.message,
            note=p.notes[0] if p.notes else None,
        )
    return ProgrammeSummary(
        customers=p.customers,
        programme_customers=p.programme_customers,
        control_customers=p.control_customers,
        campaigns=p.campaigns,
        response_rate=_f(p.response_rate),
        control_response_rate=_f(p.control_response_rate),
        response_lift=_iv(p.response_lift),
        revenue_lift=_iv(p.revenue_lift),
        incremental_revenue=_iv(p.incremental_revenue),
        notes=p.notes,
        control_buyers=p.control_buyers,
        programme_buyers=p.programme_buyers,
        error=p.error,
    )


def _models(ctx: RunContext) -> tuple[TargetingModelInfo, ...]:
    registry = ModelRegistry(registry_dir(ctx.wh.settings.home))
    out = []
    for e in registry.entries():
        if e.status.value == "retired":
            continue
        out.append(
            TargetingModelInfo(
                model_id=e.model_id,
                status=e.status.value,
                trained_on=e.trained_on,
                created_at=e.created_at,
                qini={q.action: _f(q.qini) for q in e.qini},
            )
        )
    return tuple(out)


def _outcomes(ctx: RunContext, assignments: ir.Table) -> tuple[ir.Table, dict[str, str]]:
    """The outcome rows to measure on (the ``campaign_outcomes`` stage's table), and each
    campaign's source: ``outcomes`` when rows were loaded for it, else ``attributed``."""
    o = ctx.output("campaign_outcomes")
    have = {
        r["campaign_id"]
        for r in o.filter(o.source == "loaded")
        .select("campaign_id")
        .distinct()
        .to_pyarrow()
        .to_pylist()
    }
    ids = {
        r["campaign_id"]
        for r in assignments.select("campaign_id").distinct().to_pyarrow().to_pylist()
    }
    sources = {c: ("outcomes" if c in have else "attributed") for c in ids}
    return o.drop("source"), sources


def _pre_period(ctx: RunContext, assignments: ir.Table, days: int) -> ir.Table:
    """Purchases of each assigned customer in the ``days`` before assignment."""
    tx = ctx.wh.ibis.table(PROFILE_TX)
    tx = tx.filter(tx.amount > 0).select(_c=tx.customer_id, _t=tx.timestamp, _v=tx.amount)
    a = assignments.select("customer_id", "campaign_id", "assigned_at")
    j = a.left_join(
        tx,
        (a.customer_id == tx._c)
        & (tx._t < a.assigned_at)
        & (tx._t >= a.assigned_at - ibis.interval(days=days)),
    )
    return j.group_by("customer_id", "campaign_id").aggregate(
        pre_revenue=j._v.sum().fill_null(0.0).cast("float64")
    )


def _segments(ctx: RunContext, field: SegmentField) -> ir.Table | None:
    if field is SegmentField.none:
        return None
    if field is SegmentField.rfm_segment:
        r = ctx.output("rfm")
        return r.select(customer_id=r.customer_id, segment=r.segment)
    if not ctx.has_output("loyalty"):  # an optional input (the loyalty stage did not run)
        return None
    lo = ctx.output("loyalty")
    return lo.select(customer_id=lo.customer_id, segment=lo.lifecycle_stage)


def _run_currency(ctx: RunContext) -> str | None:
    """The currency of the run's amounts (the ``kpis`` stage's, else read as it reads it)."""
    kpis = ctx.results.get("kpis")
    if isinstance(kpis, KpiSummary):
        return kpis.currency
    return run_currency(currency_counts(ctx.wh.table("transactions")), ctx.config.currency)


def _other_currency(campaigns: Any, currency: str | None) -> list[CampaignSummary]:
    """Campaigns whose money is in another currency than the run's ``currency``: not measured
    (module docstring)."""
    if currency is None or "currency" not in campaigns.columns:
        return []
    out = []
    for r in campaigns.to_dict("records"):
        theirs = r.get("currency")
        if not isinstance(theirs, str) or not theirs or theirs == currency:
            continue
        out.append(
            CampaignSummary(
                campaign_id=str(r["campaign_id"]),
                name=str(r["name"]),
                start_at=None,
                end_at=None,
                window_complete=None,
                outcome_source="outcomes",
                assigned={},
                margin_rate=None,
                arms=(),
                srm_p_value=None,
                error="currency_mismatch",
                message=(
                    f"its budget and costs are in {theirs} but this run's amounts are in "
                    f"{currency}: no cost, ROI or effect is reported (nothing is converted); "
                    f"measure it on a run over data in {theirs}"
                ),
            )
        )
    return out


def stage_campaign_results(ctx: RunContext) -> None:
    """Measure every campaign (module docstring)."""
    wh = ctx.wh
    assignments = wh.table("assignments")
    campaigns = wh.table("campaigns").to_pandas()
    refused = _other_currency(campaigns, _run_currency(ctx))
    if refused:
        assignments = assignments.filter(
            ~assignments.campaign_id.isin([c.campaign_id for c in refused])
        )
        campaigns = campaigns[~campaigns["campaign_id"].isin([c.campaign_id for c in refused])]
    if assignments.count().execute() == 0:
        if refused:
            ctx.record(
                "campaigns",
                CampaignResultsSummary(
                    campaigns=tuple(refused),
                    programme=NotComputed("no_data", NO_CAMPAIGNS.message, note=NO_CAMPAIGNS),
                    alpha=ctx.config.campaigns.alpha,
                ),
            )
            return
        ctx.record(
            "campaigns",
            NotComputed("no_data", NO_CAMPAIGNS.message, note=NO_CAMPAIGNS),
        )
        return
    cfg = ctx.config.campaigns
    end = datetime.combine(ctx.as_of + timedelta(days=1), time())
    outcomes, sources = _outcomes(ctx, assignments)
    default, per = cost_models(cfg)
    pre = _pre_period(ctx, assignments, cfg.pre_period_days) if cfg.pre_period_days else None
    data = measurement_table(
        assignments,
        outcomes,
        costs=per,
        default_cost=default,
        pre=pre,
        segments=_segments(ctx, cfg.segment_field),
    )
    report: CampaignReport = campaign_results(
        data,
        costs=per,
        default_cost=default,
        campaigns=campaigns,
        shares={cid: c.shares for cid, c in cfg.campaign.items() if c.shares},
        as_of=end,
        alpha=cfg.alpha,
    )
    ctx.save("campaign_results", report.to_frame())
    ctx.save("campaign_customers", data.table)
    summaries = []
    for c in report.campaigns:
        summaries.append(
            CampaignSummary(
                campaign_id=c.campaign_id,
                name=c.name,
                start_at=c.start_at,
                end_at=c.end_at,
                window_complete=c.window_complete,
                outcome_source=sources.get(c.campaign_id, "outcomes"),  # type: ignore[arg-type]
                assigned=dict(c.assigned),
                margin_rate=c.margin_rate,
                arms=tuple(_arm_summary(e) for e in c.effects),
                srm_p_value=_f(c.srm.p_value) if c.srm is not None else None,
                error=c.error,
                message=c.message,
                notes=c.notes,
                budget=(
                    cfg.campaign[c.campaign_id].budget if c.campaign_id in cfg.campaign else None
                ),
            )
        )
    ctx.record(
        "campaigns",
        CampaignResultsSummary(
            campaigns=(*summaries, *refused),
            programme=_programme(programme_effect(assignments, outcomes, alpha=cfg.alpha)),
            alpha=cfg.alpha,
            models=_models(ctx),
            notes=report.notes,
        ),
    )
