"""The self-contained HTML report of a run.

Everything the page needs is inside the file (plotly.js included, about 5 MB), so it opens
offline and can be e-mailed. Jinja2 autoescaping escapes every string that reaches the page;
chart data is JSON with ``<`` escaped (see :mod:`loyalloop.report.charts`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import jinja2
import pandas as pd
import plotly.offline
from markupsafe import Markup

from loyalloop.core.export import write_text_atomic
from loyalloop.core.runs import Run
from loyalloop.report import charts
from loyalloop.report.actions_section import actions_section
from loyalloop.report.campaigns_section import campaigns_section
from loyalloop.report.churn_section import churn_section
from loyalloop.report.clv_section import clv_section
from loyalloop.report.feedback_section import FEEDBACK_SECTIONS
from loyalloop.report.glossary_section import glossary_section
from loyalloop.report.i18n import Lang, t
from loyalloop.report.lists_section import lists_section
from loyalloop.report.loyalty_section import loyalty_section
from loyalloop.report.parts import (
    Section,
    card,
    cards,
    currency_name,
    fmt_int,
    fmt_money,
    fmt_num,
    fmt_pct,
    html_table,
    note,
    segment_label,
    sentences,
)

__all__ = ["Section", "render_report", "write_report"]


SectionBuilder = Callable[[Run, Lang], Section | None]

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("loyalloop.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _currency(run: Run) -> str | None:
    return run.manifest.kpis.currency if run.manifest.kpis else None


def kpi_section(run: Run, lang: Lang) -> Section:
    m = run.manifest
    k, nps, csat = m.kpis, m.nps, m.csat
    cur = _currency(run)
    merged = m.profiles.merged_records if m.profiles else 0
    items = [
        card(
            t("customers", lang),
            fmt_int(k.customers if k else None),
            t("merged", lang, merged=merged),
        ),
        card(t("purchasers", lang), fmt_int(k.purchasers if k else None)),
        card(
            t("active", lang, days=k.active_days if k else 90),
            fmt_int(k.active_customers if k else None),
        ),
        card(t("repurchase_rate", lang), fmt_pct(k.repurchase_rate if k else None)),
        card(
            t("aov", lang),
            fmt_num(k.average_order_value if k else None),
            currency_name(cur, lang) if cur else "",
        ),
        card(t("revenue", lang), fmt_money(k.revenue if k else None, cur, lang, compact=True)),
        card(t("refund_rate", lang), fmt_pct(k.refund_rate if k else None, 2)),
    ]
    if nps is not None and nps.nps is not None:
        items.append(
            card(
                t("nps", lang),
                f"{nps.nps:.1f}",
                f"{t('ci', lang)} {nps.ci_low:.1f} – {nps.ci_high:.1f} · "
                f"{nps.n:,} {t('answers', lang)}",
            )
        )
    if csat is not None and csat.csat is not None:
        items.append(
            card(
                t("csat", lang),
                f"{csat.csat:.1f}%",
                f"{t('ci', lang)} {csat.ci_low:.1f} – {csat.ci_high:.1f} · "
                f"{csat.n:,} {t('answers', lang)}",
            )
        )
    return Section("kpis", t("kpis", lang), cards(items))


def _table(frame: pd.DataFrame) -> Markup:
    return html_table(list(frame.columns), frame.itertuples(index=False))


def segments_section(run: Run, lang: Lang) -> Section:
    seg = run.read("segments").to_pandas()
    if seg.empty:
        return Section(
            "segments", t("segments", lang), Markup("<p>{}</p>").format(t("no_data", lang))
        )
    labels = [segment_label(s, lang) for s in seg["segment"]]
    fig = charts.segment_bars(
        labels,
        list(seg["share"]),
        list(seg["revenue_share"]),
        (t("share", lang), t("revenue_share", lang)),
    )
    table = pd.DataFrame(
        {
            t("segment", lang): labels,
            t("n_customers", lang): [fmt_int(v) for v in seg["customers"]],
            t("share", lang): [fmt_pct(v) for v in seg["share"]],
            t("revenue", lang): [fmt_money(v, None, lang) for v in seg["revenue"]],
            t("revenue_share", lang): [fmt_pct(v) for v in seg["revenue_share"]],
            t("avg_days", lang): [fmt_num(v, 0) for v in seg["avg_days_since_last"]],
            t("avg_purchase_days", lang): [fmt_num(v, 1) for v in seg["avg_purchase_days"]],
        }
    )
    body = Markup(charts.figure_html(fig, "chart-segments")) + _table(table)
    body += Markup('<p class="note">{}</p>').format(t("def_rfm", lang))
    return Section("segments", t("segments", lang), body)


def cohorts_section(run: Run, lang: Lang) -> Section:
    coh = run.read("cohorts").to_pandas()
    if coh.empty:
        return Section(
            "cohorts", t("cohorts", lang), Markup("<p>{}</p>").format(t("no_data", lang))
        )
    fig = charts.cohort_heatmap(coh, t("months_since", lang), t("cohort", lang))
    return Section("cohorts", t("cohorts", lang), Markup(charts.figure_html(fig, "chart-cohorts")))


def trends_section(run: Run, lang: Lang) -> Section:
    nps_m = run.read("nps_monthly").to_pandas()
    csat_m = run.read("csat_monthly").to_pandas()
    if nps_m.empty and csat_m.empty:
        return Section("trends", t("trends", lang), Markup("<p>{}</p>").format(t("no_data", lang)))
    fig = charts.trend_lines(nps_m, csat_m, (t("nps", lang), t("csat_pct", lang)))
    body = Markup(charts.figure_html(fig, "chart-trends"))
    body += note(sentences([t("def_nps", lang), t("def_csat", lang)]))
    return Section("trends", t("trends", lang), body)


def _table_name(name: str, lang: Lang) -> str:
    try:
        return t(f"tbl_{name}", lang)
    except KeyError:  # a table this version has no wording for
        return name


def data_section(run: Run, lang: Lang) -> Section:
    inputs = run.manifest.inputs
    quarantined = run.manifest.quarantined
    frame = pd.DataFrame(
        {
            t("table", lang): [_table_name(name, lang) for name in inputs],
            t("rows", lang): [fmt_int(v) for v in inputs.values()],
            t("quarantined", lang): [fmt_int(quarantined.get(k, 0)) for k in inputs],
        }
    )
    return Section("data", t("data", lang), _table(frame))


#: Section builders in page order; later capabilities add theirs here. What to do comes
#: first, whom to contact next, then the evidence; the glossary ends the report.
SECTIONS: list[SectionBuilder] = [
    actions_section,
    kpi_section,
    lists_section,
    churn_section,
    clv_section,
    loyalty_section,
    segments_section,
    cohorts_section,
    trends_section,
    *FEEDBACK_SECTIONS,
    campaigns_section,
    data_section,
    glossary_section,
]


def _created(run: Run, lang: Lang) -> str:
    """When the run was made, to the minute in UTC (``2026-12-01 13:41 UTC``), not the
    manifest's ISO stamp with seconds and offset."""
    at = run.manifest.created_at
    at = at.astimezone(UTC) if at.tzinfo else at
    return t("created_at", lang, day=f"{at:%Y-%m-%d}", time=f"{at:%H:%M}")


def render_report(run: Run, lang: Lang = "en", *, switch_href: str | None = None) -> str:
    """The report of ``run`` as one HTML string.

    ``switch_href``: where the header's link to the report in the other language points (the
    served report passes it; a report written to a file has no such link, as it has no other
    language beside it)."""
    sections = [s for s in (build(run, lang) for build in SECTIONS) if s is not None]
    template = _env.get_template("report.html")
    currency = _currency(run)
    return template.render(
        title=t("title", lang),
        run=run,
        currency=t("amounts_in", lang, currency=currency_name(currency, lang))
        if currency
        else t("amounts_unknown", lang),
        manifest=run.manifest,
        created=_created(run, lang),
        sections=sections,
        lang=lang,
        switch_href=switch_href,
        t=lambda key, **kw: t(key, lang, **kw),
        plotly_js=Markup(plotly.offline.get_plotlyjs().replace("</script", "<\\/script")),
    )


def write_report(run: Run, out: Path, lang: Lang = "en") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(out, render_report(run, lang))
