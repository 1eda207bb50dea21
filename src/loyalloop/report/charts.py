"""Plotly figures for the report. Figures are data; the HTML page embeds plotly.js once.

Plotly serialises figure data as JSON with ``<``, ``>`` and ``/`` escaped, so text inside a
figure cannot end the surrounding ``<script>`` element. But plotly.js itself reads a small HTML
subset in every text it draws (``<a href>``, ``<b>``, ``<br>``, ``<span style>``): a brand or
segment name ``<a href="…">`` from the data would become a live link in the chart. So
:func:`figure_html` passes the data's text (categories, trace names, labels, hover text) through
:func:`plain_labels` first, which writes ``&``, ``<`` and ``>`` as entities: plotly.js splits
tags before it decodes entities, so the label is drawn as the literal text.

Readable by default (:data:`LAYOUT`): no titles inside the figure (the section's headings say
what a chart is), the legend in a row *below* the plot where it can never cover a title or a
line, and round numbers on every axis — a chart with two y-axes is drawn as two panels
sharing the x-axis instead, because a second axis synchronised to the first gets ticks like
11.1 and 25.7. Months are written ``2025-03`` (no month names, so the Chinese report needs no
locale).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "LAYOUT",
    "LEGEND_BELOW",
    "MONTH_FORMAT",
    "cohort_heatmap",
    "figure_html",
    "numeric_dates",
    "plain_labels",
    "segment_bars",
    "trend_lines",
]

#: The legend in a row under the plot, left-aligned.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0}
#: Layout of every chart: pass ``legend=LEGEND_BELOW`` too when the chart has a legend.
LAYOUT = {
    "margin": {"l": 64, "r": 24, "t": 24, "b": 96},
    "height": 400,
    "template": "plotly_white",
}
#: Tick format of month axes.
MONTH_FORMAT = "%Y-%m"


#: Date axes without month names: days while a tick is less than a month apart, months after.
DATE_TICKS = [
    {"dtickrange": [None, "M1"], "value": "%Y-%m-%d"},
    {"dtickrange": ["M1", None], "value": "%Y-%m"},
]


def _is_date(values: object) -> bool:
    if values is None:
        return False
    try:
        first = next(iter(values))  # type: ignore[call-overload]
    except (StopIteration, TypeError):
        return False
    return isinstance(first, date | datetime | np.datetime64 | pd.Timestamp)


def numeric_dates(fig: go.Figure) -> go.Figure:
    """Date x-axes ticked ``2025-03`` / ``2025-03-17``, in every language (plotly's default
    ticks name months in English)."""
    axes = {getattr(trace, "xaxis", None) or "x" for trace in fig.data if _is_date(trace.x)}
    for axis in axes:
        name = "xaxis" if axis == "x" else f"xaxis{axis[1:]}"
        if fig.layout[name].tickformat is None and not fig.layout[name].tickformatstops:
            fig.layout[name].tickformatstops = DATE_TICKS
    return fig


#: Trace attributes whose text plotly.js draws (and would read as HTML).
_TEXT_ATTRIBUTES = ("x", "y", "text", "hovertext", "name", "labels", "customdata")
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _plain(value: object) -> object:
    if isinstance(value, str):
        return value.translate(_ENTITIES)
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.array([_plain(v) for v in value.tolist()], dtype=object)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def plain_labels(fig: go.Figure) -> go.Figure:
    """Text from the data drawn as plain text: ``&``, ``<``, ``>`` in the traces' categories,
    names, labels and hover text become entities (plotly.js shows them literally; module
    docstring). Layout text (titles, the report's own words) is left alone.

    Examples
    --------
    >>> fig = go.Figure(go.Bar(x=['<a href="https://x.example">A&B</a>'], y=[1], name="<b>n</b>"))
    >>> fig = plain_labels(fig)
    >>> fig.data[0].x[0], fig.data[0].name
    ('&lt;a href="https://x.example"&gt;A&amp;B&lt;/a&gt;', '&lt;b&gt;n&lt;/b&gt;')
    """
    for trace in fig.data:
        for attr in _TEXT_ATTRIBUTES:
            if attr in trace and trace[attr] is not None:
                trace[attr] = _plain(trace[attr])
    return fig


def figure_html(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML fragment; a fixed ``div_id`` keeps reports reproducible. Date
    axes get numeric ticks (:func:`numeric_dates`); the data's text is drawn as plain text
    (:func:`plain_labels`)."""
    numeric_dates(fig)
    plain_labels(fig)
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
    )


def segment_bars(
    labels: list[str], share: list[float], revenue_share: list[float], names: tuple[str, str]
) -> go.Figure:
    fig = go.Figure(
        [
            go.Bar(x=labels, y=[100 * s for s in share], name=names[0]),
            go.Bar(x=labels, y=[100 * s for s in revenue_share], name=names[1]),
        ]
    )
    fig.update_layout(barmode="group", yaxis_title="%", legend=LEGEND_BELOW, **LAYOUT)
    fig.update_yaxes(rangemode="tozero")
    return fig


def cohort_heatmap(
    cohorts: pd.DataFrame, x_title: str, y_title: str, max_months: int = 24
) -> go.Figure:
    c = cohorts[cohorts["months_since"] <= max_months]
    grid = c.pivot(index="cohort", columns="months_since", values="retention").sort_index()
    grid = grid.tail(max_months)
    z = (100 * grid).round(1)
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy(),
            x=[str(m) for m in grid.columns],
            y=[str(d)[:7] for d in grid.index],
            colorscale="Blues",
            zmin=0,
            zmax=max(1.0, float(z.iloc[:, 1:].max().max()) if z.shape[1] > 1 else 100.0),
            hovertemplate="%{y} +%{x}: %{z}%<extra></extra>",
            colorbar={"title": {"text": "%"}},
        )
    )
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        **{**LAYOUT, "height": 520, "margin": {"l": 72, "r": 24, "t": 24, "b": 56}},
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def trend_lines(
    nps_monthly: pd.DataFrame, csat_monthly: pd.DataFrame, names: tuple[str, str]
) -> go.Figure:
    """NPS (−100 … 100) and CSAT (%) by month with 95% intervals: two panels, one x-axis."""
    panels = [
        (frame, col, name)
        for frame, col, name in (
            (nps_monthly, "nps", names[0]),
            (csat_monthly, "csat", names[1]),
        )
        if not frame.empty
    ]
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for row, (unsorted, col, name) in enumerate(panels, start=1):
        frame = unsorted.sort_values("month")
        months = [str(m)[:7] for m in frame["month"]]
        fig.add_trace(
            go.Scatter(
                x=months,
                y=frame[col],
                name=name,
                mode="lines+markers",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": frame["ci_high"] - frame[col],
                    "arrayminus": frame[col] - frame["ci_low"],
                    "thickness": 1,
                },
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        fig.update_yaxes(title_text=name, row=row, col=1, nticks=6)
    # one month order for both panels: a category axis otherwise takes the first trace's
    # months and appends the others' at the end (a month with CSAT but no NPS answer was drawn
    # after the last month, and the CSAT line ran back across the chart)
    months_all = sorted({str(m)[:7] for frame, _, _ in panels for m in frame["month"]})
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=months_all, nticks=12)
    fig.update_layout(
        **{
            **LAYOUT,
            "height": 260 * max(1, len(panels)),
            "margin": {"l": 64, "r": 24, "t": 16, "b": 48},
        }
    )
    return fig
