"""What a run says about itself: what it computed (one line per stage, with its time), what it
did not compute and why, and where a model lost to its baseline — read from the run's typed
manifest (:class:`loyalloop.core.results.RunManifest`), never from message text.

Used by ``loyalloop run``, ``loyalloop runs show`` and ``loyalloop demo``. Imports nothing heavy
at import time (the manifest types are imported when a run is described).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loyalloop.core.results import RunManifest
    from loyalloop.core.runs import Run

__all__ = [
    "BaselineVerdict",
    "baseline_verdicts",
    "decision_lines",
    "describe_run",
    "run_json",
    "run_summary",
]

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


def _headline(stage: str, m: RunManifest) -> str:
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
    if isinstance(slot, NotComputed):
        return f"not computed ({slot.status})"
    if stage == "profiles" and m.profiles is not None:
        p = m.profiles
        text = (
            f"{p.customer_records:,} customer records → {p.profiles:,} profiles "
            f"({p.merged_records:,} merged"
        )
        if p.mode == "probabilistic":
            text += (
                f": {p.merged_by_exact_keys:,} by e-mail/phone, {p.merged_by_model:,} by the "
                f"matching model; {p.review_pairs:,} pairs to review"
            )
        text += ")"
        if p.note:
            text += "; exact keys only: too little data to train the matching model"
        return text
    if stage == "campaign_results" and isinstance(m.campaigns, CampaignResultsSummary):
        names = ", ".join(c.name for c in m.campaigns.campaigns)
        return (
            f"{len(m.campaigns.campaigns):,} "
            f"{'campaign' if len(m.campaigns.campaigns) == 1 else 'campaigns'} measured against "
            "their holdouts: "
            f"{names} (`loyalloop campaigns results NAME`)"
        )
    if stage == "rfm" and (rows := _rows(m, "rfm")) is not None:
        return f"{rows:,} buyers scored R, F, M and segmented"
    if stage == "kpis" and m.kpis is not None:
        k = m.kpis
        text = (
            f"{k.customers:,} customers, {k.active_customers:,} bought in the last "
            f"{k.active_days} days, repurchase rate {_pct(k.repurchase_rate)}"
        )
        nps = m.nps
        if nps is not None and nps.nps is not None:
            ci = (
                f"95% CI {nps.ci_low:.1f} – {nps.ci_high:.1f}, "
                if nps.ci_low is not None and nps.ci_high is not None
                else ""
            )
            text += f"; NPS {nps.nps:.1f} ({ci}{nps.n:,} answers)"
        if m.csat is not None and m.csat.csat is not None:
            text += f"; CSAT {m.csat.csat:.1f}%"
        return text
    if stage == "clv" and isinstance(slot, ClvSummary):
        return (
            f"{slot.model}: CLV next {slot.horizon_months} months {slot.total_clv:,.0f}, "
            f"top 10% of customers hold {_pct(slot.top_decile_share)}, "
            f"mean P(alive) {_pct(slot.mean_probability_alive)}"
        )
    if stage == "churn_features" and (rows := _rows(m, "churn_features")) is not None:
        return f"features of {rows:,} customers"
    if stage == "churn" and isinstance(slot, ChurnSummary):
        aucs = " · ".join(
            f"{SCORER_NAMES.get(name, name)} {s.roc_auc:.3f}"
            for name, s in slot.metrics.items()
            if s.roc_auc is not None
        )
        return (
            f"backtest ROC AUC {aucs}; {slot.high_risk:,} customers at 50% risk or more, "
            f"{slot.expected_churners:,.0f} expected to churn in {slot.horizon_days} days"
        )
    if stage == "loyalty" and isinstance(slot, LoyaltySummary):
        mean = "—" if slot.mean_index is None else f"{slot.mean_index:.1f}"
        tiers = ", ".join(f"{k} {v:,}" for k, v in sorted(slot.tiers.items(), key=lambda t: -t[1]))
        return f"mean loyalty index {mean} of {slot.indexed:,} customers; tiers: {tiers}"
    if stage == "feedback" and isinstance(slot, FeedbackSummary):
        text = f"{slot.comments:,} comments, {_pct(slot.share_negative)} negative"
        if slot.top_negative_aspects:
            top = slot.top_negative_aspects[0]
            text += (
                f"; most complained about (largest negative share): {top.aspect} "
                f"({_pct(top.share_negative)} of its mentions negative, {top.negative:,})"
            )
        return text + f"; {slot.alerts:,} alerts"
    return ""


def describe_run(run: Run) -> list[str]:
    """What a run computed (per stage, with its time), what it did not and why, and how its
    models did against their baselines, as lines of plain text."""
    m = run.manifest
    lines = [f"run {run.number} published: as of {m.as_of:%Y-%m-%d}, {m.seconds:.1f} s"]
    if m.stage_seconds:
        lines.append("computed:")
        width = max(len(s) for s in m.stage_seconds)
        for stage, seconds in m.stage_seconds.items():
            lines.append(f"  {stage:<{width}}  {seconds:6.1f} s  {_headline(stage, m)}".rstrip())
    missing = m.not_computed()
    if missing:
        lines.append("not computed:")
        lines += [f"  {path} ({why.status}): {why.message}" for path, why in missing]
    verdicts = baseline_verdicts(m)
    if verdicts:
        lines.append("models against their baselines (same backtest):")
        for analysis in dict.fromkeys(v.analysis for v in verdicts):
            mine = [v for v in verdicts if v.analysis == analysis]
            metric = METRIC_NAMES.get(mine[0].metric, mine[0].metric)
            head = f"  {analysis}: the model ({metric} {mine[0].model:.3f})"
            lost = [v for v in mine if not v.model_won]
            if not lost:
                others = " · ".join(
                    f"{SCORER_NAMES.get(v.baseline, v.baseline)} {v.baseline_value:.3f}"
                    for v in mine
                )
                lines.append(f"{head} beats every baseline: {others}")
            for v in lost:
                name = SCORER_NAMES.get(v.baseline, v.baseline)
                lines.append(f"{head} LOST to {name} ({v.baseline_value:.3f}): {_instead(m, v)}")
    lines += decision_lines(m)
    quarantined = {t: n for t, n in m.quarantined.items() if n}
    if quarantined:
        listed = ", ".join(f"{t} {n:,}" for t, n in quarantined.items())
        lines.append(
            f"quarantined at ingest, not in these figures: {listed} "
            "(`loyalloop export quarantine --out q.csv`)"
        )
    return lines


def _instead(m: RunManifest, v: BaselineVerdict) -> str:
    """What the run did about a model that lost (the churn stage ranks by the winner)."""
    from loyalloop.core.results import ChurnSummary

    if v.analysis == "churn" and isinstance(m.churn, ChurnSummary):
        used = m.churn.ranking.scorer
        return f"the run ranks by {SCORER_NAMES.get(used, used)} instead"
    name = SCORER_NAMES.get(v.baseline, v.baseline)
    return f"rank by {name} instead, or bring more history"


def decision_lines(m: RunManifest) -> list[str]:
    """Which churn ranking the run used (said plainly when a baseline beat the model) and the
    two ranked lists with their sizes and values, from the manifest's typed results."""
    from loyalloop.core.results import ChurnSummary, PriorityListSummary

    lines: list[str] = []
    if isinstance(churn := m.churn, ChurnSummary):
        r, metrics = churn.ranking, churn.metrics
        used, model = metrics.get(r.scorer), metrics.get("model")
        name = SCORER_NAMES.get(r.scorer, r.scorer)
        if r.model_won and used is not None and used.roc_auc is not None:
            how = f"the churn model ranks (ROC AUC {used.roc_auc:.3f}, beat every baseline)"
        elif used is not None and model is not None and None not in (used.roc_auc, model.roc_auc):
            how = (
                f"ranked by {name}, NOT the churn model: the model did not beat it on the "
                f"backtest (ROC AUC {model.roc_auc:.3f} against {used.roc_auc:.3f})"
            )
        else:
            how = f"ranked by {name}"
        lines.append(
            f"churn risk used: {how}; {churn.high_risk:,} of {churn.current_customers:,} "
            "current customers at 50% or more"
        )
    currency = f" {m.kpis.currency}" if m.kpis is not None and m.kpis.currency else ""
    for label, info in (("early-warning list", m.early_warning), ("win-back list", m.win_back)):
        if isinstance(info, PriorityListSummary):
            value = "value at stake" if info.kind == "early_warning" else "win-back value"
            lines.append(
                f"{label}: {info.customers:,} customers, {value} {info.total_value:,.0f}"
                f"{currency} (table {info.kind})"
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
