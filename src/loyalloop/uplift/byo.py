"""Bring your own table: train and score an uplift model on any campaign table.

One row per customer of a past campaign with a random control group: a treatment column
(0/1, yes/no, true/false, 是/否), an outcome column (0/1 for a response or retention, or a
number such as revenue), optionally an id column, and any other columns as features, coerced
and reported as for churn (:mod:`loyalloop.churn.table`).

Rows that cannot be used are never dropped silently:

* a blank treatment or outcome cell: the row is left out of training and counted;
* a treatment that is not 0/1 (``2``, ``maybe``) or an outcome that is not a number or is
  infinite: the table is refused with the count, examples and row numbers — a broken export
  should be fixed, not guessed at.

Training holds out ``holdout_fraction`` of the rows (stratified by treatment and outcome),
chooses and fits the learner on the rest, and evaluates it on the held-out rows against
random targeting and the two outcome-only baselines (Qini and uplift-curve areas with bootstrap
intervals). The saved model is then fitted on all usable rows with the learner chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from loyalloop.churn.table import CoercionReport, clean_column_names
from loyalloop.data.parse import parse_bool, parse_float
from loyalloop.data.readers import detect_encoding
from loyalloop.errors import DataValidationError, ModelError
from loyalloop.uplift.evaluation import UpliftEvaluation, evaluate_uplift
from loyalloop.uplift.model import BASELINES, UpliftModel

__all__ = [
    "ROW_ID",
    "ScoreResult",
    "TrainResult",
    "coerce_outcome",
    "coerce_treatment",
    "read_table",
    "score_table",
    "train_table",
]

MODEL_KIND = "table"
#: The id column written when the table has none: the data row number (1 = first data row).
ROW_ID = "row"
_EXAMPLES = 5


@dataclass(frozen=True)
class TrainResult:
    """A trained model, what was left out, and its held-out evaluation."""

    model: UpliftModel
    rows: int
    used: int
    treated: int
    excluded: dict[str, int]
    coercion: CoercionReport
    holdout: UpliftEvaluation
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "used": self.used,
            "treated": self.treated,
            "excluded": self.excluded,
            "learner": self.model.learner_name_,
            "binary_outcome": self.model.binary_outcome_,
            "cv_qini_area": self.model.cv_scores_,
            "features": self.model.spec_.to_dict()["features"],
            "coercion": self.coercion.to_dict(),
            "coercion_notes": self.coercion.lines(),
            "holdout": self.holdout.to_dict(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ScoreResult:
    """Scores (the id column and ``uplift``, highest first) and what was coerced."""

    scores: pd.DataFrame
    coercion: CoercionReport


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (any encoding the project detects: UTF-8, GBK …), Parquet or Excel file,
    keeping CSV cells as text so every coercion can be counted."""
    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"file {p} does not exist")
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(p, dtype=str).fillna("")
    sep = "\t" if suffix in (".tsv", ".tab") else ","
    try:
        return pd.read_csv(
            p, dtype=str, keep_default_na=False, sep=sep, encoding=detect_encoding(p)
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"file {p} cannot be read as a table: {exc}") from None


