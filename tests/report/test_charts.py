"""Chart labels from the data are drawn as plain text (issue 11): plotly.js reads ``<a href>``,
``<b>`` … in every text it draws, so a segment or brand name could become a live link."""

from __future__ import annotations

import json
import re

import numpy as np
import plotly.graph_objects as go

from loyalloop.report.charts import figure_html, segment_bars

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
