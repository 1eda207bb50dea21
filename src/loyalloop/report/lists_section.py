"""Report section: whom to contact first — the top of the early-warning list (customers who can
still be kept, by value at stake) and of the win-back list (customers already gone, by
win-back value), each with its reasons, read from the run's ``early_warning`` and ``win_back``
tables (:mod:`loyalloop.pipeline.lists_stage`).

Customer ids and reasons are data: every cell goes through ``Markup.format`` (escaped).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from markupsafe import Markup

from loyalloop.core.results import NotComputed, PriorityListSummary
from loyalloop.core.runs import Run
from loyalloop.core.wording import show_reasons
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
    return show_reasons(text, lang) if isinstance(text, str) and text else "—"


#: One cell of a list's table: its header's i18n key and how a row shows in it.
_Column = tuple[str, Callable[[dict[str, object], Lang], str]]

_COMMON_HEAD: tuple[_Column, ...] = (
    ("col_customer", lambda r, _: str(r["customer_id"])),
    ("col_status", lambda r, lang: status_name(str(r["stage"]), lang)),
)

#: The columns of each list, after the customer and status.
_COLUMNS: dict[str, tuple[_Column, ...]] = {
    "early_warning": (
        ("col_churn_p", lambda r, _: fmt_pct(r["churn_probability"], 0)),
        ("col_clv", lambda r, lang: fmt_money(r["clv"], None, lang)),
        ("col_value_at_stake", lambda r, lang: fmt_money(r["value_at_stake"], None, lang)),
        ("col_days_since", lambda r, _: fmt_int(r["days_since_last"])),
        ("col_usual_gap", lambda r, _: fmt_int(r["usual_gap_days"])),
        ("col_action", lambda r, lang: t(f"act_{r['action']}", lang) if r.get("action") else "—"),
        ("col_signal", lambda r, lang: t(f"sig_{r['signal']}", lang)),
    ),
    "win_back": (
        ("col_return_p", lambda r, _: fmt_pct(r["return_probability"], 0)),
        ("col_yearly", lambda r, lang: fmt_money(r["yearly_value"], None, lang)),
        ("col_winback_value", lambda r, lang: fmt_money(r["winback_value"], None, lang)),
        ("col_days_since", lambda r, _: fmt_int(r["days_since_last"])),
        ("col_purchases", lambda r, _: fmt_int(r["purchases"])),
    ),
}

#: The heading's i18n key of each list.
_TITLE = {"early_warning": "ls_early", "win_back": "ls_winback"}


def _action_counts(run: Run, table: str) -> dict[str, str]:
    """``calls`` / ``watches``: customers per action of the whole list ("—" for runs made
    before the list had actions)."""
    data = run.read(table)
    if "action" not in data.column_names:
        return {"calls": "—", "watches": "—"}
    actions = data.column("action").to_pylist()
    return {"calls": f"{actions.count('call'):,}", "watches": f"{actions.count('watch'):,}"}


def _notes(
    run: Run, table: str, info: PriorityListSummary, lang: Lang, currency: str | None
) -> Markup:
    """What the list is ranked by and how much value it holds (and its caveats)."""
    total_customers = f"{info.customers:,}"
    total = fmt_money(info.total_value, currency, lang)
    if table == "early_warning":
        out = note(
            t(
                "ls_early_note",
                lang,
                scorer=scorer_label(info.churn_scorer or "model", lang),
                avg=fmt_pct(info.min_probability, 0),
                total_customers=total_customers,
                total=total,
                **_action_counts(run, table),
            )
        )
        if info.value_basis == "spend_365d":
            out += note(t("ls_spend_basis", lang))
        return out
    h = info.return_history
    return note(
        t(
            "ls_winback_note",
            lang,
            cutoff=f"{h.cutoff:%Y-%m-%d}" if h else "—",
            horizon=h.horizon_days if h else "—",
            came=f"{h.returned.get('*', 0):,}" if h else "—",
            went=f"{h.customers.get('*', 0):,}" if h else "—",
            total_customers=total_customers,
            total=total,
        )
    )


def _render(
    run: Run, table: str, info: PriorityListSummary, lang: Lang, currency: str | None
) -> Markup:
    """The top of one list: heading, table (every cell escaped), notes."""
    rows = _top(run.read(table))
    columns = (*_COMMON_HEAD, *_COLUMNS[table], ("col_reasons", _reason))
    out = Markup("<h3>{}</h3>").format(
        t(_TITLE[table], lang, n=len(rows), total=f"{info.customers:,}")
    )
    out += html_table(
        [t(key, lang) for key, _ in columns],
        [tuple(cell(r, lang) for _, cell in columns) for r in rows],
    )
    return out + _notes(run, table, info, lang, currency)


def lists_section(run: Run, lang: Lang) -> Section | None:
    """The top of both lists with their reasons (or why a list was not computed)."""
    m = run.manifest
    if m.early_warning is None and m.win_back is None:
        return None
    currency = m.kpis.currency if m.kpis else None
    body = Markup("")
    for info, table in ((m.early_warning, "early_warning"), (m.win_back, "win_back")):
        if isinstance(info, NotComputed):
            key = "early_warning_list" if table == "early_warning" else "winback_list"
            body += Markup("<h3>{}</h3>").format(glossary(keys=[key])[0].name(lang))
            body += not_computed(info, lang)
        elif isinstance(info, PriorityListSummary) and run.has_table(table):
            body += _render(run, table, info, lang, currency)
    return Section("lists", t("ls_title", lang), body)
