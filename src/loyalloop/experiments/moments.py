"""The lift and its standard error from two arms' statistics (Welch; delta method; CUPED).

For means and proportions the absolute lift's variance is ``s²_t / n_t + s²_c / n_c`` (Welch,
unequal variances); the relative lift ``(m_t − m_c) / |m_c|`` gets its variance by the delta
method. Ratio metrics use the delta-method unit variance of each arm's ratio
(:class:`~loyalloop.experiments.statistics.Ratio`). With :class:`Adjusted` statistics, CUPED
replaces each unit's metric by ``post − θ pre`` (:mod:`loyalloop.experiments.cuped`). These are
the formulas of GrowthBook's gbstats, which the tests check against.

**One arm without variation** (a holdout where nobody bought) gets a stated fallback
(:class:`~loyalloop.experiments.results.Fallback`, named in ``Moments.fallback`` and the
message) instead of Welch's standard error, which would treat that arm's mean as known
exactly: for two proportions the Agresti–Caffo interval (Agresti & Caffo 2000: add one success
and one failure to each arm; its centre is the adjusted difference), for numeric metrics
Student's t with the pooled variance. A metric that varies in neither arm is refused
(``zero_variance``): no test of the difference is defined. CUPED and ratio metrics without
variation are refused as before.
"""

from __future__ import annotations

import math

from loyalloop.experiments.cuped import cuped_theta
from loyalloop.experiments.results import ErrorCode, Fallback, Moments
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
    for name, s in (("control", control), ("treatment", treatment)):
        if isinstance(s, Ratio) and not s.denominator.sum:
            return _failed(
                control,
                treatment,
                ErrorCode.BASELINE_ZERO,
                f"the denominator sums to 0 in {name}",
                theta,
            )
    if not all(math.isfinite(v) for v in (mean_c, mean_t, var_c, var_t)):
        return _failed(
            control, treatment, ErrorCode.NOT_FINITE, "a mean or variance is not finite", theta
        )
    flat = [name for name, v in (("control", var_c), ("treatment", var_t)) if not v > 0]
    if len(flat) == 2 or (flat and (theta is not None or isinstance(control, Ratio))):
        if len(flat) == 2:
            what = (
                f"the metric does not vary in either arm (control: every unit {mean_c:g}, "
                f"treatment: every unit {mean_t:g}); a test of the difference is not defined"
            )
        else:
            one = control if flat[0] == "control" else treatment
            what = (
                f"the metric does not vary in {flat[0]} (every unit has the same value "
                f"{one.mean:g}); a test of the difference is not defined"
            )
        return _failed(control, treatment, ErrorCode.ZERO_VARIANCE, what, theta)
    if flat:
        return _fallback(control, treatment, flat[0])
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


def _fallback(control: Statistic, treatment: Statistic, flat: str) -> Moments:
    """The lift when one arm (``flat``) does not vary (module docstring)."""
    n_c, n_t = control.n, treatment.n
    mean_c, mean_t = control.mean, treatment.mean
    value = mean_c if flat == "control" else mean_t
    head = f"the metric does not vary in {flat} (every unit has the value {value:g})"
    if isinstance(control, Proportion) and isinstance(treatment, Proportion):
        kind = Fallback.AGRESTI_CAFFO
        pc, pt = (control.sum + 1) / (n_c + 2), (treatment.sum + 1) / (n_t + 2)
        vc, vt = pc * (1 - pc) / (n_c + 2), pt * (1 - pt) / (n_t + 2)
        center, dof = pt - pc, math.inf
        how = (
            "stated fallback: Agresti–Caffo interval for two proportions (one success and one "
            "failure added to each arm), instead of Welch's"
        )
    else:
        kind = Fallback.POOLED_VARIANCE
        pooled = ((n_c - 1) * control.variance + (n_t - 1) * treatment.variance) / (n_c + n_t - 2)
        vc, vt = pooled / n_c, pooled / n_t
        center, dof = math.nan, float(n_c + n_t - 2)
        how = (
            "stated fallback: Student's t with the pooled variance of both arms, instead of Welch's"
        )
    abs_est = mean_t - mean_c
    message = f"{head}; {how}"
    if mean_c == 0:
        rel_est = rel_se = math.nan
        message += "; relative lift undefined: the control mean is 0"
    else:
        rel_est = abs_est / abs(mean_c)
        rel_var = variance_of_ratio(mean_t, vt, mean_c, vc, 0.0)
        rel_se = math.sqrt(rel_var) if rel_var > 0 else math.nan
    return Moments(
        n_c,
        n_t,
        mean_c,
        mean_t,
        abs_est,
        math.sqrt(vc + vt),
        rel_est,
        rel_se,
        dof,
        message=message,
        fallback=kind,
        abs_center=center,
    )
