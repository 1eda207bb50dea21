"""CLV model classes (one per module) on a shared base class."""

from __future__ import annotations

from loyalloop.clv.models.base import CLVModel, DataPeriod, TransactionModel, load_model
from loyalloop.clv.models.beta_geo import BetaGeoModel
from loyalloop.clv.models.beta_geo_beta_binom import BetaGeoBetaBinomModel
from loyalloop.clv.models.gamma_gamma import GammaGammaModel
from loyalloop.clv.models.modified_beta_geo import ModifiedBetaGeoModel
from loyalloop.clv.models.pareto_nbd import ParetoNBDModel
from loyalloop.clv.models.shifted_beta_geo import ShiftedBetaGeoModel

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "CLVModel",
    "DataPeriod",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "ShiftedBetaGeoModel",
    "TransactionModel",
    "load_model",
]
