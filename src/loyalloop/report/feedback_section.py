"""Report sections of the ``feedback`` stage: aspects, trends and alerts, drivers and KANO,
topics, competitors.

Each builder reads the run's tables (see :mod:`loyalloop.pipeline.feedback_stage`) and returns
``None`` when the run has no feedback stage. Customer text (example clauses and comments, brand
and channel names, staff and branch names, KANO features) only reaches the page through
:mod:`loyalloop.report.parts` and
``Markup.format`` / ``Markup.join``, which escape it, or as chart data, which plotly serialises
as JSON with ``<`` escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from loyalloop.core.results import FeedbackSummary, NegativeAspect, NotComputed
from loyalloop.core.runs import Run
from loyalloop.core.wording import show_masks
from loyalloop.feedback import kano_chart
from loyalloop.feedback.names import aspect_definitions
from loyalloop.pipeline.feedback_stage import KANO_TABLE
from loyalloop.report.charts import LAYOUT, LEGEND_BELOW, figure_html
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    card,
    cards,
    channel_label,
    fmt_int,
    fmt_num,
    fmt_pct,
    html_table,
    join_list,
    not_computed,
    note,
    wording,
)

__all__ = [
    "FEEDBACK_SECTIONS",
    "feedback_aspects_section",
    "feedback_competitors_section",
    "feedback_drivers_section",
    "feedback_signals_section",
    "feedback_topics_section",
    "feedback_trends_section",
]

#: Lines in the trend chart: the aspects with an alert first, then the most mentioned.
TREND_ASPECTS = 4
_QUADRANT_KEYS = {
    "fix first": "fb_q_fix",
    "keep up": "fb_q_keep",
    "monitor": "fb_q_monitor",
    "lower priority": "fb_q_lower",
}
_SENTIMENT_COLORS = {"positive": "#38a169", "neutral": "#a0aec0", "negative": "#e53e3e"}


def _read(run: Run, name: str) -> pd.DataFrame | None:
    return run.read(name).to_pandas() if run.has_table(name) else None


def _not_computed(value: object, lang: Lang) -> Markup:
    """The note for a :class:`NotComputed` value; nothing for anything else."""
    if not isinstance(value, NotComputed):
        return Markup("")
    return not_computed(value, lang)


def _summary(run: Run) -> FeedbackSummary | None:
    info = run.manifest.feedback
    return info if isinstance(info, FeedbackSummary) else None


def _h3(text: str) -> Markup:
    return Markup("<h3>{}</h3>").format(text)


def _labels(run: Run, lang: Lang) -> dict[str, str]:
    summary = _read(run, "aspect_summary")
    if summary is None:
        return {}
    col = "label_zh" if lang == "zh" else "label"
    return dict(zip(summary["aspect"], summary[col], strict=True))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _yes_no(value: Any, lang: Lang) -> str:
    return t("fb_yes", lang) if bool(value) else ""


def _pval(p: Any) -> str:
    if p is None or pd.isna(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def feedback_aspects_section(run: Run, lang: Lang) -> Section | None:
    """Headline cards, the aspect sentiment table and chart, and the cross-channel check."""
    title = t("fb_aspects", lang)
    if isinstance(run.manifest.feedback, NotComputed):
        return Section("feedback-aspects", title, _not_computed(run.manifest.feedback, lang))
    info = _summary(run)
    summary = _read(run, "aspect_summary")
    if info is None or summary is None:
        return None
    labels = _labels(run, lang)
    top = info.top_negative_aspects
    headline = cards(
        [
            card(
                t("fb_comments", lang),
                fmt_int(info.comments),
                t("fb_own", lang, n=info.own_comments),
            ),
            card(t("fb_share_negative", lang), fmt_pct(info.share_negative)),
            card(t("fb_share_positive", lang), fmt_pct(info.share_positive)),
            card(
                t("fb_top_negative", lang),
                labels.get(top[0].aspect, top[0].aspect) if top else "—",
                _top_note(top[0], summary, lang) if top else "",
            ),
            card(t("fb_alerts", lang), fmt_int(info.alerts)),
        ]
    )
    seen = summary[summary["mentions"] > 0]
    names = [labels.get(a, a) for a in seen["aspect"]]
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=100 * seen[s] / seen["mentions"],
                name=t(f"fb_{s}", lang),
                orientation="h",
                marker_color=_SENTIMENT_COLORS[s],
            )
            for s in ("negative", "neutral", "positive")
        ]
    )
    fig.update_layout(
        barmode="stack",
        xaxis_title="%",
        legend=LEGEND_BELOW,
        **{**LAYOUT, "height": max(300, 28 * len(names) + 90)},
    )
    fig.update_yaxes(autorange="reversed")
    table = html_table(
        [
            t("fb_aspect", lang),
            t("fb_mentions", lang),
            t("fb_positive", lang),
            t("fb_neutral", lang),
            t("fb_negative", lang),
            t("fb_net", lang),
            t("fb_mean_score", lang),
        ],
        [
            (
                name,
                fmt_int(r["mentions"]),
                fmt_pct(r["positive"] / r["mentions"]),
                fmt_pct(r["neutral"] / r["mentions"]),
                fmt_pct(r["negative"] / r["mentions"]),
                fmt_num(r["net_sentiment"]),
                fmt_num(r["mean_score"]),
            )
            for name, r in zip(names, _records(seen), strict=True)
        ],
    )
    body = headline + Markup(figure_html(fig, "chart-fb-aspects")) + table
    body += note(t("fb_aspects_note", lang, taxonomy=_taxonomy_name(info.taxonomy, lang)))
    body += _definitions(run, lang, [str(a) for a in seen["aspect"]], labels, info.taxonomy)
    body += _aspect_examples(run, lang, labels)
    body += _channels(run, lang, labels)
    return Section("feedback-aspects", title, body)


def _definitions(
    run: Run, lang: Lang, aspects: list[str], labels: dict[str, str], taxonomy: str
) -> Markup:
    """What each aspect shown covers, as the run's taxonomy defines it (``definition:`` lines;
    shipped: docs/feedback_labelling_guide.md). A taxonomy without definitions (a user's own,
    or a run from before them) gets a note instead; one defining only some aspects marks the
    others as not defined."""
    defined = aspect_definitions(run)
    body = _h3(t("fb_definitions_title", lang))
    if not defined:
        name = _taxonomy_name(taxonomy, lang)
        return body + note(t("fb_definitions_none", lang, taxonomy=name))
    rows = []
    for a in aspects:
        en, zh = defined.get(a, ("", ""))
        text = (zh if lang == "zh" else en) or t("fb_definition_missing", lang)
        rows.append((labels.get(a, a), text))
    return body + html_table([t("fb_aspect", lang), t("fb_definition", lang)], rows)


def _top_note(top: NegativeAspect, summary: pd.DataFrame, lang: Lang) -> str:
    row = summary[summary["aspect"] == top.aspect]
    n = int(row["mentions"].iloc[0]) if len(row) else top.negative
    return t("fb_negative_mentions", lang, n=n, share=fmt_pct(top.share_negative))


def _aspect_examples(run: Run, lang: Lang, labels: dict[str, str]) -> Markup:
    """Clearest clauses per aspect and sentiment, as written (masked by the stage)."""
    ex = _read(run, "aspect_examples")
    if ex is None or ex.empty:
        return Markup("")
    rows = []
    for (aspect, sentiment), g in ex.groupby(["aspect", "sentiment"], sort=True):
        rows.append(
            (
                labels.get(str(aspect), str(aspect)),
                t(f"fb_{sentiment}", lang),
                _examples(g["clause"].astype(str), lang),
            )
        )
    body = _h3(t("fb_examples_title", lang))
    body += html_table([t("fb_aspect", lang), "", t("fb_examples", lang)], rows)
    return body + note(t("fb_examples_note", lang))


def _channels(run: Run, lang: Lang, labels: dict[str, str]) -> Markup:
    ch = _read(run, "channel_comparison")
    body = _h3(t("fb_channels", lang))
    if ch is None or ch.empty:
        return body + note(t("fb_channels_none", lang))
    grid = ch.pivot(index="aspect", columns="channel", values="mean_score")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[channel_label(str(c), lang) for c in grid.columns],
            y=[labels.get(a, a) for a in grid.index],
            zmin=-1,
            zmax=1,
            colorscale="RdYlGn",
            colorbar={"title": t("fb_mean_score", lang)},
            hovertemplate="%{y} · %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(**{**LAYOUT, "height": max(300, 30 * len(grid) + 100)})
    body += Markup(figure_html(fig, "chart-fb-channels"))
    explained = ch["explanation"] != "" if "explanation" in ch.columns else ch["disagrees"]
    off = ch[ch["disagrees"] | explained]
    if off.empty:
        return body + note(t("fb_channels_agree", lang))
    body += html_table(
        [
            t("fb_aspect", lang),
            t("fb_channel", lang),
            t("fb_mentions", lang),
            t("fb_mean_score", lang),
            t("fb_consensus", lang),
            t("fb_gap", lang),
            t("fb_adjusted_gap", lang),
            t("fb_p_adjusted", lang),
            t("fb_explanation", lang),
        ],
        [
            (
                labels.get(r["aspect"], r["aspect"]),
                channel_label(str(r["channel"]), lang),
                fmt_int(r["mentions"]),
                fmt_num(r["mean_score"]),
                fmt_num(r["consensus"]),
                f"{r['gap']:+.2f}",
                "—" if pd.isna(r.get("adjusted_gap")) else f"{r['adjusted_gap']:+.2f}",
                _pval(r["p_adjusted"]),
                t(f"fb_expl_{r['explanation']}", lang) if r.get("explanation") else "",
            )
            for r in _records(off)
        ],
    )
    return body + note(t("fb_channels_note", lang))


def feedback_trends_section(run: Run, lang: Lang) -> Section | None:
    """Weekly negative mentions per aspect with alerts marked; the alert list."""
    trends = _read(run, "aspect_trends")
    alerts = _read(run, "feedback_alerts")
    if trends is None or alerts is None:
        return None
    labels = _labels(run, lang)
    # monthly shares when the stage wrote them (weekly ones are too noisy to read as lines)
    freq = "M" if (trends["freq"] == "M").any() else "W"
    weekly = trends[trends["freq"] == freq]
    totals = weekly.groupby("aspect")["mentions"].sum().sort_values(ascending=False)
    alerted = list(dict.fromkeys(alerts.loc[alerts["freq"] == freq, "aspect"]))
    shown = (alerted + [a for a in totals.index if a not in alerted])[:TREND_ASPECTS]
    fig = go.Figure()
    for aspect in shown:
        g = weekly[weekly["aspect"] == aspect]
        fig.add_trace(
            go.Scatter(
                x=g["period"],
                y=100 * g["share_negative"],
                name=labels.get(aspect, aspect),
                mode="lines",
            )
        )
    marks = alerts[(alerts["freq"] == freq) & alerts["aspect"].isin(shown)].merge(
        weekly[["period", "aspect", "share_negative"]], on=["period", "aspect"], how="left"
    )
    if not marks.empty:
        fig.add_trace(
            go.Scatter(
                x=marks["period"],
                y=100 * marks["share_negative"],
                mode="markers",
                name=t("fb_alert", lang),
                text=[labels.get(a, a) for a in marks["aspect"]],
                marker={"symbol": "x", "size": 12, "color": "#c53030"},
                hovertemplate="%{text}: %{y:.0f}%<extra></extra>",
            )
        )
    fig.update_layout(
        xaxis_title=t("month" if freq == "M" else "fb_week", lang),
        yaxis_title=t(
            "fb_negative_share_month_axis" if freq == "M" else "fb_negative_share_axis", lang
        ),
        legend=LEGEND_BELOW,
        **LAYOUT,
    )
    body = Markup(figure_html(fig, "chart-fb-trends"))
    if alerts.empty:
        body += note(t("fb_no_alerts", lang))
    else:
        examples = _read(run, "alert_examples")
        body += html_table(
            [
                t("fb_period", lang),
                t("fb_aspect", lang),
                t("fb_alert_kind", lang),
                t("fb_direction", lang),
                t("fb_observed", lang),
                t("fb_expected", lang),
                t("fb_excess", lang),
                t("fb_p_value", lang),
                t("fb_alert_examples", lang),
            ],
            [
                (
                    _period(r["period"], r["freq"], lang),
                    labels.get(r["aspect"], r["aspect"]),
                    t(f"fb_kind_{r['kind']}", lang),
                    t(f"fb_dir_{r['direction']}", lang),
                    fmt_pct(r["observed"]),
                    fmt_pct(r["expected"]),
                    f"{r['excess']:+.0f}",
                    _pval(r["p_value"]),
                    _alert_clauses(examples, r, lang),
                )
                for r in _records(latest_first(alerts))
            ],
        )
    body += note(t("fb_alert_rule", lang))
    return Section("feedback-trends", t("fb_trends", lang), body)


def latest_first(alerts: pd.DataFrame) -> pd.DataFrame:
    """Weekly and monthly alerts in one list, the period that ended last first (a week's end is
    its start + 6 days, a month's its last day), then the larger change in negative mentions: the
    order the table's note promises. The stage writes each frequency sorted on its own, so a week
    in May would otherwise sit above June."""
    start = pd.to_datetime(alerts["period"])
    weekly = alerts["freq"] != "M"
    end = (start + pd.Timedelta(days=6)).where(weekly, start + pd.offsets.MonthEnd(0))
    order = pd.DataFrame({"end": end, "size": alerts["excess"].abs()}, index=alerts.index)
    return alerts.loc[order.sort_values(["end", "size"], ascending=False, kind="stable").index]


def _period(value: Any, freq: str, lang: Lang) -> str:
    ts = pd.Timestamp(value)
    if freq == "M":
        return ts.strftime("%Y-%m")
    return t("fb_week_of", lang, day=ts.strftime("%Y-%m-%d"))


def _alert_clauses(examples: pd.DataFrame | None, alert: dict[str, Any], lang: Lang) -> Markup:
    if examples is None or examples.empty:
        return Markup("")
    sel = examples[
        (examples["freq"] == alert["freq"])
        & (examples["period"] == alert["period"])
        & (examples["aspect"] == alert["aspect"])
        & (examples["kind"] == alert["kind"])
    ]
    return _examples(sel["clause"].astype(str), lang)


def feedback_drivers_section(run: Run, lang: Lang) -> Section | None:
    """Importance-vs-performance priority matrix per score type; KANO when the data have it."""
    info = _summary(run)
    if info is None:
        return None
    labels = _labels(run, lang)
    drivers = _read(run, "key_drivers")
    skipped = (
        {"": info.key_drivers}
        if isinstance(info.key_drivers, NotComputed)
        else {k: v for k, v in info.key_drivers.items() if isinstance(v, NotComputed)}
    )
    body = Markup("")
    if drivers is None or drivers.empty:
        for value in skipped.values():
            body += _not_computed(value, lang)
    else:
        for i, (score_type, d) in enumerate(drivers.groupby("score_type", sort=False)):
            body += _drivers_block(d, str(score_type), labels, lang, first=i == 0)
        for score_type, value in skipped.items():
            body += not_computed(
                NotComputed(value.status, f"{score_type.upper()}: {value.message}"), lang
            )
        body += note(t("fb_drivers_note", lang))
    body += _kano_block(run, info, lang)
    return Section("feedback-drivers", t("fb_drivers", lang), body)


def _drivers_block(
    d: pd.DataFrame, score_type: str, labels: dict[str, str], lang: Lang, *, first: bool
) -> Markup:
    names = [labels.get(a, a) for a in d["aspect"]]
    quadrants = [t(_QUADRANT_KEYS.get(q, "fb_q_monitor"), lang) for q in d["quadrant"]]
    head = _h3(
        t(
            "fb_drivers_of",
            lang,
            score=score_type.upper(),
            r2=f"{float(d['r_squared'].iloc[0]):.2f}",
            n=f"{int(d['n'].iloc[0]):,}",
        )
    )
    chart = Markup("")
    if first:
        fig = go.Figure()
        for quadrant in dict.fromkeys(d["quadrant"]):
            part = d[d["quadrant"] == quadrant]
            fig.add_trace(
                go.Scatter(
                    x=part["performance"],
                    y=100 * part["importance"],
                    text=[labels.get(a, a) for a in part["aspect"]],
                    mode="markers+text",
                    textposition="top center",
                    name=t(_QUADRANT_KEYS.get(str(quadrant), "fb_q_monitor"), lang),
                    marker={"size": 12},
                    hovertemplate="%{text}<br>%{x:.2f} · %{y:.1f}%<extra></extra>",
                )
            )
        fig.add_hline(y=100 / len(d), line_dash="dot")
        fig.add_vline(x=0.0, line_dash="dot")  # fixed zero line: net praise vs complaint
        fig.update_layout(
            xaxis_title=t("fb_performance", lang),
            yaxis_title=t("fb_importance", lang) + " %",
            legend=LEGEND_BELOW,
            **{**LAYOUT, "height": 440},
        )
        chart = Markup(figure_html(fig, "chart-fb-drivers"))
    table = html_table(
        [
            t("fb_aspect", lang),
            t("fb_mentions", lang),
            t("fb_importance", lang),
            t("fb_interval", lang),
            t("fb_performance", lang),
            t("fb_interval", lang),
            t("fb_coefficient", lang),
            t("fb_p_value", lang),
            t("fb_quadrant", lang),
            t("fb_confidence", lang),
        ],
        [
            (
                name,
                fmt_int(r["mentions"]),
                fmt_pct(r["importance"]),
                _interval(r.get("importance_low"), r.get("importance_high"), pct=True),
                fmt_num(r["performance"]),
                _interval(r.get("performance_low"), r.get("performance_high"), pct=False),
                fmt_num(r["coefficient"]),
                _pval(r["p_value"]),
                quadrant,
                _certainty(r, lang),
            )
            for name, quadrant, r in zip(names, quadrants, _records(d), strict=True)
        ],
    )
    return head + chart + table


def _interval(lo: Any, hi: Any, *, pct: bool) -> str:
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return "—"
    f = fmt_pct if pct else fmt_num
    return f"{f(lo)} – {f(hi)}"


def _certainty(r: dict[str, Any], lang: Lang) -> str:
    share = r.get("quadrant_share")
    if share is None or pd.isna(share):
        return "—"
    key = "fb_conf_clear" if r.get("confidence") == "clear" else "fb_conf_uncertain"
    return t(key, lang, share=fmt_pct(share))


def _kano_block(run: Run, info: FeedbackSummary, lang: Lang) -> Markup:
    body = _h3(t("fb_kano", lang))
    kano = _read(run, "kano")
    if kano is None or kano.empty:
        why = info.kano_features
        if isinstance(why, NotComputed) and why.status == "not_configured":
            code = Markup("<code>{}</code>").format
            return body + note(
                wording(
                    "fb_kano_none",
                    lang,
                    table=code(KANO_TABLE),
                    columns=code("feature, functional, dysfunctional"),
                )
            )
        return body + (_not_computed(why, lang) or note(t("no_data", lang)))
    fig = kano_chart(kano)
    fig.update_layout(title=None, **LAYOUT)
    table = html_table(
        [
            *("", "n", "A", "O", "M", "I", "R", "Q"),
            t("fb_kano_category", lang),
            t("fb_kano_better", lang),
            t("fb_kano_worse", lang),
        ],
        [
            (
                r["feature"],
                fmt_int(r["n"]),
                r["A"],
                r["O"],
                r["M"],
                r["I"],
                r["R"],
                r["Q"],
                t(f"fb_kano_{r['category']}", lang),
                fmt_num(r["better"]),
                fmt_num(r["worse"]),
            )
            for r in _records(kano)
        ],
    )
    return body + Markup(figure_html(fig, "chart-fb-kano")) + table + note(t("fb_kano_note", lang))


def _examples(items: Iterable[Any], lang: Lang) -> Markup:
    """Example comments, each escaped, one per line, marked as the customer's own words
    (``class="verbatim"``: data in any language, never a label of the report); masked personal
    data worded in the reader's language (:func:`loyalloop.core.wording.show_masks`)."""
    return Markup("<br>").join(
        Markup('<span class="verbatim">{}</span>').format(show_masks(x, lang)) for x in items
    )


def feedback_topics_section(run: Run, lang: Lang) -> Section | None:
    """Topics of all comments and of the comments no aspect caught, with example comments."""
    info = _summary(run)
    if info is None:
        return None
    topics = _read(run, "topics")
    if topics is None or topics.empty:
        body = _not_computed(info.topics, lang) or note(t("no_data", lang))
        return Section("feedback-topics", t("fb_topics", lang), body)
    body = Markup("")
    for scope in ("unmatched", "all"):
        part = topics[topics["scope"] == scope]
        if part.empty:
            continue
        body += _h3(t(f"fb_topics_{scope}", lang))
        body += html_table(
            [
                "#",
                t("fb_comments_n", lang),
                t("fb_share", lang),
                t("fb_phrases", lang),
                t("fb_examples", lang),
                t("fb_emerging", lang),
            ],
            [
                (
                    i + 1,
                    fmt_int(r["size"]),
                    fmt_pct(r["share"]),
                    join_list(_strings(r["phrases"])[:6], lang),
                    _examples(_strings(r["examples"]), lang),
                    _yes_no(r.get("emerging", False), lang),
                )
                for i, r in enumerate(_records(part))
            ],
        )
        if "unassigned" in part.columns and pd.notna(part["unassigned"].iloc[0]):
            body += note(t("fb_unassigned", lang, share=fmt_pct(part["unassigned"].iloc[0])))
    body += note(t("fb_topics_note", lang))
    return Section("feedback-topics", t("fb_topics", lang), body)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value]


