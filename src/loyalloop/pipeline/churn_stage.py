"""The ``churn`` stage: backtested, calibrated churn model; every buyer scored with reasons.

What the stage does, in order:

1. **Tables by profile.** Transactions come from the run's profile-keyed table
   (:data:`~loyalloop.pipeline.context.PROFILE_TX`); ``feedback``, ``interactions`` and
   ``accounts`` are keyed by source customer id and are re-keyed through ``profile_map``
   (:func:`~loyalloop.pipeline.profile_keys.rekey_by_profile`). The ``churn_features`` stage,
   before this one, saves the scoring cutoff's features for everyone who ever bought (the
   loyalty stage reads them too, whether or not a churn model could be trained).
2. **Cutoffs.** The scoring cutoff is the midnight after ``as_of`` (so the as-of day counts,
   as in the other stages). The evaluation ("test") cutoff is ``horizon_days`` before it —
   the latest cutoff whose whole outcome window is observed. Training cutoffs step back
   ``horizon_days`` at a time from ``test − horizon_days`` (at most ``max_train_cutoffs``),
   keeping those with at least ``min_history_days`` of purchases before them (settings of
   :class:`~loyalloop.pipeline.config.ChurnConfig`, ``RunConfig.churn``). No label reads
   past the test cutoff, and nothing reads past ``as_of``
   (:func:`loyalloop.churn.backtest` refuses other layouts).
3. **Backtest** (:func:`loyalloop.churn.backtest`): the churn model (LightGBM + calibration)
   trained on the training cutoffs, evaluated on the test cutoff against three baselines —
   days since the last purchase, BG/NBD ``1 − P(alive)`` and a plain logistic regression on
   the same rows. Training reads a deterministic sample of at most ``max_train_customers``
   profiles (hash of the id, the same at every cutoff).
4. **Which ranking** (:func:`loyalloop.churn.choose_ranking`). The model ranks only when it
   beats every baseline (by 0.005 ROC AUC or PR AUC, without losing more than 0.005 on the
   other); otherwise the best baseline ranks, and every churn probability of the run — the
   scores, the early-warning list, the report — is that baseline's (for recency and BG/NBD
   their score mapped to probabilities by an isotonic fit on the backtest outcomes). The
   manifest's ``churn.ranking`` says which scorer won and under which rule; every scorer's
   figures are in ``churn.metrics``.
5. **Scoring** (:func:`loyalloop.churn.run_outputs.score_population`). The winning scorer
   scores every profile that ever bought, as of the scoring cutoff. Profiles with no purchase
   in the last 365 days (``active_within_days``) are outside the model's population (they are
   already lost); they are still scored, because the features are defined the same way, but
   have ``population = "lapsed_365d"``, no risk decile and no reasons. Among the active
   population ``risk_decile`` 1 is the riskiest tenth, and the ``reason_limit`` riskiest
   customers get their top reasons in English and Chinese (when the winner is a model). The
   headline figures (expected churners, customers at high risk) count the *current*
   customers of the ``statuses`` table — the early-warning population — so "high churn risk"
   means the same customers in every section.
6. **Saved.** ``churn_scores``, ``churn_evaluation`` (metrics per scorer), ``churn_lift``
   (lift and capture by decile), ``churn_calibration`` (mean predicted vs observed per bin),
   the trained model ``churn_model.json`` (feature spec, format version, training cutoffs) and
   the winning ranking ``churn_ranking.json`` (:meth:`loyalloop.churn.ChurnRanking.load`
   scores again with it), each named with its SHA-256 in the manifest.

When the data cannot support this (history too short for one training cutoff, one class
only, a failed fit) the manifest's ``churn`` slot holds a
:class:`~loyalloop.core.results.NotComputed` with the reason and the run goes on.

LightGBM's OpenMP threads spin while waiting unless ``OMP_WAIT_POLICY=PASSIVE``; on a
machine whose cores are shared (CI, a laptop running DuckDB next to it) spinning makes
training several times slower. A library must not change the process environment, so the
stage does not set it: the ``loyalloop`` command sets it at start-up (a user's own setting
wins) and ``make test`` sets it for the tests. A program calling ``run_pipeline`` directly sets
it itself, before OpenMP starts.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from loyalloop.churn import ChurnTables, FeatureConfig, backtest
from loyalloop.churn.backtest import BacktestResult
from loyalloop.churn.comparison import MODEL
from loyalloop.churn.model import MODEL_FORMAT, MODEL_FORMAT_VERSION
from loyalloop.churn.run_outputs import ChurnHeadline, headline, score_population
from loyalloop.core.results import (
    ChurnModelInfo,
    ChurnRankingInfo,
    ChurnSummary,
    FeatureGain,
    NotComputed,
    Reason,
    ScorerMetrics,
)
from loyalloop.errors import LoyalloopError
from loyalloop.insight.definitions import CURRENT_STATUSES
from loyalloop.pipeline.config import ChurnConfig
from loyalloop.pipeline.context import PROFILE_TX, RunContext
from loyalloop.pipeline.profile_keys import rekey_by_profile

__all__ = [
    "CHURN_OUTPUTS",
    "HORIZON_DAYS",
    "MAX_TRAIN_CUSTOMERS",
    "MODEL_FILE",
    "RANKING_FILE",
    "REASON_LIMIT",
    "churn_cutoffs",
    "churn_tables",
    "score_cutoff",
    "stage_churn",
    "stage_churn_features",
]

log = logging.getLogger(__name__)

#: Defaults of the settings (:class:`~loyalloop.pipeline.config.ChurnConfig`).
HORIZON_DAYS = ChurnConfig.horizon_days
MAX_TRAIN_CUSTOMERS = ChurnConfig.max_train_customers
REASON_LIMIT = ChurnConfig.reason_limit
#: File name of the model inside the run directory.
MODEL_FILE = "churn_model.json"
#: File name of the winning ranking inside the run directory.
RANKING_FILE = "churn_ranking.json"
#: Tables the churn stage writes when a model could be trained.
CHURN_OUTPUTS = ("churn_scores", "churn_evaluation", "churn_lift", "churn_calibration")


def churn_tables(ctx: RunContext) -> ChurnTables:
    """The canonical tables churn features read, keyed by the run's profile ids."""
    id_map = ctx.output("profile_map")
    tx = ctx.wh.table(PROFILE_TX)
    return ChurnTables(
        transactions=tx.select("customer_id", "timestamp", "amount"),
        feedback=rekey_by_profile(ctx.wh.table("feedback"), id_map),
        interactions=rekey_by_profile(ctx.wh.table("interactions"), id_map),
        accounts=rekey_by_profile(ctx.wh.table("accounts"), id_map),
    )


