"""Known answers: hand-computed small cases, SciPy and statsmodels on the same raw data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from loyalloop.experiments import (
    Adjusted,
    Correction,
    Proportion,
    Ratio,
    SampleMean,
    adjust_p_values,
    bayesian_test,
    frequentist_test,
    minimum_detectable_effect,
    power_at,
    sample_size,
    srm_check,
)


def test_hand_computed_welch():
    # control 1,2,3,4: mean 2.5, var 5/3; treatment 2,4,6,8: mean 5, var 20/3
    r = frequentist_test(SampleMean.from_values([1, 2, 3, 4]), SampleMean.from_values([2, 4, 6, 8]))
    m = r.moments
    assert m.abs_estimate == 2.5
    assert m.abs_se == pytest.approx(math.sqrt(5 / 12 + 20 / 12))
    # Welch dof: (5/12 + 20/12)^2 / ((5/12)^2/3 + (20/12)^2/3) = 75/17
    assert m.dof == pytest.approx(75 / 17)
    assert m.rel_estimate == 1.0
    # delta method: var_t/(n mc^2) + mt^2 var_c/(n mc^4) = (20/3)/25 + 25 (5/3)/(4 * 39.0625)
    assert m.rel_se == pytest.approx(math.sqrt(4 / 15 + 4 / 15))
    q = stats.t.ppf(0.975, 75 / 17)
    assert r.absolute.low == pytest.approx(2.5 - q * math.sqrt(25 / 12))


def test_hand_computed_bayesian():
    # lift N(2, 1): P(lift > 0) = Φ(2); E[max(−lift, 0)] = φ(2) − 2 Φ(−2)
    c = SampleMean(2, 0.0, 0.5)  # values ±0.5: mean 0, var 0.5
    t = SampleMean(2, 4.0, 8.5)  # values 1.5, 2.5: mean 2, var 0.5
    r = bayesian_test(c, t)
    assert r.absolute.estimate == 2.0
    assert r.absolute.se == pytest.approx(math.sqrt(0.5 / 2 + 0.5 / 2))
    s = r.absolute.se
    z = 2.0 / s
    assert r.chance_to_win == pytest.approx(stats.norm.cdf(z))
    assert r.expected_loss == pytest.approx(s * stats.norm.pdf(z) - 2.0 * stats.norm.cdf(-z))
    assert r.expected_loss_control - r.expected_loss == pytest.approx(2.0)


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(7)
    return rng.gamma(2.0, 30.0, 700), rng.gamma(2.0, 33.0, 650)


def test_welch_matches_scipy_and_statsmodels(samples):
    c, t = samples
    r = frequentist_test(SampleMean.from_values(c), SampleMean.from_values(t), alpha=0.1)
    ref = stats.ttest_ind(t, c, equal_var=False)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    ci = ref.confidence_interval(0.9)
    assert (r.absolute.low, r.absolute.high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    cm = CompareMeans(DescrStatsW(t), DescrStatsW(c))
    low, high = cm.tconfint_diff(alpha=0.1, usevar="unequal")
    assert (r.absolute.low, r.absolute.high) == pytest.approx((low, high), rel=1e-10)


def test_proportion_matches_statsmodels_wald():
    c, t = Proportion(5000, 600), Proportion(5000, 680)
    r = frequentist_test(c, t)
    ref = sm_proportion.test_proportions_2indep(680, 5000, 600, 5000, method="wald", compare="diff")
    low, high = sm_proportion.confint_proportions_2indep(
        680, 5000, 600, 5000, method="wald", compare="diff"
    )
    # same standard error as the Wald test (Bernoulli variance p(1 − p) per arm) ...
    assert r.absolute.estimate == pytest.approx(0.016)
    assert r.absolute.estimate / r.absolute.se == pytest.approx(ref.statistic, rel=1e-10)
    # ... read against the t distribution with Welch's degrees of freedom instead of the normal
    dof = r.moments.dof
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(ref.statistic), dof), rel=1e-10)
    half = (r.absolute.high - r.absolute.low) / (high - low)
    assert half == pytest.approx(stats.t.ppf(0.975, dof) / stats.norm.ppf(0.975), rel=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, rel=2e-3)


def test_ratio_delta_method_equals_linearisation():
    rng = np.random.default_rng(11)
    d = rng.poisson(3, 500) + 1.0
    m = d * rng.gamma(3.0, 10.0, 500)
    s = Ratio.from_values(m, d)
    r_hat = m.sum() / d.sum()
    assert s.mean == pytest.approx(r_hat)
    # the delta-method variance of the ratio equals var(m − R d) / mean(d)² per unit
    assert s.variance == pytest.approx(np.var(m - r_hat * d, ddof=1) / d.mean() ** 2, rel=1e-10)


def test_ratio_interval_covers_with_bootstrap_width():
    rng = np.random.default_rng(5)
    dc, dt = rng.poisson(2, 400) + 1.0, rng.poisson(2, 400) + 1.0
    mc, mt = dc * rng.gamma(2.0, 10.0, 400), dt * rng.gamma(2.0, 11.0, 400)
    r = frequentist_test(Ratio.from_values(mc, dc), Ratio.from_values(mt, dt))
    # bootstrap standard error of the ratio difference, units resampled
    idx_c = rng.integers(0, 400, (2000, 400))
    idx_t = rng.integers(0, 400, (2000, 400))
    boot = mt[idx_t].sum(1) / dt[idx_t].sum(1) - mc[idx_c].sum(1) / dc[idx_c].sum(1)
    assert r.absolute.se == pytest.approx(boot.std(ddof=1), rel=0.06)


def test_cuped_equals_welch_on_adjusted_values():
    rng = np.random.default_rng(3)
    xc, xt = rng.normal(50, 10, 800), rng.normal(50, 10, 820)
    yc = 0.9 * xc + rng.normal(0, 5, 800)
    yt = 0.9 * xt + 2.0 + rng.normal(0, 5, 820)
    r = frequentist_test(Adjusted.from_values(yc, xc), Adjusted.from_values(yt, xt))
    x, y = np.concatenate([xc, xt]), np.concatenate([yc, yt])
    theta = np.cov(y, x, ddof=1)[0, 1] / np.var(x, ddof=1)
    assert r.moments.theta == pytest.approx(theta, rel=1e-10)
    ref = stats.ttest_ind(yt - theta * xt, yc - theta * xc, equal_var=False)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-8)
    ci = ref.confidence_interval(0.95)
    assert (r.absolute.low, r.absolute.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    # the unadjusted arm means are reported
    assert r.moments.control_mean == pytest.approx(yc.mean())
    raw = frequentist_test(SampleMean.from_values(yc), SampleMean.from_values(yt))
    # variance shrinks by about 1 − ρ²
    rho2 = np.corrcoef(x, y)[0, 1] ** 2
    assert (r.absolute.se / raw.absolute.se) ** 2 == pytest.approx(1 - rho2, abs=0.03)


def test_srm_hand_computed():
    # 1000 vs 1200 against 50/50: chi2 = 2 * 100^2 / 1100
    r = srm_check({"a": 1000, "b": 1200})
    assert r.chi2 == pytest.approx(2 * 100**2 / 1100)
    assert r.p_value == pytest.approx(stats.chi2.sf(2 * 100**2 / 1100, 1))
    assert r.mismatch
    assert not srm_check({"a": 1000, "b": 1010}).mismatch


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(Correction.HOLM, "holm"), (Correction.BH, "fdr_bh"), (Correction.BONFERRONI, "bonferroni")],
)
def test_corrections_match_statsmodels(ours, theirs):
    p = np.array([0.001, 0.04, 0.03, 0.2, 0.012, 0.9, 0.049])
    np.testing.assert_allclose(adjust_p_values(p, ours), multipletests(p, method=theirs)[1])


def test_corrections_skip_nan():
    out = adjust_p_values([0.01, np.nan, 0.04], Correction.HOLM)
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.04])


def test_sample_size_matches_statsmodels():
    r = sample_size(baseline_mean=100.0, sd=40.0, mde=0.05)
    n = NormalIndPower().solve_power(effect_size=5 / 40, alpha=0.05, power=0.8)
    assert r.n_per_arm == math.ceil(n)
    # the t-based answer differs by about one unit at this size
    assert abs(r.n_per_arm - TTestIndPower().solve_power(5 / 40, alpha=0.05, power=0.8)) < 2
    p = power_at(1500, baseline_mean=100.0, sd=40.0, mde=5.0, relative=False)
    assert p.power == pytest.approx(NormalIndPower().power(5 / 40, 1500, 0.05), rel=1e-10)
    mde = minimum_detectable_effect(1500, baseline_mean=100.0, sd=40.0)
    es = NormalIndPower().solve_power(nobs1=1500, alpha=0.05, power=0.8)
    assert mde.mde_abs == pytest.approx(es * 40, rel=1e-6)


def test_sample_size_for_a_rate_hand_computed():
    # (z.975 + z.8)^2 (p1 q1 + p2 q2) / δ² with p1 = .10, p2 = .12
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    expected = math.ceil(z**2 * (0.1 * 0.9 + 0.12 * 0.88) / 0.02**2)
    r = sample_size(baseline_mean=0.10, mde=0.02, relative=False)
    assert r.n_per_arm == expected == 3839
    # three arms: each comparison at α/2 needs more units
    assert sample_size(baseline_mean=0.10, mde=0.02, relative=False, arms=3).n_per_arm > 3839
    # the sequential interval is wider, so planning for it needs more units
    assert (
        sample_size(baseline_mean=0.10, mde=0.02, relative=False, sequential=True).n_per_arm > 3839
    )


def test_sample_size_gives_the_promised_power_in_simulation():
    r = sample_size(baseline_mean=0.2, mde=0.15)  # +15 % on a 20 % rate
    n = r.n_per_arm
    rng = np.random.default_rng(1)
    sims = 1000
    xc = rng.binomial(n, 0.2, sims)
    xt = rng.binomial(n, 0.23, sims)
    hits = sum(
        frequentist_test(Proportion(n, a), Proportion(n, b)).p_value < 0.05
        for a, b in zip(xc, xt, strict=True)
    )
    assert abs(hits / sims - 0.8) < 0.04
