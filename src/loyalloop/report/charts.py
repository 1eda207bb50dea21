"""Plotly figures for the report. Figures are data; the HTML page embeds plotly.js once.

Plotly serialises figure data as JSON with ``<``, ``>`` and ``/`` escaped, so text inside a
figure cannot end the surrounding ``<script>`` element.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["LAYOUT", "cohort_heatmap", "figure_html", "segment_bars", "trend_lines"]

LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
    "height": 380,
    "template": "plotly_white",
}


def figure_html(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML fragment; a fixed ``div_id`` keeps reports reproducible."""
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
    fig.update_layout(barmode="group", yaxis_title="%", **LAYOUT)
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
            colorbar={"title": "%"},
        )
    )
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title, **{**LAYOUT, "height": 520})
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def trend_lines(
    nps_monthly: pd.DataFrame, csat_monthly: pd.DataFrame, names: tuple[str, str]
) -> go.Figure:
    fig = go.Figure()
    for frame, col, name, axis in (
        (nps_monthly, "nps", names[0], "y"),
        (csat_monthly, "csat", names[1], "y2"),
    ):
        if frame.empty:
            continue
        months = [str(m)[:7] for m in frame["month"]]
        fig.add_trace(
            go.Scatter(
                x=months,
                y=frame[col],
                name=name,
                yaxis=axis,
                mode="lines+markers",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": frame["ci_high"] - frame[col],
                    "arrayminus": frame[col] - frame["ci_low"],
                    "thickness": 1,
                },
            )
        )
    fig.update_layout(
        yaxis={"title": names[0]},
        yaxis2={"title": names[1] + " %", "overlaying": "y", "side": "right"},
        legend={"orientation": "h"},
        **LAYOUT,
    )
    return fig
