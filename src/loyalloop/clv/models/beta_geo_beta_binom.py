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
from scipy.special import betaln, digamma, gammaln

from loyalloop.clv._data import Distinct, SufficientStats, wsum
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


class _BGBBLikelihood:
    """BG/BB mean negative log-likelihood with its analytic gradient (log-parameters).

    A customer's likelihood is the "alive at n" term plus ``S(x, t_x, n) = sum_{j=t_x}^{n-1}
    f(x, j)`` with ``f(x, j) = B(alpha+x, beta+j-x) B(gamma+1, delta+j) / (B(alpha, beta)
    B(gamma, delta))`` (FHS 2010, eq. 5). ``log f`` is a sum of one-dimensional pieces (in
    ``x``, in ``j - x`` and in ``j``), so ``f`` is built once per evaluation on the grid of
    distinct ``x`` by opportunity ``j`` and every customer's sum is a difference of two
    reverse cumulative sums along ``j``; the gradient's sums (``f`` times digamma terms) are
    made the same way. Cost per evaluation: (distinct ``x``) x (most opportunities) grid
    cells plus a few look-ups per distinct row, whatever the number of customers: with daily
    opportunities over two years, a 731 x 731 grid.
    """

    def __init__(self, stats: SufficientStats) -> None:
        self.x, self.tx, self.n = stats["frequency"], stats["recency"], stats["T"]
        self.wn = stats.weights / stats.weights.sum()
        ux = Distinct(self.x)
        self.x_v, self.x_inv = ux.values, ux.inverse
        self.n_max = int(self.n.max())
        self.j = np.arange(self.n_max + 1, dtype=float)
        # k = j - x on the grid (negative where j < x: no such term)
        self.k = self.j[None, :] - self.x_v[:, None]
        self.valid = self.k >= 0
        self.k_idx = np.where(self.valid, self.k, 0).astype(np.int64)
        self.tx_i = self.tx.astype(np.int64)
        self.n_i = self.n.astype(np.int64)
        self.nx_i = (self.n - self.x).astype(np.int64)

    def _range_sums(self, grid_terms: list[np.ndarray], scale: np.ndarray) -> list[np.ndarray]:
        """Per row: sum over j in [t_x, n) of each grid (rows of the grid = distinct x)."""
        out = []
        for g in grid_terms:
            # reverse cumulative sums with a zero column at j = n_max + 1
            rev = np.zeros((g.shape[0], g.shape[1] + 1))
            rev[:, :-1] = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]
            out.append((rev[self.x_inv, self.tx_i] - rev[self.x_inv, self.n_i]) * scale)
        return out

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, beta, gamma, delta = np.exp(theta)
        x, n, x_v, j = self.x, self.n, self.x_v, self.j
        b_ab, b_gd = betaln(alpha, beta), betaln(gamma, delta)
        # alive at n
        log_alive = (
            gammaln(alpha + x)
            + gammaln(beta + n - x)
            - gammaln(alpha + beta + n)
            - b_ab
            + betaln(gamma, delta + n)
            - b_gd
        )
        # the grid of log f(x, j)
        lg_b = gammaln(beta + self.j)  # by k = j - x
        per_j = -gammaln(alpha + beta + j) + betaln(gamma + 1.0, delta + j) - b_ab - b_gd  # by j
        log_f = gammaln(alpha + x_v)[:, None] + lg_b[self.k_idx] + per_j[None, :]
        log_f = np.where(self.valid, log_f, -np.inf)
        top = np.max(log_f, axis=1)  # per x, for scaling
        f = np.exp(log_f - top[:, None])
        dg_abj = digamma(alpha + beta + j)
        dg_bk = digamma(beta + j)[self.k_idx]
        dg_gdj = digamma(gamma + delta + 1.0 + j)
        dg_dj = digamma(delta + j)
        scale_row = np.exp(top[self.x_inv] - log_alive)  # S relative to the alive term
        s0, s_ab, s_b, s_gd, s_d = self._range_sums(
            [
                f,
                f * dg_abj[None, :],
                np.where(self.valid, f * dg_bk, 0.0),
                f * dg_gdj[None, :],
                f * dg_dj[None, :],
            ],
            scale_row,
        )
        total = 1.0 + s0  # likelihood / alive term
        ll = log_alive + np.log(total)
        # gradient: alive term's d log, plus the sums' (f times d log f), over the total
        base_a = digamma(alpha) - digamma(alpha + beta)
        base_b = digamma(beta) - digamma(alpha + beta)
        base_g = digamma(gamma) - digamma(gamma + delta)
        base_d = digamma(delta) - digamma(gamma + delta)
        dg_ax = digamma(alpha + x)
        dg_abn = digamma(alpha + beta + n)
        alive_a = dg_ax - dg_abn - base_a
        alive_b = digamma(beta + n - x) - dg_abn - base_b
        alive_g = -digamma(gamma + delta + n) + digamma(gamma + delta)
        alive_d = digamma(delta + n) - digamma(gamma + delta + n) - base_d
        sum_a = (dg_ax - base_a) * s0 - s_ab
        sum_b = s_b - s_ab - base_b * s0
        sum_g = (digamma(gamma + 1.0) - base_g) * s0 - s_gd
        sum_d = s_d - s_gd - base_d * s0
        wt = self.wn / total
        grad = np.array(
            [
                alpha * wsum(wt, alive_a + sum_a),
                beta * wsum(wt, alive_b + sum_b),
                gamma * wsum(wt, alive_g + sum_g),
                delta * wsum(wt, alive_d + sum_d),
            ]
        )
        return -wsum(self.wn, ll), -grad


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
        x, n, w = stats["frequency"], stats["T"], stats.weights
        share = float((w * x).sum() / max((w * n).sum(), 1.0))
        starts = [
            [1.0, max(1.0 / max(share, 1e-3) - 1.0, 0.1), 1.0, 1.0],
            [0.5, 0.5, 0.5, 2.0],
            [2.0, 2.0, 2.0, 5.0],
        ]
        return _BGBBLikelihood(stats), starts

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
