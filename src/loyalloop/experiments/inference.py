"""Frequentist, Bayesian and sequential tests of one treatment arm against control.

All three start from :func:`~loyalloop.experiments.moments.effect_moments` (lift and standard
error, with CUPED when the statistics carry a pre-period covariate) and differ in what they
say about it:

frequentist
    Welch's t-test: two-sided p-value of the absolute lift and ``1 − α`` confidence
    intervals (t quantile with the Welch–Satterthwaite degrees of freedom) for the absolute
    and relative lift. Valid for one look at a sample size fixed in advance.
Bayesian
    The lift's posterior is Gaussian, ``N(estimate, se²)`` under the default flat prior, or
    combined with a Gaussian prior on the relative lift (:class:`GaussianPrior`, converted to
    the absolute scale by ``|mean(control)|``). Reports the chance that the treatment beats
    control, the expected loss of shipping it (``E[max(−lift, 0)]``) and the equal-tailed
    credible interval. This is gbstats' ``EffectBayesianABTest``.
sequential
    Always-valid inference for continuous monitoring: the asymptotic confidence sequence of
    Waudby-Smith et al. (2023, eq. 9), built on Howard et al.'s (2021) normal-mixture
    boundary, and its p-value (eq. 155). Its width at ``n = n_c + n_t`` units depends on the
    tuning sample size ``N*`` (narrowest around ``n ≈ N*``; gbstats' default 5000). Looking
    at the results every day, stopping whenever the interval excludes zero, keeps the
    false-positive rate below ``α``; the fixed-horizon interval does not (see the coverage
    tests). The p-value is that of the current look; the smallest over all looks so far is
    also valid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from loyalloop.errors import ConfigError
from loyalloop.experiments.moments import effect_moments
from loyalloop.experiments.results import ErrorCode, Estimate, Method, Moments, TestResult
from loyalloop.experiments.statistics import Statistic

__all__ = [
    "DEFAULT_SEQUENTIAL_TUNING",
    "GaussianPrior",
    "bayesian_test",
    "frequentist_test",
    "run_test",
    "sequential_halfwidth",
    "sequential_rho",
    "sequential_test",
]

#: gbstats' default tuning sample size ``N*`` of the confidence sequence.
DEFAULT_SEQUENTIAL_TUNING = 5000.0


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")


def _failed(method: Method, alpha: float, m: Moments) -> TestResult:
    u = Estimate.undefined()
    return TestResult(method, alpha, m, u, u, error=m.error, message=m.message)


def _interval(estimate: float, se: float, halfwidth: float) -> Estimate:
    if not math.isfinite(estimate) or not math.isfinite(se):
        return Estimate.undefined()
    return Estimate(estimate, se, estimate - halfwidth, estimate + halfwidth)


def frequentist_test(
    control: Statistic, treatment: Statistic, *, alpha: float = 0.05
) -> TestResult:
    """Welch's two-sided t-test of treatment against control (see the module docstring).

    Examples
    --------
    >>> from loyalloop.experiments import SampleMean
    >>> r = frequentist_test(SampleMean(3407, 1396.87, 52377.9767),
    ...                      SampleMean(3461, 2422.7, 134698.29))
    >>> round(r.absolute.estimate, 2), round(r.absolute.low, 5), round(r.p_value, 5)
    (0.29, 0.04538, 0.02016)
    """
    _check_alpha(alpha)
    m = effect_moments(control, treatment)
    if m.error:
        return _failed(Method.FREQUENTIST, alpha, m)
    q = float(special.stdtrit(m.dof, 1.0 - alpha / 2.0))
    t_stat = m.abs_estimate / m.abs_se
    p = 2.0 * float(special.stdtr(m.dof, -abs(t_stat)))
    return TestResult(
        Method.FREQUENTIST,
        alpha,
        m,
        _interval(m.abs_estimate, m.abs_se, q * m.abs_se),
        _interval(m.rel_estimate, m.rel_se, q * m.rel_se),
        p_value=p,
        message=m.message,
    )


@dataclass(frozen=True)
class GaussianPrior:
    """A Gaussian prior on the *relative* lift (``0.1`` = +10 %), as GrowthBook's.

    The default test uses no prior (a flat, improper one): pass e.g.
    ``GaussianPrior(0.0, 0.3 ** 2)`` to shrink noisy lifts towards zero.
    """

    mean: float = 0.0
    variance: float = 0.09

    def __post_init__(self) -> None:
        if not self.variance > 0:
            raise ConfigError(f"prior variance must be positive, got {self.variance}")


def _posterior(estimate: float, se: float, prior: GaussianPrior | None, scale: float) -> Estimate:
    """Posterior mean and sd of the lift; ``scale`` converts the relative prior."""
    if not (math.isfinite(estimate) and math.isfinite(se) and se > 0):
        return Estimate.undefined()
    if prior is None:
        return Estimate(estimate, se, math.nan, math.nan)
    prior_mean, prior_var = prior.mean * scale, prior.variance * scale**2
    precision = 1.0 / se**2 + 1.0 / prior_var
    mean = (estimate / se**2 + prior_mean / prior_var) / precision
    return Estimate(mean, math.sqrt(1.0 / precision), math.nan, math.nan)


def _credible(post: Estimate, alpha: float) -> Estimate:
    if not math.isfinite(post.estimate):
        return post
    z = float(special.ndtri(1.0 - alpha / 2.0))
    return Estimate(
        post.estimate, post.se, post.estimate - z * post.se, post.estimate + z * post.se
    )


def _losses(mu: float, sigma: float) -> tuple[float, float, float]:
    """Chance that the lift is positive; ``E[max(−lift, 0)]``; ``E[max(lift, 0)]``."""
    z = mu / sigma
    phi = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    p_win = float(special.ndtr(z))
    loss_treatment = sigma * phi - mu * float(special.ndtr(-z))
    loss_control = mu * p_win + sigma * phi
    return p_win, max(loss_treatment, 0.0), max(loss_control, 0.0)


def bayesian_test(
    control: Statistic,
    treatment: Statistic,
    *,
    alpha: float = 0.05,
    prior: GaussianPrior | None = None,
) -> TestResult:
    """Chance to beat control, expected loss and credible interval (see the module docstring).

    ``chance_to_win`` and the expected losses are those of the absolute lift; the relative
    lift's posterior is in ``relative`` (its chance to win differs only through the delta
    method).
    """
    _check_alpha(alpha)
    m = effect_moments(control, treatment)
    if m.error:
        return _failed(Method.BAYESIAN, alpha, m)
    scale = abs(m.control_mean)
    if prior is not None and scale == 0:
        return TestResult(
            Method.BAYESIAN,
            alpha,
            m,
            Estimate.undefined(),
            Estimate.undefined(),
            error=ErrorCode.BASELINE_ZERO,
            message="a prior on the relative lift needs a non-zero control mean",
        )
    absolute = _credible(_posterior(m.abs_estimate, m.abs_se, prior, scale), alpha)
    relative = _credible(_posterior(m.rel_estimate, m.rel_se, prior, 1.0), alpha)
    p_win, loss_t, loss_c = _losses(absolute.estimate, absolute.se)
    return TestResult(
        Method.BAYESIAN,
        alpha,
        m,
        absolute,
        relative,
        chance_to_win=p_win,
        expected_loss=loss_t,
        expected_loss_control=loss_c,
        message=m.message,
    )


def sequential_rho(alpha: float, tuning: float = DEFAULT_SEQUENTIAL_TUNING) -> float:
    """Mixture parameter ρ that makes the boundary tightest at ``n = tuning`` (eq. 161)."""
    la = -2.0 * math.log(alpha)
    return math.sqrt((la + math.log(la + 1.0)) / tuning)


def sequential_halfwidth(
    se: float, n: int, alpha: float, tuning: float = DEFAULT_SEQUENTIAL_TUNING
) -> float:
    """Half-width of the two-sided always-valid interval for an estimate with ``se`` at ``n``.

    Waudby-Smith et al. (2023) eq. 9 with ``σ² = se² n``: ``σ √(2 (nρ² + 1) log(√(nρ² + 1) / α)
    / (nρ)²)``.
    """
    rho = sequential_rho(alpha, tuning)
    nr2 = n * rho**2
    return (
        se
        * math.sqrt(n)
        * math.sqrt(2.0 * (nr2 + 1.0) * math.log(math.sqrt(nr2 + 1.0) / alpha) / (n * rho) ** 2)
    )


def sequential_test(
    control: Statistic,
    treatment: Statistic,
    *,
    alpha: float = 0.05,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
) -> TestResult:
    """Always-valid confidence sequence and p-value at the current look (module docstring)."""
    _check_alpha(alpha)
    if not tuning > 0:
        raise ConfigError(f"the sequential tuning sample size must be positive, got {tuning}")
    m = effect_moments(control, treatment)
    if m.error:
        return _failed(Method.SEQUENTIAL, alpha, m)
    n = m.n
    rho = sequential_rho(alpha, tuning)
    z2 = (m.abs_estimate / m.abs_se) ** 2
    nr2p1 = n * rho**2 + 1.0
    log_e = rho**2 * z2 * n / (2.0 * nr2p1) - 0.5 * math.log(nr2p1)  # log e-value (eq. 155)
    p = min(1.0, math.exp(-log_e))
    return TestResult(
        Method.SEQUENTIAL,
        alpha,
        m,
        _interval(m.abs_estimate, m.abs_se, sequential_halfwidth(m.abs_se, n, alpha, tuning)),
        _interval(m.rel_estimate, m.rel_se, sequential_halfwidth(m.rel_se, n, alpha, tuning)),
        p_value=p,
        message=m.message,
    )


def run_test(
    method: Method,
    control: Statistic,
    treatment: Statistic,
    *,
    alpha: float = 0.05,
    prior: GaussianPrior | None = None,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
) -> TestResult:
    """The test named by ``method``."""
    if method is Method.FREQUENTIST:
        return frequentist_test(control, treatment, alpha=alpha)
    if method is Method.BAYESIAN:
        return bayesian_test(control, treatment, alpha=alpha, prior=prior)
    return sequential_test(control, treatment, alpha=alpha, tuning=tuning)
