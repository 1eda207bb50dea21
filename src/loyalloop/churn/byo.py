"""Bring your own table: train, score and evaluate churn from any labelled customer table.

For contractual churn (card accounts, subscriptions) and teams with their own attributes: one
row per customer, an id column, a label column (booleans, 0/1 or yes/no/true/false text) and
any numeric or categorical columns. Messy cells are coerced as
:mod:`loyalloop.churn.table` describes, and every coercion is reported.

Training holds out ``holdout_fraction`` of the rows (stratified, seeded) for the reported
evaluation. On the rest it **chooses the algorithm by cross-validation**
(:func:`select_algorithm`): a plain regularised logistic regression and LightGBM are each
fitted on ``cv_folds`` (5) stratified, seeded folds and scored on the fold left out; LightGBM
is chosen only when its mean out-of-fold ROC AUC or PR AUC is better by at least
``tolerance`` (0.005) and the other not worse by more than that — the rule the warehouse
model must pass against its baselines (:mod:`loyalloop.churn.comparison`); otherwise the
simpler logistic regression is used. The chosen algorithm is fitted on the training part and
evaluated on the holdout, then refitted on all labelled rows; the saved model is the refit
one, and the model file and :meth:`TrainResult.to_dict` record which algorithm was chosen and
every candidate's cross-validated figures. Passing ``algorithm`` skips the choice.

A public telecom table was the case in point: LightGBM alone scored below a plain logistic
regression on the same split, because its relationships are smooth and nearly additive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from loyalloop.churn.comparison import DEFAULT_TOLERANCE
from loyalloop.churn.evaluation import EvaluationReport, evaluate_scores
from loyalloop.churn.model import Algorithm, ChurnModel
from loyalloop.churn.reasons import explain
from loyalloop.churn.table import (
    CoercionReport,
    FeatureSpec,
    clean_column_names,
    coerce_labels,
    infer_spec,
)
from loyalloop.errors import ConfigError, DataValidationError, ModelError

__all__ = [
    "AlgorithmSelection",
    "CandidateFigures",
    "ScoreResult",
    "TrainResult",
    "evaluate_table",
    "read_table",
    "score_table",
    "select_algorithm",
    "train_table",
]

MODEL_KIND = "table"


@dataclass(frozen=True)
class CandidateFigures:
    """One algorithm's cross-validated figures: mean and per-fold ROC AUC and PR AUC."""

    algorithm: str
    roc_auc: float
    pr_auc: float
    roc_auc_folds: tuple[float, ...]
    pr_auc_folds: tuple[float, ...]


@dataclass(frozen=True)
class AlgorithmSelection:
    """Which algorithm cross-validation chose, and every candidate's figures."""

    chosen: str
    candidates: tuple[CandidateFigures, ...]
    folds: int
    tolerance: float
    rows: int

    def get(self, algorithm: str) -> CandidateFigures:
        for c in self.candidates:
            if c.algorithm == algorithm:
                return c
        raise KeyError(algorithm)

    def line(self) -> str:
        """One plain-language line: what was chosen and the figures behind it."""
        figs = "; ".join(
            f"{c.algorithm} ROC AUC {c.roc_auc:.3f}, PR AUC {c.pr_auc:.3f}" for c in self.candidates
        )
        return (
            f"algorithm: {self.chosen} (chosen by {self.folds}-fold cross-validation on "
            f"{self.rows:,} rows: {figs})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen,
            "folds": self.folds,
            "tolerance": self.tolerance,
            "rows": self.rows,
            "rule": "lightgbm only if it beats the logistic regression",
            "candidates": [
                {
                    "algorithm": c.algorithm,
                    "roc_auc": c.roc_auc,
                    "pr_auc": c.pr_auc,
                    "roc_auc_folds": list(c.roc_auc_folds),
                    "pr_auc_folds": list(c.pr_auc_folds),
                }
                for c in self.candidates
            ],
        }


@dataclass(frozen=True)
class TrainResult:
    """A trained model and what training found (``selection``: ``None`` when the algorithm
    was given, not chosen)."""

    model: ChurnModel
    rows: int
    labelled: int
    churned: int
    coercion: CoercionReport
    holdout: EvaluationReport
    selection: AlgorithmSelection | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labelled": self.labelled,
            "churned": self.churned,
            "algorithm": self.model.algorithm.value,
            "algorithm_selection": self.selection.to_dict() if self.selection else None,
            "features": self.model.spec_.to_dict()["features"],
            "calibration": self.model.calibrator_.kind,
            "coercion": self.coercion.to_dict(),
            "coercion_notes": self.coercion.lines(),
            "holdout": self.holdout.to_dict(),
        }


