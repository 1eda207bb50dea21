"""Aspect volume and sentiment per week or month, and alerts on significant worsening.

:func:`aspect_trends` turns aspect mentions (from
:func:`~loyalloop.feedback.aspects.aspect_mentions`) into a complete period × aspect grid
(periods without mentions appear with zero counts).

Alert rule (:func:`detect_alerts`, parameters in :class:`AlertRule`)
--------------------------------------------------------------------
For each aspect and each period ``t`` that has at least ``min_baseline`` earlier periods, the
baseline is the up to ``window`` periods just before ``t``. Two one-sided tests look for
worsening:

``negative_volume``
    Negative mentions ``x`` in ``t`` against ``S`` negative mentions in the ``k`` baseline
    periods. If the rate is unchanged (Poisson counts), ``x`` given ``x + S`` is
    Binomial(``x + S``, ``1 / (k + 1)``): the exact conditional test, which accounts for the
    uncertainty of the baseline itself. Alert when ``p < alpha`` **and** ``x >= min_count``
    **and** ``x / (S / k) >= min_ratio``.
``negative_share``
    The share of negative mentions in ``t`` against the baseline share: one-sided Fisher exact
    test on the 2×2 table (negative / other × period / baseline). Alert when ``p < alpha``
    **and** ``x >= min_count`` **and** the share rose by at least ``min_share_increase``.

The effect-size floors keep alerts to changes worth acting on, and the small default ``alpha``
(0.001) keeps false alarms rare when many aspects are checked every period: on simulated stable
Poisson series (tests) it raises almost none, while a doubling of negative mentions is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from loyalloop.errors import ConfigError, DataValidationError

__all__ = ["AlertRule", "aspect_trends", "detect_alerts"]

Freq = Literal["W", "M"]
_TREND_COLUMNS = [
    "period",
    "aspect",
    "mentions",
    "positive",
    "neutral",
    "negative",
    "share_negative",
    "mean_score",
]


def _period_start(ts: pd.Series, freq: Freq) -> pd.Series:
    if freq == "W":
        return ts.dt.to_period("W-SUN").dt.start_time
    if freq == "M":
        return ts.dt.to_period("M").dt.start_time
    raise ConfigError(f"freq must be 'W' (weeks from Monday) or 'M' (months), not {freq!r}")


def aspect_trends(
    mentions: pd.DataFrame, freq: Freq = "W", *, timestamp_column: str = "timestamp"
) -> pd.DataFrame:
    """Mentions, sentiment counts, negative share and mean score per period and aspect.

    Parameters
    ----------
    mentions
        Aspect mentions with ``aspect``, ``sentiment``, ``sentiment_score`` and a timestamp.
    freq
        ``"W"`` (ISO weeks starting Monday) or ``"M"`` (calendar months).

    Returns
    -------
    pandas.DataFrame
        Columns ``period, aspect, mentions, positive, neutral, negative, share_negative,
        mean_score``, one row per period × aspect between the first and last period.
    """
    needed = {"aspect", "sentiment", "sentiment_score", timestamp_column}
    missing = sorted(needed - set(mentions.columns))
    if missing:
        raise DataValidationError(f"mentions lack columns {missing}")
    if mentions.empty:
        return pd.DataFrame(columns=_TREND_COLUMNS)
    ts = pd.to_datetime(mentions[timestamp_column], errors="coerce")
    bad = int(ts.isna().sum())
    if bad:
        raise DataValidationError(f"column {timestamp_column} has {bad} missing or invalid values")
    df = pd.DataFrame(
        {
            "period": _period_start(ts, freq),
            "aspect": mentions["aspect"].astype(str).to_numpy(),
            "sentiment": mentions["sentiment"].astype(str).to_numpy(),
            "sentiment_score": mentions["sentiment_score"].astype(float).to_numpy(),
        }
    )
    counts = pd.crosstab([df["period"], df["aspect"]], df["sentiment"])
    for s in ("positive", "neutral", "negative"):
        if s not in counts.columns:
            counts[s] = 0
    score_sum = df.groupby(["period", "aspect"])["sentiment_score"].sum()
    periods = pd.date_range(
        df["period"].min(), df["period"].max(), freq="W-MON" if freq == "W" else "MS"
    )
    grid = pd.MultiIndex.from_product(
        [periods, sorted(df["aspect"].unique())], names=["period", "aspect"]
    )
    counts = counts[["positive", "neutral", "negative"]].reindex(grid, fill_value=0)
    out = counts.reset_index()
    out["mentions"] = out[["positive", "neutral", "negative"]].sum(axis=1)
    n = out["mentions"].to_numpy(dtype=float)
    sums = score_sum.reindex(grid, fill_value=0.0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_negative"] = np.where(n > 0, out["negative"] / np.where(n > 0, n, 1), np.nan)
        out["mean_score"] = np.where(n > 0, sums / np.where(n > 0, n, 1), np.nan)
    return out[_TREND_COLUMNS].sort_values(["aspect", "period"], ignore_index=True)


@dataclass(frozen=True)
class AlertRule:
    """Parameters of the alert rule (see the module docs)."""

    alpha: float = 0.001
    window: int = 8
    min_baseline: int = 4
    min_count: int = 5
    min_ratio: float = 1.5
    min_share_increase: float = 0.10

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha must be in (0, 1), not {self.alpha}")
        if self.window < 1 or self.min_baseline < 1 or self.min_baseline > self.window:
            raise ConfigError("need 1 <= min_baseline <= window")


_ALERT_COLUMNS = [
    "period",
    "aspect",
    "kind",
    "observed",
    "expected",
    "ratio",
    "p_value",
    "message",
]


def detect_alerts(trends: pd.DataFrame, rule: AlertRule | None = None) -> pd.DataFrame:
    """Significant worsening per aspect and period (the rule in the module docs).

    Parameters
    ----------
    trends
        Output of :func:`aspect_trends`.
    rule
        Thresholds; defaults to :class:`AlertRule()`.

    Returns
    -------
    pandas.DataFrame
        Columns ``period, aspect, kind, observed, expected, ratio, p_value, message``; for
        ``negative_share`` the observed/expected values are shares.
    """
    rule = rule or AlertRule()
    rows: list[tuple[object, ...]] = []
    for aspect, g in trends.sort_values("period").groupby("aspect", sort=True):
        neg = g["negative"].to_numpy(dtype=float)
        tot = g["mentions"].to_numpy(dtype=float)
        periods = g["period"].to_numpy()
        for t in range(rule.min_baseline, len(g)):
            lo = max(0, t - rule.window)
            k = t - lo
            x, s = neg[t], neg[lo:t].sum()
            n_t, n_b = tot[t], tot[lo:t].sum()
            if x < rule.min_count:
                continue
            expected = s / k
            ratio = x / expected if expected > 0 else float("inf")
            p = float(stats.binom.sf(x - 1, x + s, 1.0 / (k + 1)))
            if p < rule.alpha and ratio >= rule.min_ratio:
                rows.append(
                    (
                        periods[t],
                        aspect,
                        "negative_volume",
                        x,
                        expected,
                        ratio,
                        p,
                        f"{aspect}: {int(x)} negative mentions vs {expected:.1f} expected",
                    )
                )
            if n_b > 0 and n_t > 0:
                share_t, share_b = x / n_t, s / n_b
                if share_t - share_b >= rule.min_share_increase:
                    table = [[x, n_t - x], [s, n_b - s]]
                    p2 = float(stats.fisher_exact(table, alternative="greater")[1])
                    if p2 < rule.alpha:
                        rows.append(
                            (
                                periods[t],
                                aspect,
                                "negative_share",
                                share_t,
                                share_b,
                                share_t / share_b if share_b > 0 else float("inf"),
                                p2,
                                f"{aspect}: {share_t:.0%} negative vs {share_b:.0%} before",
                            )
                        )
    out = pd.DataFrame(rows, columns=_ALERT_COLUMNS)
    return out.sort_values(["period", "aspect", "kind"], ignore_index=True)
