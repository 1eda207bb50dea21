"""MBG/NBD: the modified BG/NBD model.

Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for
customer base analysis", International Journal of Research in Marketing 24(3). As BG/NBD, but a
customer may also drop out right after the first purchase (time 0), so customers without repeat
purchases are not all assumed alive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma, gammaln

from loyalloop.clv._data import SufficientStats, wsum
from loyalloop.clv.models.base import TransactionModel
from loyalloop.clv.models.beta_geo import _expected_new, _pmf_new, _rate_start

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(TransactionModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007). Parameters ``r, alpha, a, b``."""

    param_names = ("r", "alpha", "a", "b")

    def _objective(self, stats: SufficientStats) -> tuple[Any, list[list[float]]]:
        x, tx, T, w = stats["frequency"], stats["recency"], stats["T"], stats.weights
        wn = w / w.sum()

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = np.exp(theta)
            log_aT = np.log(alpha + T)
            log_atx = np.log(alpha + tx)
            a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            a2 = betaln(a, b + x + 1.0) - betaln(a, b)
            a3 = -(r + x) * log_aT
            a4 = np.log(a) - np.log(b + x) - (r + x) * log_atx
            lse = np.logaddexp(a3, a4)
            ll = a1 + a2 + lse
            w3 = np.exp(a3 - lse)
            w4 = np.exp(a4 - lse)
            d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_aT - w4 * log_atx
            d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx))
            dg_ab = digamma(a + b) - digamma(a + b + x + 1.0)
            d_a = dg_ab + w4 / a
            d_b = dg_ab + digamma(b + x + 1.0) - digamma(b) - w4 / (b + x)
            grad = np.array(
                [r * wsum(wn, d_r), alpha * wsum(wn, d_alpha), a * wsum(wn, d_a), b * wsum(wn, d_b)]
            )
            return -wsum(wn, ll), -grad

        rate = _rate_start(stats)
        starts = [
            [1.0, 1.0 / rate, 1.0, 1.0],
            [0.5, 0.5 / rate, 0.5, 2.0],
            [2.0, 2.0 / rate, 2.0, 5.0],
        ]
        return objective, starts

    def _probability_alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        with np.errstate(over="ignore"):
            log_ratio = (
                np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
            return np.asarray(1.0 / (1.0 + np.exp(log_ratio)), dtype=float)

    def _conditional_expected(
        self, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        r, alpha, a, b = self._p()
        alive = self._probability_alive(x, tx, T)
        # alive at T: a BG/NBD future with posterior r+x, alpha+T, a, b+x+1
        return alive * _expected_new(t, r + x, alpha + T, a, b + x + 1.0)

    def _new_customer_expected(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        # survive time 0 with probability b/(a+b); then BG/NBD with b+1
        return np.asarray(b / (a + b) * _expected_new(t, r, alpha, a, b + 1.0), dtype=float)

    def _new_customer_pmf(self, n: np.ndarray, t: float) -> np.ndarray:
        r, alpha, a, b = self._p()
        dead_at_0 = np.exp(betaln(a + 1.0, b) - betaln(a, b))
        return np.asarray(
            dead_at_0 * (n == 0) + (1.0 - dead_at_0) * _pmf_new(n, t, r, alpha, a, b + 1.0),
            dtype=float,
        )

    def _conditional_pmf(
        self, n: int, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        r, alpha, a, b = self._p()
        alive = self._probability_alive(x, tx, T)
        p = _pmf_new(float(n), t, r + x, alpha + T, a, b + x + 1.0)
        return np.asarray(alive * p + (1.0 - alive) * (n == 0), dtype=float)
