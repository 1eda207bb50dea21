from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import account_lifetimes, kaplan_meier, median_lifetime, purchase_lifetimes
from loyalloop.errors import DataValidationError


def test_kaplan_meier_hand_computed():
    # times 2, 3(c), 4, 4, 6(c), 7: at risk 6, 5, 4, 2, 1
    durations = [2, 3, 4, 4, 6, 7]
    observed = [1, 0, 1, 1, 0, 1]
    km = kaplan_meier(durations, observed)
    s = km.set_index("time")["survival"]
    assert s[0] == 1
    assert s[2] == pytest.approx(5 / 6)
    assert s[3] == pytest.approx(5 / 6)  # censoring does not drop the curve
    assert s[4] == pytest.approx(5 / 6 * (1 - 2 / 4))
    assert s[7] == 0
    assert km.set_index("time")["at_risk"].tolist() == [6, 6, 5, 4, 2, 1]
    # Greenwood + log(-log) at t = 2: var term 1/(6*5).
    z = 1.959963984540054
    se = np.sqrt(1 / 30) / abs(np.log(5 / 6))
    lower = np.exp(-np.exp(np.log(-np.log(5 / 6)) + z * se))
    assert km.set_index("time").loc[2, "ci_lower"] == pytest.approx(lower)
    assert median_lifetime(km)["all"] == 4


def test_groups_and_median_not_reached():
    km = kaplan_meier([1, 2, 3, 5, 8], [1, 1, 0, 0, 0], groups=["a", "a", "a", "b", "b"])
    med = median_lifetime(km)
    assert med["a"] == 2
    assert np.isnan(med["b"])
    with pytest.raises(DataValidationError):
        kaplan_meier([1, -1], [1, 1])


#: lifelines 0.30.3 (pandas 2.3.3, numpy 2.4.6) on the data below, recorded 2026-11-23 in a
#: separate environment (lifelines pins pandas < 3, so it cannot be a dev dependency):
#: KaplanMeierFitter().fit(d, e): time -> (survival, lower 95%, upper 95%).
LIFELINES_REFERENCE = {
    0.0: (0.9566666666666671, 0.9265411557007334, 0.9746059119652032),
    1.0: (0.9098368298368308, 0.8712678461075937, 0.9372648070393856),
    5.0: (0.7315390856690631, 0.6764493031626577, 0.7788063421950773),
    10.0: (0.5133776923907889, 0.4518087160022075, 0.5714759530485821),
    20.0: (0.29345468555834814, 0.2352313702635535, 0.3539235708222542),
}


def test_matches_lifelines_reference_values():
    rng = np.random.default_rng(0)
    d = rng.exponential(10, 300).round()
    e = rng.random(300) < 0.7
    km = kaplan_meier(d, e).set_index("time")
    for t, (surv, low, high) in LIFELINES_REFERENCE.items():
        assert km.loc[t, "survival"] == pytest.approx(surv, rel=1e-12)
        assert km.loc[t, "ci_lower"] == pytest.approx(low, rel=1e-9)
        assert km.loc[t, "ci_upper"] == pytest.approx(high, rel=1e-9)
    assert median_lifetime(kaplan_meier(d, e)).iloc[0] == 11.0  # lifelines: 11.0


def test_lifetimes_from_the_warehouse(tiny):
    con = ibis.duckdb.connect()
    tx = ibis.memtable(tiny["transactions"])
    # As of 2024-07-10, lapse 90 days: a stop can be seen up to 2024-04-11. C (last 01-15) is
    # lost after 0 days of life; A (first 01-01, last 07-01) is buying, censored at 04-11 (101
    # days); B first bought on 06-20, after 04-11: nobody could see B stop yet, left out.
    lt = con.execute(purchase_lifetimes(tx, "2024-07-10", lapse_days=90)).set_index("customer_id")
    assert lt.loc["C", "observed"] == 1 and lt.loc["C", "duration_days"] == 0
    assert lt.loc["A", "observed"] == 0 and lt.loc["A", "duration_days"] == 101
    assert lt.loc["A", "cohort"] == "2024Q1" and "B" not in lt.index
    acc = con.execute(account_lifetimes(ibis.memtable(tiny["accounts"]), "2024-07-10"))
    acc = acc.set_index("account_id")
    assert acc.loc["x", "observed"] == 0  # closes after the cutoff: censored
    assert (
        acc.loc["x", "duration_days"]
        == (pd.Timestamp("2024-07-10") - pd.Timestamp("2023-01-01")).days
    )
    assert acc.loc["y", "observed"] == 1 and acc.loc["y", "duration_days"] == 245


def test_lifetimes_since_a_day_follow_customers_from_it():
    """Cutoff 2024-12-31, start 2024-07-01 (183 days before), customers lost after 90 days."""
    from loyalloop.churn import lifetimes_since

    tx = ibis.memtable(
        {
            "customer_id": ["a", "a", "b", "b", "c", "d", "e"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-10",  # a: bought before and after the start, still buying
                    "2024-12-20",
                    "2024-03-01",  # b: last bought 2024-08-10, lost at day 40
                    "2024-08-10",
                    "2024-02-01",  # c: never bought after the start: lost at day 0
                    "2024-08-01",  # d: first bought after the start: not followed
                    "2024-06-30",  # e: a refund only: not a purchase
                ]
            ),
            "amount": [10.0, 10.0, 5.0, 5.0, 7.0, 3.0, -4.0],
        }
    )
    out = lifetimes_since(tx, "2024-07-01", "2025-01-01", lapse_days=90).to_pandas()
    got = out.set_index("customer_id")
    assert list(got.index) == ["a", "b", "c"]
    # a is buying: censored at 2024-10-03 (cutoff − 90 days), 94 days after the start
    assert got.loc["a", "observed"] == 0 and got.loc["a", "duration_days"] == pytest.approx(94)
    assert got.loc["b", "observed"] == 1 and got.loc["b", "duration_days"] == pytest.approx(40)
    assert got.loc["c", "observed"] == 1 and got.loc["c", "duration_days"] == 0
    with pytest.raises(DataValidationError, match="must be before"):
        lifetimes_since(tx, "2025-01-01", "2024-07-01")
    with pytest.raises(DataValidationError, match="more than lapse_days=200"):
        lifetimes_since(tx, "2024-07-01", "2025-01-01", lapse_days=200)
