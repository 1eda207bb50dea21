"""One arm without variation: a stated fallback with known answers; both flat: a refusal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from loyalloop.experiments import (
    ErrorCode,
    Fallback,
    Method,
    Proportion,
    SampleMean,
    analyze,
    bayesian_test,
    frequentist_test,
    sequential_test,
)


@pytest.mark.parametrize(
    ("control", "treatment"),
    [((0, 200), (9, 210)), ((0, 50), (3, 40)), ((30, 30), (25, 31)), ((7, 90), (0, 85))],
)
def test_proportion_with_a_flat_arm_gets_agresti_caffo(control, treatment):
    c, t = Proportion(control[1], control[0]), Proportion(treatment[1], treatment[0])
    r = frequentist_test(c, t)
    assert r.ok and r.fallback is Fallback.AGRESTI_CAFFO
    assert "Agresti–Caffo" in r.message and "does not vary" in r.message
    lo, hi = confint_proportions_2indep(
        treatment[0], treatment[1], control[0], control[1], method="agresti-caffo", compare="diff"
    )
    assert (r.absolute.low, r.absolute.high) == pytest.approx((lo, hi), abs=1e-12)
    # the estimate is the observed difference; the interval is Agresti–Caffo's
    assert r.absolute.estimate == pytest.approx(
        treatment[0] / treatment[1] - control[0] / control[1]
    )


def test_agresti_caffo_hand_computed():
    # 0/20 vs 4/20: p~ = 1/22 and 5/22; se = sqrt(p~(1-p~)/22 summed)
    r = frequentist_test(Proportion(20, 0), Proportion(20, 4))
    pc, pt = 1 / 22, 5 / 22
    se = math.sqrt(pc * (1 - pc) / 22 + pt * (1 - pt) / 22)
    assert r.absolute.se == pytest.approx(se)
    assert r.absolute.low == pytest.approx(pt - pc - 1.959963984540054 * se)
    assert r.p_value == pytest.approx(2 * stats.norm.sf((pt - pc) / se))


def test_numeric_metric_with_a_flat_arm_gets_pooled_student_t():
    rng = np.random.default_rng(3)
    y = np.r_[np.zeros(180), rng.gamma(2.0, 50.0, 20)]
    r = frequentist_test(SampleMean.from_values(np.zeros(150)), SampleMean.from_values(y))
    ref = stats.ttest_ind(y, np.zeros(150), equal_var=True)
    ci = ref.confidence_interval()
    assert r.fallback is Fallback.POOLED_VARIANCE and "pooled variance" in r.message
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (r.absolute.low, r.absolute.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert math.isnan(r.relative.estimate) and "control mean is 0" in r.message


def test_bayesian_fallback_is_beta_binomial_with_exact_chance_to_win():
    c, t = Proportion(200, 0), Proportion(210, 9)
    r = bayesian_test(c, t)
    assert r.fallback is Fallback.AGRESTI_CAFFO
    # posterior means (x + 1) / (n + 2): 10/212 − 1/202
    assert r.absolute.estimate == pytest.approx(10 / 212 - 1 / 202)
    pt, pc = stats.beta(10, 202), stats.beta(1, 201)
    assert r.absolute.se == pytest.approx(math.sqrt(pt.var() + pc.var()))
    draws = np.random.default_rng(0)
    mc = (pt.rvs(400_000, random_state=draws) > pc.rvs(400_000, random_state=draws)).mean()
    assert r.chance_to_win == pytest.approx(mc, abs=0.002)
    # Evan Miller's closed form for integer parameters (A = control Beta(1, 201),
    # B = treatment Beta(10, 202)): P(p_B > p_A) = Σ_{i<a_B} B(a_A+i, b_A+b_B) /
    # ((b_B+i) B(1+i, b_B) B(a_A, b_A))
    from scipy.special import betaln

    i = np.arange(10)
    closed = np.sum(
        np.exp(betaln(1 + i, 201 + 202) - np.log(202 + i) - betaln(1 + i, 202) - betaln(1, 201))
    )
    assert r.chance_to_win == pytest.approx(closed, abs=1e-7)


def test_sequential_fallback_is_wider_than_the_fixed_interval():
    c, t = Proportion(200, 0), Proportion(210, 9)
    f, s = frequentist_test(c, t), sequential_test(c, t)
    assert s.fallback is Fallback.AGRESTI_CAFFO
    assert s.absolute.low < f.absolute.low and s.absolute.high > f.absolute.high
    assert (s.absolute.low + s.absolute.high) / 2 == pytest.approx(
        (f.absolute.low + f.absolute.high) / 2
    )


@pytest.mark.parametrize("test", [frequentist_test, bayesian_test, sequential_test])
@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        (Proportion(100, 0), Proportion(80, 0)),
        (Proportion(100, 100), Proportion(80, 0)),
        (SampleMean.from_values([5.0] * 30), SampleMean.from_values([7.0] * 30)),
    ],
)
def test_flat_on_both_sides_is_refused(test, control, treatment):
    r = test(control, treatment)
    assert r.error is ErrorCode.ZERO_VARIANCE and r.fallback is None
    assert "either arm" in r.message
    assert math.isnan(r.absolute.estimate) and math.isnan(r.p_value)


def test_fallback_is_in_the_report_json():
    stats_ = {"holdout": Proportion(300, 0), "sms": Proportion(300, 6), "call": Proportion(300, 12)}
    rep = analyze(stats_, "holdout", method=Method.FREQUENTIST)
    rows = {a["arm"]: a for a in rep.to_dict()["arms"]}
    assert rows["sms"]["fallback"] == "agresti_caffo" and rows["call"]["error"] is None
    assert "Agresti–Caffo" in rows["sms"]["message"]
    good = analyze({"a": Proportion(300, 5), "b": Proportion(300, 9)}, "a").to_dict()
    assert good["arms"][0]["fallback"] is None


def test_agresti_caffo_covers_when_zero_counts_are_common():
    """Rare events, small arms: over 4,000 simulated comparisons where one arm had no event,
    the 95 % fallback interval covers the true difference at least 93 % of the time."""
    rng = np.random.default_rng(11)
    p_c, p_t, n = 0.004, 0.02, 150
    xc = rng.binomial(n, p_c, 20_000)
    xt = rng.binomial(n, p_t, 20_000)
    flat = (xc == 0) ^ (xt == 0)
    hits = []
    for a, b in zip(xc[flat][:4000], xt[flat][:4000], strict=True):
        r = frequentist_test(Proportion(n, int(a)), Proportion(n, int(b)))
        assert r.fallback is Fallback.AGRESTI_CAFFO
        hits.append(r.absolute.low <= p_t - p_c <= r.absolute.high)
    assert len(hits) == 4000
    assert np.mean(hits) >= 0.93
