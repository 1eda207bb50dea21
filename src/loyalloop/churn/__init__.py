"""Churn early warning: features as of a cutoff, a calibrated model, reasons, survival.

* :func:`build_features` / :func:`build_labels` — warehouse features and labels (Ibis).
* :class:`ChurnModel` — LightGBM or logistic regression + calibration, saved with its feature
  spec and a version.
* :func:`fit_churn_model` / :func:`score_customers` — the model on warehouse features;
  :func:`at_risk_list` — the riskiest customers with their reasons.
* :func:`backtest` — train on earlier cutoffs, test on a later one, against baselines;
  :func:`choose_ranking` / :class:`ChurnComparison` — the model is used only when it beats
  them, else the best baseline's ranking (:class:`ChurnRanking`).
* :func:`evaluate_scores` — ROC AUC, PR AUC, Brier, lift/capture by decile, calibration.
* :func:`explain` — top reasons per customer in English and Chinese.
* :func:`train_table` / :func:`score_table` / :func:`evaluate_table` — bring your own table;
  :func:`select_algorithm` chooses logistic regression or LightGBM by cross-validation.
* :func:`kaplan_meier` / :func:`median_lifetime` — survival view.
"""

from __future__ import annotations

from loyalloop.churn.backtest import BacktestResult, ChurnTables, backtest, bgnbd_churn_score
from loyalloop.churn.byo import (
    AlgorithmSelection,
    ScoreResult,
    TrainResult,
    evaluate_table,
    read_table,
    score_table,
    select_algorithm,
    train_table,
)
from loyalloop.churn.calibration import Calibrator
from loyalloop.churn.comparison import (
    ChurnComparison,
    ChurnRanking,
    ScorerFigures,
    choose_ranking,
)
from loyalloop.churn.evaluation import EvaluationReport, ScoreMetrics, evaluate_scores
from loyalloop.churn.features import CONTEXT_COLUMNS, FeatureConfig, build_features, build_labels
from loyalloop.churn.model import MODEL_FORMAT, MODEL_FORMAT_VERSION, Algorithm, ChurnModel
from loyalloop.churn.reasons import explain, reason_text
from loyalloop.churn.scoring import at_risk_list, fit_churn_model, score_customers
from loyalloop.churn.survival import (
    account_lifetimes,
    kaplan_meier,
    lifetimes_since,
    median_lifetime,
    purchase_lifetimes,
)
from loyalloop.churn.table import CoercionReport, ColumnCoercion, FeatureDef, FeatureSpec

__all__ = [
    "CONTEXT_COLUMNS",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "Algorithm",
    "AlgorithmSelection",
    "BacktestResult",
    "Calibrator",
    "ChurnComparison",
    "ChurnModel",
    "ChurnRanking",
    "ChurnTables",
    "CoercionReport",
    "ColumnCoercion",
    "EvaluationReport",
    "FeatureConfig",
    "FeatureDef",
    "FeatureSpec",
    "ScoreMetrics",
    "ScoreResult",
    "ScorerFigures",
    "TrainResult",
    "account_lifetimes",
    "at_risk_list",
    "backtest",
    "bgnbd_churn_score",
    "build_features",
    "build_labels",
    "choose_ranking",
    "evaluate_scores",
    "evaluate_table",
    "explain",
    "fit_churn_model",
    "kaplan_meier",
    "lifetimes_since",
    "median_lifetime",
    "purchase_lifetimes",
    "read_table",
    "reason_text",
    "score_customers",
    "score_table",
    "select_algorithm",
    "train_table",
]
