"""What a run says about itself: what it computed (one line per stage, with its time), what it
did not compute and why, and where a model lost to its baseline — read from the run's typed
manifest (:class:`loyalloop.core.results.RunManifest`), never from message text.

Used by ``loyalloop run``, ``loyalloop runs show`` and ``loyalloop demo``, in their ``--lang``
or the project's language (:func:`loyalloop.cli.common.lang_of`): the wording comes from the
report's catalogue, :mod:`loyalloop.report.i18n`; messages the library writes, which are
English, are marked as such in Chinese. :func:`code_name` names a stored code (a status, a
channel) in the reader's language for the other commands. Imports nothing
heavy at import time (the manifest types are imported when a run is described).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loyalloop.core.results import RunManifest
    from loyalloop.core.runs import Run
    from loyalloop.report.i18n import Lang

__all__ = [
    "BaselineVerdict",
    "baseline_verdicts",
    "code_name",
    "counts_text",
    "decision_lines",
    "describe_run",
    "run_json",
    "run_summary",
    "t",
]


def t(key: str, lang: Lang, **kw: object) -> str:
    """The catalogue's text (:func:`loyalloop.report.i18n.t`), imported when first needed: the
    report package is heavy, and help screens must not pay for it."""
    from loyalloop.report.i18n import t as text

    return text(key, lang, **kw)


def code_name(prefix: str, code: object, lang: Lang) -> str:
    """A stored code (a status, a channel …) by its name in ``lang``: the catalogue's
    ``prefix + code`` when it has one, else the code itself (a name the user gave)."""
    try:
        return t(f"{prefix}{code}", lang)
    except KeyError:
        return str(code)


def counts_text(counts: dict[str, int], prefix: str, lang: Lang) -> str:
    """Counts by stored code (e.g. an invitation's skip reasons, prefix ``skip_``) as a line
    of text in ``lang``: each code by its name, ``—`` when there are none.

    >>> counts_text({"no_consent": 3, "frequency_cap": 1200}, "skip_", "en")
    'no consent for the channel 3, invited recently (frequency cap) 1,200'
    >>> counts_text({}, "skip_", "zh")
    '—'
    """
    sep = t("cli_list_sep", lang)
    return sep.join(f"{code_name(prefix, k, lang)} {v:,}" for k, v in counts.items()) or "—"


#: Names of the churn backtest's scorers, as people read them.
SCORER_NAMES = {
    "model": "model",
    "recency": "recency only",
    "bgnbd": "BG/NBD 1 − P(alive)",
    "logistic": "logistic regression",
}
#: How metrics are written for people.
METRIC_NAMES = {"roc_auc": "ROC AUC"}


@dataclass(frozen=True)
class BaselineVerdict:
    """A model compared with one baseline on the same backtest (higher ``metric`` is better)."""

    analysis: str
    metric: str
    model: float
    baseline: str
    baseline_value: float
    model_won: bool


def baseline_verdicts(m: RunManifest) -> list[BaselineVerdict]:
    """Each model shown in a run against each baseline it was backtested with."""
    from loyalloop.core.results import ChurnSummary

    verdicts: list[BaselineVerdict] = []
    if isinstance(m.churn, ChurnSummary):
        model = m.churn.metrics.get("model")
        if model is not None and model.roc_auc is not None:
            for name, other in m.churn.metrics.items():
                if name == "model" or other.roc_auc is None:
                    continue
                verdicts.append(
                    BaselineVerdict(
                        analysis="churn",
                        metric="roc_auc",
                        model=model.roc_auc,
                        baseline=name,
                        baseline_value=other.roc_auc,
                        model_won=model.roc_auc > other.roc_auc,
                    )
                )
    return verdicts


def _pct(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{100 * v:.{digits}f}%"


def _rows(m: RunManifest, table: str) -> int | None:
    info = m.tables.get(table)
    return None if info is None else info.rows


def _scorer(name: str, lang: Lang) -> str:
    key = f"cli_scorer_{name}"
    return t(key, lang) if name in SCORER_NAMES else name


def _aspect_labels(run: Run | None, lang: Lang) -> dict[str, str]:
    """Aspect names in Chinese from the run's aspect summary (English: the ids, as before)."""
    if lang == "en" or run is None:
        return {}
    path = run.path / "aspect_summary.parquet"
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["aspect", "label_zh"]).to_pydict()
    return dict(zip(table["aspect"], table["label_zh"], strict=True))


