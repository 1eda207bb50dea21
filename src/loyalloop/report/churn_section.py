"""Report section: churn risk — which ranking the run uses and why (the churn model only when
it beat every baseline on the backtest), every scorer's figures, how many churners each finds,
calibration, and the headline counts of current customers at risk (or why churn was not run).

The customers to contact are in the lists section (:mod:`loyalloop.report.lists_section`),
ranked by value, not here.
"""

from __future__ import annotations

import plotly.graph_objects as go
from markupsafe import Markup

from loyalloop.churn.comparison import BASELINES
from loyalloop.core.results import ChurnSummary, NotComputed, ScorerMetrics
from loyalloop.core.runs import Run
from loyalloop.report.charts import LAYOUT, LEGEND_BELOW, figure_html
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    card,
    cards,
    fmt_int,
    fmt_num,
    fmt_pct,
    html_table,
    join_list,
    not_computed,
    note,
    scorer_label,
)

__all__ = ["SCORER_COLOURS", "churn_section", "ranking_sentence"]

#: One colour per scorer in every chart.
SCORER_COLOURS = {
    "model": "#2b6cb0",
    "recency": "#dd6b20",
    "bgnbd": "#38a169",
    "logistic": "#805ad5",
}


def _n3(v: float | None) -> str:
    return fmt_num(v, 3)


def ranking_sentence(info: ChurnSummary, lang: Lang) -> str:
    """Which scorer ranks the customers and why, from the typed result."""
    r = info.ranking
    metrics = info.metrics
    used = metrics.get(r.scorer, ScorerMetrics(None, None, None, None))
    if r.model_won:
        best = metrics.get(r.best_baseline or "", ScorerMetrics(None, None, None, None))
        return t(
            "ch_used_model",
            lang,
            roc=_n3(used.roc_auc),
            pr=_n3(used.pr_auc),
            best=scorer_label(r.best_baseline or "—", lang),
            best_roc=_n3(best.roc_auc),
            best_pr=_n3(best.pr_auc),
        )
    model = metrics.get("model", ScorerMetrics(None, None, None, None))
    return t(
        "ch_used_baseline",
        lang,
        scorer=scorer_label(r.scorer, lang, title=True),
        model_roc=_n3(model.roc_auc),
        model_pr=_n3(model.pr_auc),
        roc=_n3(used.roc_auc),
        pr=_n3(used.pr_auc),
    )


