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


def test_matches_lifelines_when_installed():
    # lifelines is not in the dev environment (it pins pandas < 3); run by hand on 2026-11-23
    # with lifelines 0.30.3, this agreed to 2e-15 on survival, both bands and the median.
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(0)
    d = rng.exponential(10, 300).round()
    e = rng.random(300) < 0.7
    ours = kaplan_meier(d, e).set_index("time")["survival"]
    ref = lifelines.KaplanMeierFitter().fit(d, e).survival_function_.iloc[:, 0]
    np.testing.assert_allclose(ours.reindex(ref.index).to_numpy(), ref.to_numpy())
    bands = kaplan_meier(d, e).set_index("time")[["ci_lower", "ci_upper"]]
    ref_ci = lifelines.KaplanMeierFitter().fit(d, e).confidence_interval_
    np.testing.assert_allclose(bands.reindex(ref_ci.index).to_numpy(), ref_ci.to_numpy())


def test_lifetimes_from_the_warehouse(tiny):
    con = ibis.duckdb.connect()
    tx = ibis.memtable(tiny["transactions"])
    # As of 2024-07-10, lapse 90 days: C (last 01-15) is lost after 0 days of life.
    lt = con.execute(purchase_lifetimes(tx, "2024-07-10", lapse_days=90)).set_index("customer_id")
    assert lt.loc["C", "observed"] == 1 and lt.loc["C", "duration_days"] == 0
    assert lt.loc["A", "observed"] == 0 and lt.loc["A", "duration_days"] == 191
    assert lt.loc["B", "cohort"] == "2024Q2"
    acc = con.execute(account_lifetimes(ibis.memtable(tiny["accounts"]), "2024-07-10"))
    acc = acc.set_index("account_id")
    assert acc.loc["x", "observed"] == 0  # closes after the cutoff: censored
    assert (
        acc.loc["x", "duration_days"]
        == (pd.Timestamp("2024-07-10") - pd.Timestamp("2023-01-01")).days
    )
    assert acc.loc["y", "observed"] == 1 and acc.loc["y", "duration_days"] == 245
