"""The ``clv`` stage: a repeat-purchase model chosen by a holdout check + Gamma-Gamma per
profile — P(alive), expected purchases, CLV.

The repeat-purchase model is chosen by :func:`loyalloop.clv.choice.choose_model`: with
``clv.model: auto`` (the default) the last ``clv.holdout_weeks`` weeks are held out, BG/NBD,
MBG/NBD and Pareto/NBD are fitted on the weeks before and checked on them, and the winner is
refitted on the whole period; a named model is fitted without a check; when the history is too
short for the check (or nobody bought in the holdout, or no candidate fits), BG/NBD is used and
the summary says why with a code (``model_choice``). The summary records every candidate's
figures and the winner (:class:`~loyalloop.core.results.ClvSelection`), and the
implausible-P(alive) check of the model that scored (``alive_caveat``); ``clv_segments``
counts, per segment, the customers that check flags (``alive_flagged``).

The models are fitted on the run's RFM summary in weeks (identical rows collapsed in the
engine), then every profile is scored in streamed batches written straight to the run's
``clv`` table (memory holds one batch, not every customer); ``clv_segments`` and the headline
figures come from :mod:`loyalloop.clv.summaries`. When the data cannot support a model at all
(e.g. no repeat buyers), the stage records the reason in the manifest instead of failing the
whole run; the report shows it.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from loyalloop.clv import GammaGammaModel, score
from loyalloop.clv.choice import ModelChoice, choose_model
from loyalloop.clv.selection import (
    AliveCaveat,
    CandidateCheck,
    ModelSelection,
    alive_caveat_flag,
)
from loyalloop.clv.summaries import clv_by_segment, clv_totals
from loyalloop.core.results import (
    ClvAliveCaveat,
    ClvCandidate,
    ClvSelection,
    ClvSummary,
    NotComputed,
    Reason,
)
from loyalloop.errors import LoyalloopError
from loyalloop.insight.rfm import rfm_summary
from loyalloop.pipeline.config import ClvConfig
from loyalloop.pipeline.context import PROFILE_TX, RunContext, exact_amounts

__all__ = ["CLV_HORIZON_MONTHS", "EXPECTED_PURCHASES_WEEKS", "stage_clv"]

#: Defaults of the settings (:class:`~loyalloop.pipeline.config.ClvConfig`).
CLV_HORIZON_MONTHS = ClvConfig.horizon_months
EXPECTED_PURCHASES_WEEKS = ClvConfig.expected_purchases_weeks
#: The stage's temporary table of each profile's summary in weeks (not a run output).
CLV_SUMMARY = "_clv_summary"


def stage_clv(ctx: RunContext) -> None:
    """Choose and fit the models, save per-profile ``clv`` scores (see module docstring)."""
    cfg = ctx.config.clv
    tx = exact_amounts(ctx.wh.table(PROFILE_TX))
    # Computed once: the fits, the scores and the segment figures each read it (up to six
    # reads of the transactions' summary otherwise, ~0.1 s of CPU each on 10,000 profiles).
    summary = ctx.wh.create_temp_table(
        CLV_SUMMARY,
        rfm_summary(tx, observation_end=ctx.as_of, time_unit="W").select(
            "customer_id", "frequency", "recency", "T", "monetary_value"
        ),
    ).order_by("customer_id")
    # Customers first seen on the last day carry no information about rates: fit without
    # them, score everyone. Amounts are summed as exact decimals (exact_amounts) and the fit
    # collapses rows in a canonical order, so the same data give the same parameters to the
    # last bit; the scores are written in customer order.
    observed = summary.filter(summary["T"] > 0)
    try:
        choice = choose_model(
            tx,
            observation_end=ctx.as_of,
            holdout=cfg.holdout_weeks,
            model=cfg.model,
            full=observed,
            time_unit="weeks",
        )
        gg = GammaGammaModel().fit(observed.filter(observed.frequency > 0))
    except LoyalloopError as exc:
        ctx.record("clv", NotComputed("fit_failed", str(exc)))
        return
    batches = score(
        choice.model,
        summary,
        t=cfg.expected_purchases_weeks,
        spend_model=gg,
        horizon=cfg.horizon_months,
        discount_rate=cfg.monthly_discount_rate,
    )
    customers = ctx.save_batches("clv", batches)  # streamed: one batch in memory at a time
    clv = ctx.output("clv")
    flagged = clv.join(summary.select("customer_id", "frequency", "T"), "customer_id")
    flagged = flagged.mutate(alive_flagged=alive_caveat_flag(flagged, choice.caveat))
    ctx.save("clv_segments", clv_by_segment(flagged, ctx.output("rfm")))
    totals = clv_totals(clv)
    ctx.record(
        "clv",
        ClvSummary(
            model=f"{choice.name.label} + Gamma-Gamma",
            time_unit="weeks",
            transaction_params={k: float(v) for k, v in choice.model.params_.items()},
            transaction_log_likelihood=float(choice.model.log_likelihood_),
            spend_params={k: float(v) for k, v in gg.params_.items()},
            customers=customers,
            horizon_months=cfg.horizon_months,
            monthly_discount_rate=cfg.monthly_discount_rate,
            expected_purchases_weeks=cfg.expected_purchases_weeks,
            total_clv=totals.total_clv or 0.0,  # the scores always carry clv here
            top_decile_share=totals.top_decile_share,
            mean_probability_alive=totals.mean_probability_alive,
            transaction_model=choice.name.value,
            model_choice=choice.how,
            holdout_weeks=cfg.holdout_weeks,
            history_weeks=round(choice.history, 6),
            selection=_selection(choice, ctx.as_of),
            alive_caveat=_caveat(choice),
        ),
    )


def _finite(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _selection(choice: ModelChoice, as_of: date) -> ClvSelection | NotComputed | None:
    """The holdout check as the manifest records it, or why there was none."""
    if choice.how == "configured":
        return None
    if choice.selection is None:
        status: Reason = (
            "fit_failed" if choice.how == "no_candidate_fitted" else "insufficient_data"
        )
        return NotComputed(
            status, f"no holdout check ({choice.note}); {choice.name.label} used instead"
        )
    sel: ModelSelection = choice.selection
    return ClvSelection(
        winner=sel.winner.value,
        reason=sel.reason,
        calibration_end=as_of - timedelta(days=round(sel.holdout_duration * 7)),
        holdout_weeks=sel.holdout_duration,
        holdout_customers=sel.holdout_customers,
        candidates=tuple(_candidate(c) for c in sel.candidates),
        z_critical=sel.z_critical,
        bic_margin=sel.bic_margin,
    )


def _candidate(c: CandidateCheck) -> ClvCandidate:
    assert c.verdict is not None  # select_model gives every candidate one
    return ClvCandidate(
        model=c.model.value,
        status=c.status,
        verdict=c.verdict,
        params={k: float(v) for k, v in c.params.items()},
        log_likelihood=_finite(c.log_likelihood),
        bic=_finite(c.bic),
        holdout_rmse=_finite(c.holdout_rmse),
        holdout_mae=_finite(c.holdout_mae),
        predicted_total=_finite(c.predicted_total),
        actual_total=_finite(c.actual_total),
        mse_z=_finite(c.mse_z),
        aggregate_z=_finite(c.aggregate_z),
        alive_flagged=None if c.caveat is None else c.caveat.flagged,
        error=c.error,
    )


def _caveat(choice: ModelChoice) -> ClvAliveCaveat:
    c: AliveCaveat = choice.caveat
    return ClvAliveCaveat(
        model=choice.name.value,
        typical_gap_weeks=_finite(c.typical_gap),
        gap_multiple=c.gap_multiple,
        alive_threshold=c.alive_threshold,
        one_time_buyers=c.one_time_buyers,
        long_inactive=c.long_inactive,
        flagged=c.flagged,
        mean_alive_long_inactive=_finite(c.mean_alive_long_inactive),
    )
