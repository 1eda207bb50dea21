"""Evaluate churn scores: ranking, calibration, lift and capture — for any set of score columns.

Every scorer is just a column of numbers where higher means "more likely to churn": the
model's probability, ``1 − P(alive)`` from BG/NBD, days since the last purchase. All are
evaluated the same way on the same labels, so baselines plug in without special cases.

Metrics
    ``roc_auc`` (rank quality), ``pr_auc`` (average precision; compare with ``base_rate``),
    ``brier`` (mean squared error of probabilities; only for scores that are probabilities,
    i.e. all in [0, 1]), ``top_decile_lift``.
Deciles
    Rows sorted by score, highest first, cut into ``n_bins`` equal groups (ties broken by row
    order after a seeded shuffle, so a coarse score does not get credit from the input order).
    ``lift`` = churn rate in the decile / overall rate; ``capture`` = cumulative share of all
    churners found down to that decile.
Calibration
    Probability scores cut into ``n_bins`` equal-count bins: mean predicted vs observed rate.

A scorer that cannot be evaluated (a constant column, labels of one class) gets its ``error``
filled in; the other scorers are still reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from loyalloop.errors import DataValidationError

__all__ = ["EvaluationReport", "ScoreMetrics", "evaluate_scores"]


@dataclass(frozen=True)
class ScoreMetrics:
    """Headline metrics of one scorer (``nan`` where not defined; see ``error``)."""

    name: str
    n: int
    base_rate: float
    roc_auc: float
    pr_auc: float
    brier: float
    top_decile_lift: float
    is_probability: bool
    error: str | None = None


@dataclass(frozen=True)
class EvaluationReport:
    """Metrics, decile table and calibration table for several scorers on the same labels."""

    metrics: tuple[ScoreMetrics, ...]
    deciles: pd.DataFrame
    calibration: pd.DataFrame

    def metrics_frame(self) -> pd.DataFrame:
        """One row per scorer."""
        return pd.DataFrame([m.__dict__ for m in self.metrics]).rename(columns={"name": "scorer"})

    def get(self, name: str) -> ScoreMetrics:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``nan`` becomes ``None``)."""

        def clean(records: list[dict[Any, Any]]) -> list[dict[str, Any]]:
            return [
                {
                    str(k): (None if isinstance(v, float) and np.isnan(v) else _py(v))
                    for k, v in r.items()
                }
                for r in records
            ]

        return {
            "metrics": clean(self.metrics_frame().to_dict(orient="records")),
            "deciles": clean(self.deciles.to_dict(orient="records")),
            "calibration": clean(self.calibration.to_dict(orient="records")),
        }

    def lines(self) -> list[str]:
        """A plain-text summary table."""
        out = [f"{'scorer':<24}{'ROC AUC':>9}{'PR AUC':>9}{'Brier':>9}{'lift@10%':>10}"]
        for m in self.metrics:
            if m.error:
                out.append(f"{m.name:<24} not evaluated: {m.error}")
                continue
            out.append(
                f"{m.name:<24}{m.roc_auc:>9.3f}{m.pr_auc:>9.3f}"
                f"{(f'{m.brier:.3f}' if m.is_probability else '—'):>9}{m.top_decile_lift:>10.2f}"
            )
        if self.metrics:
            out.append(f"n = {self.metrics[0].n}, churn rate = {self.metrics[0].base_rate:.3f}")
        return out


