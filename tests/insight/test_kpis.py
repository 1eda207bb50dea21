from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.insight.kpis import cohort_retention, purchase_kpis
from loyalloop.insight.surveys import CsatResult, NpsResult, csat, csat_monthly, nps, nps_monthly

ROWS = [
    ("A", "2024-01-01 09:00", 10.0),
    ("A", "2024-01-01 18:00", 5.0),
    ("A", "2024-01-05", 20.0),
    ("A", "2024-01-10", 30.0),
    ("A", "2024-01-11", -5.0),
    ("A", "2024-03-02", 7.0),
    ("B", "2024-01-20", 8.0),
    ("C", "2024-02-05", 9.0),
]


def tx() -> ibis.Table:
    df = pd.DataFrame(ROWS, columns=["customer_id", "timestamp", "amount"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], format="mixed")
    df["kind"] = np.select([df.amount > 0, df.amount < 0], ["purchase", "refund"], "zero")
    return ibis.memtable(df)


def test_purchase_kpis_hand_computed() -> None:
    customers = ibis.memtable(pd.DataFrame({"customer_id": ["A", "B", "C", "D"]}))
    k = purchase_kpis(customers, tx(), date(2024, 1, 31), active_days=15)
    assert k.customers == 4
    assert k.purchasers == 2  # C buys after the end
    assert k.active_customers == 1  # B (Jan 20) is within 15 days of Jan 31; A (Jan 10) is not
    assert k.repurchase_rate == pytest.approx(1 / 2)
    assert k.orders == 5
    assert k.revenue == pytest.approx(73.0)
    assert k.average_order_value == pytest.approx(73 / 5)
    assert k.refunds == pytest.approx(5.0)
    assert k.refund_rate == pytest.approx(5 / 73)


def test_cohort_retention() -> None:
    c = cohort_retention(tx()).execute()
    cells = {
        (str(r.cohort)[:7], r.months_since): (r.customers, r.retention) for r in c.itertuples()
    }
    assert cells == {
        ("2024-01", 0): (2, 1.0),
        ("2024-01", 2): (1, 0.5),
        ("2024-02", 0): (1, 1.0),
    }
    ended = cohort_retention(tx(), date(2024, 1, 31)).execute()
    assert len(ended) == 1 and ended["cohort_size"].iloc[0] == 2


def feedback(scores: list[tuple[str, str, float, str | None]]) -> ibis.Table:
    df = pd.DataFrame(scores, columns=["timestamp", "score_type", "score", "brand"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return ibis.memtable(df)


def test_nps_matches_the_variance_of_plus_minus_scores() -> None:
    scores = [10, 9, 8, 7, 6, 0, 10]
    fb = feedback(
        [("2024-01-01", "nps", s, None) for s in scores] + [("2024-01-01", "nps", 0, "Rival")]
    )
    r = nps(fb)
    assert (r.n, r.promoters, r.passives, r.detractors) == (7, 3, 2, 2)
    assert r.nps == pytest.approx(100 / 7)
    values = np.array([1 if s >= 9 else -1 if s <= 6 else 0 for s in scores], dtype=float)
    se = 100 * values.std(ddof=0) / np.sqrt(len(values))
    assert r.ci_high - r.nps == pytest.approx(1.959964 * se, rel=1e-6)


def test_nps_edge_cases() -> None:
    assert NpsResult.from_counts(0, 0, 0).nps is None
    r = NpsResult.from_counts(5, 0, 0)
    assert r.nps == 100 and r.ci_low == r.ci_high == 100


def test_csat_wilson_interval_known_value() -> None:
    # Wilson 95% interval for 8 successes in 10 trials: 0.4902 to 0.9433
    r = CsatResult.from_counts(10, 8, 40.0)
    assert r.csat == pytest.approx(80.0)
    assert r.ci_low == pytest.approx(49.02, abs=0.01)
    assert r.ci_high == pytest.approx(94.33, abs=0.01)
    assert r.mean == 4.0


def test_monthly_trends() -> None:
    fb = feedback(
        [
            ("2024-01-03", "nps", 10, "own"),
            ("2024-01-09", "nps", 0, None),
            ("2024-02-01", "nps", 9, None),
            ("2024-01-03", "csat", 5, None),
            ("2024-02-03", "csat", 2, None),
        ]
    )
    m = nps_monthly(fb)
    assert [str(x)[:7] for x in m["month"]] == ["2024-01", "2024-02"]
    assert m["nps"].tolist() == [0.0, 100.0]
    c = csat_monthly(fb)
    assert c["csat"].tolist() == [100.0, 0.0]
    assert csat(fb).n == 2
