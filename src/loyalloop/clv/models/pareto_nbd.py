"""Pareto/NBD: Poisson purchases with exponential lifetimes, both gamma-heterogeneous.

Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will
They Do Next?", Management Science 33(1); the likelihood as in Fader & Hardie (2005), "A Note
on Deriving the Pareto/NBD Model and Related Expressions". While active a customer buys with
rate ``lambda ~ Gamma(r, alpha)``; the lifetime is exponential with rate ``mu ~ Gamma(s, beta)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, roots_legendre

from loyalloop.clv._data import Distinct, SufficientStats, dot, wsum
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


#: most series terms per evaluation; beyond it the likelihood and its gradient come from the
#: quadrature of ``_died_integral``, which is as fast already at 19 terms (1M continuous-time
#: rows, z_max = 0.1: 0.50 s CPU per value and gradient against 0.62 s for the series; at the
#: 10k sample's z_max = 0.982 the series would need 2,157 terms)
_MAX_TERMS = 24

#: Gauss-Legendre rules for ``_died_integral``, by number of nodes
_RULES = {n: roots_legendre(n) for n in (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)}
_RULE_SIZES = np.array(sorted(_RULES))
#: nodes needed: ``_NODES_PER_SLOPE * k + _NODES_MIN`` with ``k`` half the (truncated) interval
#: length times the steepest log-slope of the integrand on it (fitted against mpmath, see
#: ``_died_integral``)
_NODES_PER_SLOPE, _NODES_MIN = 0.6, 10.0
#: the integrand is dropped where it is below exp(-_TAIL_LOG) of its value at t_x
_TAIL_LOG = 45.0
#: most (rows x nodes) in one NumPy pass of the quadrature
_CHUNK = 1 << 20


def _died_integral(
    x: np.ndarray, tx: np.ndarray, T: np.ndarray, r: float, alpha: float, s: float, beta: float
) -> np.ndarray:
    """``log I`` and the means of ``log(alpha+τ)``, ``log(beta+τ)``, ``1/(alpha+τ)``,
    ``1/(beta+τ)`` under ``I``'s integrand, ``I = ∫_tx^T (alpha+τ)^-(r+x) (beta+τ)^-(s+1) dτ``.

    Returns an array of shape (5, rows). The "died in (t_x, T)" term of the likelihood is
    ``s I``, and the derivatives of ``log I`` in the four parameters are minus the exponents
    times these means, so one pass gives the value and the gradient.

    Gauss-Legendre in ``u = log(m + τ)``, ``m = min(alpha, beta)``: there the integrand
    ``exp(h(u))``, ``h(u) = (1 - p_m) u - p_M log(|alpha - beta| + e^u)`` (``p_m``, ``p_M`` the
    exponents of the smaller and larger of ``alpha + τ``, ``beta + τ``), is analytic in the strip
    ``|Im u| < π`` whatever ``|alpha - beta| / max(alpha, beta)`` (the ``z`` of the
    hypergeometric form, whose series needs ``log(1e-17) / log z`` terms: 2,157 at ``z`` =
    0.982). ``h`` is concave, so past ``u_0 + 45 / |h'(u_0)|`` (when ``h'(u_0) < 0``) the
    integrand is below ``e^-45`` of its largest value and the interval is cut there. The rule per
    row has the fewest nodes of 8, 16, ..., 512 at least ``0.6 k + 10``, ``k`` half the interval
    length times the larger ``|h'|`` at its ends (concave: the steepest). What limits it: rows
    with large ``k`` (many purchases with ``t_x`` far from ``T``) take up to 512 nodes; against
    mpmath (30 digits) on 280 random rows over seven parameter sets (``z`` from 0.05 to 0.999,
    ``x`` up to 300, ``T`` from 0.1 to 800) the largest error of ``log I`` was 2.8e-12 (3.3e-14
    relative to ``|log I|``).
    """
    small_a = alpha <= beta
    low, diff = min(alpha, beta), abs(alpha - beta)
    p_low = r + x if small_a else np.full(len(x), s + 1.0)
    p_high = np.full(len(x), s + 1.0) if small_a else r + x
    u0 = np.log(low + tx)
    length = np.log(low + T) - u0

    def slope(u: np.ndarray) -> np.ndarray:
        e = np.exp(u)
        return np.asarray(1.0 - p_low - p_high * e / (diff + e), dtype=float)

    g0 = slope(u0)
    with np.errstate(divide="ignore"):
        cut = np.where(g0 < 0, _TAIL_LOG / -g0, np.inf)
    length = np.minimum(length, cut)
    k = 0.5 * length * np.maximum(np.abs(g0), np.abs(slope(u0 + length)))
    rule = np.minimum(
        np.searchsorted(_RULE_SIZES, _NODES_PER_SLOPE * k + _NODES_MIN), len(_RULE_SIZES) - 1
    )
    out = np.empty((5, len(x)))
    for i in np.unique(rule):
        nodes, weights = _RULES[int(_RULE_SIZES[i])]
        frac = 0.5 * (nodes + 1.0)
        rows_i = np.flatnonzero(rule == i)
        step = max(1, _CHUNK // len(nodes))
        for lo in range(0, len(rows_i), step):
            rows = rows_i[lo : lo + step]
            span = length[rows]
            u = u0[rows, None] + span[:, None] * frac
            e = np.exp(u)
            high = diff + e
            log_high = np.log(high)
            h = (1.0 - p_low[rows, None]) * u - p_high[rows, None] * log_high
            top = h.max(axis=1)
            f = np.exp(h - top[:, None])
            f *= weights
            total = f.sum(axis=1)
            safe = np.where(total > 0, total, 1.0)
            with np.errstate(divide="ignore"):
                out[0, rows] = np.where(span > 0, top + np.log(0.5 * span * safe), -np.inf)
            mean_log_low = np.einsum("ij,ij->i", f, u) / safe
            mean_log_high = np.einsum("ij,ij->i", f, log_high) / safe
            f /= e
            mean_inv_low = f.sum(axis=1) / safe
            f *= e / high
            mean_inv_high = f.sum(axis=1) / safe
            if small_a:
                out[1:, rows] = mean_log_low, mean_log_high, mean_inv_low, mean_inv_high
            else:
                out[1:, rows] = mean_log_high, mean_log_low, mean_inv_high, mean_inv_low
    return out


class _ParetoNBDLikelihood:
    """Pareto/NBD mean negative log-likelihood with its analytic gradient (log-parameters).

    Per customer ``LL = C + log(exp(A) + exp(D))`` with ``C`` in ``x`` alone (summed over
    the histogram of ``x``), the "alive at T" term ``A`` and the "died in (t_x, T)" term
    ``D = log s + log(J(t_x) - J(T))``, ``J(y) = (base + y)^-m 2F1(m, b; m + 1; z) / m``
    (Fader & Hardie 2005; ``m = r + s + x``, ``z = |alpha - beta| / (base + y)``, ``base``
    the larger of ``alpha`` and ``beta``). Euler's transformation writes the hypergeometric
    function as ``(1 - z)^(1 - b) E(z)`` with ``E(z) = sum_k (c)_k / (m + 1)_k z^k``,
    ``c = m + 1 - b``: positive terms falling at least as fast as ``z^k``, whose
    derivatives in ``m``, ``c`` and ``z`` are series of the same kind. All four are summed
    by Horner's rule over both time points of every customer, with the coefficients of each
    distinct ``x`` (rows sorted by ``x`` once), so the gradient costs no extra evaluation.

    What limits it: the number of terms, ``log(1e-17) / log(z_max)`` with ``z_max = |alpha -
    beta| / max(alpha, beta)`` (about 20 where ``alpha`` and ``beta`` are of the same size,
    2,157 at the 10k sample run's estimates, ``z_max`` = 0.982), times four series times two
    time points per customer, in NumPy passes over the rows. Past ``_MAX_TERMS`` terms the
    value and the gradient come from ``_quadrature`` instead: the "died" integral itself by
    Gauss-Legendre in ``log(min(alpha, beta) + τ)`` (``_died_integral``), whose cost does not
    depend on ``z_max`` (about 0.6 s CPU per value and gradient on 1M continuous-time rows,
    either shape).
    """

    def __init__(self, stats: SufficientStats, value: Any) -> None:
        self.value = value  # the scipy-based value: a reference for the tests, not used here
        x, tx, T = stats["frequency"], stats["recency"], stats["T"]
        wn = stats.weights / stats.weights.sum()
        ux = Distinct(x)  # sorted: x = 0 first
        self.x_v = ux.values
        self.w_x = np.bincount(ux.inverse, wn, minlength=len(self.x_v))
        self.counts = np.bincount(ux.inverse, minlength=len(self.x_v))
        order = np.argsort(ux.inverse, kind="stable")
        self.x, self.tx, self.T, self.w = x[order], tx[order], T[order], wn[order]
        self.n = len(self.x)
        # one-time buyers (x = 0, so t_x = 0) share one t_x point: y = 0
        self.n0 = int(self.counts[0]) if self.x_v[0] == 0 else 0
        # points: every customer's T, then t_x of the repeat buyers
        self.y = np.concatenate([self.T, self.tx[self.n0 :]])
        row_codes = np.repeat(np.arange(len(self.x_v)), self.counts)
        self.point_codes = np.concatenate([row_codes, row_codes[self.n0 :]])
        self.min_y = float(self.y.min()) if self.n0 == 0 else 0.0

    def _per_point(self, per_x: np.ndarray) -> np.ndarray:
        """Per-x values at every point (T points of all rows, then t_x of repeat buyers)."""
        rows = np.repeat(per_x, self.counts)
        return np.concatenate([rows, rows[self.n0 :]])

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, s, beta = np.exp(theta)
        big = alpha >= beta
        base, other = (alpha, beta) if big else (beta, alpha)
        diff = base - other
        z_max = diff / (base + self.min_y)
        terms = 2 if z_max == 0 else int(np.ceil(np.log(1e-17) / np.log(z_max))) + 2
        if terms > _MAX_TERMS:
            return self._quadrature(r, alpha, s, beta)
        n, n0, y = self.n, self.n0, self.y
        x_v = self.x_v
        m_v = r + s + x_v
        b_v = np.full_like(x_v, s + 1.0) if big else r + x_v
        # per point: log J and the pieces of its derivatives (see the class docstring)
        inv_by = 1.0 / (base + y)
        log_by = np.log(base + y)
        z = diff * inv_by
        e, e_m, e_c, e_z = self._series(r, s, big, z, terms)
        inv_e = 1.0 / e
        log1mz = np.log1p(-z)
        m_p, b_p = self._per_point(m_v), self._per_point(b_v)
        log_j = -m_p * log_by + (1.0 - b_p) * log1mz - self._per_point(np.log(m_v)) + np.log(e)
        h_m = e_m * inv_e - self._per_point(1.0 / m_v)
        h_c = e_c * inv_e
        h_z = (b_p - 1.0) / (1.0 - z) + e_z * inv_e
        # the shared t_x = 0 point of the one-time buyers
        if n0:
            z0 = np.array([diff / base])
            e0, em0, ec0, ez0 = self._series(r, s, big, z0, terms, only_first=True)
            m0, b0 = m_v[0], b_v[0]
            lj0 = -m0 * np.log(base) + (1 - b0) * np.log1p(-z0[0]) - np.log(m0) + np.log(e0[0])
            p0 = {
                "log_by": np.log(base),
                "h_m": em0[0] / e0[0] - 1.0 / m0,
                "h_c": ec0[0] / e0[0],
                "h_b": -np.log1p(-z0[0]),
                "m_inv": m0 / base,
                "hz_inv": ((b0 - 1.0) / (1.0 - z0[0]) + ez0[0] / e0[0]) / base,
                "hz_other": ((b0 - 1.0) / (1.0 - z0[0]) + ez0[0] / e0[0]) * other / base**2,
            }
            lj_tx = np.concatenate([np.full(n0, lj0), log_j[n:]])
        else:
            lj_tx = log_j[n:]
        lj_T = log_j[:n]
        q = np.exp(lj_T - lj_tx)  # J(T) / J(t_x), in [0, 1]
        with np.errstate(divide="ignore"):
            died = np.log(s) + lj_tx + np.log1p(-np.minimum(q, 1.0))
        x, T, w = self.x, self.T, self.w
        log_aT = log_by[:n] if big else np.log(alpha + T)
        log_bT = np.log(beta + T) if big else log_by[:n]
        alive = -(r + x) * log_aT - s * log_bT
        mix = np.logaddexp(alive, died)
        p_alive = np.exp(alive - mix)
        f = np.exp(np.log(s) + lj_tx - mix)  # weight of the derivatives of log J
        ll = dot(self.w_x, gammaln(r + x_v)) - gammaln(r) + r * np.log(alpha)
        ll += s * np.log(beta) + dot(w, mix)
        # sums over points of the signed weights (t_x: + w f, T: - w f q) times each piece
        wf = w * f
        u = np.concatenate([-wf * q, wf[n0:]])
        u0 = float(wf[:n0].sum())
        sums = {
            "log_by": dot(u, log_by),
            "h_m": dot(u, h_m),
            "h_c": dot(u, h_c),
            "h_b": -dot(u, log1mz),
            "m_inv": dot(u, m_p, inv_by),
            "hz_inv": dot(u, h_z, inv_by),
            "hz_other": dot(u, h_z, (other + y) * inv_by**2),
        }
        if n0:
            for key, val in p0.items():
                sums[key] += u0 * float(val)
        if big:  # b = s + 1, c = r + x
            j_r = -sums["log_by"] + sums["h_m"] + sums["h_c"]
            j_s = -sums["log_by"] + sums["h_m"] + sums["h_b"]
            j_a = -sums["m_inv"] + sums["hz_other"]
            j_b = -sums["hz_inv"]
        else:  # b = r + x, c = s + 1
            j_r = -sums["log_by"] + sums["h_m"] + sums["h_b"]
            j_s = -sums["log_by"] + sums["h_m"] + sums["h_c"]
            j_a = -sums["hz_inv"]
            j_b = -sums["m_inv"] + sums["hz_other"]
        g_r = (
            dot(self.w_x, digamma(r + x_v))
            - digamma(r)
            + np.log(alpha)
            - dot(w, p_alive, log_aT)
            + j_r
        )
        g_a = r / alpha - dot(w, p_alive, (r + x) / (alpha + T)) + j_a
        g_s = np.log(beta) - dot(w, p_alive, log_bT) + dot(w, 1.0 - p_alive) / s + j_s
        g_b = s / beta - s * dot(w, p_alive, 1.0 / (beta + T)) + j_b
        grad = np.exp(theta) * np.array([g_r, g_a, g_s, g_b])
        return -float(ll), -grad

    def _quadrature(
        self, r: float, alpha: float, s: float, beta: float
    ) -> tuple[float, np.ndarray]:
        """Value and gradient with the "died" term by quadrature (``_died_integral``)."""
        x, tx, T, w, x_v = self.x, self.tx, self.T, self.w, self.x_v
        log_i, m_la, m_lb, m_ia, m_ib = _died_integral(x, tx, T, r, alpha, s, beta)
        log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
        alive = -(r + x) * log_aT - s * log_bT
        mix = np.logaddexp(alive, np.log(s) + log_i)
        p_alive = np.exp(alive - mix)
        p_died = 1.0 - p_alive
        ll = dot(self.w_x, gammaln(r + x_v)) - gammaln(r) + r * np.log(alpha)
        ll += s * np.log(beta) + dot(w, mix)
        g_r = dot(self.w_x, digamma(r + x_v)) - digamma(r) + np.log(alpha)
        g_r -= dot(w, p_alive, log_aT) + dot(w, p_died, m_la)
        g_a = r / alpha - dot(w, p_alive, (r + x) / (alpha + T)) - dot(w, p_died, (r + x) * m_ia)
        g_s = np.log(beta) - dot(w, p_alive, log_bT) + dot(w, p_died) / s - dot(w, p_died, m_lb)
        g_b = s / beta - s * dot(w, p_alive, 1.0 / (beta + T)) - (s + 1.0) * dot(w, p_died, m_ib)
        grad = np.array([r, alpha, s, beta]) * np.array([g_r, g_a, g_s, g_b])
        return -float(ll), -grad

    def _series(
        self,
        r: float,
        s: float,
        big: bool,
        z: np.ndarray,
        terms: int,
        *,
        only_first: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``E, dE/dm, dE/dc, dE/dz`` at the points ``z`` (laid out as ``self.y``), or, with
        ``only_first``, at the single point ``z`` for the first distinct ``x``."""
        x_v = self.x_v[:1] if only_first else self.x_v
        k = np.arange(terms - 1, dtype=float)[None, :]
        m = (r + s + x_v)[:, None]
        c = (r + x_v)[:, None] if big else np.full_like(m, s + 1.0)
        # per distinct x: e_k = (c)_k / (m + 1)_k and the derivatives of log e_k in m and c
        ones, zeros = np.ones((len(x_v), 1)), np.zeros((len(x_v), 1))
        e_k = np.hstack([ones, np.cumprod((c + k) / (m + 1.0 + k), axis=1)])
        dm_k = -np.hstack([zeros, np.cumsum(1.0 / (m + 1.0 + k), axis=1)])
        dc_k = np.hstack([zeros, np.cumsum(1.0 / (c + k), axis=1)])
        e_z = np.hstack([(k + 1.0) * e_k[:, 1:], zeros])
        coef = np.stack([e_k, e_k * dm_k, e_k * dc_k, e_z])  # (4, distinct x, terms)
        if only_first or len(z) * terms < 4_000_000:
            # few points: Horner with each point's coefficients gathered (no Python loop
            # over the distinct x)
            codes = np.zeros(len(z), dtype=np.int64) if only_first else self.point_codes
            acc = coef[:, codes, terms - 1]
            for j in range(terms - 2, -1, -1):
                acc *= z
                acc += coef[:, codes, j]
            return acc[0], acc[1], acc[2], acc[3]
        # many points: Horner block by block (rows are sorted by x), scalar coefficients
        out = np.empty((4, len(z)))
        rows = np.concatenate([[0], np.cumsum(self.counts)])
        for i, xv in enumerate(x_v):
            lo, hi = int(rows[i]), int(rows[i + 1])
            parts = [slice(lo, hi)]
            if xv > 0:  # their t_x points follow all T points
                parts.append(slice(self.n + lo - self.n0, self.n + hi - self.n0))
            for part in parts:
                zb = z[part]
                acc = np.empty((4, len(zb)))
                acc[:] = coef[:, i, -1:]
                for j in range(terms - 2, -1, -1):
                    acc *= zb
                    acc += coef[:, i, j : j + 1]
                out[:, part] = acc
        return out[0], out[1], out[2], out[3]


class ParetoNBDModel(TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    Parameters (after ``fit``) ``r, alpha`` (purchase rate) and ``s, beta`` (dropout rate).
    The fit uses the likelihood's analytic gradient (``_ParetoNBDLikelihood``): a series in
    the hypergeometric form where it converges fast, a quadrature of the "died" integral
    elsewhere. Predictions use scipy's hyp2f1 once per distinct ``(frequency, recency)`` and
    ``(frequency, T)`` pair.
    """

    param_names = ("r", "alpha", "s", "beta")

    def _objective(self, stats: SufficientStats) -> tuple[Any, list[list[float]]]:
        x, tx, T, w = stats["frequency"], stats["recency"], stats["T"], stats.weights
        wn = w / w.sum()
        pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

        def value(theta: np.ndarray) -> float:
            # the slow path (scipy's hyp2f1), each function once per distinct (x, t) pair
            if not pairs:
                p_tx, inv_tx = np.unique(np.column_stack([x, tx]), axis=0, return_inverse=True)
                p_T, inv_T = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
                pairs.append((p_tx, inv_tx.ravel(), p_T, inv_T.ravel()))
            r, alpha, s, beta = np.exp(theta)
            common, alive, died = _log_components(x, tx, T, r, alpha, s, beta, pairs[0])
            return -wsum(wn, common + np.logaddexp(alive, died))

        objective = _ParetoNBDLikelihood(stats, value)

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
