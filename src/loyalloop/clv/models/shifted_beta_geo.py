"""sBG: the shifted-beta-geometric model of contractual retention.

Fader & Hardie (2007), "How to Project Customer Retention", Journal of Interactive Marketing
21(1); discounted expected residual lifetime from Fader & Hardie (2010), "Customer-Base
Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science
29(1). Each period an active customer churns with probability ``theta ~ Beta(alpha, beta)``.

Time is counted in contract periods: a customer with ``tenure = t`` who ``churned`` was active
for ``t`` periods and left at the end of period ``t`` (``P(T = t)``); one who has not churned
has survived ``t`` periods so far (``S(t)``, right-censored).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from loyalloop.clv._data import Frame, SufficientStats, as_pandas, numeric, wsum
from loyalloop.clv._optimize import Objective
from loyalloop.clv.models.base import CLVModel
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import DataValidationError, ModelError

__all__ = ["ShiftedBetaGeoModel"]


class ShiftedBetaGeoModel(CLVModel):
    """Shifted-beta-geometric retention model (Fader & Hardie 2007). Parameters ``alpha, beta``.

    Fit on individual tenures with :meth:`fit` (``tenure`` in whole periods, ``churned`` 0/1;
    ``customer_id`` optional) or on cohort counts with :meth:`fit_cohort`.

    Examples
    --------
    >>> from loyalloop.clv import ShiftedBetaGeoModel
    >>> m = ShiftedBetaGeoModel().fit_cohort([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(m.params_["alpha"], 3), round(m.params_["beta"], 3)
    (0.704, 1.182)
    """

    param_names = ("alpha", "beta")
    columns = ("tenure", "churned")

    def _validate(self, stats: SufficientStats) -> None:
        name = type(self).__name__
        tenure, churned = stats["tenure"], stats["churned"]
        if ((churned != 0) & (churned != 1)).any():
            raise DataValidationError(f"{name}: column churned must be true/false (1/0)")
        if (tenure < 0).any() or (tenure != np.floor(tenure)).any():
            raise DataValidationError(f"{name}: column tenure must hold whole numbers >= 0")
        if ((churned == 1) & (tenure < 1)).any():
            raise DataValidationError(
                f"{name}: a churned customer must have tenure >= 1 (churn happens at the end "
                "of a period)"
            )
        if not (churned == 1).any():
            raise ModelError(f"{name}: no customer churned, so the churn rate cannot be estimated")
        if not ((churned == 1) & (tenure > 1)).any() and not ((churned == 0) & (tenure > 0)).any():
            raise ModelError(f"{name}: only first-period churn is observed; nothing to fit")

    def _max_T(self, stats: SufficientStats) -> float:
        return float(stats["tenure"].max())

    def fit_cohort(
        self,
        active: Sequence[float] | np.ndarray,
        *,
        time_unit: TimeUnit | str | None = None,
        period_end: str | None = None,
    ) -> Self:
        """Fit on one cohort's counts: ``active[0]`` its size, ``active[t]`` still active after t.

        Raises
        ------
        DataValidationError
            If the counts are not a non-increasing sequence of at least two non-negative numbers.
        """
        counts = np.asarray(active, dtype=float)
        if counts.ndim != 1 or len(counts) < 2:
            raise DataValidationError("active must hold the cohort size and at least one period")
        if (counts < 0).any() or (np.diff(counts) > 0).any() or counts[0] <= 0:
            raise DataValidationError(
                "active must be non-negative and non-increasing, starting with the cohort size"
            )
        periods = np.arange(1, len(counts))
        lost = -np.diff(counts)
        tenure = np.concatenate([periods, [periods[-1]]])
        churned = np.concatenate([np.ones(len(periods)), [0.0]])
        weights = np.concatenate([lost, [counts[-1]]])
        keep = weights > 0
        stats = SufficientStats(
            columns={"tenure": tenure[keep], "churned": churned[keep]}, weights=weights[keep]
        )
        self._cohort = counts
        return self._fit_stats(stats, time_unit=time_unit, period_end=period_end)

    def _objective(self, stats: SufficientStats) -> tuple[Objective, list[list[float]]]:
        tenure, churned, w = stats["tenure"], stats["churned"], stats.weights
        wn = w / w.sum()
        died = churned == 1
        # P(T=t) = B(alpha+1, beta+t-1)/B(alpha,beta);  S(t) = B(alpha, beta+t)/B(alpha,beta)
        a_shift = np.where(died, 1.0, 0.0)
        b_shift = np.where(died, tenure - 1.0, tenure)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            alpha, beta = np.exp(theta)
            ap, bp = alpha + a_shift, beta + b_shift
            ll = betaln(ap, bp) - betaln(alpha, beta)
            dg_ab = digamma(alpha + beta)
            dg_pp = digamma(ap + bp)
            d_alpha = digamma(ap) - dg_pp - digamma(alpha) + dg_ab
            d_beta = digamma(bp) - dg_pp - digamma(beta) + dg_ab
            grad = np.array([alpha * wsum(wn, d_alpha), beta * wsum(wn, d_beta)])
            return -wsum(wn, ll), -grad

        starts = [[1.0, 1.0], [0.5, 3.0], [3.0, 0.5]]
        return objective, starts

    # -- predictions --------------------------------------------------------------------------
    def survival(self, t: Any) -> np.ndarray:
        """``S(t)``: share of a new cohort still active after ``t`` periods."""
        alpha, beta = self._p()
        t = _whole(t, "t")
        return np.asarray(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)), dtype=float)

    def churn_probability(self, t: Any) -> np.ndarray:
        """``P(T = t)``: probability that a new customer churns at the end of period ``t >= 1``."""
        alpha, beta = self._p()
        t = _whole(t, "t", minimum=1)
        return np.asarray(
            np.exp(betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta)), dtype=float
        )

    def retention_rate(self, t: Any) -> np.ndarray:
        """``r_t = S(t)/S(t-1) = (beta + t - 1)/(alpha + beta + t - 1)`` for ``t >= 1``.

        Retention rises with ``t``: the high-churn customers leave first.
        """
        alpha, beta = self._p()
        t = _whole(t, "t", minimum=1)
        return np.asarray((beta + t - 1.0) / (alpha + beta + t - 1.0), dtype=float)

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL: ``sum_t S(t)/(1+d)^t`` for a new customer, ``2F1(1, beta; alpha+beta; 1/(1+d))``.

        Multiply by the margin per period to get the expected CLV of a new customer.
        """
        alpha, beta = self._p()
        d = _rate(discount_rate)
        return float(hyp2f1(1.0, beta, alpha + beta, 1.0 / (1.0 + d)))

    def discounted_expected_residual_lifetime(
        self, discount_rate: float, renewals: Any = 0
    ) -> np.ndarray:
        """DERL for an active customer who has made ``renewals`` renewals (Fader & Hardie 2010).

        ``DERL = (beta+n)/(alpha+beta+n) * 2F1(1, beta+n+1; alpha+beta+n+1; 1/(1+d))`` with
        ``n = renewals``: the discounted number of future payments, evaluated just before the
        next renewal decision (the next payment, if it comes, is undiscounted).
        """
        alpha, beta = self._p()
        d = _rate(discount_rate)
        n = _whole(renewals, "renewals")
        return np.asarray(
            (beta + n)
            / (alpha + beta + n)
            * hyp2f1(1.0, beta + n + 1.0, alpha + beta + n + 1.0, 1.0 / (1.0 + d)),
            dtype=float,
        )

    def residual_lifetime_value(self, data: Frame, discount_rate: float) -> pd.Series:
        """DERL per customer from ``tenure`` (= renewals so far) and ``churned`` (0 if churned)."""
        self._check_fitted()
        frame = as_pandas(data, self.columns, what=type(self).__name__)
        tenure = numeric(frame, "tenure")
        churned = numeric(frame, "churned")
        values = np.where(
            churned == 1, 0.0, self.discounted_expected_residual_lifetime(discount_rate, tenure)
        )
        index = (
            pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
            if "customer_id" in frame.columns
            else frame.index
        )
        return pd.Series(values, index=index, name="discounted_expected_residual_lifetime")


def _whole(t: Any, name: str, minimum: int = 0) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if np.any(arr < minimum) or np.any(arr != np.floor(arr)):
        raise DataValidationError(f"{name} must be a whole number >= {minimum}")
    return arr


def _rate(d: float) -> float:
    if not np.isfinite(d) or d <= 0:
        raise DataValidationError("discount_rate must be a number > 0")
    return float(d)
