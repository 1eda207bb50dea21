"""Report section: churn early warning — the model against its baselines, lift and capture,
calibration, and the customers most at risk with their reasons (or why churn was not run).

Reasons are text built from the customer's numbers and, for NPS, a topic word; they still go
through ``Markup.format`` like everything else, so nothing in them can become markup.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pyarrow.compute as pc
from markupsafe import Markup

from loyalloop.core.results import NotComputed, ScorerMetrics
from loyalloop.core.runs import Run
from loyalloop.loyalty import LifecycleRules
from loyalloop.report.charts import LAYOUT, figure_html
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import Section, card, cards, fmt_int, fmt_num, fmt_pct, html_table, note

__all__ = ["SAVEABLE_DAYS", "TOP_N", "churn_section"]

#: At-risk customers listed in the report.
TOP_N = 20
#: The list shows customers whose last purchase is at most this old (the lifecycle "lapsed"
#: threshold): an early warning is about customers who can still be kept.
SAVEABLE_DAYS = int(LifecycleRules().lapsed_days)

_SCORERS = {"model": "ch_model", "recency": "ch_recency", "bgnbd": "ch_bgnbd"}


def _scorer(name: str, lang: Lang) -> str:
    key = _SCORERS.get(name)
    return t(key, lang) if key else name


def _auc(metrics: dict[str, ScorerMetrics], name: str) -> str:
    found = metrics.get(name)
    return fmt_num(found.roc_auc if found else None, 3)


def churn_section(run: Run, lang: Lang) -> Section | None:
    """Churn cards, lift/capture and calibration charts, top-risk list; or the recorded error."""
    info = run.manifest.churn
    if isinstance(info, NotComputed):
        body = Markup("<p>{}: {}</p>").format(t("not_computed", lang), info.message)
        return Section("churn", t("ch_title", lang), body)
    if info is None:
        return None
    metrics = info.metrics
    summary_cards = cards(
        [
            card(
                t("ch_auc_card", lang),
                _auc(metrics, "model"),
                t("ch_vs", lang, recency=_auc(metrics, "recency"), bgnbd=_auc(metrics, "bgnbd")),
            ),
            card(t("ch_capture_card", lang), fmt_pct(info.capture_top_20pct)),
            card(t("ch_rate_card", lang), fmt_pct(info.test_churn_rate)),
            card(
                t("ch_expected_card", lang, days=info.horizon_days),
                fmt_int(info.expected_churners),
            ),
            card(t("ch_high_card", lang), fmt_int(info.high_risk)),
        ]
    )
    metric_rows = [
        (
            _scorer(name, lang),
            fmt_num(v.roc_auc, 3),
            fmt_num(v.pr_auc, 3),
            fmt_num(v.brier, 3),
            fmt_num(v.top_decile_lift, 2),
        )
        for name, v in metrics.items()
    ]
    metric_table = html_table(
        [
            t("ch_scorer", lang),
            t("ch_roc_auc", lang),
            t("ch_pr_auc", lang),
            t("ch_brier", lang),
            t("ch_lift10", lang),
        ],
        metric_rows,
    )
    body = summary_cards + metric_table
    body += Markup(figure_html(_capture_chart(run, lang), "chart-churn-capture"))
    body += Markup(figure_html(_calibration_chart(run, lang), "chart-churn-calibration"))
    body += _top_table(run, lang)
    body += note(
        t(
            "ch_note",
            lang,
            days=info.horizon_days,
            train=", ".join(f"{c:%Y-%m-%d}" for c in info.train_cutoffs),
            test=f"{info.test_cutoff:%Y-%m-%d}",
            n_test=fmt_int(info.n_test),
            file=info.model.file,
        )
    )
    return Section("churn", t("ch_title", lang), body)


def _capture_chart(run: Run, lang: Lang) -> go.Figure:
    lift = run.read("churn_lift").to_pandas()
    fig = go.Figure()
    for name, part in lift.groupby("scorer", sort=False):
        part = part.sort_values("decile")
        fig.add_trace(
            go.Scatter(
                x=[0, *part["decile"].tolist()],
                y=[0.0, *(100 * part["capture"]).tolist()],
                name=_scorer(str(name), lang),
                mode="lines+markers",
                customdata=[None, *part["lift"].round(2).tolist()],
                hovertemplate="%{x}: %{y:.1f}% (lift %{customdata})<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 10], y=[0, 100], mode="lines", line={"dash": "dot", "color": "grey"}, name="—"
        )
    )
    fig.update_layout(
        xaxis_title=t("ch_decile_axis", lang),
        yaxis_title=t("ch_capture_axis", lang) + " %",
        legend={"orientation": "h"},
        **LAYOUT,
    )
    return fig


def _calibration_chart(run: Run, lang: Lang) -> go.Figure:
    cal = run.read("churn_calibration").to_pandas()
    fig = go.Figure()
    for name, part in cal.groupby("scorer", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["mean_predicted"],
                y=part["observed_rate"],
                name=_scorer(str(name), lang),
                mode="lines+markers",
            )
        )
    top = float(max(cal["mean_predicted"].max(), cal["observed_rate"].max(), 0.01))
    fig.add_trace(
        go.Scatter(
            x=[0, top],
            y=[0, top],
            mode="lines",
            line={"dash": "dot", "color": "grey"},
            name=t("ch_perfect", lang),
        )
    )
    fig.update_layout(
        xaxis_title=t("ch_predicted_axis", lang),
        yaxis_title=t("ch_observed_axis", lang),
        legend={"orientation": "h"},
        **LAYOUT,
    )
    return fig


def _top_table(run: Run, lang: Lang) -> Markup:
    scores = run.read("churn_scores")
    # Customers past the lapsed threshold are win-back targets, not early warnings.
    scores = scores.filter(pc.less_equal(scores["recency_days"], SAVEABLE_DAYS))
    ranked = scores.sort_by([("churn_probability", "descending"), ("customer_id", "ascending")])
    top = ranked.slice(0, TOP_N).to_pandas()
    reasons = "reasons_zh" if lang == "zh" else "reasons_en"
    rows = [
        (
            str(r["customer_id"]),
            fmt_pct(r["churn_probability"]),
            fmt_int(r["recency_days"]),
            r[reasons] if isinstance(r[reasons], str) else "—",
        )
        for r in top.to_dict(orient="records")
    ]
    title = Markup("<h3>{}</h3>").format(t("ch_top", lang, n=len(rows), days=SAVEABLE_DAYS))
    return title + html_table(
        [
            t("ch_customer", lang),
            t("ch_probability", lang),
            t("ch_days_since", lang),
            t("ch_reasons", lang),
        ],
        rows,
    )
