"""Customer lifetime value: probabilistic models of repeat purchase, spend and retention.

Models (maximum likelihood, fitted on sufficient statistics):

- :class:`BetaGeoModel` (BG/NBD), :class:`ModifiedBetaGeoModel` (MBG/NBD),
  :class:`ParetoNBDModel` (Pareto/NBD) and :class:`BetaGeoBetaBinomModel` (BG/BB, discrete
  time) for non-contractual repeat purchases;
- :class:`GammaGammaModel` for the average transaction value;
- :class:`ShiftedBetaGeoModel` (sBG) for contractual retention.

Around them: model selection by a holdout check with the implausible-P(alive) caveat
(:func:`select_model`; :func:`choose_model` for a run: the check, a named model, or BG/NBD when
the history is too short), :func:`customer_lifetime_value` and the totals a report prints
(:func:`clv_totals`), batch scoring (:func:`score`, :func:`score_to_parquet`), RFM summaries
and calibration/holdout splits from transactions, holdout checks, and JSON persistence
(:meth:`CLVModel.save`, :func:`load_model`).
"""

from __future__ import annotations

from loyalloop.clv._optimize import ConvergenceReport
from loyalloop.clv.choice import ModelChoice, choose_model
from loyalloop.clv.holdout import (
    calibration_and_holdout,
    cumulative_tracking,
    holdout_by_frequency,
    summary_from_transactions,
)
from loyalloop.clv.models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    CLVModel,
    DataPeriod,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
    TransactionModel,
    load_model,
)
from loyalloop.clv.selection import (
    AliveCaveat,
    CandidateCheck,
    ModelSelection,
    TransactionModelName,
    alive_caveat,
    select_model,
)
from loyalloop.clv.summaries import ClvTotals, clv_by_segment, clv_totals
from loyalloop.clv.value import (
    customer_lifetime_value,
    periods_per_month,
    score,
    score_to_parquet,
)

__all__ = [
    "AliveCaveat",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "CLVModel",
    "CandidateCheck",
    "ClvTotals",
    "ConvergenceReport",
    "DataPeriod",
    "GammaGammaModel",
    "ModelChoice",
    "ModelSelection",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "ShiftedBetaGeoModel",
    "TransactionModel",
    "TransactionModelName",
    "alive_caveat",
    "calibration_and_holdout",
    "choose_model",
    "clv_by_segment",
    "clv_totals",
    "cumulative_tracking",
    "customer_lifetime_value",
    "holdout_by_frequency",
    "load_model",
    "periods_per_month",
    "score",
    "score_to_parquet",
    "select_model",
    "summary_from_transactions",
]
