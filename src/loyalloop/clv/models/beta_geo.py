"""BG/NBD: the beta-geometric / negative binomial distribution model.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2). While active a customer buys as a Poisson process
with rate ``lambda ~ Gamma(r, alpha)``; after each purchase they drop out with probability
``p ~ Beta(a, b)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln, polygamma

from loyalloop.clv._data import Distinct, Lookup, SufficientStats, dot
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


class _BetaGeoLikelihood:
    """BG/NBD mean negative log-likelihood with analytic gradient and Hessian (log-parameters).

    Per customer ``LL = A1 + A2 + log(exp(A3) + [x>0] exp(A4))`` (FHL 2005, eq. 6), written as
    ``A1 + A2 + A3 + softplus(A4 - A3)``. ``A1 + A2`` depend on ``x`` alone and are summed over
    the histogram of ``x``; ``A3`` needs ``log(alpha + T)`` per row (or per distinct ``T``),
    and only repeat buyers' rows need the softplus, with ``A4 - A3 = c_x - (r + x) L``,
    ``L = log((alpha + t_x) / (alpha + T))``.

    What limits it: per evaluation, one logarithm and one division per customer for ``T`` and
    one logarithm, one division, one logistic function and one more logarithm per repeat
    buyer, then a dozen fused multiply-sums over those rows (``numpy.einsum``, no temporaries
    and no BLAS threads); with continuous times nothing repeats, so this is the floor for
    NumPy. The Hessian reuses the arrays of the last evaluation at the same point.
    """

    def __init__(self, stats: SufficientStats) -> None:
        x, tx, T = stats["frequency"], stats["recency"], stats["T"]
        wn = stats.weights / stats.weights.sum()
        ux = Distinct(x)
        self.x_v = ux.values
        self.w_x = np.bincount(ux.inverse, wn, minlength=len(self.x_v))  # weight per x
        pos = x > 0
        zero = ~pos
        self.n_pos = int(pos.sum())
        # one-time buyers need only log(alpha + T); repeat buyers the whole softplus
        self.T0, self.w0 = Lookup(T[zero]), wn[zero]
        self.Tp, self.wp = Lookup(T[pos]), wn[pos]
        xp = x[pos]
        self.xwp = self.wp * xp
        uxp = Distinct(xp)
        self.xp_v, self.xp_inv = uxp.values, uxp.inverse
        self.xp = xp
        self.tx = Lookup(tx[pos])
        self._cache: tuple[bytes, dict[str, Any]] | None = None

    def _per_row(self, lookup: Lookup, fun: Any) -> np.ndarray:
        return lookup.map(fun(lookup.values))

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(theta)
        x_v, w_x = self.x_v, self.w_x
        log_alpha = np.log(alpha)
        log_aT0 = self._per_row(self.T0, lambda v: np.log(alpha + v))
        inv_aT0 = self._per_row(self.T0, lambda v: 1.0 / (alpha + v))
        log_aTp = self._per_row(self.Tp, lambda v: np.log(alpha + v))
        inv_aTp = self._per_row(self.Tp, lambda v: 1.0 / (alpha + v))
        coef = r * self.wp + self.xwp  # (r + x) w per repeat buyer
        # terms in x only (A1, A2) and A3
        ll = (
            dot(w_x, gammaln(r + x_v) + betaln(a, b + x_v))
            - gammaln(r)
            - betaln(a, b)
            + r * log_alpha
            - dot(coef, log_aTp)
            - r * dot(self.w0, log_aT0)
        )
        dg_ab = digamma(a + b) - digamma(a + b + x_v)
        d_r = (
            dot(w_x, digamma(r + x_v))
            - digamma(r)
            + log_alpha
            - dot(self.wp, log_aTp)
            - dot(self.w0, log_aT0)
        )
        d_alpha = r / alpha - dot(coef, inv_aTp) - r * dot(self.w0, inv_aT0)
        d_a = dot(w_x, dg_ab)
        d_b = dot(w_x, dg_ab + digamma(b + x_v) - digamma(b))
        cache: dict[str, Any] = {"inv_aT0": inv_aT0, "inv_aTp": inv_aTp, "coef": coef}
        if self.n_pos:
            rx = r + self.xp
            ell = self._per_row(self.tx, lambda v: np.log(alpha + v)) - log_aTp
            inv_atx = self._per_row(self.tx, lambda v: 1.0 / (alpha + v))
            d = inv_atx - inv_aTp  # d ell / d alpha
            u = rx * d
            c_x = np.log(a) - np.log(b + self.xp_v - 1.0)
            delta = c_x[self.xp_inv] - rx * ell
            # softplus(delta) = delta - log(expit(delta)): one expit and one log (the cheapest
            # stable pair; clipping at -700 changes softplus by < 1e-300)
            np.maximum(delta, -700.0, out=delta)
            s4 = expit(delta)  # P(the A4 branch)
            ws = self.wp * s4
            ll += dot(self.wp, delta) - dot(self.wp, np.log(s4))
            d_r -= dot(ws, ell)
            d_alpha -= dot(ws, u)
            sum_ws = float(ws.sum())
            d_a += sum_ws / a
            ws_x = np.bincount(self.xp_inv, ws, minlength=len(self.xp_v))
            d_b -= dot(ws_x, 1.0 / (b + self.xp_v - 1.0))
            cache.update(s4=s4, ws=ws, ell=ell, u=u, d=d, inv_atx=inv_atx, ws_x=ws_x, sum_ws=sum_ws)
        grad_nat = np.array([d_r, d_alpha, d_a, d_b])
        cache["grad_nat"] = grad_nat
        self._cache = (theta.tobytes(), cache)
        grad = np.exp(theta) * grad_nat
        return -float(ll), -grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Hessian of the mean negative log-likelihood in log-parameters."""
        if self._cache is None or self._cache[0] != theta.tobytes():
            self(theta)
        assert self._cache is not None
        c = self._cache[1]
        r, alpha, a, b = np.exp(theta)
        x_v, w_x = self.x_v, self.w_x
        h = np.zeros((4, 4))  # of the mean log-likelihood, natural parameters
        inv_aT0, inv_aTp = c["inv_aT0"], c["inv_aTp"]
        h[0, 0] = dot(w_x, polygamma(1, r + x_v)) - polygamma(1, r)
        h[0, 1] = 1.0 / alpha - dot(self.wp, inv_aTp) - dot(self.w0, inv_aT0)
        h[1, 1] = (
            -r / alpha**2 + dot(c["coef"], inv_aTp, inv_aTp) + r * dot(self.w0, inv_aT0, inv_aT0)
        )
        t_ab = polygamma(1, a + b) - dot(w_x, polygamma(1, a + b + x_v))
        h[2, 2] = t_ab
        h[2, 3] = t_ab
        h[3, 3] = (
            dot(w_x, polygamma(1, b + x_v) - polygamma(1, a + b + x_v))
            - polygamma(1, b)
            + polygamma(1, a + b)
        )
        if self.n_pos:
            rx = r + self.xp
            s4, ws, ell, u, d = c["s4"], c["ws"], c["ell"], c["u"], c["d"]
            q = ws * (1.0 - s4)  # w s (1 - s): softplus''
            inv_b = 1.0 / (b + self.xp_v - 1.0)
            q_x = np.bincount(self.xp_inv, q, minlength=len(self.xp_v))
            ql_x = np.bincount(self.xp_inv, q * ell, minlength=len(self.xp_v))
            qu_x = np.bincount(self.xp_inv, q * u, minlength=len(self.xp_v))
            sum_q = float(q_x.sum())
            # gradient of delta: (-ell, -u, 1/a, -1/(b + x - 1)); its outer product times q
            h[0, 0] += dot(q, ell, ell)
            h[0, 1] += dot(q, ell, u) - dot(ws, d)
            h[0, 2] += -float(ql_x.sum()) / a
            h[0, 3] += dot(ql_x, inv_b)
            h[1, 1] += dot(q, u, u) + dot(ws, rx, c["inv_atx"] ** 2 - inv_aTp**2)
            h[1, 2] += -float(qu_x.sum()) / a
            h[1, 3] += dot(qu_x, inv_b)
            h[2, 2] += sum_q / a**2 - c["sum_ws"] / a**2
            h[2, 3] += -dot(q_x, inv_b) / a
            h[3, 3] += dot(q_x, inv_b**2) + dot(c["ws_x"], inv_b**2)
        h = np.triu(h) + np.triu(h, 1).T
        p = np.exp(theta)
        # log-parameters: d2/dt_i dt_j = p_i p_j H_ij + delta_ij p_i g_i
        h_log = p[:, None] * h * p[None, :] + np.diag(p * c["grad_nat"])
        return -h_log


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
        rate = _rate_start(stats)
        starts = [
            [1.0, 1.0 / rate, 1.0, 1.0],
            [0.5, 0.5 / rate, 0.5, 2.0],
            [2.0, 2.0 / rate, 2.0, 5.0],
        ]
        return _BetaGeoLikelihood(stats), starts

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
