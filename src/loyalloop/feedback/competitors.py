"""Competitor benchmark: NPS, CSAT and sentiment by brand, with intervals and significance.

Brands come from the ``brand`` column of ``feedback`` (empty or ``own`` = our own brand);
:func:`mentioned_brands` finds brands named in the text with an alias list, for feedback that
names a competitor without a brand column.

Per brand and metric (95 % intervals by default):

``nps``
    (promoters 9-10 minus detractors 0-6) / n × 100 over rows with ``score_type == "nps"``.
    Standard error ``sqrt((p + d - (p - d)²) / n)`` × 100 (multinomial variance of the
    difference of two shares); normal interval.
``csat``
    Mean of ``score_type == "csat"`` scores; t interval.
``sentiment``
    Mean sentiment score of the brand's comments; t interval.

Each competitor is compared with the own brand: difference, two-sided p-value (z test for NPS,
Welch t test otherwise), Holm-adjusted over the competitors of one metric, and ``significant``
when the adjusted p-value is below ``alpha``. Metrics a brand lacks data for are left out rather
than failing the whole benchmark.

**Like with like.** Competitors are heard on public channels (reviews, social posts), the own
brand also through surveys, calls and chats, where the tone differs. So every comparison uses
only the **channels both brands share**: a metric's own-brand values come from the channels in
which that competitor has data (``channels`` lists them). Without a ``channel`` column all rows
count. NPS uses :class:`loyalloop.insight.surveys.NpsResult` (one NPS implementation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from loyalloop.errors import DataValidationError
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.script import to_simplified
from loyalloop.insight.scales import is_detractor, is_passive, is_promoter
from loyalloop.insight.surveys import NpsResult

__all__ = ["OWN_BRAND", "brand_benchmark", "holm_adjust", "mentioned_brands", "nps"]

OWN_BRAND = "own"
_COLUMNS = [
    "metric",
    "brand",
    "n",
    "value",
    "ci_low",
    "ci_high",
    "own_value",
    "diff_vs_own",
    "p_value",
    "p_adjusted",
    "significant",
    "channels",
]


def nps(scores: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """NPS (-100 … 100) of 0-10 scores and its standard error (via
    :class:`~loyalloop.insight.surveys.NpsResult`).

    Examples
    --------
    >>> value, se = nps([10, 9, 8, 3])
    >>> value, round(se, 2)
    (25.0, 41.46)
    """
    s = np.asarray(scores, dtype=float)
    if len(s) == 0:
        return float("nan"), float("nan")
    result = NpsResult.from_counts(
        int(is_promoter(s).sum()), int(is_passive(s).sum()), int(is_detractor(s).sum())
    )
    return float(result.nps or 0.0), float(result.std_error)


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p_values, dtype=float)
    ok = np.flatnonzero(~np.isnan(p))
    out = np.full(len(p), np.nan)
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()


def mentioned_brands(text: object, aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """Brands whose aliases occur in ``text`` (case-insensitive; traditional Chinese works).

    Examples
    --------
    >>> mentioned_brands("招行的卡比你们好", {"cmb": ["招商银行", "招行"], "icbc": ["工行"]})
    ['cmb']
    """
    low = to_simplified(clean_text(text)).lower()
    found = []
    for brand, names in aliases.items():
        for name in names:
            pat = to_simplified(name).lower()
            if pat.isascii():
                if re.search(r"\b" + re.escape(pat) + r"\b", low):
                    found.append(brand)
                    break
            elif pat in low:
                found.append(brand)
                break
    return found


def _t_interval(x: np.ndarray, z: float) -> tuple[float, float, float]:
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(1 - (1 - z) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def brand_benchmark(
    feedback: pd.DataFrame,
    *,
    sentiment_column: str = "sentiment_score",
    own: str = OWN_BRAND,
    confidence: float = 0.95,
    alpha: float = 0.05,
    min_n: int = 2,
) -> pd.DataFrame:
    """Benchmark brands on NPS, CSAT and sentiment (see the module docs).

    Parameters
    ----------
    feedback
        ``feedback`` rows with ``brand``, ``score_type``, ``score`` and, for the sentiment
        metric, ``sentiment_column`` (e.g. from :func:`~loyalloop.feedback.analyze_feedback`).
    min_n
        Brands with fewer observations for a metric are left out of that metric.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric, brand, n, value, ci_low, ci_high, own_value, diff_vs_own, p_value,
        p_adjusted, significant, channels``; the own brand's row has no difference or p-value; a
        competitor's difference is against the own brand **in the channels it shares**
        (``channels``), whose value there is ``own_value`` (the own brand's row holds its value
        over all its channels, so ``value − own_value`` of a competitor row is its difference).
    """
    if "brand" not in feedback.columns:
        raise DataValidationError("feedback has no column 'brand'")
    brand = feedback["brand"].astype("string").fillna("").str.strip()
    brand = brand.where(brand != "", own)
    zq = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    frames = []
    metrics: list[tuple[str, pd.Series]] = []
    if {"score_type", "score"} <= set(feedback.columns):
        score = pd.to_numeric(feedback["score"], errors="coerce")
        stype = feedback["score_type"].astype("string").str.lower()
        metrics.append(("nps", score.where(stype == "nps")))
        metrics.append(("csat", score.where(stype == "csat")))
    if sentiment_column in feedback.columns:
        metrics.append(("sentiment", pd.to_numeric(feedback[sentiment_column], errors="coerce")))
    channel = (
        feedback["channel"].astype("string").fillna("unknown")
        if "channel" in feedback.columns
        else pd.Series("all", index=feedback.index, dtype="string")
    )
    for metric, values in metrics:
        ok = values.notna()
        groups = {b: v.dropna().to_numpy(dtype=float) for b, v in values.groupby(brand, sort=True)}
        groups = {b: v for b, v in groups.items() if len(v) >= min_n}
        if not groups:
            continue
        rows = []
        for b, v in groups.items():
            if metric == "nps":
                value, se = nps(v)
                lo, hi = value - zq * se, value + zq * se
            else:
                value, lo, hi = _t_interval(v, confidence)
            diff = p = own_value = float("nan")
            shared = sorted(set(channel[ok & (brand == b)]))
            if b != own:
                own_mask = ok & (brand == own) & channel.isin(shared)
                own_vals = values[own_mask].to_numpy(dtype=float)
                if len(own_vals) >= min_n:
                    if metric == "nps":
                        own_value, se_own = nps(own_vals)
                        diff = value - own_value
                        se_d = math.hypot(se, se_own)
                        p = float(2 * stats.norm.sf(abs(diff) / se_d)) if se_d > 0 else float("nan")
                    else:
                        own_value = float(own_vals.mean())
                        diff = value - own_value
                        res = stats.ttest_ind(v, own_vals, equal_var=False)
                        p = float(res.pvalue)
            rows.append(
                [metric, b, len(v), value, lo, hi, own_value, diff, p, ",".join(map(str, shared))]
            )
        frame = pd.DataFrame(rows, columns=[*_COLUMNS[:9], "channels"])
        frame["p_adjusted"] = holm_adjust(frame["p_value"].tolist())
        frame["significant"] = frame["p_adjusted"] < alpha
        frames.append(frame[_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(frames, ignore_index=True)[_COLUMNS]
