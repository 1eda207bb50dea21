"""The ``clv`` stage: BG/NBD + Gamma-Gamma per profile — P(alive), expected purchases, CLV.

The models are fitted on the run's RFM summary in weeks (identical rows collapsed in the
engine), then every profile is scored in streamed batches. When the data cannot support a
model (e.g. no repeat buyers), the stage records the reason in the manifest instead of failing
the whole run; the report shows it.
"""

from __future__ import annotations

import ibis
import pandas as pd

from loyalloop.clv import BetaGeoModel, GammaGammaModel, clv_totals, score
from loyalloop.errors import LoyalloopError
from loyalloop.insight.rfm import rfm_summary
from loyalloop.pipeline.context import PROFILE_TX, RunContext

__all__ = ["CLV_HORIZON_MONTHS", "EXPECTED_PURCHASES_WEEKS", "stage_clv"]

#: Horizon of the CLV figure (monthly discounting periods) and its monthly discount rate.
CLV_HORIZON_MONTHS = 12
CLV_MONTHLY_DISCOUNT = 0.01
#: Horizon of ``expected_purchases`` in weeks.
EXPECTED_PURCHASES_WEEKS = 52


def stage_clv(ctx: RunContext) -> None:
    """Fit on the run's profiles and save per-profile ``clv`` scores (see module docstring)."""
    tx = ctx.wh.ibis.table(PROFILE_TX)
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
        ctx.summary.setdefault("errors", {})["clv"] = str(exc)
        return
    batches = score(
        bg,
        summary,
        t=EXPECTED_PURCHASES_WEEKS,
        spend_model=gg,
        horizon=CLV_HORIZON_MONTHS,
        discount_rate=CLV_MONTHLY_DISCOUNT,
    )
    frame = pd.concat(list(batches), ignore_index=True)
    ctx.save("clv", frame)
    clv = ctx.output("clv")
    rfm = ctx.output("rfm")
    joined = clv.join(rfm.select("customer_id", "segment"), "customer_id")
    ctx.save(
        "clv_segments",
        joined.group_by("segment")
        .aggregate(
            customers=joined.count(),
            probability_alive=joined.probability_alive.mean(),
            clv=joined.clv.mean(),
            total_clv=joined.clv.sum(),
        )
        .order_by(ibis.desc("probability_alive")),
    )
    totals = clv_totals(clv)
    ctx.summary["clv"] = {
        "model": "BG/NBD + Gamma-Gamma",
        "time_unit": "weeks",
        "transaction_params": dict(bg.params_),
        "transaction_log_likelihood": bg.log_likelihood_,
        "spend_params": dict(gg.params_),
        "customers": len(frame),
        "horizon_months": CLV_HORIZON_MONTHS,
        "monthly_discount_rate": CLV_MONTHLY_DISCOUNT,
        "expected_purchases_weeks": EXPECTED_PURCHASES_WEEKS,
        "total_clv": totals.total_clv,
        "top_decile_share": totals.top_decile_share,
        "mean_probability_alive": totals.mean_probability_alive,
    }
