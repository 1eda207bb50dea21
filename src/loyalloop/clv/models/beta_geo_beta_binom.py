"""BG/BB: the beta-geometric / beta-Bernoulli model for discrete-time transactions.

Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
Setting", Marketing Science 29(6). At each of ``T`` transaction opportunities an active
customer buys with probability ``p ~ Beta(alpha, beta)``; before each opportunity they drop
out with probability ``theta ~ Beta(gamma, delta)``. ``frequency`` counts opportunities with a
purchase, ``recency`` is the last such opportunity (0 if none), ``T`` the number of
opportunities observed (the paper's ``n``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, gammaln

from loyalloop.clv._data import SufficientStats, wsum
from loyalloop.clv._optimize import NumericObjective
from loyalloop.clv.models.base import TransactionModel

__all__ = ["BetaGeoBetaBinomModel"]


def _log_lik(
    x: np.ndarray,
    tx: np.ndarray,
    n: np.ndarray,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(log-likelihood per row, log of its 'alive at n' term); FHS 2010 eq. (5)."""
    b_ab = betaln(alpha, beta)
    b_gd = betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) - b_ab + betaln(gamma, delta + n) - b_gd
    k_max = int(np.max(n - tx)) if len(n) else 0
    if k_max <= 0:
        return alive, alive
    i = np.arange(k_max)[None, :]
    valid = i < (n - tx)[:, None]
    terms = (
        betaln(alpha + x[:, None], beta + tx[:, None] - x[:, None] + i)
        - b_ab
        + betaln(gamma + 1.0, delta + tx[:, None] + i)
        - b_gd
    )
    terms = np.where(valid, terms, -np.inf)
    all_terms = np.concatenate([alive[:, None], terms], axis=1)
    mx = np.max(all_terms, axis=1)
    ll = mx + np.log(np.sum(np.exp(all_terms - mx[:, None]), axis=1))
    return ll, alive


def _log_binom(n: Any, k: Any) -> Any:
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


class BetaGeoBetaBinomModel(TransactionModel):
    """BG/BB model (Fader, Hardie & Shang 2010). Parameters ``alpha, beta, gamma, delta``.

    Time is counted in whole transaction opportunities: ``t`` in the predictions is a number of
    future opportunities.
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    discrete = True

    def _objective(self, stats: SufficientStats) -> tuple[Any, list[list[float]]]:
        x, tx, n, w = stats["frequency"], stats["recency"], stats["T"], stats.weights
        wn = w / w.sum()

        def value(theta: np.ndarray) -> float:
            alpha, beta, gamma, delta = np.exp(theta)
            ll, _ = _log_lik(x, tx, n, alpha, beta, gamma, delta)
            return -wsum(wn, ll)

        objective = NumericObjective(value)

        share = float((w * x).sum() / max((w * n).sum(), 1.0))
        starts = [
            [1.0, max(1.0 / max(share, 1e-3) - 1.0, 0.1), 1.0, 1.0],
            [0.5, 0.5, 0.5, 2.0],
            [2.0, 2.0, 2.0, 5.0],
        ]
        return objective, starts

    def _ll_alive(self, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> tuple[Any, Any]:
        alpha, beta, gamma, delta = self._p()
        return _log_lik(x, tx, n, alpha, beta, gamma, delta)

    def _probability_alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive at opportunity T + 1), as in FHS 2010 eq. (11)."""
        _, _, gamma, delta = self._p()
        ll, alive_n = self._ll_alive(x, tx, T)
        step = betaln(gamma, delta + T + 1.0) - betaln(gamma, delta + T)
        return np.asarray(np.exp(alive_n + step - ll), dtype=float)

    def _alive_at_n(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        ll, alive_n = self._ll_alive(x, tx, T)
        return np.asarray(np.exp(alive_n - ll), dtype=float)

    def _conditional_expected(
        self, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        alpha, beta, gamma, delta = self._p()
        alive = self._alive_at_n(x, tx, T)
        # alive at n: the future is a new customer's with posterior parameters (FHS eq. 13)
        return alive * _expected_new(t, alpha + x, beta + T - x, gamma, delta + T)

    def _new_customer_expected(self, t: np.ndarray) -> np.ndarray:
        alpha, beta, gamma, delta = self._p()
        return _expected_new(t, alpha, beta, gamma, delta)

    def _new_customer_pmf(self, n: np.ndarray, t: float) -> np.ndarray:
        alpha, beta, gamma, delta = self._p()
        return _pmf_new(n, t, alpha, beta, gamma, delta)

    def _conditional_pmf(
        self, n: int, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        alpha, beta, gamma, delta = self._p()
        alive = self._alive_at_n(x, tx, T)
        p = _pmf_new(float(n), t, alpha + x, beta + T - x, gamma, delta + T)
        return np.asarray(alive * p + (1.0 - alive) * (n == 0), dtype=float)

    def expected_purchases(self, t: float, data: Any = None) -> Any:
        _check_whole(t)
        return super().expected_purchases(t, data)


def _check_whole(t: Any) -> None:
    from loyalloop.errors import DataValidationError

    arr = np.asarray(t, dtype=float)
    if np.any(arr != np.floor(arr)):
        raise DataValidationError("BG/BB counts whole transaction opportunities: t must be whole")


def _expected_new(t: Any, alpha: Any, beta: Any, gamma: float, delta: Any) -> np.ndarray:
    """E[X(t)] over the first ``t`` opportunities of a new customer (FHS 2010 eq. 8)."""
    t = np.asarray(t, dtype=float)
    if gamma == 1.0:
        gamma = 1.0 + 1e-12
    ratio = np.exp(
        gammaln(gamma + delta)
        + gammaln(1.0 + delta + t)
        - gammaln(gamma + delta + t)
        - gammaln(1.0 + delta)
    )
    return np.asarray(alpha / (alpha + beta) * delta / (gamma - 1.0) * (1.0 - ratio), dtype=float)


def _pmf_new(k: Any, t: float, alpha: Any, beta: Any, gamma: float, delta: Any) -> np.ndarray:
    """P(X(t) = k) over the first ``t`` opportunities of a new customer (FHS 2010 eq. 7)."""
    k = np.asarray(k, dtype=float)
    t = float(t)
    b_ab = betaln(alpha, beta)
    b_gd = betaln(gamma, delta)
    with np.errstate(invalid="ignore"):
        first = np.where(
            k <= t,
            np.exp(
                _log_binom(t, np.minimum(k, t))
                + betaln(alpha + k, beta + t - np.minimum(k, t))
                - b_ab
                + betaln(gamma, delta + t)
                - b_gd
            ),
            0.0,
        )
    total = np.asarray(first, dtype=float)
    for i in range(int(t)):
        fi = float(i)
        with np.errstate(invalid="ignore"):
            term = np.where(
                k <= fi,
                np.exp(
                    _log_binom(fi, np.minimum(k, fi))
                    + betaln(alpha + k, beta + fi - np.minimum(k, fi))
                    - b_ab
                    + betaln(gamma + 1.0, delta + fi)
                    - b_gd
                ),
                0.0,
            )
        total = total + term
    return np.asarray(total, dtype=float)
