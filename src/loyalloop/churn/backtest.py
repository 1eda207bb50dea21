"""Time-based backtest: train on earlier cutoffs, test on a later one, never leak the future.

For each training cutoff ``c`` the features read events before ``c`` and the labels read
``[c, c + horizon)``. The test cutoff must be at or after every ``c + horizon``, so nothing the
model learned from happened after the test cutoff; :func:`backtest` refuses other layouts.
The test labels need data up to ``test_cutoff + horizon``; a backtest whose outcome window
is not yet fully observed is refused too.

Baselines are evaluated on the same test customers as plain score columns:

* ``recency`` — days since the last purchase (higher = riskier);
* ``bgnbd`` — ``1 − P(alive)`` from :class:`loyalloop.clv.BetaGeoModel` fitted on the test
  cutoff's purchase history, when that module is installed;
* ``logistic`` — a plain regularised logistic regression trained on the same rows as the
  model (:class:`~loyalloop.churn.model.ChurnModel` with ``algorithm="logistic"``);
* any ``extra_scores`` the caller passes (``customer_id`` → score; reported, never chosen).

Then :func:`~loyalloop.churn.comparison.choose_ranking` decides which ranking is used — the
model's only when it beats every baseline — and the result carries that decision
(``comparison``) and the winning scorer (``ranking``), ready to score today's customers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

import ibis.expr.types as ir
import pandas as pd

from loyalloop.churn.calibration import fit_calibrator
from loyalloop.churn.comparison import (
    DEFAULT_TOLERANCE,
    MODEL,
    ChurnComparison,
    ChurnRanking,
    bgnbd_churn_score,
    choose_ranking,
)
from loyalloop.churn.cutoff_query import CutoffQuery
from loyalloop.churn.evaluation import EvaluationReport, evaluate_scores
from loyalloop.churn.features import FeatureConfig, as_timestamp, build_features, build_labels
from loyalloop.churn.model import Algorithm, ChurnModel
from loyalloop.churn.scoring import fit_churn_model, score_customers
from loyalloop.errors import ConfigError

__all__ = [
    "SAMPLE_HEX_DIGITS",
    "BacktestResult",
    "ChurnTables",
    "backtest",
    "bgnbd_churn_score",
]

log = logging.getLogger(__name__)

#: Hex digits of the bound on a customer id's MD5 below which :meth:`ChurnTables.sample` keeps
#: it (a fraction is kept to within 16**-8, 2.3e-10).
SAMPLE_HEX_DIGITS = 8


@dataclass(frozen=True)
class ChurnTables:
    """The canonical tables churn features read (only ``transactions`` is required)."""

    transactions: ir.Table
    feedback: ir.Table | None = None
    interactions: ir.Table | None = None
    accounts: ir.Table | None = None
    customers: ir.Table | None = None

    def features(
        self, cutoff: date | datetime | str, config: FeatureConfig | None = None
    ) -> ir.Table:
        return build_features(
            self.transactions,
            cutoff,
            feedback=self.feedback,
            interactions=self.interactions,
            accounts=self.accounts,
            customers=self.customers,
            config=config,
        )

    def sample(self, fraction: float) -> ChurnTables:
        """The same tables restricted to a deterministic ``fraction`` of customers.

        A customer is kept when the MD5 of its id, as 32 hex digits, is below ``fraction`` of
        ``16**32`` (a fixed-width hex string compares as its number; the bound is exact to
        :data:`SAMPLE_HEX_DIGITS` digits). The test is an expression of the warehouse, so
        features are computed only for those customers, and the same customers are picked at
        every cutoff, in every run and **on every engine**: MD5 is the same function on DuckDB
        and Spark, where the engines' own ``hash()`` is not (64-bit on DuckDB, 32-bit Murmur3
        on Spark: above the training cap the two trained on different customers, 91,076 rows
        against 91,038 at 100k customers). The MD5 of every row read cost the backtest's eight
        sampled queries at 100k customers 0.8 CPU-s more than DuckDB's ``hash()`` (4.4 against
        3.6 CPU-s; benchmarks/results/run_spark.md, "Session 9").
        """
        if not 0 < fraction <= 1:
            raise ConfigError(f"sample fraction must be in (0, 1], got {fraction}")
        cut = round(fraction * 16**SAMPLE_HEX_DIGITS)
        if cut >= 16**SAMPLE_HEX_DIGITS:
            return self
        bound = f"{cut:0{SAMPLE_HEX_DIGITS}x}".ljust(32, "0")

        def keep(t: ir.Table) -> ir.Table:
            return t.filter(t.customer_id.cast("string").hexdigest("md5") < bound)

        def keep_optional(t: ir.Table | None) -> ir.Table | None:
            return None if t is None else keep(t)

        return ChurnTables(
            transactions=keep(self.transactions),
            feedback=keep_optional(self.feedback),
            interactions=keep_optional(self.interactions),
            accounts=keep_optional(self.accounts),
            customers=keep_optional(self.customers),
        )

    def labels(
        self,
        cutoff: date | datetime | str,
        horizon_days: int,
        config: FeatureConfig | None = None,
    ) -> ir.Table:
        cfg = config or FeatureConfig()
        return build_labels(
            self.transactions,
            cutoff,
            horizon_days,
            accounts=self.accounts,
            active_within_days=cfg.active_within_days,
        )


@dataclass(frozen=True)
class BacktestResult:
    """Evaluation on the test cutoff, the per-customer scores, the model trained, and which
    ranking won (``comparison``; ``ranking`` scores new customers with it)."""

    evaluation: EvaluationReport
    scores: pd.DataFrame
    model: ChurnModel
    train_cutoffs: tuple[datetime, ...]
    test_cutoff: datetime
    horizon_days: int
    n_train: int
    n_test: int
    comparison: ChurnComparison
    ranking: ChurnRanking


def backtest(
    tables: ChurnTables,
    *,
    train_cutoffs: Sequence[date | datetime | str],
    test_cutoff: date | datetime | str,
    horizon_days: int = 90,
    config: FeatureConfig | None = None,
    model: ChurnModel | None = None,
    max_train_rows: int | None = 500_000,
    baselines: Sequence[str] = ("recency", "bgnbd", "logistic"),
    extra_scores: Mapping[str, pd.Series] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> BacktestResult:
    """Train on ``train_cutoffs``, evaluate on ``test_cutoff`` against baselines, and decide
    which ranking is used (see module docstring; ``tolerance`` as in
    :func:`~loyalloop.churn.comparison.choose_ranking`).

    Raises
    ------
    ConfigError
        If a training outcome window reaches past the test cutoff, or the test outcome window
        is not covered by the data.
    """
    test = as_timestamp(test_cutoff)
    horizon = pd.Timedelta(days=horizon_days).to_pytimedelta()
    trains = tuple(sorted(as_timestamp(c) for c in train_cutoffs))
    if not trains:
        raise ConfigError("backtest needs at least one training cutoff")
    for c in trains:
        if c + horizon > test:
            raise ConfigError(
                f"training cutoff {c:%Y-%m-%d} + {horizon_days} days ends after the test cutoff "
                f"{test:%Y-%m-%d}: its labels would use the future; move it to "
                f"{(test - horizon):%Y-%m-%d} or earlier"
            )
    last = tables.transactions.timestamp.max().to_pandas()
    if (
        last is None
        or pd.isna(last)
        or pd.Timestamp(last) < pd.Timestamp(test + horizon) - pd.Timedelta(days=1)
    ):
        raise ConfigError(
            f"the data end at {last}; the test outcome window needs data up to "
            f"{(test + horizon):%Y-%m-%d}"
        )
    # the same two queries at every cutoff: compiled once (loyalloop.churn.cutoff_query)
    features_at = CutoffQuery(lambda c: tables.features(c, config))
    labels_at = CutoffQuery(lambda c: tables.labels(c, horizon_days, config), offsets=[horizon])
    frames, labels = [], []
    for c in trains:
        f = features_at.to_pandas(c)
        f.insert(0, "cutoff", c)
        y = labels_at.to_pandas(c)
        y.insert(0, "cutoff", c)
        frames.append(f)
        labels.append(y)
    train_f = pd.concat(frames, ignore_index=True)
    train_y = pd.concat(labels, ignore_index=True)
    meta = {"train_cutoffs": [f"{c:%Y-%m-%d}" for c in trains]}
    # The trees train on a worker thread (LightGBM releases the interpreter lock while it
    # builds them) while this thread fits the logistic baseline and reads the test cutoff's
    # features from the engine: the same fits and queries as one after another, overlapped.
    with ThreadPoolExecutor(1, thread_name_prefix="churn-trees") as pool:
        trees = pool.submit(
            fit_churn_model,
            train_f,
            train_y,
            horizon_days=horizon_days,
            model=model,
            max_rows=max_train_rows,
            metadata=meta,
        )
        try:
            logistic = None
            if "logistic" in baselines:
                logistic = fit_churn_model(
                    train_f,
                    train_y,
                    horizon_days=horizon_days,
                    model=ChurnModel(algorithm=Algorithm.LOGISTIC),
                    max_rows=max_train_rows,
                    metadata=meta,
                )
            test_f = features_at.to_pandas(test)
            test_y = labels_at.to_pandas(test)
        except Exception:
            first = trees.exception()  # waits; the trees' error is reported first, as before
            if first is not None:
                raise first from None
            raise
        fitted = trees.result()
    test_f = test_f.merge(test_y, on="customer_id", how="inner", validate="one_to_one")
    # Engines return rows in no fixed order; the same data must give the same figures.
    test_f = test_f.sort_values("customer_id", kind="stable").reset_index(drop=True)
    scored = score_customers(fitted, test_f.drop(columns=["churned"]))
    out = pd.DataFrame(
        {
            "customer_id": test_f["customer_id"].to_numpy(),
            "churned": test_f["churned"].to_numpy(dtype="int64"),
            "model": scored["churn_probability"].to_numpy(),
        }
    )
    if "recency" in baselines:
        out["recency"] = test_f["recency_days"].to_numpy(dtype="float64")
    if "bgnbd" in baselines:
        bg = bgnbd_churn_score(test_f)
        if bg is not None:
            out["bgnbd"] = bg
    if logistic is not None:
        out["logistic"] = score_customers(logistic, test_f.drop(columns=["churned"]))[
            "churn_probability"
        ].to_numpy()
    for name, series in (extra_scores or {}).items():
        out[name] = out["customer_id"].map(series).to_numpy(dtype="float64")
    score_cols = [c for c in out.columns if c not in ("customer_id", "churned")]
    evaluation = evaluate_scores(out["churned"], {c: out[c] for c in score_cols})
    comparison = choose_ranking(evaluation.metrics, tolerance=tolerance)
    return BacktestResult(
        evaluation=evaluation,
        scores=out,
        model=fitted,
        train_cutoffs=trains,
        test_cutoff=test,
        horizon_days=horizon_days,
        n_train=int(fitted.metadata_.get("n_sample", len(train_f))),
        n_test=len(out),
        comparison=comparison,
        ranking=_ranking(comparison.winner, fitted, logistic, out),
    )


def _ranking(
    winner: str, model: ChurnModel, logistic: ChurnModel | None, scores: pd.DataFrame
) -> ChurnRanking:
    """The winning scorer; a baseline score gets an isotonic map to churn probabilities
    fitted on the backtest outcomes (monotone, so its ranking is kept)."""
    if winner == MODEL:
        return ChurnRanking(MODEL, model=model)
    if winner == "logistic" and logistic is not None:
        return ChurnRanking("logistic", model=logistic)
    y = scores["churned"].to_numpy(dtype="float64")
    cal = fit_calibrator(scores[winner].to_numpy(dtype="float64"), y, "isotonic")
    return ChurnRanking(winner, calibrator=cal)
