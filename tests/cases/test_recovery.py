"""Recovery rates: outcomes per case, and intervals checked against statsmodels and by
coverage on simulated data."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.cases import (
    IntervalMethod,
    RecoveryOutcome,
    proportion_interval,
    recovery_outcomes,
    recovery_rates,
)
from loyalloop.errors import DataValidationError

AS_OF = dt.datetime(2025, 7, 1)


def _tables():  # type: ignore[no-untyped-def]
    ts = pd.to_datetime
    cases = pd.DataFrame(
        {
            "case_id": list("abcdefgh"),
            "customer_id": ["1", "2", "3", "4", "5", "6", "7", "8"],
            "topic": ["detractor"] * 4 + ["complaint"] * 4,
            "team": ["cx", "cx", "cx", "cx", "cmp", "cmp", "cmp", "cmp"],
            "measure": ["next_survey"] * 4 + ["repurchase"] * 4,
            "resolved_at": ts(
                [
                    "2024-11-01",
                    "2024-11-01",
                    "2024-11-01",
                    "2025-06-20",
                    "2025-02-01",
                    "2025-02-01",
                    "2025-06-20",
                    None,
                ]
            ),
        }
    )
    feedback = pd.DataFrame(
        {
            "customer_id": ["1", "1", "2", "2", "3", "9"],
            "timestamp": ts(
                ["2024-10-01", "2024-12-01", "2025-01-05", "2025-01-06", "2025-06-25", "2025-01-01"]
            ),
            "score_type": ["nps", "nps", "nps", "nps", "nps", "nps"],
            "score": [2.0, 9.0, 6.0, 10.0, 8.0, 3.0],
            "brand": [None, None, "own", "own", "competitor", None],
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["5", "5", "6", "7"],
            "timestamp": ts(["2025-01-20", "2025-03-01", "2025-02-02", "2025-07-05"]),
            "amount": [50.0, 20.0, -30.0, 10.0],
        }
    )
    return ibis.memtable(cases), ibis.memtable(feedback), ibis.memtable(tx)


def test_outcomes_per_case() -> None:
    cases, feedback, tx = _tables()
    out = recovery_outcomes(cases, feedback, tx, as_of=AS_OF).execute().set_index("case_id")
    assert out.loc["a", "outcome"] == RecoveryOutcome.RECOVERED  # next answer 9 (the 2 was before)
    assert out.loc["b", "outcome"] == RecoveryOutcome.NOT_RECOVERED  # first answer after is 6
    assert out.loc["b", "next_score"] == 6
    assert (
        out.loc["c", "outcome"] == RecoveryOutcome.NO_ANSWER
    )  # only a competitor answer; window over
    assert out.loc["d", "outcome"] == RecoveryOutcome.PENDING  # window still open
    assert out.loc["e", "outcome"] == RecoveryOutcome.RECOVERED  # bought again 1 March
    assert out.loc["f", "outcome"] == RecoveryOutcome.NOT_RECOVERED  # a refund is not a purchase
    assert out.loc["g", "outcome"] == RecoveryOutcome.PENDING  # the purchase is after as_of
    assert "h" not in out.index  # not resolved


def test_rates_by_topic_and_team() -> None:
    cases, feedback, tx = _tables()
    out = recovery_outcomes(cases, feedback, tx, as_of=AS_OF)
    rates = recovery_rates(out).set_index("topic")
    det = rates.loc["detractor"]
    assert (det.cases, det.recovered, det.not_recovered, det.no_answer, det.pending) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert det.rate == 0.5
    lo, hi = proportion_interval([1], [2])
    assert (det.ci_low, det.ci_high) == (pytest.approx(lo[0]), pytest.approx(hi[0]))
    with pytest.raises(DataValidationError, match="lacks column"):
        recovery_rates(out, by=("region",))
    bad = cases.mutate(measure=ibis.literal("vibes"))
    with pytest.raises(DataValidationError, match="measure must be one of"):
        recovery_outcomes(bad, feedback, tx, as_of=AS_OF)


@pytest.mark.parametrize("method", list(IntervalMethod))
def test_intervals_match_statsmodels(method: IntervalMethod) -> None:
    proportion_confint = pytest.importorskip("statsmodels.stats.proportion").proportion_confint
    k = np.array([0, 1, 3, 7, 10, 48, 500])
    n = np.array([10, 10, 4, 20, 10, 100, 1000])
    lo, hi = proportion_interval(k, n, method=method, alpha=0.1)
    ref = "wilson" if method is IntervalMethod.WILSON else "beta"
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.1, method=ref)
    np.testing.assert_allclose(lo, ref_lo, atol=1e-10)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-10)
    lo, hi = proportion_interval([0], [0], method=method)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_coverage_by_exact_binomial_sums() -> None:
    """The probability that the interval covers the true rate, summed exactly over the
    binomial outcomes of a team with 25 decided cases, for true rates 0.05 … 0.95:
    Clopper–Pearson never covers less than 95 % (it is exact, hence conservative); Wilson
    covers about 95 % on average (it dips below at some rates, as is known)."""
    from scipy import stats

    n = 25
    k = np.arange(n + 1)
    rates = np.arange(0.05, 0.96, 0.05)
    cover = {}
    for method in IntervalMethod:
        lo, hi = proportion_interval(k, np.full(n + 1, n), method=method)
        cover[method] = np.array(
            [float(stats.binom.pmf(k, n, p)[(lo <= p) & (p <= hi)].sum()) for p in rates]
        )
    assert cover[IntervalMethod.CLOPPER_PEARSON].min() >= 0.95
    assert 0.94 <= cover[IntervalMethod.WILSON].mean() <= 0.965
    assert cover[IntervalMethod.WILSON].min() > 0.89
