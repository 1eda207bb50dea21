"""Report section: customer lifetime value, P(alive) by segment with its caveat, and how the
purchase model was chosen.

Everything shown comes from the run's typed summary (:class:`~loyalloop.core.results.ClvSummary`)
and its ``clv`` / ``clv_segments`` tables: the section reads the holdout check's figures and the
rule's verdict for each candidate, it does not redo them.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from loyalloop.core.results import (
    ClvAliveCaveat,
    ClvCandidate,
    ClvSelection,
    ClvSummary,
    NotComputed,
)
from loyalloop.core.runs import Run
from loyalloop.report.charts import LAYOUT, figure_html
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import (
    Section,
    card,
    cards,
    fmt_int,
    fmt_money,
    fmt_num,
    fmt_pct,
    html_table,
    not_computed,
    note,
    segment_label,
)

__all__ = ["clv_section"]

#: Display names of the purchase models (the same in both languages).
MODEL_LABELS = {"bg-nbd": "BG/NBD", "mbg-nbd": "MBG/NBD", "pareto-nbd": "Pareto/NBD"}
#: Greek letters of the papers' parameter names.
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ"}


def clv_section(run: Run, lang: Lang) -> Section | None:
    """CLV cards, distribution, P(alive) by RFM segment with the caveat, the model choice; or
    why CLV was not computed."""
    info = run.manifest.clv
    if isinstance(info, NotComputed):
        return Section("clv", t("clv", lang), not_computed(info, lang))
    if info is None:
        return None
    currency = run.manifest.kpis.currency if run.manifest.kpis else None
    by_segment = run.read("clv_segments").to_pandas()
    values = run.read("clv").column("clv").to_pandas()
    model = _label(info.transaction_model)
    hist = go.Figure(go.Histogram(x=values.clip(upper=float(values.quantile(0.99))), nbinsx=50))
    hist.update_layout(
        xaxis_title=t("clv_axis", lang), yaxis_title=t("n_customers", lang), **LAYOUT
    )
    labels = [segment_label(s, lang) for s in by_segment["segment"]]
    alive = go.Figure(go.Bar(x=labels, y=100 * by_segment["probability_alive"]))
    alive.update_layout(yaxis_title=t("p_alive", lang) + " %", **LAYOUT)
    summary_cards = cards(
        [
            card(
                t("total_clv", lang, months=info.horizon_months),
                fmt_money(info.total_clv, currency, lang, compact=True),
            ),
            card(t("top_decile", lang), fmt_pct(info.top_decile_share)),
            card(t("p_alive", lang), fmt_pct(info.mean_probability_alive)),
            card(t("cv_model", lang), model, _how(info, lang)),
        ]
    )
    explain = note(
        t(
            "clv_note",
            lang,
            model=model,
            months=info.horizon_months,
            rate=100 * info.monthly_discount_rate,
        )
        + t(
            "cv_params",
            lang,
            model=model,
            tp=_params(info.transaction_params),
            sp=_params(info.spend_params),
        )
    )
    body = (
        summary_cards
        + Markup(figure_html(hist, "chart-clv"))
        + Markup(figure_html(alive, "chart-alive"))
        + _h3(t("cv_by_segment", lang))
        + _segment_table(by_segment, labels, info.alive_caveat, lang)
        + _caveat_note(info.alive_caveat, model, lang)
        + _h3(t("cv_choice", lang))
        + _choice(run, info, lang)
        + explain
    )
    return Section("clv", t("clv", lang), body)


def _h3(text: str) -> Markup:
    return Markup("<h3>{}</h3>").format(text)


def _label(name: str | None) -> str:
    """The model's display name; runs from before the choice used BG/NBD."""
    return MODEL_LABELS[name or "bg-nbd"]


def _params(params: dict[str, float]) -> str:
    return ", ".join(f"{_GREEK.get(k, k)}={v:.3g}" for k, v in params.items())


def _how(info: ClvSummary, lang: Lang) -> str:
    if info.model_choice is None:
        return t("cv_how_unknown", lang)
    if info.model_choice in ("selected", "configured"):
        return t(f"cv_how_{info.model_choice}", lang)
    return t("cv_how_fallback", lang)


def _segment_table(
    by_segment: pd.DataFrame, labels: list[str], caveat: ClvAliveCaveat | None, lang: Lang
) -> Markup:
    headers = [t("segment", lang), t("n_customers", lang), t("p_alive", lang), t("avg_clv", lang)]
    columns = [labels, by_segment["customers"], by_segment["probability_alive"], by_segment["clv"]]
    flagged = caveat is not None and caveat.implausible and "alive_flagged" in by_segment
    if flagged:
        assert caveat is not None
        headers.append(t("cv_flagged_col", lang, threshold=fmt_pct(caveat.alive_threshold, 0)))
        columns.append(by_segment["alive_flagged"])
    rows = [
        (lab, fmt_int(n), fmt_pct(a), fmt_num(c, 0), *(fmt_int(f) for f in rest))
        for lab, n, a, c, *rest in zip(*columns, strict=True)
    ]
    return html_table(headers, rows)