def stage_churn_features(ctx: RunContext) -> None:
    """Save ``churn_features``: the scoring cutoff's features of everyone who ever bought."""
    features = churn_tables(ctx).features(
        score_cutoff(ctx.as_of), FeatureConfig(active_within_days=None)
    )
    ctx.save("churn_features", features)


def score_cutoff(as_of: date) -> datetime:
    """The midnight after ``as_of``: features read everything up to the end of the as-of day."""
    return datetime.combine(as_of + timedelta(days=1), datetime.min.time())


def churn_cutoffs(
    first_purchase: date | datetime, as_of: date, config: ChurnConfig | None = None
) -> tuple[datetime, datetime, list[datetime]]:
    """``(score_cutoff, test_cutoff, train_cutoffs)`` for a run (rules in module docstring)."""
    cfg = config or ChurnConfig()
    score = score_cutoff(as_of)
    test = score - timedelta(days=cfg.horizon_days)
    first = pd.Timestamp(first_purchase).to_pydatetime().replace(tzinfo=None)
    trains = []
    for k in range(cfg.max_train_cutoffs):
        c = test - timedelta(days=cfg.horizon_days * (k + 1))
        if c - first >= timedelta(days=cfg.min_history_days):
            trains.append(c)
    return score, test, sorted(trains)


