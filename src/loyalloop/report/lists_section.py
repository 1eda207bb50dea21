"""Report section: whom to contact first — the top of the early-warning list (customers who can
still be kept, by value at stake) and of the win-back list (customers already gone, by
win-back value), each with its reasons, read from the run's ``early_warning`` and ``win_back``
tables (:mod:`loyalloop.pipeline.lists_stage`).

Customer ids and reasons are data: every cell goes through ``Markup.format`` (escaped).
"""

from __future__ import annotations

import pyarrow as pa
from markupsafe import Markup

from loyalloop.core.results import NotComputed, PriorityListSummary
from loyalloop.core.runs import Run
from loyalloop.insight.definitions import glossary
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    fmt_int,
    fmt_money,
    fmt_pct,
    html_table,
    not_computed,
    note,
    scorer_label,
    status_name,
)

__all__ = ["TOP_N", "lists_section"]

#: Customers shown per list (the whole list is the run table).
TOP_N = 20


def _top(table: pa.Table) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = table.slice(0, TOP_N).to_pylist()
    return rows


def _reason(row: dict[str, object], lang: Lang) -> str:
    text = row.get("reasons_zh" if lang == "zh" else "reasons_en")
    return text if isinstance(text, str) and text else "—"


def _early(run: Run, info: PriorityListSummary, lang: Lang, currency: str | None) -> Markup:
    rows = _top(run.read("early_warning"))
    out = Markup("<h3>{}</h3>").format(
        t("ls_early", lang, n=len(rows), total=f"{info.customers:,}")
    )
    out += html_table(
        [
            t("col_customer", lang),
            t("col_status", lang),
            t("col_churn_p", lang),
            t("col_clv", lang),
            t("col_value_at_stake", lang),
            t("col_days_since", lang),
            t("col_usual_gap", lang),
            t("col_signal", lang),
            t("col_reasons", lang),
        ],
        [
            (
                str(r["customer_id"]),
                status_name(str(r["stage"]), lang),
                fmt_pct(r["churn_probability"], 0),
                fmt_money(r["clv"], None, lang),
                fmt_money(r["value_at_stake"], None, lang),
                fmt_int(r["days_since_last"]),
                fmt_int(r["usual_gap_days"]),
                t(f"sig_{r['signal']}", lang),
                _reason(r, lang),
            )
            for r in rows
        ],
    )
    out += note(
        t(
            "ls_early_note",
            lang,
            scorer=scorer_label(info.churn_scorer or "model", lang),
            avg=fmt_pct(info.min_probability, 0),
            total_customers=f"{info.customers:,}",
            total=fmt_money(info.total_value, currency, lang),
        )
    )
    if info.value_basis == "spend_365d":
        out += note(t("ls_spend_basis", lang))
    return out


def _winback(run: Run, info: PriorityListSummary, lang: Lang, currency: str | None) -> Markup:
    rows = _top(run.read("win_back"))
    out = Markup("<h3>{}</h3>").format(
        t("ls_winback", lang, n=len(rows), total=f"{info.customers:,}")
    )
    out += html_table(
        [
            t("col_customer", lang),
            t("col_status", lang),
            t("col_return_p", lang),
            t("col_yearly", lang),
            t("col_winback_value", lang),
            t("col_days_since", lang),
            t("col_purchases", lang),
            t("col_reasons", lang),
        ],
        [
            (
                str(r["customer_id"]),
                status_name(str(r["stage"]), lang),
                fmt_pct(r["return_probability"], 0),
                fmt_money(r["yearly_value"], None, lang),
                fmt_money(r["winback_value"], None, lang),
                fmt_int(r["days_since_last"]),
                fmt_int(r["purchases"]),
                _reason(r, lang),
            )
            for r in rows
        ],
    )
    h = info.return_history
    out += note(
        t(
            "ls_winback_note",
            lang,
            cutoff=f"{h.cutoff:%Y-%m-%d}" if h else "—",
            horizon=h.horizon_days if h else "—",
            came=f"{h.returned.get('*', 0):,}" if h else "—",
            went=f"{h.customers.get('*', 0):,}" if h else "—",
            total_customers=f"{info.customers:,}",
            total=fmt_money(info.total_value, currency, lang),
        )
    )
    return out


def lists_section(run: Run, lang: Lang) -> Section | None:
    """The top of both lists with their reasons (or why a list was not computed)."""
    m = run.manifest
    if m.early_warning is None and m.win_back is None:
        return None
    currency = m.kpis.currency if m.kpis else None
    body = Markup("")
    for info, render, table in (
        (m.early_warning, _early, "early_warning"),
        (m.win_back, _winback, "win_back"),
    ):
        if isinstance(info, NotComputed):
            key = "early_warning_list" if table == "early_warning" else "winback_list"
            body += Markup("<h3>{}</h3>").format(glossary(keys=[key])[0].name(lang))
            body += not_computed(info, lang)
        elif isinstance(info, PriorityListSummary) and run.has_table(table):
            body += render(run, info, lang, currency)
    return Section("lists", t("ls_title", lang), body)
