"""Report section "Campaigns": every campaign's arms against their holdouts, with intervals,
cost and ROI, and the programme against the global control group (docs/measurement.md).

Every figure is shown as :mod:`loyalloop.measurement.quoting` allows: a conclusive gain or
loss with its interval, an inconclusive one as the word and its interval (never its point
estimate), an ROI only over a material spend; a remark says why. The dashboard shows this
same section.

Reads the run's typed :class:`~loyalloop.core.results.CampaignResultsSummary` only. Campaign
and arm names come from the warehouse (user input): they are escaped by the templates'
``Markup.format``.
"""

from __future__ import annotations

from markupsafe import Markup

from loyalloop.core.results import (
    CampaignArmSummary,
    CampaignResultsSummary,
    CampaignSummary,
    NotComputed,
    Note,
)
from loyalloop.core.runs import Run
from loyalloop.core.wording import join_reasons
from loyalloop.measurement.notes import NOTES, note_text
from loyalloop.measurement.quoting import (
    ArmQuotes,
    QuoteReason,
    cell,
    explain,
    fmt_money,
    fmt_points,
    fmt_ratio,
    quote_programme,
    quote_summary,
)
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    fmt_int,
    fmt_num,
    fmt_pct,
    html_table,
    join_list,
    library_note,
    not_computed,
    note,
    sentences,
)

__all__ = ["campaigns_section"]


def _arm_label(a: CampaignArmSummary, lang: Lang) -> str:
    if a.level == "campaign":
        return t("cp_all_arms", lang)
    if a.level == "group":
        return t("cp_group", lang, group=a.arm or "—")
    return a.arm


#: The arms every campaign has, by their names in the report (the others are the user's own).
_SYSTEM_ARMS = {"holdout": "cp_control", "global_control": "cp_global_control"}


def _arm_name(arm: str, lang: Lang) -> str:
    return t(_SYSTEM_ARMS[arm], lang) if arm in _SYSTEM_ARMS else arm


def _note(n: Note | str, lang: Lang) -> Markup:
    """A remark of the results: by its code in the report's language; a plain English one
    (runs made before the codes) as the library wrote it."""
    if isinstance(n, Note) and n.code in NOTES:
        return note(_sentence(note_text(n, lang), lang))
    return library_note(str(n), lang)


def _sentence(text: str, lang: Lang) -> str:
    """A remark as a sentence of the page: capitalised and closed (the catalogue's remarks
    are clauses, as the terminal prints them)."""
    return t("cp_sentence", lang, text=text[:1].upper() + text[1:] if lang == "en" else text)


def _not_computed(info: NotComputed, lang: Lang) -> Markup:
    """Why campaign results or the programme were not computed, in the report's language when
    the stage coded its reason (:mod:`loyalloop.measurement.notes`)."""
    if info.note is not None and info.note.code in NOTES:
        reason = t(f"nc_{info.status}", lang)
        return note(t("cp_not_computed", lang, reason=reason, message=note_text(info.note, lang)))
    return not_computed(info, lang)


def _per_customer(x: float) -> str:
    return f"{x:+,.2f}"


def _remark(q: ArmQuotes, lang: Lang) -> str:
    """Why each figure that is not a conclusive gain or loss is shown as it is (once each); an
    interval across 0 needs no remark (the cell says "inconclusive", the intro why)."""
    out: list[str] = []
    for f in (q.response, q.revenue, q.margin, q.net, q.roi):
        if not f.quoted and f.reason is not QuoteReason.CROSSES_ZERO:
            text = explain(f, lang)
            if text not in out:
                out.append(text)
    return join_reasons(out, lang)


def _rows(c: CampaignSummary, lang: Lang) -> list[list[str]]:
    """One row per arm, group and campaign total, each figure as the shared rule
    (:mod:`loyalloop.measurement.quoting`) allows it to be shown, the reasons in the remark."""
    rows = []
    for a in c.arms:
        q = quote_summary(a, budget=c.budget)
        rows.append(
            [
                _arm_label(a, lang),
                fmt_int(a.customers),
                fmt_int(a.control_customers),
                f"{fmt_pct(a.response_rate)} / {fmt_pct(a.control_response_rate)}",
                cell(q.response, fmt_points, lang),
                cell(q.revenue, fmt_money, lang),
                cell(q.margin, fmt_money, lang),
                fmt_num(a.cost, 0),
                cell(q.net, fmt_money, lang),
                cell(q.roi, fmt_ratio, lang),
                _remark(q, lang),
            ]
        )
    return rows


