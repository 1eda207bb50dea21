"""Report section: what to do now — the run's most valuable actions as cards (what, whom, why,
the value at stake) and the caveats a reader must know first. The numbers come from
:func:`loyalloop.report.actions.plan_actions`; this module only words them.
"""

from __future__ import annotations

from markupsafe import Markup

from loyalloop.core.runs import Run
from loyalloop.feedback.names import aspect_label, aspect_names
from loyalloop.insight.definitions import glossary
from loyalloop.report.actions import Action, ActionKind, Caveat, ListPart, plan_actions
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    fmt_int,
    fmt_money,
    fmt_pct,
    note,
    scorer_label,
    sentences,
    status_name,
)

__all__ = ["action_text", "actions_section", "caveat_text", "parts_text"]


def _num(facts: dict[str, float | int | str], key: str) -> float | None:
    v = facts.get(key)
    return float(v) if isinstance(v, int | float) else None


def action_text(
    action: Action, run: Run, lang: Lang, currency: str | None
) -> tuple[str, str, list[str]]:
    """``(what, who, why sentences)`` of an action in ``lang``."""
    f = action.facts
    n = f"{action.customers:,}"
    if action.kind is ActionKind.KEEP:
        what = t(f"ac_keep_{action.group}", lang, n=n)
        list_name = glossary(keys=["early_warning_list"])[0].name(lang)
        who = t("ac_list", lang, n=n, list=list_name, group=t(f"sig_{action.group}", lang))
        why_key = f"ac_why_{action.group}"
        if action.group == "complaint" and "sign_days" in f:
            why_key = "ac_why_complaint_recent"
        why = [
            t(
                why_key,
                lang,
                days=fmt_int(_num(f, "median_days")),
                gap=fmt_int(_num(f, "median_gap")),
                sign_days=fmt_int(_num(f, "sign_days")),
            ),
            t(
                "ac_why_risk",
                lang,
                p=fmt_pct(_num(f, "mean_probability"), 0),
                avg=fmt_pct(_num(f, "average_probability"), 0),
                scorer=scorer_label(str(f.get("scorer", "model")), lang),
                clv=fmt_money(_num(f, "mean_clv"), currency, lang, compact=True),
            ),
        ]
    elif action.kind is ActionKind.WIN_BACK:
        what = t(f"ac_win_back_{action.group}", lang, n=n)
        list_name = glossary(keys=["winback_list"])[0].name(lang)
        who = t("ac_list", lang, n=n, list=list_name, group=status_name(action.group, lang))
        why = [
            t(
                "ac_why_win_back",
                lang,
                days=fmt_int(_num(f, "median_days")),
                yearly=fmt_money(_num(f, "mean_yearly"), currency, lang, compact=True),
                r=fmt_pct(_num(f, "mean_return"), 1),
            )
        ]
        if "history_customers" in f:
            why.append(
                t(
                    "ac_why_history",
                    lang,
                    went=fmt_int(_num(f, "history_customers")),
                    came=fmt_int(_num(f, "history_returned")),
                    horizon=fmt_int(_num(f, "horizon_days")),
                )
            )
    else:
        label = aspect_label(aspect_names(run), action.group, lang)
        what = t("ac_fix", lang, aspect=label, n=n)
        who = t("ac_fix_who", lang, n=n, days=fmt_int(_num(f, "days")))
        why = [
            t(
                "ac_why_fix",
                lang,
                mentions=fmt_int(_num(f, "negative_mentions")),
                share=fmt_pct(_num(f, "share_negative"), 0),
            )
        ]
        if f.get("fix_first"):
            why.append(t("ac_why_fix_driver", lang))
    return what, who, why


def caveat_text(caveat: Caveat, lang: Lang) -> str:
    """A caveat in ``lang``."""
    f = caveat.facts
    if caveat.key == "baseline_ranks":

        def n3(key: str) -> str:
            v = _num(f, key)
            return "—" if v is None else f"{v:.3f}"

        return t(
            "cv_baseline_ranks",
            lang,
            scorer=scorer_label(str(f.get("scorer")), lang),
            model_roc=n3("model_roc"),
            scorer_roc=n3("scorer_roc"),
            model_pr=n3("model_pr"),
            scorer_pr=n3("scorer_pr"),
        )
    if caveat.key in ("early_warning_not_computed", "win_back_not_computed"):
        return t(f"cv_{caveat.key}", lang, reason=t(f"nc_{f['status']}", lang))
    return t(f"cv_{caveat.key}", lang, **f)


def _card(action: Action, run: Run, lang: Lang, currency: str | None, rank: int) -> Markup:
    what, who, why = action_text(action, run, lang, currency)
    value = fmt_money(action.value, currency, lang, compact=True)
    kind = t(f"ac_value_{action.kind.value}", lang)
    export = ""
    if action.source in ("early_warning", "win_back"):
        export = t("ac_export", lang, table=action.source, run=run.number)
    return Markup(
        '<div class="action"><div class="rank">{}</div><div class="what">'
        '<div class="title">{}</div>'
        '<div class="row"><span class="label">{}</span> {}</div>'
        '<div class="row"><span class="label">{}</span> {}</div>'
        '<div class="export">{}</div></div>'
        '<div class="value"><div class="v">{}</div><div class="k">{}</div></div></div>'
    ).format(
        rank,
        what,
        t("ac_who", lang),
        who,
        t("ac_why", lang),
        sentences(why),
        export,
        value,
        kind,
    )


def parts_text(parts: tuple[ListPart, ...], lang: Lang, currency: str | None) -> list[str]:
    """Who to call and who to watch on the early-warning list, with counts and value."""
    return [
        t(
            f"ac_part_{p.action}",
            lang,
            n=f"{p.customers:,}",
            value=fmt_money(p.value, currency, lang, compact=True),
        )
        for p in parts
    ]


def actions_section(run: Run, lang: Lang) -> Section:
    """The caveats, whom to call and whom to watch, then the actions, most valuable first."""
    plan = plan_actions(run)
    currency = run.manifest.kpis.currency if run.manifest.kpis else None
    body = Markup("")
    for c in plan.caveats:
        body += Markup('<p class="caveat">{}</p>').format(caveat_text(c, lang))
    for p, line in zip(plan.parts, parts_text(plan.parts, lang, currency), strict=True):
        body += Markup('<p class="lead" data-part="{}">{}</p>').format(p.action, line)
    if not plan.actions:
        return Section("actions", t("ac_title", lang), body + note(t("ac_none", lang)))
    body += Markup('<p class="note">{}</p>').format(t("ac_intro", lang, n=len(plan.actions)))
    body += Markup("").join(
        _card(a, run, lang, currency, i) for i, a in enumerate(plan.actions, start=1)
    )
    body += note(t("ac_overlap", lang))
    return Section("actions", t("ac_title", lang), body)