def _column(df: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in df.columns:
        raise DataValidationError(
            f"table has no {role} column {name!r}; columns are: "
            + ", ".join(repr(c) for c in df.columns)
        )
    return df[name]


def _where(mask: np.ndarray, s: pd.Series) -> str:
    rows = np.flatnonzero(mask)[:_EXAMPLES] + 1
    shown: list[str] = []
    for v in s[mask]:
        if repr(str(v)) not in shown:
            shown.append(repr(str(v)))
        if len(shown) == _EXAMPLES:
            break
    return f"{', '.join(shown)} (data rows {', '.join(str(r) for r in rows)})"


def _blank(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return s.isna().to_numpy()
    t = s.astype("string").str.strip()
    return (t.isna() | (t == "") | (t.str.lower() == "nan")).fillna(True).to_numpy(dtype=bool)


def coerce_treatment(s: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Treatment as 0/1 and a mask of rows that have one; refuses anything not binary."""
    blank = _blank(s)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).astype(bool).to_numpy().astype("float64"), ~blank
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
        bad = ~blank & ~np.isin(v, (0.0, 1.0))
    else:
        parsed, _ = parse_bool(s.astype(object).where(~pd.Series(blank, index=s.index), None))
        v = parsed.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        bad = ~blank & np.isnan(v)
    if bad.any():
        raise DataValidationError(
            f"column {column} has {int(bad.sum())} values that are not a treatment flag "
            f"(use 1/0, yes/no or true/false): {_where(bad, s)}"
        )
    return np.nan_to_num(v), ~blank


def coerce_outcome(s: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Outcome as numbers (yes/no as 1/0) and a mask of rows that have one; refuses text that
    is not a number and infinite values."""
    blank = _blank(s)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).astype(bool).to_numpy().astype("float64"), ~blank
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
        bad = ~blank & ~np.isfinite(v)
    else:
        text = s.astype(object).where(~pd.Series(blank, index=s.index), None)
        num, _ = parse_float(text)
        v = num.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        bad = ~blank & ~np.isfinite(v)
        if bad.any() and bad.sum() == (~blank).sum():  # every value text: try yes/no
            flags, flag_bad = parse_bool(text)
            if not flag_bad.any():
                v = flags.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
                bad = ~blank & np.isnan(v)
    if bad.any():
        raise DataValidationError(
            f"column {column} has {int(bad.sum())} values that are not finite numbers: "
            f"{_where(bad, s)}"
        )
    return np.nan_to_num(v), ~blank


def _ids(df: pd.DataFrame, id_column: str | None) -> pd.Series:
    if id_column is None:
        return pd.Series(np.arange(1, len(df) + 1), index=df.index, name=ROW_ID)
    ids = _column(df, id_column, "id").astype("string").str.strip()
    blank = ids.isna() | (ids == "")
    if blank.any():
        raise DataValidationError(f"column {id_column} has {int(blank.sum())} blank values")
    dup = ids[ids.duplicated(keep=False)].unique()
    if len(dup):
        shown = ", ".join(str(v) for v in dup[:_EXAMPLES])
        raise DataValidationError(f"column {id_column} has {len(dup)} duplicate values: {shown}")
    return ids


def train_table(
    df: pd.DataFrame,
    *,
    treatment_column: str,
    outcome_column: str,
    id_column: str | None = None,
    model: UpliftModel | None = None,
    holdout_fraction: float = 0.25,
    resamples: int = 200,
    random_state: int = 0,
) -> TrainResult:
    """Train an uplift model on a campaign table (see the module docstring).

    Parameters
    ----------
    df
        One row per customer.
    treatment_column, outcome_column, id_column
        Column names; every other column is a candidate feature.
    model
        An unfitted :class:`UpliftModel` with the settings to use (defaults otherwise).
    holdout_fraction
        Share of usable rows held out for the reported evaluation.
    resamples
        Bootstrap resamples of the evaluation's intervals.
    """
    df, _ = clean_column_names(df)
    if len({treatment_column, outcome_column, id_column} - {None}) < 2 + (id_column is not None):
        raise DataValidationError("the treatment, outcome and id columns must be different")
    _ids(df, id_column)
    t, has_t = coerce_treatment(_column(df, treatment_column, "treatment"), treatment_column)
    y, has_y = coerce_outcome(_column(df, outcome_column, "outcome"), outcome_column)
    excluded = {
        "missing_treatment": int((~has_t).sum()),
        "missing_outcome": int((has_t & ~has_y).sum()),
    }
    keep = has_t & has_y
    notes: list[str] = []
    if excluded["missing_treatment"]:
        notes.append(
            f"{excluded['missing_treatment']} rows have no {treatment_column} value and were "
            "left out"
        )
    if excluded["missing_outcome"]:
        notes.append(
            f"{excluded['missing_outcome']} rows have no {outcome_column} value and were left out"
        )
    drop = [c for c in (treatment_column, outcome_column, id_column) if c]
    X = df.loc[keep].drop(columns=drop).reset_index(drop=True)
    t, y = t[keep], y[keep]
    if len(y) == 0:
        raise DataValidationError("no row has both a treatment and an outcome")
    proto = model or UpliftModel(random_state=random_state)
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    strata = t * 2 + (y if binary else 0)
    if np.unique(strata, return_counts=True)[1].min() < 2:
        raise ModelError(
            "too few rows in some treatment/outcome group to hold out an evaluation sample "
            f"(treated {int(t.sum())}, control {int(len(t) - t.sum())})"
        )
    fit_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=holdout_fraction, stratify=strata, random_state=random_state
    )
    trial = UpliftModel(**proto.get_params()).fit(X.iloc[fit_idx], t[fit_idx], y[fit_idx])
    Xt = X.iloc[test_idx]
    mu0 = trial.control_outcome(Xt)
    scores = {"model": trial.predict(Xt)}
    scores.update({name: sign * mu0 for name, sign in BASELINES.items()})
    holdout = evaluate_uplift(
        y[test_idx], t[test_idx], scores, resamples=resamples, random_state=random_state
    )
    final = UpliftModel(**proto.get_params()).fit(X, t, y, learner=trial.learner_name_)
    final.cv_scores_ = trial.cv_scores_
    final.notes_ = list(trial.notes_)
    best_base = max(BASELINES, key=lambda k: holdout.scorer(k).qini.value)
    model_q, base_q = holdout.scorer("model").qini, holdout.scorer(best_base).qini
    if model_q.value <= base_q.value:
        final.notes_.append(
            f"on held-out rows the model did not beat targeting by {best_base.replace('_', ' ')} "
            f"(Qini area {model_q.value:+.4g} vs {base_q.value:+.4g})"
        )
    if model_q.low <= 0:
        final.notes_.append(
            "the held-out Qini interval includes 0: the ranking is not clearly better than random"
        )
    final.metadata_ = {
        "kind": MODEL_KIND,
        "id_column": id_column,
        "treatment_column": treatment_column,
        "outcome_column": outcome_column,
        "holdout_qini_area": model_q.value,
    }
    _, coercion = final.prepare(df.drop(columns=drop))
    coercion = CoercionReport(
        coercion.rows,
        coercion.columns
        + tuple(c for c in final.coercion_report_.columns if c.action == "dropped"),
        tuple(c for c in coercion.ignored_columns if c not in final.dropped_),
        coercion.renamed_columns,
    )
    return TrainResult(
        final,
        rows=len(df),
        used=len(y),
        treated=int(t.sum()),
        excluded=excluded,
        coercion=coercion,
        holdout=holdout,
        notes=tuple(notes + final.notes_),
    )


def score_table(model: UpliftModel, df: pd.DataFrame) -> ScoreResult:
    """The id column (or ``row``) and ``uplift`` for every row, highest uplift first.

    ``uplift`` is the expected change of the outcome if the customer is treated.
    """
    kind = model.metadata_.get("kind")
    if kind != MODEL_KIND:
        raise ModelError(
            f"this uplift model was trained on {kind or 'unknown'} data, not on a table; "
            "score it with the matching command"
        )
    df, _ = clean_column_names(df)
    id_column = model.metadata_.get("id_column")
    ids = _ids(df, id_column)
    matrix, report = model.prepare(df)
    scores = pd.DataFrame(
        {id_column or ROW_ID: ids.to_numpy(dtype=object), "uplift": model.predict(matrix)}
    )
    scores = scores.sort_values("uplift", ascending=False, kind="stable").reset_index(drop=True)
    return ScoreResult(scores, report)
