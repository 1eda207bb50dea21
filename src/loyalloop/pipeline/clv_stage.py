"""The ``clv`` stage: BG/NBD + Gamma-Gamma per profile — P(alive), expected purchases, CLV.

The models are fitted on the run's RFM summary in weeks (identical rows collapsed in the
engine), then every profile is scored in streamed batches written straight to the run's
``clv`` table (memory holds one batch, not every customer); ``clv_segments`` and the headline
figures come from :mod:`loyalloop.clv.summaries`. When the data cannot support a
model (e.g. no repeat buyers), the stage records the reason in the manifest instead of failing
the whole run; the report shows it.
"""

from __future__ import annotations

from loyalloop.clv import BetaGeoModel, GammaGammaModel, score
from loyalloop.clv.summaries import clv_by_segment, clv_totals
from loyalloop.core.results import ClvSummary, NotComputed
from loyalloop.errors import LoyalloopError
from loyalloop.insight.rfm import rfm_summary
from loyalloop.pipeline.config import ClvConfig
from loyalloop.pipeline.context import PROFILE_TX, RunContext

__all__ = ["CLV_HORIZON_MONTHS", "EXPECTED_PURCHASES_WEEKS", "stage_clv"]

#: Defaults of the settings (:class:`~loyalloop.pipeline.config.ClvConfig`).
CLV_HORIZON_MONTHS = ClvConfig.horizon_months
EXPECTED_PURCHASES_WEEKS = ClvConfig.expected_purchases_weeks


def stage_clv(ctx: RunContext) -> None:
    """Fit on the run's profiles and save per-profile ``clv`` scores (see module docstring)."""
    tx = ctx.wh.table(PROFILE_TX)
    summary = rfm_summary(tx, observation_end=ctx.as_of, time_unit="W").select(
        "customer_id", "frequency", "recency", "T", "monetary_value"
    )
    # Customers first seen on the last day carry no information about rates: fit without
    # them, score everyone.
    observed = summary.filter(summary["T"] > 0)
    try:
        bg = BetaGeoModel().fit(observed, time_unit="weeks", period_end=ctx.as_of.isoformat())
        gg = GammaGammaModel().fit(observed.filter(observed.frequency > 0))
    except LoyalloopError as exc:
        ctx.record("clv", NotComputed("fit_failed", str(exc)))
        return
    cfg = ctx.config.clv
    batches = score(
        bg,
        summary,
        t=cfg.expected_purchases_weeks,
        spend_model=gg,
        horizon=cfg.horizon_months,
        discount_rate=cfg.monthly_discount_rate,
        time_unit="W",
    )
    customers = ctx.save_batches("clv", batches)  # streamed: one batch in memory at a time
    clv = ctx.output("clv")
    ctx.save("clv_segments", clv_by_segment(clv, ctx.output("rfm")))
    totals = clv_totals(clv)
    ctx.record(
        "clv",
        ClvSummary(
            model="BG/NBD + Gamma-Gamma",
            time_unit="weeks",
            transaction_params={k: float(v) for k, v in bg.params_.items()},
            transaction_log_likelihood=float(bg.log_likelihood_),
            spend_params={k: float(v) for k, v in gg.params_.items()},
            customers=customers,
            horizon_months=cfg.horizon_months,
            monthly_discount_rate=cfg.monthly_discount_rate,
            expected_purchases_weeks=cfg.expected_purchases_weeks,
            total_clv=totals.total_clv,
            top_decile_share=totals.top_decile_share,
            mean_probability_alive=totals.mean_probability_alive,
        ),
    )