def _campaign(c: CampaignSummary, lang: Lang) -> Markup:
    head = Markup("<h3>{}</h3>").format(
        c.name if c.name == c.campaign_id else f"{c.name} ({c.campaign_id})"
    )
    parts = [head]
    window = ""
    if c.start_at is not None and c.end_at is not None:
        window = t("cp_window", lang, start=f"{c.start_at:%Y-%m-%d}", end=f"{c.end_at:%Y-%m-%d}")
    assigned = join_list(
        (
            f"{_arm_name(k, lang)}{'：' if lang == 'zh' else ': '}{v:,}"
            for k, v in sorted(c.assigned.items())
        ),
        lang,
    )
    parts.append(
        note(
            sentences(
                x
                for x in (
                    window,
                    t("cp_assigned", lang, arms=assigned),
                    t(f"cp_source_{c.outcome_source}", lang),
                    t("cp_margin", lang, rate=fmt_pct(c.margin_rate))
                    if c.margin_rate is not None
                    else t("cp_no_margin", lang),
                )
                if x
            )
        )
    )
    coded = {n.code for n in c.notes if isinstance(n, Note)}
    if c.window_complete is False and "provisional_window" not in coded:
        parts.append(note(t("cp_provisional", lang)))
    if c.error:
        parts.append(note(t("cp_error", lang, message=c.message or c.error)))
        return Markup("").join(parts)
    headers = [
        t("cp_arm", lang),
        t("cp_customers", lang),
        t("cp_control", lang),
        t("cp_response", lang),
        t("cp_response_lift", lang),
        t("cp_inc_revenue", lang),
        t("cp_inc_margin", lang),
        t("cp_cost", lang),
        t("cp_net", lang),
        t("cp_roi", lang),
    ]
    rows = _rows(c, lang)
    if any(r[-1] for r in rows):
        headers.append(t("cp_remark", lang))
    else:
        rows = [r[:-1] for r in rows]
    parts.append(html_table(headers, rows))
    if c.srm_p_value is not None and c.srm_p_value < 0.001 and "sample_ratio_mismatch" not in coded:
        parts.append(note(t("cp_srm", lang, p=f"{c.srm_p_value:.2g}")))
    parts += [_note(n, lang) for n in c.notes]
    return Markup("").join(parts)


def _programme(s: CampaignResultsSummary, lang: Lang) -> Markup:
    p = s.programme
    title = Markup("<h3>{}</h3>").format(t("cp_programme", lang))
    if isinstance(p, NotComputed):
        return title + _not_computed(p, lang)
    quotes = quote_programme(p)
    rows = [
        [
            fmt_int(p.programme_customers),
            fmt_int(p.control_customers),
            f"{fmt_pct(p.response_rate)} / {fmt_pct(p.control_response_rate)}",
            *(
                cell(q, f, lang)
                for q, f in zip(quotes, (fmt_points, _per_customer, fmt_money), strict=True)
            ),
        ]
    ]
    headers = [
        t("cp_programme_customers", lang),
        t("cp_global_control", lang),
        t("cp_response", lang),
        t("cp_response_lift", lang),
        t("cp_revenue_lift", lang),
        t("cp_inc_revenue", lang),
    ]
    key = "cp_programme_note_one" if p.campaigns == 1 else "cp_programme_note"
    notes = [note(t(key, lang, campaigns=p.campaigns))]
    notes += [
        note(f"{header}: {explain(q, lang)}")
        for header, q in zip(headers[3:], quotes, strict=True)
        if not q.quoted and q.reason not in (QuoteReason.CROSSES_ZERO, QuoteReason.TOO_FEW_BUYERS)
    ]
    if any(q.reason is QuoteReason.TOO_FEW_BUYERS for q in quotes):  # said once, not per figure
        notes.append(note(_sentence(explain(quotes[0], lang), lang)))
    notes += [
        _note(n, lang)
        for n in p.notes
        if not (isinstance(n, Note) and n.code == "programme_too_few_buyers")
    ]
    return title + html_table(headers, rows) + Markup("").join(notes)


def campaigns_section(run: Run, lang: Lang) -> Section | None:
    """Campaign results (module docstring); ``None`` for runs made before the stage existed."""
    s = run.manifest.campaigns
    if s is None:
        return None
    if isinstance(s, NotComputed):
        return Section("campaigns", t("cp_title", lang), _not_computed(s, lang))
    parts = [note(t("cp_intro", lang, level=f"{1 - s.alpha:.0%}"))]
    currency = run.manifest.kpis.currency if run.manifest.kpis is not None else None
    if currency:  # the money columns carry no unit of their own
        parts.append(note(t("cp_currency", lang, currency=currency)))
    parts += [_campaign(c, lang) for c in s.campaigns]
    parts.append(_programme(s, lang))
    if s.models:
        rows = [
            [
                m.model_id,
                t(f"cp_status_{m.status}", lang),
                ", ".join(m.trained_on),
                ", ".join(f"{k}: {fmt_num(v, 4)}" for k, v in sorted(m.qini.items())),
            ]
            for m in s.models
        ]
        parts.append(Markup("<h3>{}</h3>").format(t("cp_models", lang)))
        parts.append(
            html_table(
                [
                    t("cp_model", lang),
                    t("cp_status", lang),
                    t("cp_trained_on", lang),
                    t("cp_qini", lang),
                ],
                rows,
            )
        )
    parts += [_note(n, lang) for n in s.notes]
    return Section("campaigns", t("cp_title", lang), Markup("").join(parts))