def _headline(stage: str, m: RunManifest, lang: Lang = "en", run: Run | None = None) -> str:
    """One line on what ``stage`` produced (empty when there is nothing to say)."""
    from loyalloop.core.results import (
        CampaignResultsSummary,
        ChurnSummary,
        ClvSummary,
        FeedbackSummary,
        LoyaltySummary,
        NotComputed,
    )

    slot = getattr(m, stage, None)
    sep = t("cli_list_sep", lang)
    if isinstance(slot, NotComputed):
        return t("cli_stage_not_computed", lang, status=t(f"nc_{slot.status}", lang))
    if stage == "profiles" and m.profiles is not None:
        p = m.profiles
        text = t(
            "cli_profiles",
            lang,
            records=f"{p.customer_records:,}",
            profiles=f"{p.profiles:,}",
            merged=f"{p.merged_records:,}",
        )
        if p.mode == "probabilistic":
            text += t(
                "cli_profiles_how",
                lang,
                exact=f"{p.merged_by_exact_keys:,}",
                model=f"{p.merged_by_model:,}",
                review=f"{p.review_pairs:,}",
            )
        text += t("cli_profiles_end", lang)
        if p.note:
            text += t("cli_profiles_exact_only", lang)
        return text
    if stage == "campaign_results" and isinstance(m.campaigns, CampaignResultsSummary):
        n = len(m.campaigns.campaigns)
        return t(
            "cli_campaigns_measured",
            lang,
            n=f"{n:,}",
            noun="campaign" if n == 1 else "campaigns",
            names=sep.join(c.name for c in m.campaigns.campaigns),
        )
    if stage == "rfm" and (rows := _rows(m, "rfm")) is not None:
        return t("cli_rfm", lang, rows=f"{rows:,}")
    if stage == "kpis" and m.kpis is not None:
        k = m.kpis
        text = t(
            "cli_kpis",
            lang,
            customers=f"{k.customers:,}",
            active=f"{k.active_customers:,}",
            days=k.active_days,
            repurchase=_pct(k.repurchase_rate),
        )
        nps = m.nps
        if nps is not None and nps.nps is not None:
            ci = (
                t("cli_nps_ci", lang, low=nps.ci_low, high=nps.ci_high)
                if nps.ci_low is not None and nps.ci_high is not None
                else ""
            )
            text += t("cli_nps", lang, nps=nps.nps, ci=ci, n=f"{nps.n:,}")
        if m.csat is not None and m.csat.csat is not None:
            text += t("cli_csat", lang, csat=m.csat.csat)
        return text
    if stage == "clv" and isinstance(slot, ClvSummary):
        return t(
            "cli_clv",
            lang,
            model=slot.model,
            months=slot.horizon_months,
            total=f"{slot.total_clv:,.0f}" + _currency(m),
            top=_pct(slot.top_decile_share),
            alive=_pct(slot.mean_probability_alive),
        )
    if stage == "churn_features" and (rows := _rows(m, "churn_features")) is not None:
        return t("cli_churn_features", lang, rows=f"{rows:,}")
    if stage == "churn" and isinstance(slot, ChurnSummary):
        aucs = " · ".join(
            f"{_scorer(name, lang)} {s.roc_auc:.3f}"
            for name, s in slot.metrics.items()
            if s.roc_auc is not None
        )
        return t(
            "cli_churn",
            lang,
            aucs=aucs,
            high=f"{slot.high_risk:,}",
            expected=f"{slot.expected_churners:,.0f}",
            days=slot.horizon_days,
        )
    if stage == "loyalty" and isinstance(slot, LoyaltySummary):
        mean = "—" if slot.mean_index is None else f"{slot.mean_index:.1f}"
        tiers = sep.join(
            f"{_tier(k, lang)} {v:,}" for k, v in sorted(slot.tiers.items(), key=lambda x: -x[1])
        )
        return t("cli_loyalty", lang, mean=mean, n=f"{slot.indexed:,}", tiers=tiers)
    if stage == "feedback" and isinstance(slot, FeedbackSummary):
        text = t(
            "cli_feedback", lang, comments=f"{slot.comments:,}", negative=_pct(slot.share_negative)
        )
        if slot.top_negative_aspects:
            top = slot.top_negative_aspects[0]
            text += t(
                "cli_feedback_top",
                lang,
                aspect=_aspect_labels(run, lang).get(top.aspect, top.aspect),
                share=_pct(top.share_negative),
                n=f"{top.negative:,}",
            )
        return text + t("cli_feedback_alerts", lang, n=f"{slot.alerts:,}")
    return ""


def _tier(name: str, lang: Lang) -> str:
    """A loyalty tier's name: its id in English (as before), its label in Chinese."""
    key = f"lo_tier_{name}"
    return t(key, lang) if lang == "zh" and name in _TIERS else name


_TIERS = frozenset({"emotional", "brand", "transactional", "not_loyal", "unscored"})


def _currency(m: RunManifest) -> str:
    return f" {m.kpis.currency}" if m.kpis is not None and m.kpis.currency else ""


