"""Gamma-Gamma spend model.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
Journal of Marketing Research 42(4), building on Colombo & Jiang (1999). A customer's
transaction values are Gamma(p, nu) with mean p/nu; ``nu ~ Gamma(q, v)`` across customers
(``v`` is the paper's gamma). Spend is assumed independent of the purchase process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from loyalloop.clv._data import Frame, SufficientStats, as_pandas, numeric, wsum
from loyalloop.clv._optimize import Objective
from loyalloop.clv.models.base import CLVModel
from loyalloop.errors import DataValidationError, ModelError

__all__ = ["GammaGammaModel"]


class GammaGammaModel(CLVModel):
    """Gamma-Gamma model of average transaction value (Fader, Hardie & Lee 2005).

    Fit on repeat buyers only: ``frequency`` (number of repeat transactions, > 0) and
    ``monetary_value`` (their average value, > 0). Parameters ``p, q, v``.
    """

    param_names = ("p", "q", "v")
    columns = ("frequency", "monetary_value")

    def _validate(self, stats: SufficientStats) -> None:
        """Repeat buyers only, positive spend, and spend that varies across customers.

        Raises
        ------
        DataValidationError
            On customers without repeat purchases (``frequency = 0``) or with spend <= 0.
        """
        name = type(self).__name__
        _validate_spend(stats["frequency"], stats["monetary_value"], what=name, fitting=True)
        if len(np.unique(stats["monetary_value"])) < 2:
            raise ModelError(f"{name}: all customers have the same monetary_value")

    def _objective(self, stats: SufficientStats) -> tuple[Objective, list[list[float]]]:
        x, m, w = stats["frequency"], stats["monetary_value"], stats.weights
        wn = w / w.sum()
        log_x, log_m = np.log(x), np.log(m)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            p, q, v = np.exp(theta)
            px = p * x
            log_vxm = np.log(v + x * m)
            ll = (
                gammaln(px + q)
                - gammaln(px)
                - gammaln(q)
                + q * np.log(v)
                + (px - 1.0) * log_m
                + px * log_x
                - (px + q) * log_vxm
            )
            dg = digamma(px + q)
            d_p = x * (dg - digamma(px) + log_m + log_x - log_vxm)
            d_q = dg - digamma(q) + np.log(v) - log_vxm
            d_v = q / v - (px + q) / (v + x * m)
            grad = np.array([p * wsum(wn, d_p), q * wsum(wn, d_q), v * wsum(wn, d_v)])
            return -wsum(wn, ll), -grad

        mean_m = wsum(wn, m)
        starts = [[1.0, 2.0, mean_m], [5.0, 4.0, 3.0 * mean_m], [0.5, 1.5, 0.5 * mean_m]]
        return objective, starts

    def population_mean(self) -> float:
        """Expected average transaction value of a random customer, ``p v / (q - 1)``."""
        p, q, v = self._p()
        if q <= 1:
            raise ModelError(f"q = {q:.4g} <= 1: the mean spend of the population is infinite")
        return p * v / (q - 1.0)

    def expected_average_value(self, data: Frame | None = None) -> pd.Series:
        """Expected average transaction value of each customer, given their spend history.

        ``E(M | p, q, v, x, m) = (q - 1)/(p x + q - 1) * p v/(q - 1) + p x/(p x + q - 1) * m``;
        customers with ``frequency = 0`` get the population mean.
        """
        self._check_fitted()
        if data is None:
            data = getattr(self, "_training_data", None)
            if data is None:
                raise ModelError("GammaGammaModel was loaded from a file: pass the data to score")
        frame = as_pandas(data, self.columns, what=type(self).__name__)
        x = numeric(frame, "frequency")
        m = numeric(frame, "monetary_value")
        _validate_spend(x, m, what=type(self).__name__, fitting=False)
        values = self._expected_average_value(x, m)
        index = (
            pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
            if "customer_id" in frame.columns
            else frame.index
        )
        return pd.Series(values, index=index, name="expected_average_value")

    def _expected_average_value(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        p, q, v = self._p()
        px = p * x
        return np.asarray((p * (v + x * m)) / (px + q - 1.0), dtype=float)


def _validate_spend(x: np.ndarray, m: np.ndarray, *, what: str, fitting: bool) -> Any:
    n_neg = int((m < 0).sum())
    if n_neg:
        raise DataValidationError(
            f"{what}: {n_neg} row(s) have negative monetary_value (refunds must be netted "
            "out before modelling spend)"
        )
    if (x < 0).any() or (x != np.floor(x)).any():
        raise DataValidationError(f"{what}: frequency must be a non-negative whole number")
    if fitting:
        n_zero = int((x == 0).sum())
        if n_zero:
            raise DataValidationError(
                f"{what}: {n_zero} row(s) have frequency = 0 (no repeat purchases); the spend "
                "model is fitted on repeat buyers only, e.g. data[data.frequency > 0]"
            )
        n_zero_m = int((m == 0).sum())
        if n_zero_m:
            raise DataValidationError(f"{what}: {n_zero_m} row(s) have monetary_value = 0")
    else:
        bad = int(((x > 0) & (m <= 0)).sum())
        if bad:
            raise DataValidationError(
                f"{what}: {bad} row(s) have repeat purchases but monetary_value <= 0"
            )
