"""The report's charts: labels from the data are drawn as plain text (issue 11: plotly.js reads
``<a href>``, ``<b>`` … in every text it draws, so a segment or brand name could become a live
link), and points are drawn in time order whatever months each series has."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from loyalloop.report.charts import figure_html, segment_bars, trend_lines

LINK = '<a href="https://evil.example/">Gold & co</a>'


def _figure_data(html: str) -> list[dict[str, object]]:
    """The traces of the one figure in ``html`` (the first argument of ``Plotly.newPlot``)."""
    match = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S)
    assert match, "no Plotly.newPlot call in the fragment"
    data: list[dict[str, object]] = json.loads(match.group(1))
    return data


def test_segment_names_are_plain_text_in_charts() -> None:
    fig = segment_bars([LINK, "regulars"], [0.5, 0.5], [0.6, 0.4], ("<b>customers</b>", "revenue"))
    data = _figure_data(figure_html(fig, "seg"))
    escaped = '&lt;a href="https://evil.example/"&gt;Gold &amp; co&lt;/a&gt;'
    assert [d["x"] for d in data] == [[escaped, "regulars"]] * 2
    assert data[0]["name"] == "&lt;b&gt;customers&lt;/b&gt;"
    assert "<a href" not in json.dumps(data)


def test_hover_text_arrays_and_numbers() -> None:
    fig = go.Figure(
        go.Scatter(
            x=np.array([1.0, 2.0]),
            y=[3, 4],
            text=np.array(["<i>x</i>", "y"], dtype=object),
            customdata=[None, 1.5],
        )
    )
    (trace,) = _figure_data(figure_html(fig, "s"))
    assert trace["text"] == ["&lt;i&gt;x&lt;/i&gt;", "y"]
    assert trace["customdata"] == [None, 1.5]
    assert trace["y"] == [3, 4]


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