def feedback_competitors_section(run: Run, lang: Lang) -> Section | None:
    """NPS, CSAT and sentiment by brand with 95% intervals and Holm-adjusted tests vs own."""
    bench = _read(run, "brand_benchmark")
    if bench is None:
        return None
    if bench.empty:
        return Section("feedback-competitors", t("fb_competitors", lang), note(t("no_data", lang)))
    body = Markup("")
    sentiment = bench[bench["metric"] == "sentiment"]
    sentiment = sentiment.assign(_own=sentiment["brand"] != "own").sort_values(["_own", "brand"])
    if len(sentiment) > 1:
        body += Markup(figure_html(_brand_chart(sentiment, lang), "chart-fb-brands"))
    own_only = []
    for metric in ("nps", "csat", "sentiment"):
        part = bench[bench["metric"] == metric]
        if part.empty:
            continue
        if set(part["brand"]) == {"own"}:
            own_only.append(t(f"fb_metric_{metric}", lang))
            continue
        part = part.assign(_own=part["brand"] != "own").sort_values(["_own", "brand"])
        digits = 1 if metric == "nps" else 2
        body += _h3(t(f"fb_metric_{metric}", lang))
        body += html_table(
            [
                t("fb_brand", lang),
                "n",
                t("fb_value", lang),
                t("ci", lang),
                t("fb_own_in_channels", lang),
                t("fb_diff_vs_own", lang),
                t("fb_p_adjusted", lang),
                t("fb_significant", lang),
                t("fb_channels_shared", lang),
            ],
            [
                (
                    t("fb_own_brand", lang) if r["brand"] == "own" else r["brand"],
                    fmt_int(r["n"]),
                    fmt_num(r["value"], digits),
                    f"{fmt_num(r['ci_low'], digits)} – {fmt_num(r['ci_high'], digits)}",
                    "—" if pd.isna(r.get("own_value")) else fmt_num(r["own_value"], digits),
                    "—" if pd.isna(r["diff_vs_own"]) else f"{r['diff_vs_own']:+.{digits}f}",
                    _pval(r["p_adjusted"]),
                    _yes_no(r["significant"], lang),
                    "" if r["brand"] == "own" else _channel_list(r.get("channels"), lang),
                )
                for r in _records(part)
            ],
        )
    if own_only:
        body += note(t("fb_own_only", lang, metrics=join_list(own_only, lang)))
    body += note(t("fb_competitors_note", lang))
    return Section("feedback-competitors", t("fb_competitors", lang), body)


