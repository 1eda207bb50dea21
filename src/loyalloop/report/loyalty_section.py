"""Report section: loyalty index, tiers, lifecycle statuses, moves since the previous run, and
Kaplan–Meier curves of how long customers keep buying — by year of first purchase and by the
status customers had a year earlier (groups known before the outcome), small groups left out of
the charts and marked in the tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from loyalloop.core.results import LoyaltySummary, NotComputed
from loyalloop.core.runs import Run
from loyalloop.loyalty import STAGES, TIERS
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
    not_computed,
    note,
    status_name,
)

__all__ = ["MAX_CURVES", "MIN_CURVE_CUSTOMERS", "loyalty_section"]

#: Display order, best first.
_TIER_ORDER: tuple[str, ...] = (*reversed(TIERS), "unscored")
_STAGE_ORDER: tuple[str, ...] = (
    "new",
    "active",
    "growing",
    "won_back",
    "at_risk",
    "lapsed",
    "closed",
    "lost",
)
#: Most curves drawn per chart (largest groups first).
MAX_CURVES = 6
#: Groups with fewer customers are not drawn (their curves are noise); the table marks them.
MIN_CURVE_CUSTOMERS = 30


def _label(prefix: str, value: Any, lang: Lang) -> str:
    if value == "(none)":
        return t("lo_none", lang)
    if prefix == "lo_stage":
        return status_name(str(value), lang)
    try:
        return t(f"{prefix}_{value}", lang)
    except KeyError:  # a label this version has no wording for: show it as is
        return str(value)


def _sizes(
    summary: pd.DataFrame, dimension: str, order: Sequence[str], prefix: str, lang: Lang
) -> Markup:
    part = summary[summary["dimension"] == dimension].set_index("group")
    names = [*[o for o in order if o in part.index], *sorted(set(part.index) - set(order))]
    rows = [
        (
            _label(prefix, n, lang),
            fmt_int(part.loc[n, "customers"]),
            fmt_pct(part.loc[n, "share"]),
            fmt_num(part.loc[n, "mean_index"], 1),
        )
        for n in names
    ]
    head = t("lo_tier", lang) if prefix == "lo_tier" else t("lo_stage", lang)
    return html_table(
        [head, t("n_customers", lang), t("lo_share", lang), t("lo_avg_index", lang)], rows
    )


def _matrix_chart(
    moves: pd.DataFrame, order: Sequence[str], prefix: str, lang: Lang, div_id: str
) -> str:
    before = moves["before"].fillna("(none)").astype(str)
    after = moves["after"].fillna("(none)").astype(str)
    matrix = pd.crosstab(before, after)
    extra = sorted((set(matrix.index) | set(matrix.columns)) - {*order, "(none)"})
    axis = [*order, *extra, "(none)"]
    rows = [a for a in axis if a in matrix.index]
    cols = [a for a in axis if a in matrix.columns]
    matrix = matrix.reindex(index=rows, columns=cols, fill_value=0)
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[_label(prefix, c, lang) for c in cols],
            y=[_label(prefix, r, lang) for r in rows],
            text=matrix.to_numpy(),
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
        )
    )
    fig.update_layout(xaxis_title=t("lo_this", lang), yaxis_title=t("lo_previous", lang), **LAYOUT)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return figure_html(fig, div_id)


def _moves_text(summary: dict[str, int], lang: Lang) -> str:
    return t(
        "lo_moves",
        lang,
        **{k: f"{summary.get(k, 0):,}" for k in ("up", "down", "same", "new", "gone")},
    )


def _survival(run: Run, lang: Lang, info: LoyaltySummary) -> Markup:
    surv = run.read("survival").to_pandas()
    out = Markup("<h3>{}</h3>").format(t("lo_survival", lang))
    start = _stage_start(info)
    for dim in ("stage", "cohort"):
        part = surv[surv["dimension"] == dim]
        if part.empty:
            continue
        sizes = part.groupby("group")["at_risk"].max()
        if dim == "stage":
            order = [g for g in _STAGE_ORDER if g in sizes.index]
            title = t("lo_by_stage", lang, start=start)
            x_title = t("lo_days_since_start", lang, start=start)
        else:
            order = sorted(sizes.index)
            title = t("lo_by_cohort", lang)
            x_title = t("lo_days_since_first", lang)
        drawn = [g for g in order if sizes[g] >= MIN_CURVE_CUSTOMERS]
        drawn = sorted(drawn, key=lambda g: -sizes[g])[:MAX_CURVES]
        drawn = [g for g in order if g in drawn]
        out += Markup("<h4>{}</h4>").format(title)
        fig = go.Figure()
        for g in drawn:
            c = part[part["group"] == g]
            fig.add_trace(
                go.Scatter(
                    x=c["time"],
                    y=100 * c["survival"],
                    name=_group_label(dim, str(g), lang),
                    mode="lines",
                    line_shape="hv",
                )
            )
        fig.update_layout(
            xaxis_title=x_title, yaxis_title=t("lo_still", lang), legend=LEGEND_BELOW, **LAYOUT
        )
        fig.update_yaxes(range=[0, 101], dtick=20)
        out += Markup(figure_html(fig, f"chart-survival-{dim}"))
        medians = part.drop_duplicates("group").set_index("group")
        rows = []
        for g in order:
            median = medians.loc[g, "median_lifetime_days"]
            if g not in drawn:
                shown = t("lo_small", lang, n=MIN_CURVE_CUSTOMERS)
            elif pd.notna(median) and median == 0:  # half had stopped on the first day
                shown = t("lo_median_zero", lang)
            elif pd.notna(median):
                shown = fmt_num(median, 0)
            else:
                shown = t("lo_not_reached", lang)
            rows.append((_group_label(dim, str(g), lang), fmt_int(sizes[g]), shown))
        out += html_table([t("lo_group", lang), t("n_customers", lang), t("lo_median", lang)], rows)
    out += note(t("lo_note", lang, lapse=info.survival_lapse_days))
    return out


def _stage_start(info: LoyaltySummary) -> str:
    day = info.survival_stage_start
    return "—" if day is None else f"{day:%Y-%m-%d}"


def _group_label(dim: str, group: str, lang: Lang) -> str:
    if dim == "stage":
        return status_name(group, lang)
    if dim == "cohort" and group.isdigit():
        return t("lo_cohort_year", lang, year=group)
    return group


def loyalty_section(run: Run, lang: Lang) -> Section | None:
    """Tier and lifecycle sizes, migration matrices (from the 2nd run on), survival curves."""
    info = run.manifest.loyalty
    if isinstance(info, NotComputed):
        return Section("loyalty", t("lo_title", lang), not_computed(info, lang))
    if info is None or not run.has_table("loyalty_summary"):
        return None
    summary = run.read("loyalty_summary").to_pandas()
    body = cards(
        [
            card(t("lo_scored", lang), fmt_int(info.customers)),
            card(t("lo_mean_index", lang), fmt_num(info.mean_index, 1)),
            card(t("lo_with_voice", lang), fmt_int(info.with_attitude_or_emotion)),
        ]
    )
    body += _sizes(summary, "tier", _TIER_ORDER, "lo_tier", lang)
    body += _sizes(summary, "lifecycle_stage", _STAGE_ORDER, "lo_stage", lang)
    prev = info.compared_with_run
    if prev is not None and run.has_table("tier_migration"):
        moves = run.read("tier_migration").select(["before", "after"]).to_pandas()
        body += Markup("<h3>{}</h3>").format(t("lo_migration", lang, run=prev))
        body += Markup(
            _matrix_chart(
                moves, list(reversed(_TIER_ORDER)), "lo_tier", lang, "chart-tier-migration"
            )
        )
        body += note(_moves_text(info.tier_migration or {}, lang))
    if prev is not None and run.has_table("lifecycle_transitions"):
        moves = run.read("lifecycle_transitions").select(["before", "after"]).to_pandas()
        body += Markup("<h3>{}</h3>").format(t("lo_transitions", lang, run=prev))
        body += Markup(
            _matrix_chart(moves, list(STAGES), "lo_stage", lang, "chart-lifecycle-transitions")
        )
        body += note(_moves_text(info.lifecycle_transitions or {}, lang))
    if run.has_table("survival"):
        body += _survival(run, lang, info)
    return Section("loyalty", t("lo_title", lang), body)
