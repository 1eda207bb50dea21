"""Special functions evaluated in log space, stable where the plain forms overflow."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.integrate import quad
from scipy.special import hyp2f1

__all__ = ["log_hyp2f1", "log_hyp2f1_c_eq_a_plus_1", "logsubexp"]


def logsubexp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(exp(a) - exp(b))`` for ``a >= b`` (``-inf`` where equal)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.asarray(b - a, dtype=float)
        out = a + np.log1p(-np.exp(np.minimum(diff, 0.0)))
    return np.where(diff >= 0, -np.inf, out)


def log_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> np.ndarray:
    """``log 2F1(a, b; c; z)`` for ``0 <= z < 1`` and a positive result.

    Uses Euler's transformation ``2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z)`` where
    the direct value overflows or is not positive.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        direct = hyp2f1(a, b, c, z)
        out = np.log(direct)
        bad = ~np.isfinite(out)
        if np.any(bad):
            a_, b_, c_, z_ = np.broadcast_arrays(a, b, c, z)
            alt = np.log(hyp2f1(c_ - a_, c_ - b_, c_, z_)) + (c_ - a_ - b_) * np.log1p(-z_)
            out = np.where(bad, alt, out)
    return np.asarray(out, dtype=float)


def log_hyp2f1_c_eq_a_plus_1(a: Any, b: Any, z: Any) -> np.ndarray:
    """``log 2F1(a, b; a + 1; z)`` for ``a > 0``, ``b > 0``, ``0 <= z < 1``.

    This is the function in the Pareto/NBD likelihood. Written as
    ``(1-z)^(1-b) 2F1(1, a+1-b; a+1; z)`` (Euler's transformation), the factor that can overflow
    (``b`` large as ``z -> 1``) is taken in log space and the remaining series has unit first
    parameter and stays moderate (its series has positive terms decreasing at least
    geometrically with ratio ``z``), for both branches of the likelihood (``alpha >= beta`` and
    ``alpha < beta``). Where scipy still fails (large ``a`` with ``z`` near 1) the value comes
    from a quadrature of Euler's integral in a form that cannot overflow.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    z = np.asarray(z, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rest = hyp2f1(1.0, a + 1.0 - b, a + 1.0, z)
        out = np.asarray((1.0 - b) * np.log1p(-z) + np.log(rest), dtype=float)
    bad = ~np.isfinite(out)
    if np.any(bad):
        # scipy's hyp2f1 gives up (nan) for large a with z close to 1: integrate instead
        a_, b_, z_ = np.broadcast_arrays(a, b, z)
        out = np.array(np.broadcast_to(out, a_.shape))
        for where in np.argwhere(np.broadcast_to(bad, a_.shape)):
            idx = tuple(where)
            out[idx] = _log_hyp2f1_c_eq_a_plus_1_quad(
                float(a_[idx]), float(b_[idx]), float(z_[idx])
            )
    return out


def _log_hyp2f1_c_eq_a_plus_1_quad(a: float, b: float, z: float) -> float:
    """``log 2F1(a, b; a+1; z)`` by quadrature (slow path for the cases scipy cannot do).

    With ``t = exp(-u/a)`` in Euler's integral ``2F1(a,b;a+1;z) = a ∫_0^1 t^(a-1) (1-zt)^-b dt``
    the function is ``(1-z)^-b ∫_0^∞ e^-u ((1-z)/(1 - z e^(-u/a)))^b du``; the integrand lies
    in (0, 1], so nothing overflows.
    """
    if z == 0.0:
        return 0.0
    log1mz = np.log1p(-z)

    def integrand(u: float) -> float:
        return float(np.exp(-u + b * (log1mz - np.log1p(-z * np.exp(-u / a)))))

    value, _ = quad(integrand, 0.0, np.inf, epsabs=0.0, epsrel=1e-13, limit=200)
    return float(-b * log1mz + np.log(value))
