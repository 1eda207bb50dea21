"""Key drivers: which aspects move NPS / CSAT most, as an importance-vs-performance matrix.

Method
------
One row per comment that has a score. For each aspect the predictor is the sentiment score
(in [-1, 1]) of its mentions in that comment (mean over mentions), 0 when not mentioned. The
score is regressed on all aspects at once by ordinary least squares (coefficient, standard
error, p-value), and the model R² is split among the aspects by **Johnson's relative weights**
(Johnson 2000, *Multivariate Behavioral Research* 35(1)), which stay meaningful when aspects are
correlated. ``importance`` is each aspect's share of R² (sums to 1).

``performance`` is the aspect's net sentiment among its mentions ((positive - negative) /
mentions). Quadrants of the priority matrix, with importance "high" when above the average share
``1 / k`` and performance "low" when below the median performance of the aspects:

* ``fix first`` — high importance, low performance;
* ``keep up`` — high importance, high performance;
* ``monitor`` — low importance, low performance;
* ``lower priority`` — low importance, high performance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyalloop.errors import DataValidationError

__all__ = ["DriverAnalysis", "key_drivers", "relative_weights"]


@dataclass(frozen=True)
class DriverAnalysis:
    """Result of :func:`key_drivers`.

    ``table`` has one row per aspect: ``aspect, mentions, coefficient, std_error, p_value,
    importance, performance, quadrant``, ordered by importance.
    """

    table: pd.DataFrame
    r_squared: float
    n: int
    score_type: str | None


def relative_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's relative weights of the columns of ``x`` for ``y`` (they sum to R²)."""
    xs = (x - x.mean(0)) / x.std(0)
    ys = (y - y.mean()) / y.std()
    n = len(y)
    rxx = xs.T @ xs / n
    rxy = xs.T @ ys / n
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 1e-12, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    return np.asarray((lam**2) @ (beta**2))


def key_drivers(
    feedback: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    score_type: str | None = None,
    id_column: str = "feedback_id",
    min_mentions: int = 10,
) -> DriverAnalysis:
    """Key-driver analysis of a score on aspect sentiment (see the module docs).

    Parameters
    ----------
    feedback
        ``feedback`` rows with ``feedback_id``, ``score`` (and ``score_type``).
    mentions
        Aspect mentions of the same comments (``feedback_id, aspect, sentiment,
        sentiment_score``).
    score_type
        Keep only rows of this score type (e.g. ``"nps"``); by default all scored rows are used,
        which needs them all to be on one scale.
    min_mentions
        Aspects with fewer mentions among scored comments are left out of the regression.

    Raises
    ------
    DataValidationError
        Missing columns, or too few scored comments for the number of aspects.
    """
    for col in (id_column, "score"):
        if col not in feedback.columns:
            raise DataValidationError(f"feedback has no column {col!r}")
    fb = feedback
    if score_type is not None:
        if "score_type" not in fb.columns:
            raise DataValidationError("feedback has no column 'score_type'")
        fb = fb[fb["score_type"] == score_type]
    fb = fb[pd.to_numeric(fb["score"], errors="coerce").notna()]
    ids = fb[id_column].astype(str)
    y = pd.to_numeric(fb["score"]).to_numpy(dtype=float)
    m = mentions[mentions["feedback_id"].astype(str).isin(set(ids))]
    m = m.assign(feedback_id=m["feedback_id"].astype(str))
    counts = m.groupby("aspect").size()
    aspects = sorted(counts[counts >= min_mentions].index)
    if not aspects:
        raise DataValidationError(f"no aspect has {min_mentions} mentions among scored comments")
    if len(y) < len(aspects) + 10:
        raise DataValidationError(
            f"{len(y)} scored comments are too few for {len(aspects)} aspects"
        )
    wide = m[m["aspect"].isin(aspects)].pivot_table(
        index="feedback_id", columns="aspect", values="sentiment_score", aggfunc="mean"
    )
    x = wide.reindex(index=ids, columns=aspects).fillna(0.0).to_numpy(dtype=float)
    keep = x.std(0) > 0
    aspects = [a for a, k in zip(aspects, keep, strict=True) if k]
    x = x[:, keep]
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(y) - design.shape[1]
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    se = np.sqrt(np.diag(cov))[1:]
    tval = coef[1:] / se
    pval = 2 * stats.t.sf(np.abs(tval), dof)
    r2 = 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    rw = relative_weights(x, y)
    importance = rw / rw.sum() if rw.sum() > 0 else np.zeros_like(rw)
    mm = m[m["aspect"].isin(aspects)]
    sent = pd.crosstab(mm["aspect"], mm["sentiment"]).reindex(aspects, fill_value=0)
    pos = sent.get("positive", 0)
    neg = sent.get("negative", 0)
    n_m = sent.sum(axis=1)
    performance = ((pos - neg) / n_m).to_numpy(dtype=float)
    high_imp = importance > 1.0 / len(aspects)
    low_perf = performance < np.median(performance)
    quadrant = np.where(
        high_imp,
        np.where(low_perf, "fix first", "keep up"),
        np.where(low_perf, "monitor", "lower priority"),
    )
    table = pd.DataFrame(
        {
            "aspect": aspects,
            "mentions": n_m.to_numpy(dtype=int),
            "coefficient": coef[1:],
            "std_error": se,
            "p_value": pval,
            "importance": importance,
            "performance": performance,
            "quadrant": quadrant,
        }
    ).sort_values("importance", ascending=False, ignore_index=True)
    return DriverAnalysis(table, r2, len(y), score_type)
