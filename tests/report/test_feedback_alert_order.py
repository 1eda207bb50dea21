"""The alert table lists the period that ended last first, weekly and monthly alerts together, as
its note says ("Latest period first"): the demo's report had a May week above June."""

from __future__ import annotations

import pandas as pd

from loyalloop.report.feedback_section import latest_first


def test_alerts_are_listed_by_the_end_of_their_period_then_by_size() -> None:
    alerts = pd.DataFrame(
        {
            "freq": ["W", "W", "M", "M", "M"],
            "period": pd.to_datetime(
                ["2026-05-11", "2026-06-22", "2026-06-01", "2026-05-01", "2026-06-01"]
            ),
            "aspect": ["fraud", "app", "app", "app", "interest"],
            "excess": [-12.0, 9.0, 45.0, 51.0, -60.0],
        }
    )
    got = latest_first(alerts)
    # June (ends 06-30) with the larger change first, then the week ending 06-28, then May
    # (ends 05-31), then the week ending 05-17
    assert got["aspect"].tolist() == ["interest", "app", "app", "app", "fraud"]
    assert got["freq"].tolist() == ["M", "M", "W", "M", "W"]
    assert len(got) == len(alerts) and set(got.index) == set(alerts.index)