def select_algorithm(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    prototype: ChurnModel | None = None,
    spec: FeatureSpec | None = None,
    folds: int = 5,
    tolerance: float = DEFAULT_TOLERANCE,
    random_state: int = 0,
) -> AlgorithmSelection:
    """Choose between logistic regression and LightGBM by cross-validation (module docstring).

    Parameters
    ----------
    X, y
        The training rows (features only) and their 0/1 labels.
    prototype
        Settings for both candidates (only ``algorithm`` differs); defaults otherwise.
    spec
        The feature spec (inferred from ``X`` otherwise), fixed across folds.
    folds, tolerance, random_state
        Stratified folds, the tie tolerance and the seed of the folds.
    """
    if folds < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, got {folds}")
    y = np.asarray(y)
    smaller = int(min(y.sum(), len(y) - y.sum()))
    if smaller < folds:
        raise ModelError(
            f"cross-validation over {folds} folds needs at least {folds} churned and {folds} "
            f"retained rows; got {int(y.sum())} churned and {len(y) - int(y.sum())} retained"
        )
    proto = prototype or ChurnModel(random_state=random_state)
    if spec is None:
        spec, _ = infer_spec(X)
    split = list(StratifiedKFold(folds, shuffle=True, random_state=random_state).split(X, y))
    figures = []
    for algo in (Algorithm.LOGISTIC, Algorithm.LIGHTGBM):
        rocs, prs = [], []
        for fit_idx, test_idx in split:
            # Ranking metrics only: calibration would not change them.
            m = proto.with_params(algorithm=algo, calibration="none")
            m.fit(X.iloc[fit_idx], y[fit_idx], spec=spec)
            p = m.churn_probability(X.iloc[test_idx])
            rocs.append(float(roc_auc_score(y[test_idx], p)))
            prs.append(float(average_precision_score(y[test_idx], p)))
        figures.append(
            CandidateFigures(
                algo.value, float(np.mean(rocs)), float(np.mean(prs)), tuple(rocs), tuple(prs)
            )
        )
    lr, gbm = figures
    d_roc, d_pr = gbm.roc_auc - lr.roc_auc, gbm.pr_auc - lr.pr_auc
    trees_win = (d_roc >= tolerance or d_pr >= tolerance) and d_roc > -tolerance
    trees_win = trees_win and d_pr > -tolerance
    chosen = Algorithm.LIGHTGBM if trees_win else Algorithm.LOGISTIC
    return AlgorithmSelection(chosen.value, tuple(figures), folds, tolerance, len(y))


