"""Pareto/NBD: Poisson purchases with exponential lifetimes, both gamma-heterogeneous.

Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will
They Do Next?", Management Science 33(1); the likelihood as in Fader & Hardie (2005), "A Note
on Deriving the Pareto/NBD Model and Related Expressions". While active a customer buys with
rate ``lambda ~ Gamma(r, alpha)``; the lifetime is exponential with rate ``mu ~ Gamma(s, beta)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln, roots_legendre

from loyalloop.clv._data import SufficientStats, wsum
from loyalloop.clv._optimize import NumericObjective
from loyalloop.clv._special import log_hyp2f1_c_eq_a_plus_1, logsubexp
from loyalloop.clv.models.base import TransactionModel
from loyalloop.clv.models.beta_geo import _rate_start, nbd_pmf

__all__ = ["ParetoNBDModel"]

_NODES, _WEIGHTS = roots_legendre(96)


def _log_tail_integral(
    y: np.ndarray, x: np.ndarray, r: float, alpha: float, s: float, beta: float
) -> np.ndarray:
    """``log J(y)`` with ``J(y) = ∫_y^∞ (alpha+τ)^-(r+x) (beta+τ)^-(s+1) dτ``.

    Uses the hypergeometric form whose argument lies in [0, 1): the ``alpha >= beta`` branch
    expands around ``alpha``, the other around ``beta``.
    """
    big = r + s + x
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        return -big * np.log(alpha + y) - np.log(big) + log_hyp2f1_c_eq_a_plus_1(big, s + 1.0, z)
    z = (beta - alpha) / (beta + y)
    return -big * np.log(beta + y) - np.log(big) + log_hyp2f1_c_eq_a_plus_1(big, r + x, z)


def _log_components(
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(common log factor, log of 'alive at T' term, log of 'died in (tx, T)' term).

    ``pairs`` optionally gives distinct (x, tx) and (x, T) pairs with inverse indices, so each
    hypergeometric function is evaluated once per distinct pair.
    """
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    if pairs is None:
        j_tx = _log_tail_integral(tx, x, r, alpha, s, beta)
        j_T = _log_tail_integral(T, x, r, alpha, s, beta)
    else:
        p_tx, inv_tx, p_T, inv_T = pairs
        j_tx = _log_tail_integral(p_tx[:, 1], p_tx[:, 0], r, alpha, s, beta)[inv_tx]
        j_T = _log_tail_integral(p_T[:, 1], p_T[:, 0], r, alpha, s, beta)[inv_T]
    died = np.log(s) + logsubexp(j_tx, j_T)
    return common, alive, died


def _growth(s: Any, base: Any, t: Any) -> np.ndarray:
    """``(1 - (base/(base+t))^(s-1)) / (s-1)``, with its limit ``log((base+t)/base)`` at s=1."""
    log_ratio = np.log1p(np.asarray(t, dtype=float) / base)
    sm1 = np.asarray(s - 1.0, dtype=float)
    safe = np.where(np.abs(sm1) < 1e-10, 1.0, sm1)
    return np.where(np.abs(sm1) < 1e-10, log_ratio, -np.expm1(-sm1 * log_ratio) / safe)


class ParetoNBDModel(TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    Parameters (after ``fit``) ``r, alpha`` (purchase rate) and ``s, beta`` (dropout rate).
    The likelihood has no closed-form gradient in ``r`` and ``s``; the fit uses central
    differences on the distinct rows, evaluating each hypergeometric term once per distinct
    ``(frequency, recency)`` and ``(frequency, T)`` pair.
    """

    param_names = ("r", "alpha", "s", "beta")

    def _objective(self, stats: SufficientStats) -> tuple[Any, list[list[float]]]:
        x, tx, T, w = stats["frequency"], stats["recency"], stats["T"], stats.weights
        wn = w / w.sum()
        p_tx, inv_tx = np.unique(np.column_stack([x, tx]), axis=0, return_inverse=True)
        p_T, inv_T = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
        pairs = (p_tx, inv_tx.ravel(), p_T, inv_T.ravel())

        def value(theta: np.ndarray) -> float:
            r, alpha, s, beta = np.exp(theta)
            common, alive, died = _log_components(x, tx, T, r, alpha, s, beta, pairs)
            return -wsum(wn, common + np.logaddexp(alive, died))

        objective = NumericObjective(value)

        rate = _rate_start(stats)
        mean_T = float((w * T).sum() / w.sum())
        starts = [
            [1.0, 1.0 / rate, 1.0, mean_T],
            [0.5, 0.5 / rate, 0.5, 0.5 * mean_T],
            [2.0, 2.0 / rate, 2.0, 2.0 * mean_T],
        ]
        return objective, starts

    # -- predictions --------------------------------------------------------------------------
    def _probability_alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._p()
        _, alive, died = _log_components(x, tx, T, r, alpha, s, beta)
        return np.asarray(np.exp(alive - np.logaddexp(alive, died)), dtype=float)

    def _conditional_expected(
        self, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        r, alpha, s, beta = self._p()
        alive = self._probability_alive(x, tx, T)
        return np.asarray(
            alive * (r + x) / (alpha + T) * (beta + T) * _growth(s, beta + T, t), dtype=float
        )

    def _new_customer_expected(self, t: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._p()
        return np.asarray(r / alpha * beta * _growth(s, beta, t), dtype=float)

    def _new_customer_pmf(self, n: np.ndarray, t: float) -> np.ndarray:
        r, alpha, s, beta = self._p()
        return _pmf_new(n, t, r, alpha, s, beta)

    def _conditional_pmf(
        self, n: int, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        r, alpha, s, beta = self._p()
        alive = self._probability_alive(x, tx, T)
        # an active customer's future is a new customer's with updated parameters (memoryless)
        pairs, inverse = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
        p = _pmf_new(np.float64(n), t, r + pairs[:, 0], alpha + pairs[:, 1], s, beta + pairs[:, 1])
        return np.asarray(alive * p[inverse.ravel()] + (1.0 - alive) * (n == 0), dtype=float)


def _pmf_new(n: Any, t: float, r: Any, alpha: Any, s: float, beta: Any) -> np.ndarray:
    """P(X(t) = n) for a new customer: survive to t, or die at τ < t (Gauss-Legendre in τ)."""
    n = np.asarray(n, dtype=float)
    r, alpha, beta = (np.asarray(v, dtype=float) for v in (r, alpha, beta))
    survive = np.exp(s * (np.log(beta) - np.log(beta + t))) * nbd_pmf(n, r, alpha, t)
    if t == 0:
        return np.asarray(survive, dtype=float)
    # τ = t u^2 clusters nodes near 0, where the dropout density is largest
    u = (_NODES + 1.0) / 2.0
    tau = t * u**2
    jac = t * 2.0 * u * _WEIGHTS / 2.0
    shape = np.broadcast(n, r, alpha, beta).shape
    nn, rr, aa, bb = (np.broadcast_to(v, shape)[..., None] for v in (n, r, alpha, beta))
    log_density = np.log(s) - np.log(bb) + (s + 1.0) * (np.log(bb) - np.log(bb + tau))
    log_nbd = (
        gammaln(rr + nn)
        - gammaln(rr)
        - gammaln(nn + 1.0)
        + rr * (np.log(aa) - np.log(aa + tau))
        + nn * (np.log(tau) - np.log(aa + tau))
    )
    died = np.sum(np.exp(log_density + log_nbd) * jac, axis=-1)
    return np.asarray(survive + died, dtype=float)
