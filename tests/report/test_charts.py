"""The report's charts draw their points in time order, whatever months each series has."""

from __future__ import annotations

import pandas as pd

from loyalloop.report.charts import trend_lines


def _monthly(months: list[str], col: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime(months),
            col: values,
            "ci_low": [v - 10 for v in values],
            "ci_high": [v + 10 for v in values],
        }
    )


def test_trend_months_are_in_time_order_when_the_series_have_different_months() -> None:
    # a small base: CSAT answered in May 2024 when nobody gave an NPS, none in April;
    # the CSAT rows also arrive out of order
    nps = _monthly(["2024-03-01", "2024-04-01", "2024-06-01"], "nps", [-100.0, 0.0, 33.0])
    csat = _monthly(["2024-06-01", "2024-03-01", "2024-05-01"], "csat", [0.0, 100.0, 33.0])
    fig = trend_lines(nps, csat, ("NPS", "CSAT"))
    order = ["2024-03", "2024-04", "2024-05", "2024-06"]
    for axis in (fig.layout.xaxis, fig.layout.xaxis2):
        assert axis.categoryorder == "array" and list(axis.categoryarray) == order
    csat_trace = fig.data[1]
    assert list(csat_trace.x) == ["2024-03", "2024-05", "2024-06"]
    assert list(csat_trace.y) == [100.0, 33.0, 0.0]  # the values moved with their months
    assert list(csat_trace.error_y.array) == [10.0, 10.0, 10.0]
