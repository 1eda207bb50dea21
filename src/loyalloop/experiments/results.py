"""Results of the experiment statistics: frozen dataclasses, each with an ``error`` field.

A metric that cannot be analysed (an arm without units, a constant metric, a control mean of
zero for a relative lift) gives a result whose ``error`` names the problem in a stable code
(:class:`ErrorCode`) and whose numbers are ``nan`` — never a made-up zero — so a report with one
bad metric or arm still shows the others.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "ErrorCode",
    "Estimate",
    "Fallback",
    "Method",
    "Moments",
    "TestResult",
]


class Method(StrEnum):
    """How a comparison is tested."""

    #: Welch t-test and interval, for one look at a pre-planned sample size.
    FREQUENTIST = "frequentist"
    #: Gaussian posterior of the lift: chance to beat control, expected loss, credible interval.
    BAYESIAN = "bayesian"
    #: Always-valid confidence sequence and p-value: stays valid when looked at every day.
    SEQUENTIAL = "sequential"


class ErrorCode(StrEnum):
    """Why a comparison could not be computed."""

    NO_UNITS = "no_units"
    TOO_FEW_UNITS = "too_few_units"
    ZERO_VARIANCE = "zero_variance"
    BASELINE_ZERO = "baseline_zero"
    NOT_FINITE = "not_finite"


class Fallback(StrEnum):
    """The stated method used instead of the usual one when one arm's metric does not vary.

    A 0/1 metric where nobody (or everybody) in one arm had the event, or a numeric metric that
    is constant in one arm (a holdout where nobody bought: revenue 0 for every customer), has
    no variance there, and Welch's standard error would pretend that arm's mean is known
    exactly. Instead:
    """

    #: 0/1 metric: Agresti & Caffo (2000) — one success and one failure added to each arm
    #: before the Wald interval (frequentist, sequential); the Bayesian test uses the
    #: beta-binomial posterior with a uniform prior (same centre, exact chance to win).
    AGRESTI_CAFFO = "agresti_caffo"
    #: numeric metric: Student's t with the pooled variance of both arms (``n − 2`` degrees
    #: of freedom) instead of Welch's unequal variances.
    POOLED_VARIANCE = "pooled_variance"


@dataclass(frozen=True)
class Estimate:
    """A point estimate, its standard error and an interval (``nan`` where undefined)."""

    estimate: float
    se: float
    low: float
    high: float

    @classmethod
    def undefined(cls) -> Estimate:
        return cls(math.nan, math.nan, math.nan, math.nan)

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or below zero."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Moments:
    """The lift of treatment over control and its standard error, on two scales.

    ``abs_*`` is ``mean(treatment) − mean(control)``; ``rel_*`` is that difference divided by
    ``|mean(control)|`` (delta method). With CUPED (``theta`` not ``None``) the estimates are
    the adjusted ones and the means are the unadjusted arm means. ``dof`` is the
    Welch–Satterthwaite degrees of freedom. ``variance_reduction`` is the share of the
    variance of the absolute lift that CUPED removed (``0`` without CUPED).

    ``fallback`` names the stated method used because one arm's metric does not vary
    (:class:`Fallback`); then ``abs_se`` and ``dof`` are that method's, and ``abs_center`` is
    the centre of its interval (Agresti–Caffo's adjusted difference), which may differ from
    the observed difference ``abs_estimate``.
    """

    control_n: int
    treatment_n: int
    control_mean: float
    treatment_mean: float
    abs_estimate: float
    abs_se: float
    rel_estimate: float
    rel_se: float
    dof: float
    theta: float | None = None
    variance_reduction: float = 0.0
    error: ErrorCode | None = None
    message: str = ""
    fallback: Fallback | None = None
    abs_center: float = math.nan

    @property
    def center(self) -> float:
        """Where the absolute lift's interval is centred (the estimate unless a fallback)."""
        return self.abs_center if math.isfinite(self.abs_center) else self.abs_estimate

    @property
    def n(self) -> int:
        """Units in both arms (the sample size of the sequential boundary)."""
        return self.control_n + self.treatment_n


@dataclass(frozen=True)
class TestResult:
    """One treatment arm against control, as one method sees it.

    ``absolute`` and ``relative`` hold the lift with its interval: a confidence interval
    (frequentist), a credible interval (Bayesian) or an always-valid confidence sequence
    (sequential), all at level ``1 − alpha``. ``p_value`` is defined for the frequentist and
    sequential methods, ``chance_to_win`` and the expected losses for the Bayesian one
    (``nan`` otherwise). ``expected_loss`` is the expected shortfall of shipping the treatment
    (``E[max(−lift, 0)]``), ``expected_loss_control`` that of keeping the control, both in
    the metric's units.
    """

    method: Method
    alpha: float
    moments: Moments
    absolute: Estimate
    relative: Estimate
    p_value: float = math.nan
    chance_to_win: float = math.nan
    expected_loss: float = math.nan
    expected_loss_control: float = math.nan
    error: ErrorCode | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def fallback(self) -> Fallback | None:
        """The stated method used instead of the usual one (:class:`Fallback`), if any."""
        return self.moments.fallback

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["method"] = self.method.value
        d["error"] = self.error.value if self.error else None
        d["moments"]["error"] = self.moments.error.value if self.moments.error else None
        d["moments"]["fallback"] = self.fallback.value if self.fallback else None
        d["fallback"] = d["moments"]["fallback"]
        return d