def describe_run(run: Run, lang: Lang = "en") -> list[str]:
    """What a run computed (per stage, with its time), what it did not and why, and how its
    models did against their baselines, as lines of plain text in ``lang``."""
    m = run.manifest
    lines = [
        t("cli_run_published", lang, n=run.number, day=f"{m.as_of:%Y-%m-%d}", seconds=m.seconds)
    ]
    if m.stage_seconds:
        lines.append(t("cli_computed", lang))
        width = max(len(s) for s in m.stage_seconds)
        for stage, seconds in m.stage_seconds.items():
            took = t("cli_seconds", lang, seconds=seconds)
            lines.append(f"  {stage:<{width}}  {took}  {_headline(stage, m, lang, run)}".rstrip())
    missing = m.not_computed()
    if missing:
        lines.append(t("cli_not_computed", lang))
        lines += [  # the reason by its name; the stage's message is the library's English
            f"  {path} ({t(f'nc_{why.status}', lang)}): {why.message}"
            if lang == "en"
            else f"  {path}（{t(f'nc_{why.status}', lang)}）："
            f"{t('library_note', lang, message=why.message)}"
            for path, why in missing
        ]
    verdicts = baseline_verdicts(m)
    if verdicts:
        lines.append(t("cli_baselines_head", lang))
        for analysis in dict.fromkeys(v.analysis for v in verdicts):
            mine = [v for v in verdicts if v.analysis == analysis]
            metric = METRIC_NAMES.get(mine[0].metric, mine[0].metric)
            name = t(f"cli_analysis_{analysis}", lang) if analysis == "churn" else analysis
            head = "  " + t(
                "cli_model_head", lang, analysis=name, metric=metric, value=mine[0].model
            )
            lost = [v for v in mine if not v.model_won]
            if not lost:
                others = " · ".join(
                    f"{_scorer(v.baseline, lang)} {v.baseline_value:.3f}" for v in mine
                )
                lines.append(head + t("cli_model_beats", lang, others=others))
            for v in lost:
                lines.append(
                    head
                    + t(
                        "cli_model_lost",
                        lang,
                        name=_scorer(v.baseline, lang),
                        value=v.baseline_value,
                        instead=_instead(m, v, lang),
                    )
                )
    lines += decision_lines(m, lang)
    quarantined = {t_: n for t_, n in m.quarantined.items() if n}
    if quarantined:
        listed = t("cli_list_sep", lang).join(f"{k} {n:,}" for k, n in quarantined.items())
        lines.append(t("cli_quarantined", lang, listed=listed))
    return lines


def _instead(m: RunManifest, v: BaselineVerdict, lang: Lang = "en") -> str:
    """What the run did about a model that lost (the churn stage ranks by the winner)."""
    from loyalloop.core.results import ChurnSummary

    if v.analysis == "churn" and isinstance(m.churn, ChurnSummary):
        return t("cli_ranks_instead", lang, name=_scorer(m.churn.ranking.scorer, lang))
    return t("cli_rank_instead", lang, name=_scorer(v.baseline, lang))


def decision_lines(m: RunManifest, lang: Lang = "en") -> list[str]:
    """Which churn ranking the run used (said plainly when a baseline beat the model) and the
    two ranked lists with their sizes and values, from the manifest's typed results."""
    from loyalloop.core.results import ChurnSummary, PriorityListSummary

    lines: list[str] = []
    if isinstance(churn := m.churn, ChurnSummary):
        r, metrics = churn.ranking, churn.metrics
        used, model = metrics.get(r.scorer), metrics.get("model")
        name = _scorer(r.scorer, lang)
        if r.model_won and used is not None and used.roc_auc is not None:
            how = t("cli_churn_used_model", lang, auc=used.roc_auc)
        elif (
            used is not None
            and model is not None
            and used.roc_auc is not None
            and model.roc_auc is not None
        ):
            how = t(
                "cli_churn_used_baseline", lang, name=name, model=model.roc_auc, used=used.roc_auc
            )
        else:
            how = t("cli_churn_used_plain", lang, name=name)
        lines.append(
            t(
                "cli_churn_used",
                lang,
                how=how,
                high=f"{churn.high_risk:,}",
                current=f"{churn.current_customers:,}",
            )
        )
    for info in (m.early_warning, m.win_back):
        if isinstance(info, PriorityListSummary):
            lines.append(
                t(
                    f"cli_list_{info.kind}",
                    lang,
                    n=f"{info.customers:,}",
                    value=f"{info.total_value:,.0f}",
                    currency=_currency(m),
                )
            )
    return lines


def run_summary(run: Run) -> dict[str, Any]:
    """A run's headline figures for listings (``runs --json``)."""
    data = run.manifest.to_dict()
    keys = ("as_of", "created_at", "seconds", "kpis", "nps", "csat", "profiles", "tables")
    return {
        "run": run.number,
        **{k: data.get(k) for k in keys},
        "not_computed": _not_computed(run.manifest),
    }


def run_json(run: Run) -> dict[str, Any]:
    """Everything a run recorded (``run --json``, ``runs show --json``): the typed manifest,
    plus the list of what was not computed and the model-against-baseline verdicts."""
    return {
        **run.manifest.to_dict(),
        "run": run.number,
        "path": str(run.path),
        "not_computed": _not_computed(run.manifest),
        "baselines": [asdict(v) for v in baseline_verdicts(run.manifest)],
    }


def _not_computed(m: RunManifest) -> list[dict[str, str]]:
    return [
        {"path": path, "status": why.status, "message": why.message}
        for path, why in m.not_computed()
    ]