def churn_section(run: Run, lang: Lang) -> Section | None:
    """The ranking used, the scorers' figures and charts; or why churn was not computed."""
    info = run.manifest.churn
    if isinstance(info, NotComputed):
        return Section("churn", t("ch_title", lang), not_computed(info, lang))
    if info is None:
        return None
    metrics = info.metrics
    used = metrics.get(info.ranking.scorer, ScorerMetrics(None, None, None, None))
    high_pct = round(100 * _high_risk_threshold(run))
    summary_cards = cards(
        [
            card(
                t("ch_auc_card", lang),
                _n3(used.roc_auc),
                scorer_label(info.ranking.scorer, lang, title=True),
            ),
            card(t("ch_capture_card", lang), fmt_pct(info.capture_top_20pct)),
            card(t("ch_rate_card", lang), fmt_pct(info.test_churn_rate)),
            card(
                t("ch_expected_card", lang, days=info.horizon_days),
                fmt_int(round(info.expected_churners)),
                t("ch_current_sub", lang, n=f"{info.current_customers:,}"),
            ),
            card(
                t("ch_high_card", lang, pct=high_pct),
                fmt_int(info.high_risk),
                t("ch_current_sub", lang, n=f"{info.current_customers:,}"),
            ),
        ]
    )
    lead = Markup('<p class="lead">{}</p>').format(ranking_sentence(info, lang))
    rule = note(t("ch_rule", lang, tol=f"{info.ranking.tolerance:g}"))
    metric_rows = [
        (
            scorer_label(name, lang, title=True),
            t("ch_used_mark", lang) if name == info.ranking.scorer else "",
            _n3(v.roc_auc),
            _n3(v.pr_auc),
            _n3(v.brier),
            fmt_num(v.top_decile_lift, 2),
        )
        for name, v in metrics.items()
    ]
    # a baseline the backtest could not compute (BG/NBD that did not converge) is shown as
    # left out, not silently missing from the comparison
    metric_rows += [
        (scorer_label(name, lang, title=True), t("ch_left_out", lang), "—", "—", "—", "—")
        for name in BASELINES
        if name not in metrics
    ]
    metric_table = html_table(
        [
            t("ch_scorer", lang),
            t("ch_used", lang),
            t("ch_roc_auc", lang),
            t("ch_pr_auc", lang),
            t("ch_brier", lang),
            t("ch_lift10", lang),
        ],
        metric_rows,
    )
    body = lead + summary_cards + metric_table + rule
    if run.has_table("churn_lift"):
        body += Markup("<h3>{}</h3>").format(t("ch_capture_title", lang))
        body += Markup(figure_html(_capture_chart(run, lang), "chart-churn-capture"))
    if run.has_table("churn_calibration") and run.read("churn_calibration").num_rows:
        body += Markup("<h3>{}</h3>").format(t("ch_calibration_title", lang))
        body += Markup(figure_html(_calibration_chart(run, lang), "chart-churn-calibration"))
    body += note(
        t(
            "ch_note",
            lang,
            days=info.horizon_days,
            train=join_list((f"{c:%Y-%m-%d}" for c in info.train_cutoffs), lang),
            test=f"{info.test_cutoff:%Y-%m-%d}",
            n_test=fmt_int(info.n_test),
            rate=fmt_pct(info.test_churn_rate),
            model_file=info.model.file,
            ranking_file=info.ranking.file,
        )
    )
    return Section("churn", t("ch_title", lang), body)


def _high_risk_threshold(run: Run) -> float:
    rules = run.manifest.config.get("loyalty", {}).get("lifecycle", {})
    value = rules.get("high_risk_probability", 0.5) if isinstance(rules, dict) else 0.5
    return float(value)


def _capture_chart(run: Run, lang: Lang) -> go.Figure:
    lift = run.read("churn_lift").to_pandas()
    fig = go.Figure()
    for name, part in lift.groupby("scorer", sort=False):
        part = part.sort_values("decile")
        fig.add_trace(
            go.Scatter(
                x=[0, *part["decile"].tolist()],
                y=[0.0, *(100 * part["capture"]).tolist()],
                name=scorer_label(str(name), lang, title=True),
                mode="lines+markers",
                line={"color": SCORER_COLOURS.get(str(name))},
                customdata=[None, *part["lift"].round(2).tolist()],
                hovertemplate="%{x}: %{y:.1f}% ("
                + t("ch_hover_lift", lang)
                + " %{customdata})<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 10],
            y=[0, 100],
            mode="lines",
            line={"dash": "dot", "color": "grey"},
            name=t("ch_random", lang),
        )
    )
    fig.update_layout(
        xaxis_title=t("ch_decile_axis", lang),
        yaxis_title=t("ch_capture_axis", lang),
        legend=LEGEND_BELOW,
        **LAYOUT,
    )
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(range=[0, 100], dtick=20)
    return fig


def _calibration_chart(run: Run, lang: Lang) -> go.Figure:
    cal = run.read("churn_calibration").to_pandas()
    fig = go.Figure()
    for name, part in cal.groupby("scorer", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["mean_predicted"],
                y=part["observed_rate"],
                name=scorer_label(str(name), lang, title=True),
                mode="lines+markers",
                line={"color": SCORER_COLOURS.get(str(name))},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line={"dash": "dot", "color": "grey"},
            name=t("ch_perfect", lang),
        )
    )
    fig.update_layout(
        xaxis_title=t("ch_predicted_axis", lang),
        yaxis_title=t("ch_observed_axis", lang),
        legend=LEGEND_BELOW,
        **LAYOUT,
    )
    fig.update_xaxes(range=[0, 1], dtick=0.2, tickformat=".0%")
    fig.update_yaxes(range=[0, 1], dtick=0.2, tickformat=".0%")
    return fig