def _caveat_note(caveat: ClvAliveCaveat | None, model: str, lang: Lang) -> Markup:
    """The implausible-P(alive) caveat beside P(alive) by segment (or that the check passed)."""
    if caveat is None or not caveat.long_inactive:
        return Markup("")
    if caveat.typical_gap_weeks is None:  # no repeat buyer: no model could have been fitted
        return Markup("")
    gap = {
        "gap": fmt_num(caveat.gap_multiple * caveat.typical_gap_weeks, 1),
        "typical": fmt_num(caveat.typical_gap_weeks, 1),
        "multiple": caveat.gap_multiple,
        "model": model,
        "mean": fmt_pct(caveat.mean_alive_long_inactive, 0),
    }
    if caveat.implausible:
        threshold = fmt_pct(caveat.alive_threshold, 0)
        text = t("cv_caveat", lang, flagged=fmt_int(caveat.flagged), threshold=threshold, **gap)
        why = "cv_caveat_why_bg" if caveat.model == "bg-nbd" else "cv_caveat_why_other"
        sep = "" if lang == "zh" else " "
        return Markup('<p class="note"><strong>{}</strong></p>').format(
            text + sep + t(why, lang, model=model)
        )
    return note(t("cv_caveat_ok", lang, n=fmt_int(caveat.long_inactive), **gap))


def _choice(run: Run, info: ClvSummary, lang: Lang) -> Markup:
    """How the purchase model was chosen: the holdout check's table, or why there was none."""
    model = _label(info.transaction_model)
    holdout = info.holdout_weeks
    if info.model_choice is None:
        return Markup("<p>{}</p>").format(t("cv_older_run", lang))
    if info.model_choice == "configured":
        return Markup("<p>{}</p>").format(t("cv_configured", lang, model=model))
    if info.model_choice != "selected" or not isinstance(info.selection, ClvSelection):
        text = t(
            f"cv_fallback_{info.model_choice}",
            lang,
            history=info.history_weeks or 0.0,
            holdout=holdout,
            need=2 * (holdout or 0),
        )
        return Markup("<p>{}</p>").format(text)
    sel = info.selection
    as_of = run.manifest.as_of
    intro = t(
        "cv_selected_intro",
        lang,
        weeks=sel.holdout_weeks,
        start=(sel.calibration_end + timedelta(days=1)).isoformat(),
        end=as_of.isoformat(),
        cal_end=sel.calibration_end.isoformat(),
        n=fmt_int(sel.holdout_customers),
    )
    passed_over = next((c for c in sel.candidates if c.verdict == "implausible_alive"), None)
    reason = t(
        f"cv_reason_{sel.reason}",
        lang,
        winner=MODEL_LABELS[sel.winner],
        best=_label(passed_over.model if passed_over else None),
        margin=sel.bic_margin,
    )
    rule = t("cv_rule", lang, z=sel.z_critical, margin=sel.bic_margin)
    return (
        Markup("<p>{}{}<strong>{}</strong></p>").format(intro, "" if lang == "zh" else " ", reason)
        + _candidates_table(sel, lang)
        + note(rule)
    )


def _candidates_table(sel: ClvSelection, lang: Lang) -> Markup:
    fitted = [c for c in sel.candidates if c.bic is not None]
    best_bic = min((c.bic for c in fitted if c.bic is not None), default=None)
    actual = next((c.actual_total for c in sel.candidates if c.actual_total is not None), None)
    headers = [
        t("cv_col_model", lang),
        t("cv_col_result", lang),
        t("cv_col_rmse", lang),
        t("cv_col_total", lang, actual=fmt_num(actual, 0)),
        t("cv_col_off", lang),
        t("cv_col_bic", lang),
        t("cv_col_flagged", lang),
    ]
    return html_table(headers, [_candidate_row(c, best_bic, lang) for c in sel.candidates])


def _candidate_row(c: ClvCandidate, best_bic: float | None, lang: Lang) -> tuple[str, ...]:
    off = (
        f"{(c.predicted_total - c.actual_total) / c.actual_total:+.1%}"
        if c.predicted_total is not None and c.actual_total
        else "—"
    )
    bic = "—"
    if c.bic is not None and best_bic is not None:
        bic = f"{c.bic - best_bic:+,.1f}" if c.bic > best_bic else "0"
    return (
        MODEL_LABELS[c.model],
        t(f"cv_verdict_{c.verdict}", lang),
        fmt_num(c.holdout_rmse, 3),
        fmt_num(c.predicted_total, 0),
        off,
        bic,
        fmt_int(c.alive_flagged),
    )
