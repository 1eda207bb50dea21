"""Qini and uplift curves, their areas, and bootstrap intervals (Radcliffe 2007).

Units are ranked by a score (predicted uplift), highest first. At each cut-off (after each
distinct score) with ``N_t``, ``N_c`` treated and control units above it and ``Y_t``, ``Y_c``
their summed outcomes:

* Qini curve: ``Q = Y_t − Y_c N_t / N_c`` — the incremental outcome among the targeted,
  scaled to the treated count;
* uplift curve: ``U = (Y_t / N_t − Y_c / N_c) (N_t + N_c)``.

Both start at 0 and end at the whole sample's incremental outcome; random targeting is the
straight line between. The definitions and tie handling are scikit-uplift's (checked in the
tests). Areas:

``qini_area`` / ``auuc_area``
    Area between the curve and the random line, divided by ``n²``: in outcome units per unit,
    defined for any outcome (0/1 or revenue). Zero for random targeting.
``qini_coefficient`` / ``auuc_coefficient``
    For 0/1 outcomes, that area over the area of the perfect ranking (scikit-uplift's
    ``qini_auc_score``, ``uplift_auc_score``): 1 is perfect, 0 random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Curve",
    "Interval",
    "auuc_area",
    "auuc_coefficient",
    "bootstrap_interval",
    "qini_area",
    "qini_coefficient",
    "qini_curve",
    "uplift_at",
    "uplift_curve",
]


@dataclass(frozen=True)
class Curve:
    """Points of a curve: ``x`` units targeted (starting at 0), ``y`` the curve's value."""

    x: np.ndarray
    y: np.ndarray

    def at_fractions(self, fractions: ArrayLike) -> np.ndarray:
        """The curve interpolated at shares of the population (0–1)."""
        f = np.asarray(fractions, dtype="float64")
        return np.interp(f * self.x[-1], self.x, self.y)


@dataclass(frozen=True)
class Interval:
    """A value with a bootstrap percentile interval."""

    value: float
    low: float
    high: float
    resamples: int


def _arrays(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> tuple[np.ndarray, ...]:
    yv = np.asarray(y, dtype="float64")
    tv = np.asarray(t, dtype="float64")
    sv = np.asarray(score, dtype="float64")
    if not (yv.shape == tv.shape == sv.shape) or yv.ndim != 1:
        raise ValueError("outcome, treatment and score must be 1-d arrays of one length")
    if not np.isin(tv, (0.0, 1.0)).all():
        raise ValueError("treatment must be 0 or 1")
    if not (np.isfinite(yv).all() and np.isfinite(sv).all()):
        raise ValueError("outcome and score must be finite")
    return yv, tv, sv


def _cumulative(y: np.ndarray, t: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(score, kind="mergesort")[::-1]
    y, t, s = y[order], t[order], score[order]
    cut = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]
    n_t = np.cumsum(t)[cut]
    n_all = (cut + 1).astype("float64")
    n_c = n_all - n_t
    y_t = np.cumsum(y * t)[cut]
    y_c = np.cumsum(y * (1 - t))[cut]
    return n_all, n_t, n_c, y_t, y_c


def _start_at_zero(x: np.ndarray, v: np.ndarray) -> Curve:
    return Curve(np.r_[0.0, x], np.r_[0.0, v])


def qini_curve(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> Curve:
    """The Qini curve of ``score`` (module docstring)."""
    n_all, n_t, n_c, y_t, y_c = _cumulative(*_arrays(y, t, score))
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return _start_at_zero(n_all, y_t - y_c * ratio)


def uplift_curve(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> Curve:
    """The uplift curve of ``score`` (module docstring)."""
    n_all, n_t, n_c, y_t, y_c = _cumulative(*_arrays(y, t, score))
    rate_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
    rate_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
    return _start_at_zero(n_all, (rate_t - rate_c) * (n_t + n_c))


def _area_over_random(c: Curve) -> float:
    random = 0.5 * c.x[-1] * c.y[-1]
    return float(np.trapezoid(c.y, c.x) - random)


def qini_area(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    """Area between the Qini curve and random targeting, over ``n²``."""
    c = qini_curve(y, t, score)
    return _area_over_random(c) / c.x[-1] ** 2


def auuc_area(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    """Area between the uplift curve and random targeting, over ``n²``."""
    c = uplift_curve(y, t, score)
    return _area_over_random(c) / c.x[-1] ** 2


def _binary(y: np.ndarray) -> None:
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("the normalised coefficients are defined for 0/1 outcomes only")


def qini_coefficient(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    """Qini area over that of the perfect ranking (0/1 outcomes; scikit-uplift's definition)."""
    yv, tv, sv = _arrays(y, t, score)
    _binary(yv)
    perfect = qini_curve(yv, tv, yv * tv - yv * (1 - tv))
    denom = _area_over_random(perfect)
    return _area_over_random(qini_curve(yv, tv, sv)) / denom if denom else math.nan


def auuc_coefficient(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    """Uplift-curve area over that of the perfect ranking (scikit-uplift's definition)."""
    yv, tv, sv = _arrays(y, t, score)
    _binary(yv)
    control_responders = np.sum((yv == 1) & (tv == 0))
    treated_non_responders = np.sum((yv == 0) & (tv == 1))
    summand = yv if control_responders > treated_non_responders else tv
    perfect = uplift_curve(yv, tv, 2 * (yv == tv) + summand)
    denom = _area_over_random(perfect)
    return _area_over_random(uplift_curve(yv, tv, sv)) / denom if denom else math.nan


def uplift_at(y: ArrayLike, t: ArrayLike, score: ArrayLike, fraction: float) -> float:
    """Mean outcome of treated minus control among the top ``fraction`` by score."""
    yv, tv, sv = _arrays(y, t, score)
    k = max(1, round(fraction * yv.size))
    top = np.argsort(sv, kind="mergesort")[::-1][:k]
    yt, tt = yv[top], tv[top]
    if tt.sum() == 0 or tt.sum() == k:
        return math.nan
    return float(yt[tt == 1].mean() - yt[tt == 0].mean())


def bootstrap_interval(
    metric: str,
    y: ArrayLike,
    t: ArrayLike,
    score: ArrayLike,
    *,
    resamples: int = 200,
    level: float = 0.95,
    random_state: int = 0,
) -> Interval:
    """``metric`` (``qini_area``, ``auuc_area``, ``qini_coefficient`` or
    ``auuc_coefficient``) with a percentile interval from resampling units with replacement
    within the treated and within the control group."""
    fns = {
        "qini_area": qini_area,
        "auuc_area": auuc_area,
        "qini_coefficient": qini_coefficient,
        "auuc_coefficient": auuc_coefficient,
    }
    fn = fns[metric]
    yv, tv, sv = _arrays(y, t, score)
    value = fn(yv, tv, sv)
    rng = np.random.default_rng(random_state)
    groups = [np.flatnonzero(tv == g) for g in (0.0, 1.0)]
    draws = np.empty(resamples)
    for b in range(resamples):
        idx = np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups])
        draws[b] = fn(yv[idx], tv[idx], sv[idx])
    alpha = 1 - level
    low, high = np.nanquantile(draws, [alpha / 2, 1 - alpha / 2])
    return Interval(float(value), float(low), float(high), resamples)
