"""Aspect volume and sentiment per week or month, and alerts on changes in the negative share.

:func:`aspect_trends` turns aspect mentions (from
:func:`~loyalloop.feedback.aspects.aspect_mentions`) into a complete period × aspect grid
(periods without mentions appear with zero counts).

Alert rule (:func:`detect_alerts`, parameters in :class:`AlertRule`)
--------------------------------------------------------------------
Alerts test the **share** of negative mentions, never raw counts: a week with twice the
comments and the same share of complaints is not news. Comment volume and the share itself
swing more from period to period than a binomial allows (campaigns, outages, seasonality), so
the baseline is modelled as **beta-binomial**: for an aspect, the ``k`` baseline periods (the up
to ``window`` periods before the tested one) give the pooled share ``p`` and, by the method of
moments, the intra-period correlation ``rho`` (0 = binomial; a period of ``n`` mentions then has
variance ``n p (1 - p) (1 + (n - 1) rho)``). Two tests, each two-sided:

``share``
    The tested period's negative count against ``n p``:
    ``z = (x - n p) / sqrt(n p q (1 + (n - 1) rho) + n² Var(p))``.
``sustained``
    The last ``sustained`` periods together against the ``window`` periods before them (the
    same statistic on their totals) — it catches shifts that last a few weeks and slow drifts
    that no single period shows.

Because ``rho`` is estimated from ``k`` periods, ``z`` is referred to Student's t with ``k - 1``
degrees of freedom. An alert needs ``p < alpha``, at least ``min_mentions`` mentions in the
tested period(s) and a change of at least ``min_change`` in the share. ``direction`` is
``worse`` (more negative) or ``better``: improvements are reported too. ``excess`` is the
number of negative mentions above (or below) the baseline share — the size of the problem —
and alerts are ranked with the latest period first, then by ``|excess|``.

Calibration (``tests/feedback/test_trends.py``, simulated series whose truth is known): on
stable series with over-dispersed volume (negative binomial) and share (beta, ``rho = 0.03``)
the false-alarm rate per test is at most ``alpha`` (measured in ``benchmarks/results/
feedback.md``); a negative share that moves from 40 % to 60 % for four weeks at about 60
mentions a week is flagged in most simulations, and a slow drift by the ``sustained`` test.
With the default ``alpha = 0.002``, ten aspects tested weekly with both tests give about
0.04 false alarms a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from loyalloop.errors import ConfigError, DataValidationError

__all__ = ["ALERT_COLUMNS", "AlertRule", "aspect_trends", "detect_alerts"]

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

    alpha: float = 0.002
    window: int = 26
    min_baseline: int = 6
    sustained: int = 4
    min_mentions: int = 10
    min_change: float = 0.08

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha must be in (0, 1), not {self.alpha}")
        if self.window < 1 or self.min_baseline < 2 or self.min_baseline > self.window:
            raise ConfigError("need 2 <= min_baseline <= window")
        if self.sustained < 1:
            raise ConfigError("sustained must be at least 1")


ALERT_COLUMNS = [
    "period",
    "aspect",
    "kind",
    "direction",
    "periods",
    "mentions",
    "observed",
    "expected",
    "excess",
    "z",
    "p_value",
    "message",
]


def _baseline(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float]:
    """Pooled share, beta-binomial rho (moments) and Var(pooled share) of baseline periods."""
    total = n.sum()
    p = x.sum() / total
    pq = p * (1 - p)
    if pq <= 0:
        return p, 0.0, 0.0
    k = len(n)
    # k / (k - 1): the squared residuals around an estimated share are one degree short
    num = float(((x - n * p) ** 2).sum() * k / max(k - 1, 1) - (n * pq).sum())
    den = float(pq * (n * (n - 1)).sum())
    rho = min(max(num / den, 0.0), 1.0) if den > 0 else 0.0
    var_p = float((n * pq * (1 + (n - 1) * rho)).sum()) / total**2
    return p, rho, var_p


def _test(
    x: float, n: np.ndarray, p: float, rho: float, var_p: float, df: int
) -> tuple[float, float]:
    """(z, two-sided p) of ``x`` negatives over periods of sizes ``n`` against the baseline."""
    n_tot = float(n.sum())
    var = float((n * p * (1 - p) * (1 + (n - 1) * rho)).sum()) + n_tot**2 * var_p
    if var <= 0:
        return 0.0, 1.0
    z = (x - n_tot * p) / np.sqrt(var)
    return float(z), float(2 * stats.t.sf(abs(z), df))


def detect_alerts(trends: pd.DataFrame, rule: AlertRule | None = None) -> pd.DataFrame:
    """Significant changes of the negative share per aspect and period (module docs).

    Parameters
    ----------
    trends
        Output of :func:`aspect_trends`.
    rule
        Thresholds; defaults to :class:`AlertRule()`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ALERT_COLUMNS`; ``observed`` and ``expected`` are shares, ``periods``
        the number of periods tested together; latest period first, then by ``|excess|``.
    """
    rule = rule or AlertRule()
    rows: list[tuple[object, ...]] = []
    for aspect, g in trends.sort_values("period").groupby("aspect", sort=True):
        neg = g["negative"].to_numpy(dtype=float)
        tot = g["mentions"].to_numpy(dtype=float)
        periods = g["period"].to_numpy()
        for t in range(rule.min_baseline, len(g)):
            for kind, width in (("share", 1), ("sustained", rule.sustained)):
                if kind == "sustained" and (width <= 1 or t + 1 - width < rule.min_baseline):
                    continue
                first = t + 1 - width
                lo = max(0, first - rule.window)
                base_n, base_x = tot[lo:first], neg[lo:first]
                base_n, base_x = base_n[base_n > 0], base_x[tot[lo:first] > 0]
                if len(base_n) < rule.min_baseline:
                    continue
                n_t, x_t = tot[first : t + 1], neg[first : t + 1]
                if n_t.sum() < rule.min_mentions * width:
                    continue
                p, rho, var_p = _baseline(base_x, base_n)
                share = x_t.sum() / n_t.sum()
                if abs(share - p) < rule.min_change:
                    continue
                z, pv = _test(x_t.sum(), n_t, p, rho, var_p, len(base_n) - 1)
                if pv >= rule.alpha:
                    continue
                direction = "worse" if share > p else "better"
                excess = x_t.sum() - n_t.sum() * p
                span = "" if width == 1 else f" over the last {width} periods"
                rows.append(
                    (
                        periods[t],
                        aspect,
                        kind,
                        direction,
                        width,
                        int(n_t.sum()),
                        share,
                        p,
                        excess,
                        z,
                        pv,
                        f"{aspect}: {share:.0%} negative{span} vs {p:.0%} before ({direction})",
                    )
                )
    out = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    if out.empty:
        return out
    out["_size"] = out["excess"].abs()
    out = out.sort_values(["period", "_size"], ascending=[False, False], ignore_index=True)
    return out.drop(columns="_size")