def _fail(ctx: RunContext, status: Reason, reason: str) -> None:
    log.warning("churn stage skipped: %s", reason)
    ctx.record("churn", NotComputed(status, reason))


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def stage_churn(ctx: RunContext) -> None:
    """Backtest, save and apply the churn model (see module docstring)."""
    tables = churn_tables(ctx)
    tx = tables.transactions
    first = tx.filter(tx.amount > 0).timestamp.min().to_pandas()
    if first is None or pd.isna(first):
        _fail(ctx, "no_data", "no purchases to learn from")
        return
    cfg = ctx.config.churn
    score_cut, test_cut, train_cuts = churn_cutoffs(first, ctx.as_of, cfg)
    if not train_cuts:
        need = cfg.min_history_days + 2 * cfg.horizon_days
        _fail(
            ctx,
            "insufficient_data",
            f"purchase history too short: the churn backtest needs at least {need} days of "
            f"purchases before {ctx.as_of:%Y-%m-%d} "
            f"(first purchase {pd.Timestamp(first):%Y-%m-%d})",
        )
        return
    n_buyers = int(tx.filter(tx.amount > 0).customer_id.nunique().to_pandas())
    fraction = min(1.0, cfg.max_train_customers / max(n_buyers, 1))
    config = FeatureConfig(active_within_days=cfg.active_within_days)
    try:
        result = backtest(
            tables.sample(fraction),
            train_cutoffs=train_cuts,
            test_cutoff=test_cut,
            horizon_days=cfg.horizon_days,
            config=config,
        )
    except (LoyalloopError, ValueError, lgb.basic.LightGBMError) as exc:
        _fail(ctx, "fit_failed", f"churn model not trained: {exc}")
        return
    model_metrics = result.evaluation.get("model")
    if model_metrics.error:
        _fail(ctx, "fit_failed", f"churn model not evaluated: {model_metrics.error}")
        return
    model = result.model
    model.metadata_ = {
        **model.metadata_,
        "test_cutoff": f"{test_cut:%Y-%m-%d}",
        "score_cutoff": f"{score_cut:%Y-%m-%d}",
        "sample_fraction": fraction,
        "active_within_days": cfg.active_within_days,
    }
    path = model.save(ctx.writer.path / MODEL_FILE)
    ranking_path = result.ranking.save(ctx.writer.path / RANKING_FILE)

    # The numbers behind every score and reason, saved by the churn_features stage.
    scores = score_population(
        result.ranking,
        ctx.output("churn_features"),
        active_within_days=cfg.active_within_days,
        reason_limit=cfg.reason_limit,
    )
    ctx.save("churn_scores", scores)
    ev = result.evaluation
    ctx.save("churn_evaluation", ev.metrics_frame())
    ctx.save("churn_lift", ev.deciles)
    ctx.save("churn_calibration", ev.calibration)
    statuses = ctx.output("statuses").to_pandas()
    current = set(statuses.loc[statuses["stage"].isin(CURRENT_STATUSES), "customer_id"])
    head = headline(
        ev,
        scores,
        scorer=result.comparison.winner,
        current=scores["customer_id"].isin(current),
        high_risk_probability=ctx.config.loyalty.lifecycle.high_risk_probability,
    )
    ctx.record("churn", _summary(result, head, path, ranking_path, fraction))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _summary(
    result: BacktestResult, head: ChurnHeadline, path: Path, ranking_path: Path, fraction: float
) -> ChurnSummary:
    ev = result.evaluation
    model = result.model
    comparison = result.comparison
    metrics = {
        m.name: ScorerMetrics(
            roc_auc=_num(m.roc_auc),
            pr_auc=_num(m.pr_auc),
            brier=_num(m.brier),
            top_decile_lift=_num(m.top_decile_lift),
            error=m.error,
        )
        for m in ev.metrics
    }
    importance = model.feature_importance_
    return ChurnSummary(
        model=ChurnModelInfo(
            file=path.name,
            sha256=_sha256(path),
            format=MODEL_FORMAT,
            format_version=MODEL_FORMAT_VERSION,
            features=tuple(model.spec_.names),
            calibration=model.calibrator_.to_dict().get("kind"),
        ),
        ranking=ChurnRankingInfo(
            scorer=comparison.winner,
            model_won=comparison.model_won,
            best_baseline=comparison.best_baseline,
            tolerance=comparison.tolerance,
            probability="own" if comparison.winner in (MODEL, "logistic") else "isotonic",
            file=ranking_path.name,
            sha256=_sha256(ranking_path),
        ),
        horizon_days=result.horizon_days,
        train_cutoffs=tuple(c.date() for c in result.train_cutoffs),
        test_cutoff=result.test_cutoff.date(),
        sample_fraction=fraction,
        n_train=result.n_train,
        n_test=result.n_test,
        test_churn_rate=_num(ev.metrics[0].base_rate) if ev.metrics else None,
        metrics=metrics,
        calibration_error=head.calibration_error,
        capture_top_20pct=head.capture_top_20pct,
        top_features=tuple(
            FeatureGain(feature=str(k), gain=float(v)) for k, v in importance.head(10).items()
        ),
        customers_scored=head.customers_scored,
        active_customers=head.active_customers,
        current_customers=head.current_customers,
        expected_churners=head.expected_churners,
        high_risk=head.high_risk,
        mean_probability=head.mean_probability,
    )
