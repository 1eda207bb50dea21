"""Coverage on simulated A/A and A/B experiments whose true lift is known.

A 95 % interval must contain the true lift in about 95 % of experiments (1000 per check:
the share has a standard error of 0.7 points, so the bounds below are about ±3 standard
errors). Under daily peeking the fixed-horizon interval misses the truth on *some* day far
more often than 5 %; the always-valid sequential interval does not.
"""

from __future__ import annotations

import numpy as np
import pytest

from loyalloop.experiments import (
    Adjusted,
    Method,
    Proportion,
    SampleMean,
    frequentist_test,
    run_test,
    sequential_test,
)

SIMS = 1000


def _share(hits: list[bool]) -> float:
    return float(np.mean(hits))


@pytest.mark.parametrize("method", [Method.FREQUENTIST, Method.BAYESIAN, Method.SEQUENTIAL])
@pytest.mark.parametrize("lift", [0.0, 4.0])
def test_mean_interval_coverage(method, lift):
    """Skewed revenue per customer (gamma, mean 60), 400 customers per arm."""
    rng = np.random.default_rng(100 + int(lift))
    covered_abs, covered_rel = [], []
    for _ in range(SIMS):
        c = rng.gamma(2.0, 30.0, 400)
        t = rng.gamma(2.0, 30.0, 400) + lift
        r = run_test(method, SampleMean.from_values(c), SampleMean.from_values(t))
        covered_abs.append(r.absolute.low <= lift <= r.absolute.high)
        covered_rel.append(r.relative.low <= lift / 60.0 <= r.relative.high)
    if method is Method.SEQUENTIAL:
        # always-valid intervals are conservative at a single look
        assert _share(covered_abs) >= 0.97
        assert _share(covered_rel) >= 0.97
    else:
        assert 0.93 <= _share(covered_abs) <= 0.97
        assert 0.93 <= _share(covered_rel) <= 0.97


def test_proportion_interval_coverage():
    rng = np.random.default_rng(3)
    n = 3000
    xc = rng.binomial(n, 0.10, SIMS)
    xt = rng.binomial(n, 0.12, SIMS)
    hits = []
    for a, b in zip(xc, xt, strict=True):
        r = frequentist_test(Proportion(n, a), Proportion(n, b))
        hits.append(r.absolute.low <= 0.02 <= r.absolute.high)
    assert 0.93 <= _share(hits) <= 0.97


def test_cuped_interval_coverage_and_width():
    rng = np.random.default_rng(4)
    hits, widths, raw_widths = [], [], []
    for _ in range(SIMS):
        xc, xt = rng.gamma(3.0, 10.0, 500), rng.gamma(3.0, 10.0, 500)
        yc = 0.8 * xc + rng.normal(5.0, 8.0, 500)
        yt = 0.8 * xt + rng.normal(6.5, 8.0, 500)
        r = frequentist_test(Adjusted.from_values(yc, xc), Adjusted.from_values(yt, xt))
        hits.append(r.absolute.low <= 1.5 <= r.absolute.high)
        widths.append(r.absolute.high - r.absolute.low)
        raw = frequentist_test(SampleMean.from_values(yc), SampleMean.from_values(yt))
        raw_widths.append(raw.absolute.high - raw.absolute.low)
    assert 0.93 <= _share(hits) <= 0.97
    # ρ² ≈ 0.8² · 300 / (0.8² · 300 + 64) ≈ 0.75: the interval is about half as wide
    assert np.mean(widths) / np.mean(raw_widths) < 0.6


def test_daily_peeking_fixed_interval_fails_sequential_holds():
    """A/A test on a 10 % conversion rate, 150 customers per arm per day, looked at daily
    for 20 days: how often does *some* day show a lift whose interval excludes zero?"""
    rng = np.random.default_rng(2026)
    days, per_day = 20, 150
    conv_c = rng.binomial(per_day, 0.10, (SIMS, days)).cumsum(axis=1)
    conv_t = rng.binomial(per_day, 0.10, (SIMS, days)).cumsum(axis=1)
    fixed_fp, seq_fp = 0, 0
    for s in range(SIMS):
        fixed_hit = seq_hit = False
        for d in range(days):
            n = per_day * (d + 1)
            c, t = Proportion(n, conv_c[s, d]), Proportion(n, conv_t[s, d])
            if not fixed_hit and frequentist_test(c, t).absolute.excludes_zero:
                fixed_hit = True
            if not seq_hit and sequential_test(c, t).absolute.excludes_zero:
                seq_hit = True
            if fixed_hit and seq_hit:
                break
        fixed_fp += fixed_hit
        seq_fp += seq_hit
    # one look would give 5 %; twenty looks roughly quadruple it
    assert fixed_fp / SIMS > 0.15
    assert seq_fp / SIMS <= 0.05


def test_daily_peeking_sequential_covers_a_real_lift_on_every_day():
    rng = np.random.default_rng(7)
    days, per_day, lift = 15, 200, 0.02
    conv_c = rng.binomial(per_day, 0.10, (SIMS, days)).cumsum(axis=1)
    conv_t = rng.binomial(per_day, 0.10 + lift, (SIMS, days)).cumsum(axis=1)
    always = 0
    for s in range(SIMS):
        ok = True
        for d in range(days):
            n = per_day * (d + 1)
            r = sequential_test(Proportion(n, conv_c[s, d]), Proportion(n, conv_t[s, d]))
            if not r.absolute.low <= lift <= r.absolute.high:
                ok = False
                break
        always += ok
    assert always / SIMS >= 0.95
