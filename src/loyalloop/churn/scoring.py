"""Fit and score the churn model on warehouse features (:mod:`loyalloop.churn.features`).

Data leaves the warehouse here, at the model boundary: training reads a bounded sample
(``max_rows``, seeded), scoring streams the feature expression in Arrow batches so memory
stays bounded however many customers there are.
"""

from __future__ import annotations

import logging
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from loyalloop.churn.features import CONTEXT_COLUMNS
from loyalloop.churn.model import ChurnModel
from loyalloop.churn.reasons import explain
from loyalloop.churn.table import infer_spec
from loyalloop.core.batches import iter_batches as iter_feature_batches
from loyalloop.errors import DataValidationError, ModelError

__all__ = [
    "MODEL_KIND",
    "WAREHOUSE_MONOTONE",
    "at_risk_list",
    "fit_churn_model",
    "iter_feature_batches",
    "score_customers",
]

log = logging.getLogger(__name__)

MODEL_KIND = "warehouse"
ID = "customer_id"
#: Warehouse features whose effect on the risk may only be increasing (days since the last
#: purchase, and how overdue that is against the customer's own gap).
WAREHOUSE_MONOTONE: tuple[str, ...] = ("recency_days", "recency_ratio")


def _frame(x: ir.Table | pd.DataFrame) -> pd.DataFrame:
    return x if isinstance(x, pd.DataFrame) else x.to_pandas()


def fit_churn_model(
    features: ir.Table | pd.DataFrame,
    labels: ir.Table | pd.DataFrame,
    *,
    horizon_days: int,
    model: ChurnModel | None = None,
    max_rows: int | None = 500_000,
    random_state: int = 0,
    metadata: dict[str, Any] | None = None,
) -> ChurnModel:
    """Fit a churn model on features joined to labels (``customer_id, churned``).

    Parameters
    ----------
    features, labels
        Output of :func:`~loyalloop.churn.features.build_features` and
        :func:`~loyalloop.churn.features.build_labels` (expressions or frames); several
        cutoffs may be stacked.
    horizon_days
        Stored with the model so scores can be read as "churn within N days".
    model
        An unfitted model with the settings to use; by default LightGBM with
        :data:`WAREHOUSE_MONOTONE` constraints.
    max_rows
        Train on a seeded random sample of at most this many rows (``None``: all).
    """
    f, y = _frame(features), _frame(labels)
    if ID not in f.columns or ID not in y.columns or "churned" not in y.columns:
        raise DataValidationError("features need customer_id; labels need customer_id, churned")
    keys = [c for c in ("cutoff", ID) if c in f.columns and c in y.columns]
    data = f.merge(y[[*keys, "churned"]], on=keys, how="inner", validate="one_to_one")
    # Engines return rows in no fixed order; the same data must give the same model.
    data = data.sort_values(keys, kind="stable").reset_index(drop=True)
    if max_rows is not None and len(data) > max_rows:
        data = data.sample(n=max_rows, random_state=random_state)
        log.info("training on a sample of %d of %d rows", max_rows, len(f))
    exclude = [ID, "churned", "cutoff", *CONTEXT_COLUMNS]
    X = data.drop(columns=[c for c in exclude if c in data.columns])
    spec, dropped = infer_spec(X)
    m = model or ChurnModel(random_state=random_state, monotone_increasing=WAREHOUSE_MONOTONE)
    m.fit(X, data["churned"].to_numpy(), spec=spec)
    m.dropped_ = dropped
    m.metadata_ = {
        "kind": MODEL_KIND,
        "id_column": ID,
        "horizon_days": horizon_days,
        "n_sample": len(data),
        **(metadata or {}),
    }
    return m


def _check(model: ChurnModel) -> None:
    if model.metadata_.get("kind") != MODEL_KIND:
        raise ModelError(
            f"this model was trained on {model.metadata_.get('kind') or 'unknown'} data, not on "
            "warehouse churn features; retrain it with fit_churn_model"
        )


def score_customers(
    model: ChurnModel,
    features: ir.Table | pd.DataFrame,
    *,
    batch_size: int = 250_000,
) -> pd.DataFrame:
    """``customer_id, churn_probability`` for every row of ``features``.

    An expression is streamed in batches; a frame is scored at once. Fails if the features
    lack a column the model was trained on.
    """
    _check(model)
    batches = (
        [features]
        if isinstance(features, pd.DataFrame)
        else iter_feature_batches(features, batch_size)
    )
    parts: list[pd.DataFrame] = []
    for b in batches:
        if not len(b):
            continue
        matrix, _ = model.prepare(b.drop(columns=[c for c in CONTEXT_COLUMNS if c in b.columns]))
        parts.append(
            pd.DataFrame(
                {ID: b[ID].to_numpy(), "churn_probability": model.churn_probability(matrix)}
            )
        )
    if not parts:
        return pd.DataFrame({ID: pd.Series(dtype=object), "churn_probability": np.array([])})
    return pd.concat(parts, ignore_index=True)


def at_risk_list(
    model: ChurnModel,
    features: ir.Table | pd.DataFrame,
    *,
    top_n: int = 1000,
    min_probability: float = 0.0,
    top_k_reasons: int = 3,
) -> pd.DataFrame:
    """The ``top_n`` riskiest customers with their reasons, for a call list or a report.

    Scores everyone (streamed), keeps the ``top_n`` with ``churn_probability ≥
    min_probability``, reads only their feature rows back, and explains them.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, churn_probability, rank, reasons_en, reasons_zh`` (reasons joined by
        "; "), riskiest first.
    """
    scores = score_customers(model, features)
    top = scores[scores["churn_probability"] >= min_probability]
    top = top.sort_values("churn_probability", ascending=False, kind="stable").head(top_n)
    ids = top[ID].tolist()
    out = top.reset_index(drop=True)
    out.insert(2, "rank", range(1, len(out) + 1))
    if not ids:
        return out.assign(reasons_en="", reasons_zh="")
    if isinstance(features, pd.DataFrame):
        rows = features[features[ID].isin(ids)]
    else:
        rows = features.filter(features[ID].isin(ids)).to_pandas()
    if rows.empty:
        return out.assign(reasons_en="", reasons_zh="")
    why = explain(model, rows, id_column=ID, top_k=top_k_reasons)
    joined = why.groupby(ID, sort=False).agg(
        reasons_en=("reason_en", "; ".join), reasons_zh=("reason_zh", "; ".join)
    )
    out = out.merge(joined, left_on=ID, right_index=True, how="left")
    out[["reasons_en", "reasons_zh"]] = out[["reasons_en", "reasons_zh"]].fillna("")
    return out