@dataclass(frozen=True)
class ScoreResult:
    """Scores (id column + ``churn_probability``) and what was coerced to compute them."""

    scores: pd.DataFrame
    coercion: CoercionReport


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file, keeping CSV cells as text (blank cells as ``""``).

    Keeping text lets the coercion report count exactly what was blank or unparseable.
    """
    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"file {p} does not exist")
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(p, dtype=str).fillna("")
    sep = "\t" if suffix in (".tsv", ".tab") else ","
    return pd.read_csv(p, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8-sig")


def _ids(df: pd.DataFrame, id_column: str) -> pd.Series:
    if id_column not in df.columns:
        raise DataValidationError(
            f"table has no id column {id_column!r}; columns are: "
            + ", ".join(repr(c) for c in df.columns)
        )
    ids = df[id_column].astype("string").str.strip()
    blank = ids.isna() | (ids == "")
    if blank.any():
        raise DataValidationError(f"column {id_column} has {int(blank.sum())} blank values")
    dup = ids[ids.duplicated(keep=False)].unique()
    if len(dup):
        shown = ", ".join(str(v) for v in dup[:5])
        raise DataValidationError(f"column {id_column} has {len(dup)} duplicate values: {shown}")
    return ids


def _labels(df: pd.DataFrame, label_column: str) -> tuple[np.ndarray, np.ndarray]:
    if label_column not in df.columns:
        raise DataValidationError(
            f"table has no label column {label_column!r}; columns are: "
            + ", ".join(repr(c) for c in df.columns)
        )
    return coerce_labels(df[label_column], label_column)


def train_table(
    df: pd.DataFrame,
    *,
    id_column: str,
    label_column: str,
    model: ChurnModel | None = None,
    holdout_fraction: float = 0.25,
    random_state: int = 0,
    algorithm: Algorithm | Literal["auto"] | str = "auto",
    cv_folds: int = 5,
    tolerance: float = DEFAULT_TOLERANCE,
) -> TrainResult:
    """Train a churn model on a labelled customer table.

    Parameters
    ----------
    df
        One row per customer.
    id_column, label_column
        The customer id and the churn label (other columns are candidate features).
    model
        An unfitted :class:`ChurnModel` with the settings to use (defaults otherwise).
    holdout_fraction
        Share of labelled rows held out for the reported evaluation.
    algorithm
        ``"auto"`` (choose by cross-validation, see module docstring), ``"logistic"`` or
        ``"lightgbm"``.
    cv_folds, tolerance
        Folds and tie tolerance of the choice.
    """
    df, _ = clean_column_names(df)
    _ids(df, id_column)
    y, present = _labels(df, label_column)
    labelled = df.loc[present].reset_index(drop=True)
    y = y[present]
    churned = int(y.sum())
    need = max(4, 2 * cv_folds if algorithm == "auto" else 4)
    if min(churned, len(y) - churned) < need:
        raise ModelError(
            f"column {label_column} has {churned} churned and {len(y) - churned} retained "
            f"customers; need at least {need} of each to train and evaluate"
        )
    X = labelled.drop(columns=[id_column, label_column])
    proto = model or ChurnModel(random_state=random_state)
    fit_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=holdout_fraction, stratify=y, random_state=random_state
    )
    selection = None
    if algorithm == "auto":
        X_fit = X.iloc[fit_idx].reset_index(drop=True)
        selection = select_algorithm(
            X_fit,
            y[fit_idx],
            prototype=proto,
            folds=cv_folds,
            tolerance=tolerance,
            random_state=random_state,
        )
        proto = proto.with_params(algorithm=selection.chosen)
    else:
        proto = proto.with_params(algorithm=algorithm)
    trial = proto.with_params().fit(X.iloc[fit_idx], y[fit_idx])
    p_test = trial.churn_probability(X.iloc[test_idx])
    holdout = evaluate_scores(y[test_idx], {"model": p_test})
    final = proto.with_params().fit(X, y)
    final.metadata_ = {
        "kind": MODEL_KIND,
        "id_column": id_column,
        "label_column": label_column,
        "algorithm_selection": selection.to_dict() if selection else None,
        "holdout": holdout.to_dict()["metrics"],
    }
    # Report coercions over the whole table (training used the labelled rows).
    X_all = df.drop(columns=[id_column, label_column])
    _, coercion = final.prepare(X_all)
    coercion = CoercionReport(
        coercion.rows,
        coercion.columns
        + tuple(c for c in final.coercion_report_.columns if c.action == "dropped"),
        tuple(c for c in coercion.ignored_columns if c not in final.dropped_),
        coercion.renamed_columns,
    )
    return TrainResult(final, len(df), len(y), churned, coercion, holdout, selection)


def _check_kind(model: ChurnModel) -> str:
    kind = model.metadata_.get("kind")
    if kind != MODEL_KIND:
        raise ModelError(
            f"this model was trained on {kind or 'unknown'} features, not on a customer table; "
            "score it with the matching command"
        )
    return str(model.metadata_["id_column"])


def score_table(model: ChurnModel, df: pd.DataFrame, *, reasons_for: int = 0) -> ScoreResult:
    """Score a table with a model from :func:`train_table`.

    Returns the id column and ``churn_probability``, highest risk first. With
    ``reasons_for = k``, the ``k`` riskiest rows also get ``reasons_en`` and ``reasons_zh``
    (up to three reasons joined by "; ", see :func:`loyalloop.churn.reasons.explain`).
    """
    id_column = _check_kind(model)
    df, _ = clean_column_names(df)
    ids = _ids(df, id_column)
    matrix, report = model.prepare(df)
    p = model.churn_probability(matrix)
    scores = pd.DataFrame({id_column: ids.to_numpy(dtype=object), "churn_probability": p})
    scores = scores.sort_values("churn_probability", ascending=False, kind="stable")
    scores = scores.reset_index(drop=True)
    if reasons_for > 0:
        top = scores[id_column].head(reasons_for)
        rows = df.assign(**{id_column: ids}).loc[ids.isin(top).to_numpy()]
        why = explain(model, rows, id_column=id_column, top_k=3)
        joined = why.groupby(id_column, sort=False).agg(
            reasons_en=("reason_en", "; ".join), reasons_zh=("reason_zh", "; ".join)
        )
        scores = scores.merge(joined, left_on=id_column, right_index=True, how="left")
        scores[["reasons_en", "reasons_zh"]] = scores[["reasons_en", "reasons_zh"]].fillna("")
    return ScoreResult(scores, report)


def evaluate_table(
    model: ChurnModel,
    df: pd.DataFrame,
    *,
    label_column: str,
    baseline_columns: tuple[str, ...] = (),
) -> EvaluationReport:
    """Evaluate a model on a labelled table, next to any baseline score columns in it.

    Rows without a label are left out. Baseline columns must be numeric, higher = riskier.
    """
    _check_kind(model)
    df, _ = clean_column_names(df)
    y, present = _labels(df, label_column)
    rows = df.loc[present].reset_index(drop=True)
    scores: dict[str, Any] = {"model": model.churn_probability(rows)}
    for col in baseline_columns:
        if col not in rows.columns:
            raise DataValidationError(f"table has no baseline column {col!r}")
        v = pd.to_numeric(rows[col], errors="coerce")
        if v.isna().any():
            raise DataValidationError(
                f"baseline column {col} has {int(v.isna().sum())} missing or non-numeric values"
            )
        scores[col] = v.to_numpy(dtype="float64")
    return evaluate_scores(y[present], scores)
