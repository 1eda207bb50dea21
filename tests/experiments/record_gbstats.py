"""Record reference values from GrowthBook's gbstats for the known-answer tests.

gbstats 0.8.0 (the release on PyPI) pins pandas < 2, so it cannot be a dependency of this
project; its maths runs fine on the project's NumPy/SciPy, so it is run once, here, and its
answers are stored in ``data/gbstats_0_8_0.json`` (read by ``test_gbstats.py``)::

    pip download --no-deps -d /tmp/gbs_dl gbstats==0.8.0
    mkdir -p /tmp/gbs && cd /tmp/gbs && unzip -o /tmp/gbs_dl/gbstats-0.8.0-py3-none-any.whl
    PYTHONPATH=/tmp/gbs .venv/bin/python tests/experiments/record_gbstats.py

The inputs are the aggregates written below (some from gbstats' own test-suite, some from
seeded simulated data) so the test can rebuild them with Loyalloop's statistics.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

import numpy as np
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
    compute_theta,
)
from gbstats.utils import check_srm

OUT = Path(__file__).with_name("data") / "gbstats_0_8_0.json"


def mean_stat(d):
    return SampleMeanStatistic(n=d["n"], sum=d["sum"], sum_squares=d["sum_squares"])


def prop_stat(d):
    return ProportionStatistic(n=d["n"], sum=d["sum"])


def ratio_stat(d):
    return RatioStatistic(
        n=d["n"],
        m_statistic=mean_stat(d["numerator"]),
        d_statistic=mean_stat(d["denominator"]),
        m_d_sum_of_products=d["sum_products"],
    )


def adjusted_pair(a, b):
    ra = [
        RegressionAdjustedStatistic(
            n=d["n"],
            post_statistic=mean_stat(d["post"]),
            pre_statistic=mean_stat(d["pre"]),
            post_pre_sum_of_products=d["sum_products"],
            theta=0,
        )
        for d in (a, b)
    ]
    theta = compute_theta(ra[0], ra[1])
    return [
        RegressionAdjustedStatistic(
            n=s.n,
            post_statistic=s.post_statistic,
            pre_statistic=s.pre_statistic,
            post_pre_sum_of_products=s.post_pre_sum_of_products,
            theta=theta,
        )
        for s in ra
    ], theta


def mean_agg(v):
    return {"n": int(v.size), "sum": float(v.sum()), "sum_squares": float((v * v).sum())}


def simulated():
    rng = np.random.default_rng(20261130)
    out = {}
    # ratio: revenue per order
    arms = []
    for lift in (0.0, 0.08):
        orders = rng.poisson(2.0, 800) + 1
        revenue = orders * rng.gamma(4.0, 12.0 * (1 + lift), 800)
        arms.append(
            {
                "n": 800,
                "numerator": mean_agg(revenue),
                "denominator": mean_agg(orders.astype(float)),
                "sum_products": float((revenue * orders).sum()),
            }
        )
    out["ratio"] = arms
    # CUPED: spend this quarter with last quarter's spend
    arms = []
    for lift in (0.0, 1.5):
        pre = rng.gamma(3.0, 10.0, 1200)
        post = 0.8 * pre + rng.normal(5.0 + lift, 8.0, 1200)
        arms.append(
            {
                "n": 1200,
                "post": mean_agg(post),
                "pre": mean_agg(pre),
                "sum_products": float((post * pre).sum()),
            }
        )
    out["cuped"] = arms
    return out


def result(r):
    d = asdict(r)
    return {
        k: d[k]
        for k in d
        if k in ("expected", "ci", "uplift", "p_value", "chance_to_win", "risk", "error_message")
    }


def main() -> None:
    cases = {
        # gbstats' own test-suite inputs
        "mean": [
            {"n": 3407, "sum": 1396.87, "sum_squares": 52377.9767},
            {"n": 3461, "sum": 2422.7, "sum_squares": 134698.29},
        ],
        "mean_small": [
            {"n": 10, "sum": 100, "sum_squares": 1002.25},
            {"n": 10, "sum": 105, "sum_squares": 1111.5},
        ],
        "proportion": [{"n": 3000, "sum": 1396}, {"n": 3461, "sum": 2422}],
        "proportion_small": [{"n": 100, "sum": 49}, {"n": 100, "sum": 51}],
        **simulated(),
    }
    out: dict = {"gbstats_version": version("gbstats"), "inputs": cases, "results": {}}
    res = out["results"]
    for name in ("mean", "mean_small", "proportion", "proportion_small", "ratio"):
        mk = {"ratio": ratio_stat, "proportion": prop_stat, "proportion_small": prop_stat}.get(
            name, mean_stat
        )
        a, b = (mk(d) for d in cases[name])
        for diff in ("absolute", "relative"):
            res[f"{name}/frequentist/{diff}"] = result(
                TwoSidedTTest(a, b, FrequentistConfig(difference_type=diff)).compute_result()
            )
            for tuning in (5000, 1000):
                res[f"{name}/sequential{tuning}/{diff}"] = result(
                    SequentialTwoSidedTTest(
                        a,
                        b,
                        SequentialConfig(difference_type=diff, sequential_tuning_parameter=tuning),
                    ).compute_result()
                )
            res[f"{name}/bayesian/{diff}"] = result(
                EffectBayesianABTest(
                    a, b, EffectBayesianConfig(difference_type=diff)
                ).compute_result()
            )
            res[f"{name}/bayesian_prior/{diff}"] = result(
                EffectBayesianABTest(
                    a,
                    b,
                    EffectBayesianConfig(
                        difference_type=diff,
                        prior_type="relative",
                        prior_effect=GaussianPrior(mean=0.1, variance=0.1, proper=True),
                    ),
                ).compute_result()
            )
    (a, b), theta = adjusted_pair(*cases["cuped"])
    out["cuped_theta"] = theta
    for diff in ("absolute",):
        res[f"cuped/frequentist/{diff}"] = result(
            TwoSidedTTest(a, b, FrequentistConfig(difference_type=diff)).compute_result()
        )
        res[f"cuped/sequential5000/{diff}"] = result(
            SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type=diff)).compute_result()
        )
    out["srm"] = [
        {"users": u, "weights": w, "p_value": float(check_srm(u, w))}
        for u, w in (
            ([1000, 1010], [0.5, 0.5]),
            ([1000, 1200], [0.5, 0.5]),
            ([500, 1050, 990], [0.2, 0.4, 0.4]),
        )
    ]
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
