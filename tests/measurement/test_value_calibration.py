"""The value of a response calibrated on what the campaigns' responders spent
(:func:`~loyalloop.measurement.learning.calibrated_value`), on simulated customers whose true
value of a response is known.

The simulated business follows the sample generator's rule: an alive customer who buys spends
a month at their usual pace, a lapsed one who comes back spends one purchase plus half a month
at their old pace — so :func:`~loyalloop.measurement.learning.monthly_value` ("they spend as
they used to for a month") over-states the lapsed ~1.7× and is right for the alive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.measurement.learning import calibrated_value, monthly_value

N = 4_000


def _business(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """An audience (half alive, half lapsed) and each customer's true value of a response."""
    rng = np.random.default_rng(seed)
    lapsed = np.arange(N) >= N // 2
    per_day = rng.gamma(4.0, 80.0, N)  # spend per purchase day
    gap = rng.uniform(2.0, 5.0, N)  # usual days between purchases
    days = rng.integers(5, 60, N)
    churn = np.where(lapsed, rng.uniform(0.9, 1.0, N), rng.uniform(0.0, 0.2, N))
    audience = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(N)],
            "total_spend": per_day * days,
            "purchase_days": days,
            "usual_gap_days": gap,
            "churn_probability": churn,
        }
    )
    pace = 30.0 / gap
    true = per_day * np.where(lapsed, 1.0 + pace / 2.0, np.maximum(1.0, pace))
    return audience, pd.Series(true, index=audience["customer_id"])


def _rows(audience: pd.DataFrame, true: pd.Series, seed: int = 1) -> pd.DataFrame:
    """Two pooled campaigns: random customers, treated or held out; responders spend their
    true value (lapsed customers respond less often)."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(2):
        ids = rng.choice(audience["customer_id"].to_numpy(), 1_500, replace=False)
        lapsed = np.isin(ids, audience["customer_id"].to_numpy()[N // 2 :])
        responded = rng.random(len(ids)) < np.where(lapsed, 0.06, 0.15)
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": ids,
                    "responded": responded.astype("int64"),
                    "revenue": np.where(responded, true.reindex(ids).to_numpy(), 0.0),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _mean_ratio(value: pd.Series, true: pd.Series, ids: np.ndarray) -> float:
    return float(value.reindex(ids).mean() / true.reindex(ids).mean())


def test_calibrated_value_is_right_where_monthly_value_over_states_the_lapsed() -> None:
    audience, true = _business()
    rows = _rows(audience, true)
    lapsed = audience["customer_id"].to_numpy()[N // 2 :]
    alive = audience["customer_id"].to_numpy()[: N // 2]
    before = monthly_value(audience)
    # the uncalibrated value is what the loop used: the lapsed over-stated (the test's bias)
    assert _mean_ratio(before, true, lapsed) > 1.6
    assert _mean_ratio(before, true, alive) == pytest.approx(1.0, abs=0.02)
    cal = calibrated_value(before, rows, audience)
    assert _mean_ratio(cal.value, true, lapsed) == pytest.approx(1.0, abs=0.08)
    assert _mean_ratio(cal.value, true, alive) == pytest.approx(1.0, abs=0.05)
    assert cal.responders == int(rows["responded"].sum())
    # the ratio at churn probability 1 undoes the over-statement; at 0 it leaves the value
    assert cal.lapse_ratio < 0.7 and cal.stay_ratio == pytest.approx(1.0, abs=0.05)
    assert cal.notes == () and "calibrated on" in cal.line()


def test_revenue_unknown_rows_are_left_out_and_no_responder_leaves_the_value_alone() -> None:
    audience, true = _business()
    rows = _rows(audience, true)
    value = monthly_value(audience)
    known = calibrated_value(value, rows, audience)
    # a responder whose spend is unknown says nothing about the value; it does not count as 0
    unknown = rows.assign(revenue=rows["revenue"].where(rows.index % 2 == 0))
    half = calibrated_value(value, unknown, audience)
    assert half.responders < known.responders
    assert half.lapse_ratio == pytest.approx(known.lapse_ratio, abs=0.1)
    none = calibrated_value(value, rows.assign(responded=0), audience)
    pd.testing.assert_series_equal(none.value, value.set_axis(value.index.astype(str)))
    assert none.responders == 0 and "not calibrated" in none.line()
    few = calibrated_value(value, rows.iloc[:40], audience)
    assert few.stay_ratio == few.lapse_ratio == pytest.approx(few.overall)


def test_bad_input_is_named() -> None:
    audience, true = _business()
    rows = _rows(audience, true)
    value = monthly_value(audience)
    with pytest.raises(DataValidationError, match="revenue"):
        calibrated_value(value, rows.drop(columns="revenue"), audience)
    with pytest.raises(DataValidationError, match="churn_probability"):
        calibrated_value(value, rows, audience.drop(columns="churn_probability"))
    with pytest.raises(ConfigError, match="min_responders"):
        calibrated_value(value, rows, audience, min_responders=0)
