"""Cross-channel check: does an aspect's sentiment agree across survey, review, social, call…?

For each aspect, channels with at least ``min_mentions`` mentions are compared. The
``consensus`` is the median of the channel means (robust to one channel that is off), and a
channel's ``gap`` is its mean minus the consensus. Its mentions are tested against the pooled
mentions of the **other** channels by a Welch t test; a channel ``disagrees`` when the
Holm-adjusted p-value (over the channels of that aspect) is below ``alpha`` **and**
``|gap| >= min_gap`` on the [-1, 1] scale. A
chi-square test of negative vs other mentions across the channels gives one heterogeneity
p-value per aspect (``aspect_p_value``).

Different customers, not a different channel
---------------------------------------------
Callers are often not the same customers as survey respondents (people about to leave call;
loyal ones answer surveys). With ``stratum_column`` (a customer-mix variable per mention, e.g.
the customer's lifecycle stage), each channel is also compared with what the other channels'
mentions would give **for the same customer mix** (direct standardisation: the other channels'
mean score within each stratum, weighted by this channel's stratum shares).
``adjusted_gap`` is the channel's mean minus that expectation. A channel whose raw gap is
flagged but whose adjusted gap is below ``min_gap`` (or whose adjusted difference is not
significant) gets ``explanation = "customer mix"`` and ``disagrees = False``: the channel hears
from different customers, it does not treat them differently. A gap that survives adjustment
is ``explanation = "channel"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from loyalloop.errors import DataValidationError
from loyalloop.feedback.competitors import holm_adjust

__all__ = ["channel_comparison"]

_COLUMNS = [
    "aspect",
    "channel",
    "mentions",
    "mean_score",
    "share_negative",
    "consensus",
    "gap",
    "p_value",
    "p_adjusted",
    "disagrees",
    "aspect_p_value",
    "adjusted_gap",
    "explanation",
]


def _adjusted_gap(g: pd.DataFrame, ch: str, stratum: str) -> tuple[float, float]:
    """(adjusted gap, p-value) of channel ``ch`` against the other channels standardised to its
    customer mix; NaN where no stratum of the channel occurs elsewhere."""
    own = g[g["channel"] == ch]
    rest = g[g["channel"] != ch]
    rest_stats = rest.groupby(stratum)["sentiment_score"].agg(["mean", "var", "size"])
    own_stats = own.groupby(stratum)["sentiment_score"].agg(["mean", "var", "size"])
    common = own_stats.index.intersection(rest_stats.index)
    if len(common) == 0:
        return float("nan"), float("nan")
    o, r = own_stats.loc[common], rest_stats.loc[common]
    weights = o["size"] / o["size"].sum()
    diff = float((weights * (o["mean"] - r["mean"])).sum())
    var = float(
        (weights**2 * (o["var"].fillna(0) / o["size"] + r["var"].fillna(0) / r["size"])).sum()
    )
    p = float(2 * stats.norm.sf(abs(diff) / np.sqrt(var))) if var > 0 else 1.0
    return diff, p


def channel_comparison(
    mentions: pd.DataFrame,
    *,
    min_mentions: int = 20,
    alpha: float = 0.01,
    min_gap: float = 0.2,
    stratum_column: str | None = None,
) -> pd.DataFrame:
    """Per aspect and channel: mean score, gap to the other channels and a disagreement flag.

    Parameters
    ----------
    mentions
        Aspect mentions with ``aspect, channel, sentiment, sentiment_score``.

    Returns
    -------
    pandas.DataFrame
        Columns ``aspect, channel, mentions, mean_score, share_negative, consensus, gap,
        p_value, p_adjusted, disagrees, aspect_p_value, adjusted_gap, explanation``; aspects
        seen in fewer than two qualifying channels are left out.
    """
    needed = {"aspect", "channel", "sentiment", "sentiment_score"}
    missing = sorted(needed - set(mentions.columns))
    if missing:
        raise DataValidationError(f"mentions lack columns {missing}")
    rows = []
    if stratum_column is not None and stratum_column not in mentions.columns:
        raise DataValidationError(f"mentions lack the stratum column {stratum_column!r}")
    m = mentions.assign(channel=mentions["channel"].astype("string").fillna("unknown"))
    if stratum_column is not None:
        m = m.assign(**{stratum_column: m[stratum_column].astype("string").fillna("unknown")})
    for aspect, g in m.groupby("aspect", sort=True):
        sizes = g.groupby("channel").size()
        chans = sorted(sizes[sizes >= min_mentions].index)
        if len(chans) < 2:
            continue
        g = g[g["channel"].isin(chans)]
        table = pd.crosstab(g["channel"], g["sentiment"] == "negative")
        aspect_p = (
            float(stats.chi2_contingency(table.to_numpy())[1])
            if table.shape == (len(chans), 2)
            else 1.0
        )
        consensus = float(
            np.median([g.loc[g["channel"] == c, "sentiment_score"].mean() for c in chans])
        )
        part = []
        for ch in chans:
            own = g.loc[g["channel"] == ch, "sentiment_score"].to_numpy(dtype=float)
            rest = g.loc[g["channel"] != ch, "sentiment_score"].to_numpy(dtype=float)
            if np.ptp(np.concatenate([own, rest])) == 0:
                p = 1.0
            else:
                p = float(stats.ttest_ind(own, rest, equal_var=False).pvalue)
                p = 1.0 if np.isnan(p) else p
            share_neg = float((g.loc[g["channel"] == ch, "sentiment"] == "negative").mean())
            gap = float(own.mean()) - consensus
            part.append([aspect, ch, len(own), float(own.mean()), share_neg, consensus, gap, p])
        adj = holm_adjust([r[-1] for r in part])
        for r, pa in zip(part, adj, strict=True):
            flagged = bool(pa < alpha and abs(r[6]) >= min_gap)
            adjusted, explanation = float("nan"), ""
            if stratum_column is not None:
                adjusted, p_adj = _adjusted_gap(g, str(r[1]), stratum_column)
                if flagged:
                    holds = abs(adjusted) >= min_gap and p_adj * len(chans) < alpha
                    explanation = "channel" if holds else "customer mix"
                    flagged = holds
            elif flagged:
                explanation = "channel"
            rows.append([*r, pa, flagged, aspect_p, adjusted, explanation])
    return pd.DataFrame(rows, columns=_COLUMNS)
