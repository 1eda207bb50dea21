from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.feedback import AlertRule, aspect_trends, detect_alerts

ASPECTS = ["annual_fee", "waiting_time", "app_online", "billing", "rewards_points"]


def _simulate(
    seed: int, weeks: int = 52, shift_aspect: str | None = None, shift_weeks: int = 0
) -> pd.DataFrame:
    """Mentions per week: Poisson volume, fixed negative share; optionally a late shift."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-06")  # a Monday
    rows = []
    for a_i, aspect in enumerate(ASPECTS):
        rate, p_neg = 30 + 10 * a_i, 0.3
        for w in range(weeks):
            shifted = aspect == shift_aspect and w >= weeks - shift_weeks
            n = rng.poisson(rate * (1.5 if shifted else 1.0))
            neg = rng.binomial(n, 0.6 if shifted else p_neg)
            days = rng.integers(0, 7, n)
            for k in range(n):
                label = "negative" if k < neg else "positive"
                ts = start + pd.Timedelta(weeks=w, days=int(days[k]))
                rows.append((ts, aspect, label, -0.7 if label == "negative" else 0.6))
    return pd.DataFrame(rows, columns=["timestamp", "aspect", "sentiment", "sentiment_score"])


def test_trend_grid_weekly_and_monthly() -> None:
    m = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2026-01-05", "2026-01-07", "2026-01-20"]),
            "aspect": ["billing", "billing", "interest"],
            "sentiment": ["negative", "positive", "neutral"],
            "sentiment_score": [-0.8, 0.6, 0.0],
        }
    )
    w = aspect_trends(m, "W")
    assert len(w) == 3 * 2  # weeks of 5, 12 and 19 January × 2 aspects
    first = w[(w["aspect"] == "billing") & (w["period"] == pd.Timestamp("2026-01-05"))].iloc[0]
    assert first["mentions"] == 2 and first["negative"] == 1 and first["share_negative"] == 0.5
    assert first["mean_score"] == pytest.approx(-0.1)
    empty_week = w[(w["aspect"] == "billing") & (w["period"] == pd.Timestamp("2026-01-12"))]
    assert empty_week["mentions"].iloc[0] == 0 and np.isnan(empty_week["mean_score"].iloc[0])
    mo = aspect_trends(m, "M")
    assert set(mo["period"]) == {pd.Timestamp("2026-01-01")}


def test_stable_series_raise_few_false_alarms() -> None:
    alarms = sum(len(detect_alerts(aspect_trends(_simulate(seed)))) for seed in range(10))
    # 10 series × 5 aspects × 48 tested weeks × 2 tests = 4,800 chances
    assert alarms <= 3


def test_shift_is_detected_on_the_shifted_aspect() -> None:
    alerts = detect_alerts(aspect_trends(_simulate(1, shift_aspect="waiting_time", shift_weeks=2)))
    assert not alerts.empty
    assert set(alerts["aspect"]) == {"waiting_time"}
    assert set(alerts["kind"]) == {"negative_volume", "negative_share"}
    assert alerts["period"].min() >= pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=50)


def test_alert_rule_validation_and_bad_input() -> None:
    with pytest.raises(ConfigError):
        AlertRule(alpha=2)
    with pytest.raises(ConfigError):
        AlertRule(window=2, min_baseline=3)
    with pytest.raises(DataValidationError, match="lack columns"):
        aspect_trends(pd.DataFrame({"aspect": []}))
    bad = pd.DataFrame(
        {"timestamp": ["not a date"], "aspect": ["x"], "sentiment": ["positive"],
         "sentiment_score": [0.5]}
    )  # fmt: skip
    with pytest.raises(DataValidationError, match="1 missing or invalid"):
        aspect_trends(bad)
    with pytest.raises(ConfigError):
        aspect_trends(_simulate(0, weeks=2), "D")  # type: ignore[arg-type]
    assert detect_alerts(aspect_trends(_simulate(0, weeks=3))).empty
