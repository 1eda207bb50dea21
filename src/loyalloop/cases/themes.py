"""The themes board: did the action taken on a theme work? Before and after, with intervals.

For a theme (an aspect such as ``annual_fee``) and the date an action on it took effect, the
board compares the ``window_days`` before the action with the ``window_days`` after it (after an
optional ``lag_days`` for the action to reach customers):

* **sentiment** — the mean sentiment in [−1, 1] of the comments that mention the aspect (a
  comment's sentiment on the aspect is the mean over its clauses about it), with Welch's
  interval for the change (:func:`loyalloop.experiments.frequentist_test`);
* **NPS** — the NPS of the answers whose comment mentions the aspect, each period with its
  interval (:class:`loyalloop.insight.NpsResult`), and the change in points with Welch's
  interval on the per-answer +100 / 0 / −100 values.

Each change gets a verdict: ``improved`` or ``worsened`` when its 95 % interval lies wholly on
one side of zero, ``no_clear_change`` otherwise, ``too_few`` when a period has fewer than
``min_n`` comments (answers for NPS). A before/after comparison is not a controlled
experiment: the season, a campaign or a different mix of customers answering can move these
figures too. The board says "changed after the action", not "changed because of it"; use a
holdout (``loyalloop experiments``) to prove cause.

Input: an Ibis table of aspect mentions, one row per comment and aspect (or per clause:
they are averaged per comment), with ``feedback_id``, ``timestamp`` (naive business time),
``aspect``, ``sentiment`` and, when the comment came with an NPS answer, ``nps`` (0–10, else
null).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import ibis
import ibis.expr.types as ir

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.experiments import Estimate, SampleMean, TestResult, frequentist_test
from loyalloop.insight import NpsResult
from loyalloop.insight.scales import is_detractor, is_passive, is_promoter

__all__ = [
    "PeriodSummary",
    "ThemeAction",
    "ThemeEffect",
    "Verdict",
    "theme_effect",
    "themes_board",
]

MIN_N = 30


class Verdict(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    NO_CLEAR_CHANGE = "no_clear_change"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class ThemeAction:
    """An action taken on a theme, and when it took effect."""

    aspect: str
    action_at: dt.datetime
    description: str = ""


@dataclass(frozen=True)
class PeriodSummary:
    """One period: its bounds, the comments' sentiment and the answers' NPS."""

    start: dt.datetime
    end: dt.datetime
    sentiment: SampleMean
    nps: NpsResult

    @property
    def mean_sentiment(self) -> float:
        return self.sentiment.mean


@dataclass(frozen=True)
class ThemeEffect:
    """Before and after an action on one theme, the changes with intervals and the verdicts.

    ``nps_change`` is in NPS points (after − before) with a 95 % interval; ``sentiment_change``
    the full Welch test of the mean sentiment (after − before).
    """

    action: ThemeAction
    before: PeriodSummary
    after: PeriodSummary
    sentiment_change: TestResult
    nps_change: Estimate
    sentiment_verdict: Verdict
    nps_verdict: Verdict


def _verdict(estimate: Estimate, n_before: int, n_after: int, min_n: int) -> Verdict:
    if min(n_before, n_after) < min_n:
        return Verdict.TOO_FEW
    if estimate.low > 0:
        return Verdict.IMPROVED
    if estimate.high < 0:
        return Verdict.WORSENED
    return Verdict.NO_CLEAR_CHANGE


def _period_frame(
    mentions: ir.Table, aspect: str, start: dt.datetime, end: dt.datetime
) -> tuple[SampleMean, NpsResult]:
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    m = mentions.filter(
        (mentions.aspect == aspect)
        & (mentions.timestamp >= lo)
        & (mentions.timestamp < hi)
        & mentions.sentiment.notnull()
    )
    per = m.group_by("feedback_id").aggregate(s=m.sentiment.mean(), nps=m.nps.max())
    row = (
        per.aggregate(
            n=per.count(),
            total=per.s.sum(),
            squares=(per.s * per.s).sum(),
            promoters=is_promoter(per.nps).sum(),
            passives=is_passive(per.nps).sum(),
            detractors=is_detractor(per.nps).sum(),
        )
        .execute()
        .iloc[0]
    )

    def num(key: str) -> float:
        v = row[key]
        return 0.0 if v is None or v != v else float(v)

    sentiment = SampleMean(int(num("n")), num("total"), num("squares"))
    nps = NpsResult.from_counts(int(num("promoters")), int(num("passives")), int(num("detractors")))
    return sentiment, nps


def _nps_statistic(r: NpsResult) -> SampleMean:
    """Per-answer values +100 / 0 / −100 as a sample: mean = NPS."""
    return SampleMean(r.n, 100.0 * (r.promoters - r.detractors), 1e4 * (r.promoters + r.detractors))


def theme_effect(
    mentions: ir.Table,
    action: ThemeAction,
    *,
    window_days: int = 60,
    lag_days: int = 0,
    min_n: int = MIN_N,
    alpha: float = 0.05,
) -> ThemeEffect:
    """Before/after figures of one theme around one action (see the module docstring)."""
    missing = [c for c in ("feedback_id", "timestamp", "aspect", "sentiment", "nps")
               if c not in mentions.columns]  # fmt: skip
    if missing:
        raise DataValidationError(f"mentions lack column(s): {', '.join(missing)}")
    if window_days < 1 or lag_days < 0:
        raise ConfigError("window_days must be ≥ 1 and lag_days ≥ 0")
    t0 = action.action_at
    if t0.tzinfo is not None:
        raise ConfigError("action_at must be naive business time, like the warehouse's timestamps")
    before_span = (t0 - dt.timedelta(days=window_days), t0)
    after_start = t0 + dt.timedelta(days=lag_days)
    after_span = (after_start, after_start + dt.timedelta(days=window_days))
    s_before, n_before = _period_frame(mentions, action.aspect, *before_span)
    s_after, n_after = _period_frame(mentions, action.aspect, *after_span)
    sentiment_test = frequentist_test(s_before, s_after, alpha=alpha)
    nps_test = frequentist_test(_nps_statistic(n_before), _nps_statistic(n_after), alpha=alpha)
    return ThemeEffect(
        action,
        PeriodSummary(*before_span, s_before, n_before),
        PeriodSummary(*after_span, s_after, n_after),
        sentiment_test,
        nps_test.absolute,
        _verdict(sentiment_test.absolute, s_before.n, s_after.n, min_n),
        _verdict(nps_test.absolute, n_before.n, n_after.n, min_n),
    )


def themes_board(
    mentions: ir.Table,
    actions: Sequence[ThemeAction],
    *,
    window_days: int = 60,
    lag_days: int = 0,
    min_n: int = MIN_N,
) -> list[ThemeEffect]:
    """:func:`theme_effect` for each action, in the order given."""
    return [
        theme_effect(mentions, a, window_days=window_days, lag_days=lag_days, min_n=min_n)
        for a in actions
    ]
