"""Known answers from GrowthBook's gbstats on the same aggregates.

``data/gbstats_0_8_0.json`` holds gbstats 0.8.0's answers (recorded by ``record_gbstats.py``:
that release pins pandas < 2, so it cannot be installed next to this project). A few values
come from gbstats' own test-suite at commit 8f1db445 (August 2026), for the refined
relative-CUPED variance introduced after 0.8.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loyalloop.experiments import (
    Adjusted,
    GaussianPrior,
    Proportion,
    Ratio,
    SampleMean,
    bayesian_test,
    cuped_theta,
    frequentist_test,
    sequential_test,
    srm_check,
)

REF = json.loads((Path(__file__).parent / "data" / "gbstats_0_8_0.json").read_text())
RES = REF["results"]


def _mean(d):
    return SampleMean(d["n"], d["sum"], d["sum_squares"])


def _build(name):
    a, b = REF["inputs"][name]
    if name.startswith("proportion"):
        return Proportion(a["n"], a["sum"]), Proportion(b["n"], b["sum"])
    if name == "ratio":
        return tuple(
            Ratio(d["n"], _mean(d["numerator"]), _mean(d["denominator"]), d["sum_products"])
            for d in (a, b)
        )
    if name == "cuped":
        return tuple(
            Adjusted(d["n"], _mean(d["post"]), _mean(d["pre"]), d["sum_products"]) for d in (a, b)
        )
    return _mean(a), _mean(b)


def test_reference_version():
    assert REF["gbstats_version"] == "0.8.0"


CASES = ["mean", "mean_small", "proportion", "proportion_small", "ratio"]


@pytest.mark.parametrize("name", CASES)
def test_frequentist_matches_gbstats(name):
    a, b = _build(name)
    r = frequentist_test(a, b)
    for scale, est in (("absolute", r.absolute), ("relative", r.relative)):
        ref = RES[f"{name}/frequentist/{scale}"]
        assert est.estimate == pytest.approx(ref["expected"], rel=1e-9)
        assert est.se == pytest.approx(ref["uplift"]["stddev"], rel=1e-9)
        assert [est.low, est.high] == pytest.approx(ref["ci"], rel=1e-9)
    # gbstats tests the scale it reports on; ours is the absolute lift's Welch test
    assert r.p_value == pytest.approx(RES[f"{name}/frequentist/absolute"]["p_value"], rel=1e-9)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("tuning", [5000, 1000])
def test_sequential_matches_gbstats(name, tuning):
    a, b = _build(name)
    r = sequential_test(a, b, tuning=tuning)
    for scale, est in (("absolute", r.absolute), ("relative", r.relative)):
        ref = RES[f"{name}/sequential{tuning}/{scale}"]
        assert est.estimate == pytest.approx(ref["expected"], rel=1e-9)
        assert [est.low, est.high] == pytest.approx(ref["ci"], rel=1e-9)
    assert r.p_value == pytest.approx(
        RES[f"{name}/sequential{tuning}/absolute"]["p_value"], rel=1e-9
    )


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("prior", [None, GaussianPrior(0.1, 0.1)])
def test_bayesian_matches_gbstats(name, prior):
    a, b = _build(name)
    r = bayesian_test(a, b, prior=prior)
    key = "bayesian" if prior is None else "bayesian_prior"
    ref = RES[f"{name}/{key}/absolute"]
    assert r.absolute.estimate == pytest.approx(ref["expected"], rel=1e-9)
    assert r.absolute.se == pytest.approx(ref["uplift"]["stddev"], rel=1e-9)
    assert [r.absolute.low, r.absolute.high] == pytest.approx(ref["ci"], rel=1e-9)
    assert r.chance_to_win == pytest.approx(ref["chance_to_win"], rel=1e-9)
    # gbstats' risk is [loss of keeping control, loss of shipping the treatment]
    assert r.expected_loss_control == pytest.approx(ref["risk"][0], rel=1e-7, abs=1e-12)
    assert r.expected_loss == pytest.approx(ref["risk"][1], rel=1e-7, abs=1e-12)
    rel = RES[f"{name}/{key}/relative"]
    assert r.relative.estimate == pytest.approx(rel["expected"], rel=1e-9)
    assert [r.relative.low, r.relative.high] == pytest.approx(rel["ci"], rel=1e-9)


def test_cuped_matches_gbstats():
    a, b = _build("cuped")
    assert cuped_theta(a, b) == pytest.approx(REF["cuped_theta"], rel=1e-12)
    for test, key in ((frequentist_test, "frequentist"), (sequential_test, "sequential5000")):
        r = test(a, b)
        ref = RES[f"cuped/{key}/absolute"]
        assert r.absolute.estimate == pytest.approx(ref["expected"], rel=1e-9)
        assert r.absolute.se == pytest.approx(ref["uplift"]["stddev"], rel=1e-9)
        assert [r.absolute.low, r.absolute.high] == pytest.approx(ref["ci"], rel=1e-9)
        assert r.p_value == pytest.approx(ref["p_value"], rel=1e-9)
    # CUPED must actually have reduced the variance on this correlated data
    assert frequentist_test(a, b).moments.variance_reduction > 0.3


def test_relative_cuped_matches_gbstats_test_suite():
    """gbstats tests/frequentist/test_tests.py::test_sequential_test_runs_ra (commit 8f1db445)."""
    a = Adjusted(3000, SampleMean(3000, 1396.87, 52377.9767), SampleMean(3000, 16.87, 527.9767), 1)
    b = Adjusted(3461, SampleMean(3461, 2422.7, 134698.29), SampleMean(3461, 22.7, 1348.29), 1)
    r = sequential_test(a, b)
    assert round(r.relative.estimate, 5) == 0.50338
    assert round(r.relative.se, 5) == 0.33341
    assert (round(r.relative.low, 5), round(r.relative.high, 5)) == (-0.50969, 1.51646)


@pytest.mark.parametrize("case", REF["srm"])
def test_srm_matches_gbstats(case):
    arms = [f"arm{i}" for i in range(len(case["users"]))]
    r = srm_check(
        dict(zip(arms, case["users"], strict=True)), dict(zip(arms, case["weights"], strict=True))
    )
    assert r.p_value == pytest.approx(case["p_value"], rel=1e-9)
