"""BG/NBD: the beta-geometric / negative binomial distribution model.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2). While active a customer buys as a Poisson process
with rate ``lambda ~ Gamma(r, alpha)``; after each purchase they drop out with probability
``p ~ Beta(a, b)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln

from loyalloop.clv._data import Distinct, SufficientStats, wsum
from loyalloop.clv._special import log_hyp2f1
from loyalloop.clv.models.base import TransactionModel

__all__ = ["BetaGeoModel"]


def _rate_start(stats: SufficientStats) -> float:
    """Rough purchase rate (repeat purchases per unit of observed time) for starting values."""
    w = stats.weights
    rate = float((w * stats["frequency"]).sum() / max((w * stats["T"]).sum(), 1e-12))
    return max(rate, 1e-6)


def nbd_pmf(n: Any, r: Any, alpha: Any, t: float) -> np.ndarray:
    """Negative binomial P(N(t) = n) of the gamma-mixed Poisson, computed in log form."""
    n = np.asarray(n, dtype=float)
    if t == 0:
        return np.broadcast_to(np.where(n == 0, 1.0, 0.0), np.broadcast(n, r, alpha).shape)
    log_p = (
        gammaln(r + n)
        - gammaln(r)
        - gammaln(n + 1)
        + r * np.log(alpha / (alpha + t))
        + n * np.log(t / (alpha + t))
    )
    return np.asarray(np.exp(log_p), dtype=float)


def nbd_sf(n: Any, r: Any, alpha: Any, t: float) -> np.ndarray:
    """P(N(t) >= n) for the NBD (a regularised incomplete beta function); 1 for n = 0."""
    n = np.asarray(n, dtype=float)
    if t == 0:
        return np.broadcast_to(np.where(n == 0, 1.0, 0.0), np.broadcast(n, r, alpha).shape)
    tail = betainc(np.maximum(n, 1e-300), r, t / (alpha + t))
    return np.asarray(np.where(n == 0, 1.0, tail), dtype=float)


class BetaGeoModel(TransactionModel):
    """BG/NBD model (Fader, Hardie & Lee 2005).

    Parameters (after ``fit``) ``r, alpha`` (gamma heterogeneity in the purchase rate) and
    ``a, b`` (beta heterogeneity in the dropout probability).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyalloop.clv import BetaGeoModel
    >>> data = pd.DataFrame({"frequency": [0, 2, 5, 1], "recency": [0.0, 20.0, 35.0, 3.0],
    ...                      "T": [38.0, 38.0, 38.0, 30.0]})
    >>> model = BetaGeoModel().fit(data)
    >>> sorted(model.params_)
    ['a', 'alpha', 'b', 'r']
    """

    param_names = ("r", "alpha", "a", "b")

    # -- likelihood ---------------------------------------------------------------------------
    def _objective(self, stats: SufficientStats) -> tuple[Any, list[list[float]]]:
        """Mean negative log-likelihood and its analytic gradient (log-parameters).

        Per customer ``LL = A1 + A2 + log(exp(A3) + [x>0] exp(A4))`` (FHL 2005, eq. 6). Written
        as ``A1 + A2 + A3 + softplus(A4 - A3)``, every term except the softplus depends on
        ``x`` alone or on ``T`` alone, so those sums run over distinct values; only repeat
        buyers' rows need per-row work, with ``log(alpha + t)`` looked up per distinct time.
        """
        x, tx, T = stats["frequency"], stats["recency"], stats["T"]
        wn = stats.weights / stats.weights.sum()
        ux, uT = Distinct(x), Distinct(T)
        x_v, T_v = ux.values, uT.values
        w_x = np.bincount(ux.inverse, wn, minlength=len(x_v))  # weight per distinct x
        w_T = np.bincount(uT.inverse, wn, minlength=len(T_v))  # weight per distinct T
        xw_T = np.bincount(uT.inverse, wn * x, minlength=len(T_v))  # sum of w*x per T
        pos = x > 0
        xp, wp = x[pos], wn[pos]
        uxp, utp, uTp = Distinct(xp), Distinct(tx[pos]), Distinct(T[pos])
        xp_v = uxp.values

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = np.exp(theta)
            log_alpha = np.log(alpha)
            log_aT_v = np.log(alpha + T_v)
            # terms in x only (A1, A2) and in T only (A3)
            ll = (
                wsum(w_x, gammaln(r + x_v) + betaln(a, b + x_v))
                - gammaln(r)
                - betaln(a, b)
                + r * log_alpha
                - wsum(r * w_T + xw_T, log_aT_v)
            )
            dg_ab = digamma(a + b) - digamma(a + b + x_v)
            d_r = wsum(w_x, digamma(r + x_v)) - digamma(r) + log_alpha - wsum(w_T, log_aT_v)
            d_alpha = r / alpha - wsum(r * w_T + xw_T, 1.0 / (alpha + T_v))
            d_a = wsum(w_x, dg_ab)
            d_b = wsum(w_x, dg_ab + digamma(b + x_v) - digamma(b))
            if len(xp):
                # repeat buyers: softplus(A4 - A3) with A4 - A3 = c_x - (r + x) L
                log_atx = utp.map(np.log(alpha + utp.values))
                log_aTp = uTp.map(np.log(alpha + uTp.values))
                ell = log_atx - log_aTp  # log((alpha + tx) / (alpha + T)) <= 0
                rx = r + xp
                delta = uxp.map(np.log(a) - np.log(b + xp_v - 1.0)) - rx * ell
                # softplus(delta) = delta - log(expit(delta)): one expit and one log (the
                # cheapest stable pair; clipping at -700 changes softplus by < 1e-300)
                delta = np.maximum(delta, -700.0)
                s4 = expit(delta)  # P(the A4 branch)
                ww4 = wp * s4
                ll += wsum(wp, delta - np.log(s4))
                d_r -= wsum(ww4, ell)
                inv_diff = utp.map(1.0 / (alpha + utp.values)) - uTp.map(1.0 / (alpha + uTp.values))
                d_alpha -= wsum(ww4, rx * inv_diff)
                d_a += float(ww4.sum()) / a
                ww4_x = np.bincount(uxp.inverse, ww4, minlength=len(xp_v))
                d_b -= wsum(ww4_x, 1.0 / (b + xp_v - 1.0))
            grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
            return -float(ll), -grad

        rate = _rate_start(stats)
        starts = [
            [1.0, 1.0 / rate, 1.0, 1.0],
            [0.5, 0.5 / rate, 0.5, 2.0],
            [2.0, 2.0 / rate, 2.0, 5.0],
        ]
        return objective, starts

    # -- predictions --------------------------------------------------------------------------
    def _probability_alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.where(x > 0, b + x - 1, 1.0))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
        return np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)

    def _conditional_expected(
        self, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        r, alpha, a, b = self._p()
        alive = self._probability_alive(x, tx, T)
        # an active customer's future is a new BG/NBD customer with updated parameters
        return alive * _expected_new(t, r + x, alpha + T, a, b + x)

    def _new_customer_expected(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        return _expected_new(t, r, alpha, a, b)

    def _new_customer_pmf(self, n: np.ndarray, t: float) -> np.ndarray:
        r, alpha, a, b = self._p()
        return _pmf_new(n, t, r, alpha, a, b)

    def _conditional_pmf(
        self, n: int, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        r, alpha, a, b = self._p()
        alive = self._probability_alive(x, tx, T)
        p = _pmf_new(float(n), t, r + x, alpha + T, a, b + x)
        return alive * p + (1.0 - alive) * (n == 0)


def _expected_new(t: Any, r: Any, alpha: Any, a: float, b: Any) -> np.ndarray:
    """E[X(t)] for a new BG/NBD customer (FHL 2005, eq. 9); vectorised over all arguments."""
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    c = a + b - 1.0
    log_h = log_hyp2f1(r, b, c, z)
    with np.errstate(over="ignore"):
        inner = -np.expm1(log_h + r * np.log(alpha / (alpha + t)))
    return np.asarray((a + b - 1.0) / (a - 1.0) * inner, dtype=float)


def _pmf_new(n: Any, t: float, r: Any, alpha: Any, a: float, b: Any) -> np.ndarray:
    """P(X(t) = n) for a new BG/NBD customer (FHL 2005, eq. 8)."""
    n = np.asarray(n, dtype=float)
    first = np.exp(betaln(a, b + n) - betaln(a, b)) * nbd_pmf(n, r, alpha, t)
    with np.errstate(invalid="ignore"):
        second = np.where(
            n > 0,
            np.exp(betaln(a + 1.0, np.maximum(b + n - 1.0, 1e-300)) - betaln(a, b))
            * nbd_sf(n, r, alpha, t),
            0.0,
        )
    return np.asarray(first + second, dtype=float)
