"""The lift and its standard error from two arms' statistics (Welch; delta method; CUPED).

For means and proportions the absolute lift's variance is ``s²_t / n_t + s²_c / n_c`` (Welch,
unequal variances); the relative lift ``(m_t − m_c) / |m_c|`` gets its variance by the delta
method. Ratio metrics use the delta-method unit variance of each arm's ratio
(:class:`~loyalloop.experiments.statistics.Ratio`). With :class:`Adjusted` statistics, CUPED
replaces each unit's metric by ``post − θ pre`` (:mod:`loyalloop.experiments.cuped`). These are
the formulas of GrowthBook's gbstats, which the tests check against.
"""

from __future__ import annotations

import math

from loyalloop.experiments.cuped import cuped_theta
from loyalloop.experiments.results import ErrorCode, Moments
from loyalloop.experiments.statistics import (
    Adjusted,
    Proportion,
    Ratio,
    SampleMean,
    Statistic,
    variance_of_ratio,
)

__all__ = ["effect_moments", "welch_dof"]


def welch_dof(var_c: float, n_c: int, var_t: float, n_t: int) -> float:
    """Welch–Satterthwaite degrees of freedom of a difference of two means."""
    a, b = var_c / n_c, var_t / n_t
    den = a**2 / (n_c - 1) + b**2 / (n_t - 1)
    return (a + b) ** 2 / den if den > 0 else math.inf


def _failed(
    control: Statistic, treatment: Statistic, code: ErrorCode, message: str, theta: float | None
) -> Moments:
    nan = math.nan
    return Moments(
        control.n,
        treatment.n,
        control.mean if control.n else nan,
        treatment.mean if treatment.n else nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        theta=theta,
        error=code,
        message=message,
    )


def _check_kinds(control: Statistic, treatment: Statistic) -> None:
    kinds = (type(control), type(treatment))
    ok = kinds[0] is kinds[1] or all(k in (SampleMean, Proportion) for k in kinds)
    if not ok:
        raise TypeError(
            f"control and treatment statistics must be of one kind; got {kinds[0].__name__} "
            f"and {kinds[1].__name__}"
        )


def effect_moments(control: Statistic, treatment: Statistic) -> Moments:
    """Point estimates and standard errors of the absolute and relative lift.

    Parameters
    ----------
    control, treatment
        The arms' statistics, of the same kind (a :class:`SampleMean` may be compared with a
        :class:`Proportion`).

    Returns
    -------
    Moments
        With ``error`` set (and ``nan`` estimates) when an arm has fewer than two units or no
        variation; relative fields are ``nan`` (and ``message`` says why) when the control mean
        is zero.
    """
    _check_kinds(control, treatment)
    for name, s in (("control", control), ("treatment", treatment)):
        if s.n == 0:
            return _failed(control, treatment, ErrorCode.NO_UNITS, f"{name} has no units", None)
        if s.n < 2:
            return _failed(
                control,
                treatment,
                ErrorCode.TOO_FEW_UNITS,
                f"{name} has {s.n} unit; at least 2 are needed",
                None,
            )
    theta: float | None = None
    var_c, var_t = control.variance, treatment.variance
    mean_c, mean_t = control.mean, treatment.mean  # unadjusted
    adj_c, adj_t = mean_c, mean_t
    if isinstance(control, Adjusted) and isinstance(treatment, Adjusted):
        theta = cuped_theta(control, treatment)
        adj_c, adj_t = control.adjusted_mean(theta), treatment.adjusted_mean(theta)
        raw_var = var_c / control.n + var_t / treatment.n
        var_c, var_t = control.adjusted_variance(theta), treatment.adjusted_variance(theta)
    for name, s, v in (("control", control, var_c), ("treatment", treatment, var_t)):
        if not v > 0:
            if isinstance(s, Ratio) and not s.denominator.sum:
                return _failed(
                    control,
                    treatment,
                    ErrorCode.BASELINE_ZERO,
                    f"the denominator sums to 0 in {name}",
                    theta,
                )
            return _failed(
                control,
                treatment,
                ErrorCode.ZERO_VARIANCE,
                f"the metric does not vary in {name} (every unit has the same value {s.mean:g}); "
                "a test of the difference is not defined",
                theta,
            )
    values = (mean_c, mean_t, var_c, var_t)
    if not all(math.isfinite(v) for v in values):
        return _failed(
            control, treatment, ErrorCode.NOT_FINITE, "a mean or variance is not finite", theta
        )
    n_c, n_t = control.n, treatment.n
    abs_est = adj_t - adj_c
    abs_var = var_t / n_t + var_c / n_c
    message = ""
    if mean_c == 0:
        rel_est = rel_se = math.nan
        message = "relative lift undefined: the control mean is 0"
    else:
        rel_est = abs_est / abs(mean_c)
        if theta is not None:
            rel_var = _relative_cuped_variance(control, treatment, theta)  # type: ignore[arg-type]
        else:
            rel_var = variance_of_ratio(mean_t, var_t / n_t, mean_c, var_c / n_c, 0.0)
        rel_se = math.sqrt(rel_var) if rel_var > 0 else math.nan
    reduction = 0.0
    if theta is not None and raw_var > 0:
        reduction = 1.0 - abs_var / raw_var
    return Moments(
        n_c,
        n_t,
        mean_c,
        mean_t,
        abs_est,
        math.sqrt(abs_var),
        rel_est,
        rel_se,
        welch_dof(var_c, n_c, var_t, n_t),
        theta=theta,
        variance_reduction=reduction,
        message=message,
    )


def _relative_cuped_variance(control: Adjusted, treatment: Adjusted, theta: float) -> float:
    """Delta-method variance of ``(adj_t − adj_c) / |mean_c|`` (gbstats' formula)."""
    mean_c = control.post.mean
    v_t = treatment.adjusted_variance(theta) / (treatment.n * mean_c**2)
    const = -treatment.post.mean
    num = (
        control.post.variance * const**2 / mean_c**2
        + 2.0 * theta * control.covariance * const / mean_c
        + theta**2 * control.pre.variance
    )
    v_c = num / (control.n * mean_c**2)
    return v_t + v_c
