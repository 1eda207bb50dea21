"""Bring your own table: train, score and evaluate churn from any labelled customer table.

For contractual churn (card accounts, subscriptions) and teams with their own attributes: one
row per customer, an id column, a label column (booleans, 0/1 or yes/no/true/false text) and
any numeric or categorical columns. Messy cells are coerced as
:mod:`loyalloop.churn.table` describes, and every coercion is reported.

Training holds out ``holdout_fraction`` of the rows (stratified, seeded), fits on the rest,
reports the evaluation on the holdout, then refits the same settings on all labelled rows;
the saved model is the refit one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from loyalloop.churn.evaluation import EvaluationReport, evaluate_scores
from loyalloop.churn.model import ChurnModel
from loyalloop.churn.reasons import explain
from loyalloop.churn.table import CoercionReport, clean_column_names, coerce_labels
from loyalloop.errors import DataValidationError, ModelError

__all__ = [
    "ScoreResult",
    "TrainResult",
    "evaluate_table",
    "read_table",
    "score_table",
    "train_table",
]

MODEL_KIND = "table"


@dataclass(frozen=True)
class TrainResult:
    """A trained model and what training found."""

    model: ChurnModel
    rows: int
    labelled: int
    churned: int
    coercion: CoercionReport
    holdout: EvaluationReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labelled": self.labelled,
            "churned": self.churned,
            "features": self.model.spec_.to_dict()["features"],
            "calibration": self.model.calibrator_.kind,
            "coercion": self.coercion.to_dict(),
            "coercion_notes": self.coercion.lines(),
            "holdout": self.holdout.to_dict(),
        }


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
    """
    df, _ = clean_column_names(df)
    _ids(df, id_column)
    y, present = _labels(df, label_column)
    labelled = df.loc[present].reset_index(drop=True)
    y = y[present]
    churned = int(y.sum())
    if min(churned, len(y) - churned) < 4:
        raise ModelError(
            f"column {label_column} has {churned} churned and {len(y) - churned} retained "
            "customers; need at least 4 of each to train and evaluate"
        )
    X = labelled.drop(columns=[id_column, label_column])
    proto = model or ChurnModel(random_state=random_state)
    fit_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=holdout_fraction, stratify=y, random_state=random_state
    )
    trial = ChurnModel(**proto.get_params()).fit(X.iloc[fit_idx], y[fit_idx])
    p_test = trial.churn_probability(X.iloc[test_idx])
    holdout = evaluate_scores(y[test_idx], {"model": p_test})
    final = ChurnModel(**proto.get_params()).fit(X, y)
    final.metadata_ = {
        "kind": MODEL_KIND,
        "id_column": id_column,
        "label_column": label_column,
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
    return TrainResult(final, len(df), len(y), churned, coercion, holdout)


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