def _taxonomy_name(taxonomy: str, lang: Lang) -> str:
    """A shipped taxonomy by its name in ``lang``; a user's own (a file name) as given."""
    try:
        return t(f"fb_taxonomy_{taxonomy}", lang)
    except KeyError:
        return taxonomy


def _channel_list(channels: object, lang: Lang) -> str:
    """The benchmark's comma-joined channels (``review,social``) by their names."""
    if not isinstance(channels, str) or not channels:
        return ""
    return join_list(
        (channel_label(c.strip(), lang) for c in channels.split(",") if c.strip()), lang
    )


def _brand_chart(sentiment: pd.DataFrame, lang: Lang) -> go.Figure:
    names = [t("fb_own_brand", lang) if b == "own" else str(b) for b in sentiment["brand"]]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=sentiment["value"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": sentiment["ci_high"] - sentiment["value"],
                "arrayminus": sentiment["value"] - sentiment["ci_low"],
            },
            marker_color=["#1f3a5f" if b == "own" else "#90a4c0" for b in sentiment["brand"]],
        )
    )
    fig.update_layout(yaxis_title=t("fb_mean_sentiment", lang), **LAYOUT)
    return fig


def feedback_signals_section(run: Run, lang: Lang) -> Section | None:
    """Intent, effort and named branches / staff in own-brand comments."""
    signals = _read(run, "feedback_signals")
    if signals is None:
        return None
    title = t("fb_signals", lang)
    if signals.empty:
        return Section("feedback-signals", title, note(t("no_data", lang)))
    rows = []
    for r in _records(signals):
        kind = str(r["kind"])
        name = str(r["name"])
        if kind in ("intent", "effort"):
            name = t(f"fb_{kind}_{name}", lang)
        elif kind == "staff" and name.isdigit():  # a staff number (feedback.intent.entities)
            name = t("fb_staff_number", lang, number=name)
        elif kind.endswith("_once"):  # name: how many (feedback.summaries.signal_summary)
            name = t("fb_named_once", lang, n=fmt_int(int(name)))
        rows.append(
            (
                t(f"fb_signal_{kind}", lang),
                name,
                fmt_int(r["comments"]),
                fmt_pct(r["share"]),
                fmt_pct(r["share_negative"]),
            )
        )
    body = html_table(
        [
            t("fb_signal_kind", lang),
            "",
            t("fb_comments_n", lang),
            t("fb_share", lang),
            t("fb_share_negative", lang),
        ],
        rows,
    )
    return Section("feedback-signals", title, body + note(t("fb_signals_note", lang)))


#: The builders in page order, for ``report.html.SECTIONS``.
FEEDBACK_SECTIONS: Sequence[Callable[[Run, Lang], Section | None]] = (
    feedback_aspects_section,
    feedback_trends_section,
    feedback_drivers_section,
    feedback_signals_section,
    feedback_topics_section,
    feedback_competitors_section,
)
