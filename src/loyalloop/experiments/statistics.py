"""Sufficient statistics of one arm: what the engine computes, and what the tests read.

Every test in this package works on these few numbers per arm (as GrowthBook's gbstats does),
so the data never has to leave the engine: a ``GROUP BY arm`` with ``count``, ``sum`` and
``sum`` of squares and cross-products is enough (see :mod:`loyalloop.experiments.aggregate`).

=========================  ==============================================================
statistic                   metric
=========================  ==============================================================
:class:`SampleMean`         any numeric metric per unit (revenue, visits); variance with
                            ``n - 1``
:class:`Proportion`         a 0/1 metric (converted, retained); variance ``p (1 - p)``
:class:`Ratio`              ``sum(numerator) / sum(denominator)`` over units (revenue per
                            order, clicks per session); unit variance by the delta method
:class:`Adjusted`           CUPED: a metric (:class:`SampleMean` or :class:`Proportion`)
                            with a pre-period covariate and their cross-product
=========================  ==============================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Adjusted",
    "Proportion",
    "Ratio",
    "SampleMean",
    "Statistic",
    "variance_of_ratio",
]


def variance_of_ratio(
    mean_m: float, var_m: float, mean_d: float, var_d: float, cov_md: float
) -> float:
    """Delta-method variance of ``M / D`` from the moments of ``M`` and ``D``.

    ``var(M/D) ≈ var_m / μ_d² + var_d μ_m² / μ_d⁴ − 2 cov μ_m / μ_d³``; ``nan`` if ``μ_d = 0``.
    """
    if mean_d == 0:
        return math.nan
    return var_m / mean_d**2 + var_d * mean_m**2 / mean_d**4 - 2.0 * cov_md * mean_m / mean_d**3


@dataclass(frozen=True)
class SampleMean:
    """A numeric metric: ``n`` units, the ``sum`` of the metric and the sum of its squares."""

    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n > 0 else math.nan

    @property
    def variance(self) -> float:
        """Sample variance of one unit (``n − 1`` in the denominator); ``nan`` if ``n < 2``."""
        if self.n < 2:
            return math.nan
        return max((self.sum_squares - self.sum**2 / self.n) / (self.n - 1), 0.0)

    @classmethod
    def from_values(cls, values: ArrayLike) -> SampleMean:
        """The statistic of raw values (for tests and small data)."""
        v = np.asarray(values, dtype="float64")
        return cls(int(v.size), float(v.sum()), float((v * v).sum()))


@dataclass(frozen=True)
class Proportion:
    """A 0/1 metric: ``n`` units of which ``sum`` had the event."""

    n: int
    sum: float

    @property
    def sum_squares(self) -> float:
        return self.sum

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n > 0 else math.nan

    @property
    def variance(self) -> float:
        """Bernoulli variance ``p (1 − p)``; ``nan`` without units."""
        p = self.mean
        return p * (1.0 - p) if self.n > 0 else math.nan

    @classmethod
    def from_values(cls, values: ArrayLike) -> Proportion:
        v = np.asarray(values, dtype="float64")
        return cls(int(v.size), float(v.sum()))


Moment: TypeAlias = SampleMean | Proportion


def _covariance(n: int, a: Moment, b: Moment, sum_products: float) -> float:
    """Covariance of one unit's ``a`` and ``b`` (matching the variances' denominators)."""
    if n < 2:
        return math.nan
    if isinstance(a, Proportion) and isinstance(b, Proportion):
        return sum_products / n - a.sum * b.sum / n**2
    return (sum_products - a.sum * b.sum / n) / (n - 1)


@dataclass(frozen=True)
class Ratio:
    """A ratio metric ``Σ numerator / Σ denominator`` over ``n`` units.

    ``sum_products`` is ``Σ numerator × denominator`` over units. The per-unit variance is the
    delta-method variance of the ratio of the two means.
    """

    n: int
    numerator: SampleMean
    denominator: SampleMean
    sum_products: float

    @property
    def mean(self) -> float:
        return self.numerator.sum / self.denominator.sum if self.denominator.sum else math.nan

    @property
    def covariance(self) -> float:
        return _covariance(self.n, self.numerator, self.denominator, self.sum_products)

    @property
    def variance(self) -> float:
        if self.n < 2:
            return math.nan
        return variance_of_ratio(
            self.numerator.mean,
            self.numerator.variance,
            self.denominator.mean,
            self.denominator.variance,
            self.covariance,
        )

    @classmethod
    def from_values(cls, numerator: ArrayLike, denominator: ArrayLike) -> Ratio:
        m = np.asarray(numerator, dtype="float64")
        d = np.asarray(denominator, dtype="float64")
        return cls(
            int(m.size), SampleMean.from_values(m), SampleMean.from_values(d), float((m * d).sum())
        )


@dataclass(frozen=True)
class Adjusted:
    """A metric with a pre-period covariate, for CUPED.

    ``post`` is the metric, ``pre`` the covariate measured before assignment (same units),
    ``sum_products`` is ``Σ post × pre``. The adjustment coefficient θ is chosen from both arms
    together by the test (:func:`loyalloop.experiments.cuped.cuped_theta`).
    """

    n: int
    post: Moment
    pre: Moment
    sum_products: float

    def __post_init__(self) -> None:
        if not (self.post.n == self.pre.n == self.n):
            raise ValueError(
                f"post ({self.post.n}), pre ({self.pre.n}) and n ({self.n}) must be equal"
            )

    @property
    def mean(self) -> float:
        """The unadjusted mean of the metric."""
        return self.post.mean

    @property
    def variance(self) -> float:
        """The unadjusted variance of the metric."""
        return self.post.variance

    @property
    def covariance(self) -> float:
        return _covariance(self.n, self.post, self.pre, self.sum_products)

    def adjusted_mean(self, theta: float) -> float:
        """``mean(post) − θ mean(pre)``."""
        return self.post.mean - theta * self.pre.mean

    def adjusted_variance(self, theta: float) -> float:
        """Unit variance of ``post − θ pre``."""
        return max(
            self.post.variance + theta**2 * self.pre.variance - 2.0 * theta * self.covariance,
            0.0,
        )

    @classmethod
    def from_values(cls, post: ArrayLike, pre: ArrayLike, *, proportion: bool = False) -> Adjusted:
        y = np.asarray(post, dtype="float64")
        x = np.asarray(pre, dtype="float64")
        if proportion:
            return cls(
                int(y.size), Proportion.from_values(y), Proportion.from_values(x), float(y @ x)
            )
        return cls(int(y.size), SampleMean.from_values(y), SampleMean.from_values(x), float(y @ x))


#: Any statistic the tests accept.
Statistic: TypeAlias = SampleMean | Proportion | Ratio | Adjusted
