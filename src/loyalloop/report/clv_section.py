"""Report section: customer lifetime value and P(alive)."""

from __future__ import annotations

import plotly.graph_objects as go
from markupsafe import Markup

from loyalloop.core.results import NotComputed
from loyalloop.core.runs import Run
from loyalloop.report.charts import LAYOUT, figure_html
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    card,
    cards,
    fmt_num,
    fmt_pct,
    html_table,
    note,
    segment_label,
)

__all__ = ["clv_section"]


def clv_section(run: Run, lang: Lang) -> Section | None:
    """CLV cards, distribution, P(alive) by RFM segment; or why CLV was not computed."""
    info = run.manifest.clv
    if isinstance(info, NotComputed):
        body = Markup("<p>{}: {}</p>").format(t("not_computed", lang), info.message)
        return Section("clv", t("clv", lang), body)
    if info is None:
        return None
    by_segment = run.read("clv_segments").to_pandas()
    values = run.read("clv").column("clv").to_pandas()
    hist = go.Figure(go.Histogram(x=values.clip(upper=float(values.quantile(0.99))), nbinsx=50))
    hist.update_layout(xaxis_title=t("clv_axis", lang), yaxis_title=t("customers", lang), **LAYOUT)
    labels = [segment_label(s, lang) for s in by_segment["segment"]]
    alive = go.Figure(go.Bar(x=labels, y=100 * by_segment["probability_alive"]))
    alive.update_layout(yaxis_title=t("p_alive", lang) + " %", **LAYOUT)
    summary_cards = cards(
        [
            card(t("total_clv", lang, months=info.horizon_months), fmt_num(info.total_clv, 0)),
            card(t("top_decile", lang), fmt_pct(info.top_decile_share)),
            card(t("p_alive", lang), fmt_pct(info.mean_probability_alive)),
        ]
    )
    table = html_table(
        [t("segment", lang), t("customers", lang), t("p_alive", lang), t("avg_clv", lang)],
        [
            (lab, f"{int(n):,}", fmt_pct(a), fmt_num(c, 0))
            for lab, n, a, c in zip(
                labels,
                by_segment["customers"],
                by_segment["probability_alive"],
                by_segment["clv"],
                strict=True,
            )
        ],
    )
    p = info.transaction_params
    explain = note(
        t("clv_note", lang, months=info.horizon_months, rate=100 * info.monthly_discount_rate)
        + f" BG/NBD r={p['r']:.3g}, α={p['alpha']:.3g}, a={p['a']:.3g}, b={p['b']:.3g}."
    )
    body = (
        summary_cards
        + Markup(figure_html(hist, "chart-clv"))
        + Markup(figure_html(alive, "chart-alive"))
        + table
        + explain
    )
    return Section("clv", t("clv", lang), body)
