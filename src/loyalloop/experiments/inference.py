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

When one arm's metric does not vary, all three use the stated fallback of
:mod:`~loyalloop.experiments.moments` (``TestResult.fallback``): the frequentist and sequential
intervals are centred on Agresti–Caffo's adjusted difference with its standard error (normal
quantiles) or use the pooled-variance Student t; the Bayesian test of two proportions (flat
prior) uses the beta-binomial posteriors ``Beta(x + 1, n − x + 1)`` — their difference's mean
and sd for the credible interval and expected losses, and the exact chance to win.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from loyalloop.errors import ConfigError
from loyalloop.experiments.moments import effect_moments
from loyalloop.experiments.results import (
    ErrorCode,
    Estimate,
    Fallback,
    Method,
    Moments,
    TestResult,
)
from loyalloop.experiments.statistics import Proportion, Statistic

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


def _interval(
    estimate: float, se: float, halfwidth: float, center: float | None = None
) -> Estimate:
    """``estimate`` with the interval ``center ± halfwidth`` (``center`` defaults to the
    estimate; a fallback's interval may be centred elsewhere, e.g. Agresti–Caffo's)."""
    if not math.isfinite(estimate) or not math.isfinite(se):
        return Estimate.undefined()
    c = estimate if center is None else center
    return Estimate(estimate, se, c - halfwidth, c + halfwidth)


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
    q = (
        float(special.ndtri(1.0 - alpha / 2.0))
        if math.isinf(m.dof)
        else float(special.stdtrit(m.dof, 1.0 - alpha / 2.0))
    )
    t_stat = m.center / m.abs_se
    p = (
        2.0 * float(special.ndtr(-abs(t_stat)))
        if math.isinf(m.dof)
        else 2.0 * float(special.stdtr(m.dof, -abs(t_stat)))
    )
    return TestResult(
        Method.FREQUENTIST,
        alpha,
        m,
        _interval(m.abs_estimate, m.abs_se, q * m.abs_se, m.center),
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


def _beta_binomial(control: Proportion, treatment: Proportion) -> tuple[Estimate, float]:
    """Beta-binomial posteriors with a uniform prior, ``Beta(x + 1, n − x + 1)`` per arm: the
    difference's posterior mean and sd, and the exact chance that the treatment's rate is the
    higher (``∫ f_t(p) F_c(p) dp`` by quadrature)."""
    from scipy import integrate, stats

    a_c, b_c = control.sum + 1.0, control.n - control.sum + 1.0
    a_t, b_t = treatment.sum + 1.0, treatment.n - treatment.sum + 1.0
    post_c, post_t = stats.beta(a_c, b_c), stats.beta(a_t, b_t)
    mean = post_t.mean() - post_c.mean()
    sd = math.sqrt(post_t.var() + post_c.var())
    lo, hi = post_t.ppf(1e-12), post_t.isf(1e-12)
    win, _ = integrate.quad(
        lambda p: post_t.pdf(p) * post_c.cdf(p), lo, hi, points=[post_t.mean()], limit=200
    )
    return Estimate(float(mean), sd, math.nan, math.nan), min(max(float(win), 0.0), 1.0)


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
    exact_win: float | None = None
    if (
        m.fallback is Fallback.AGRESTI_CAFFO
        and prior is None
        and isinstance(control, Proportion)
        and isinstance(treatment, Proportion)
    ):
        absolute, exact_win = _beta_binomial(control, treatment)
    else:
        absolute = _posterior(m.center, m.abs_se, prior, scale)
    absolute = _credible(absolute, alpha)
    relative = _credible(_posterior(m.rel_estimate, m.rel_se, prior, 1.0), alpha)
    p_win, loss_t, loss_c = _losses(absolute.estimate, absolute.se)
    if exact_win is not None:
        p_win = exact_win
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
    z2 = (m.center / m.abs_se) ** 2
    nr2p1 = n * rho**2 + 1.0
    log_e = rho**2 * z2 * n / (2.0 * nr2p1) - 0.5 * math.log(nr2p1)  # log e-value (eq. 155)
    p = min(1.0, math.exp(-log_e))
    return TestResult(
        Method.SEQUENTIAL,
        alpha,
        m,
        _interval(
            m.abs_estimate, m.abs_se, sequential_halfwidth(m.abs_se, n, alpha, tuning), m.center
        ),
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