def _py(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def evaluate_scores(
    y_true: Any,
    scores: Mapping[str, Any],
    *,
    n_bins: int = 10,
    random_state: int = 0,
) -> EvaluationReport:
    """Evaluate each score column against 0/1 churn labels.

    Parameters
    ----------
    y_true
        0/1 (or boolean) labels.
    scores
        Name → scores, higher = more likely to churn. Missing scores are not allowed.
    n_bins
        Number of decile / calibration bins.

    Examples
    --------
    >>> r = evaluate_scores([0, 0, 1, 1], {"perfect": [0.1, 0.2, 0.8, 0.9]}, n_bins=2)
    >>> r.get("perfect").roc_auc
    1.0
    """
    y = np.asarray(y_true, dtype="float64")
    if np.isnan(y).any() or not np.isin(y, [0.0, 1.0]).all():
        raise DataValidationError("labels must be 0/1 with no missing values")
    n = len(y)
    base = float(y.mean()) if n else float("nan")
    rng = np.random.default_rng(random_state)
    tiebreak = rng.permutation(n)
    metrics: list[ScoreMetrics] = []
    deciles: list[pd.DataFrame] = []
    calib: list[pd.DataFrame] = []
    for name, raw in scores.items():
        s = np.asarray(raw, dtype="float64")
        if s.shape != y.shape:
            raise DataValidationError(f"scorer {name!r} has {len(s)} scores for {n} labels")
        if np.isnan(s).any():
            raise DataValidationError(
                f"scorer {name!r} has {int(np.isnan(s).sum())} missing scores; fill or drop them"
            )
        is_prob = bool(n and s.min() >= 0 and s.max() <= 1)
        error = None
        if n == 0 or y.min() == y.max():
            error = "labels contain only one class"
        elif s.min() == s.max():
            error = "scores are constant"
        if error:
            nan = float("nan")
            metrics.append(ScoreMetrics(name, n, base, nan, nan, nan, nan, is_prob, error))
            continue
        dec = _deciles(y, s, tiebreak, n_bins)
        dec.insert(0, "scorer", name)
        deciles.append(dec)
        if is_prob:
            cal = _calibration(y, s, n_bins)
            cal.insert(0, "scorer", name)
            calib.append(cal)
        metrics.append(
            ScoreMetrics(
                name=name,
                n=n,
                base_rate=base,
                roc_auc=float(roc_auc_score(y, s)),
                pr_auc=float(average_precision_score(y, s)),
                brier=float(np.mean((s - y) ** 2)) if is_prob else float("nan"),
                top_decile_lift=float(dec["lift"].iloc[0]),
                is_probability=is_prob,
            )
        )
    dec_cols = ["scorer", "decile", "n", "churners", "churn_rate", "lift", "capture"]
    cal_cols = ["scorer", "bin", "n", "mean_predicted", "observed_rate"]
    return EvaluationReport(
        tuple(metrics),
        pd.concat(deciles, ignore_index=True) if deciles else pd.DataFrame(columns=dec_cols),
        pd.concat(calib, ignore_index=True) if calib else pd.DataFrame(columns=cal_cols),
    )


def _deciles(y: np.ndarray, s: np.ndarray, tiebreak: np.ndarray, n_bins: int) -> pd.DataFrame:
    order = np.lexsort((tiebreak, -s))  # highest score first, ties in shuffled order
    bins = np.minimum((np.arange(len(y)) * n_bins) // len(y), n_bins - 1) + 1
    frame = pd.DataFrame({"decile": bins, "y": y[order]})
    g = frame.groupby("decile", sort=True)["y"].agg(["size", "sum"]).reset_index()
    g.columns = pd.Index(["decile", "n", "churners"])
    total = y.sum()
    g["churn_rate"] = g["churners"] / g["n"]
    g["lift"] = g["churn_rate"] / y.mean()
    g["capture"] = g["churners"].cumsum() / total
    g["churners"] = g["churners"].astype("int64")
    return g


def _calibration(y: np.ndarray, s: np.ndarray, n_bins: int) -> pd.DataFrame:
    order = np.argsort(s, kind="stable")
    bins = np.minimum((np.arange(len(y)) * n_bins) // len(y), n_bins - 1) + 1
    frame = pd.DataFrame({"bin": bins, "p": s[order], "y": y[order]})
    g = frame.groupby("bin", sort=True).agg(
        n=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    return g.reset_index()
