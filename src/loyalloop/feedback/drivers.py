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
mentions), read against a **fixed zero line**: performance is "low" when the net sentiment is
**at or below 0** (as many complaints as praise, or more). An earlier rule compared each aspect
with the median aspect, so on the demo an aspect with net sentiment -0.10 and 51 % negative
mentions was "keep up" because the others were worse — a label a manager reads as "this is fine".
With the zero line, "keep up" always means customers praise the aspect more than they complain;
the rule is tie-safe (exactly 0 counts as low) and whether an aspect near 0 could fall on either
side is stated by ``performance_low`` / ``performance_high`` and ``confidence`` (below).
Importance is "high" when above the average share ``1 / k``. Quadrants:

* ``fix first`` — high importance, low performance;
* ``keep up`` — high importance, high performance;
* ``monitor`` — low importance, low performance;
* ``lower priority`` — low importance, high performance.

Uncertainty
-----------
Comments are resampled with replacement ``n_boot`` times (seeded); each resample recomputes the
relative weights and the performances. ``importance_low`` / ``importance_high`` and
``performance_low`` / ``performance_high`` are the 5th and 95th percentiles (a 90 % interval),
and ``quadrant_share`` is the share of resamples that put the aspect in the same quadrant.
``confidence`` is ``clear`` when that share is at least 0.8, else ``uncertain``: a manager sees
which priorities the data settle and which could go either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyalloop.errors import DataValidationError

__all__ = ["CLEAR_SHARE", "PERFORMANCE_ZERO", "DriverAnalysis", "key_drivers", "relative_weights"]

#: Share of bootstrap resamples that must agree on an aspect's quadrant for it to be "clear".
CLEAR_SHARE = 0.8


@dataclass(frozen=True)
class DriverAnalysis:
    """Result of :func:`key_drivers`.

    ``table`` has one row per aspect: ``aspect, mentions, coefficient, std_error, p_value,
    importance, importance_low, importance_high, performance, performance_low,
    performance_high, quadrant, quadrant_share, confidence``, ordered by importance.
    """

    table: pd.DataFrame
    r_squared: float
    n: int
    score_type: str | None
    n_boot: int = 0


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


#: Net sentiment at or below this is "low" performance (more or as many complaints as praise).
PERFORMANCE_ZERO = 0.0


def _quadrants(importance: np.ndarray, performance: np.ndarray) -> np.ndarray:
    k = len(importance)
    high_imp = importance > 1.0 / k
    low_perf = performance <= PERFORMANCE_ZERO
    return np.where(
        high_imp,
        np.where(low_perf, "fix first", "keep up"),
        np.where(low_perf, "monitor", "lower priority"),
    )


def _importance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    keep = x.std(0) > 0
    out = np.zeros(x.shape[1])
    if keep.sum() == 0 or y.std() == 0:
        return out
    rw = relative_weights(x[:, keep], y)
    out[keep] = rw / rw.sum() if rw.sum() > 0 else 0.0
    return out


def key_drivers(
    feedback: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    score_type: str | None = None,
    id_column: str = "feedback_id",
    min_mentions: int = 10,
    n_boot: int = 200,
    seed: int = 0,
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
    n_boot
        Bootstrap resamples for the intervals (0: none).

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
    importance = _importance(x, y)
    # per comment and aspect: positive and negative mention counts (for the performance)
    mm = m[m["aspect"].isin(aspects)]
    sign = np.where(
        mm["sentiment"] == "positive", 1, np.where(mm["sentiment"] == "negative", -1, 0)
    )
    grouped = mm.assign(net=sign, one=1).groupby(["feedback_id", "aspect"])
    net_w = grouped["net"].sum().unstack("aspect")
    cnt_w = grouped["one"].sum().unstack("aspect")
    net = net_w.reindex(index=ids, columns=aspects).fillna(0).to_numpy(dtype=float)
    cnt = cnt_w.reindex(index=ids, columns=aspects).fillna(0).to_numpy(dtype=float)
    n_m = cnt.sum(0)
    performance = net.sum(0) / n_m
    quadrant = _quadrants(importance, performance)
    imp_lo = imp_hi = perf_lo = perf_hi = np.full(len(aspects), np.nan)
    share = np.full(len(aspects), np.nan)
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        imps = np.empty((n_boot, len(aspects)))
        perfs = np.empty((n_boot, len(aspects)))
        same = np.zeros(len(aspects))
        for b in range(n_boot):
            idx = rng.integers(0, len(y), len(y))
            imps[b] = _importance(x[idx], y[idx])
            c = cnt[idx].sum(0)
            perfs[b] = np.where(c > 0, net[idx].sum(0) / np.where(c > 0, c, 1), performance)
            same += _quadrants(imps[b], perfs[b]) == quadrant
        imp_lo, imp_hi = np.percentile(imps, [5, 95], axis=0)
        perf_lo, perf_hi = np.percentile(perfs, [5, 95], axis=0)
        share = same / n_boot
    table = pd.DataFrame(
        {
            "aspect": aspects,
            "mentions": n_m.astype(int),
            "coefficient": coef[1:],
            "std_error": se,
            "p_value": pval,
            "importance": importance,
            "importance_low": imp_lo,
            "importance_high": imp_hi,
            "performance": performance,
            "performance_low": perf_lo,
            "performance_high": perf_hi,
            "quadrant": quadrant,
            "quadrant_share": share,
            "confidence": np.where(share >= CLEAR_SHARE, "clear", "uncertain"),
        }
    ).sort_values("importance", ascending=False, ignore_index=True)
    return DriverAnalysis(table, r2, len(y), score_type, n_boot)
