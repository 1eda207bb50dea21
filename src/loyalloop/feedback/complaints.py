"""The complaint a comment is named by: of the aspects it reads negative, the one a case names.

A comment often reads negative about more than one aspect, and usually only one of them is
what the customer complains about: "I was charged a late fee because the app crashed while I
was paying" is a complaint about the fee and the app; "The fraud team blocked my card, so my
rent payment was declined at the shop" names billing in passing. A ``negative_aspect`` case
(:mod:`~loyalloop.cases.rules`) names one aspect, and routes on it, so the choice matters.

:func:`main_complaint` weighs each aspect's severity (its worst mention's score, negated) by
the reading's :attr:`~loyalloop.feedback.aspects.AspectMention.confidence` that the comment
is about that aspect at all (the learned detector's probability over the whole comment):
the aspect with the largest ``confidence × severity`` is named, ties to the larger severity,
then to the later aspect name. Where an aspect has no confidence (a custom taxonomy's own
aspects, a mention implied by the channel) the severity alone decides, as before session 35.

Why (session 35, ``benchmarks/results/feedback.md``): severity alone named an aspect the
labels do not call negative in 16 % of English and 12 % of Chinese sentences of the four
held-out authors; in English 98 of those 225 sentences named an aspect the labellers did not
name at all, beside the one they called negative. The rule was chosen among five weighings on
the seventy-six blind training authors' sentences with out-of-sample detector probabilities
(``benchmarks/complaint_chooser.py``: seven groups of authors, each scored by a detector fitted
without it), and only then measured on the held-out authors and ``pending33``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalloop.feedback.aspects import AspectMention

__all__ = ["complaint_inputs", "main_complaint"]


def complaint_inputs(
    mentions: Iterable[AspectMention],
) -> tuple[dict[str, float], dict[str, float]]:
    """What :func:`main_complaint` weighs, from a comment's mentions: each aspect read
    ``negative`` with its worst score, and each aspect's largest known confidence."""
    worst: dict[str, float] = {}
    sure: dict[str, float] = {}
    for m in mentions:
        if m.sentiment.label == "negative":
            worst[m.aspect] = min(m.sentiment.score, worst.get(m.aspect, 0.0))
        if m.confidence is not None:
            sure[m.aspect] = max(m.confidence, sure.get(m.aspect, 0.0))
    return worst, sure


def main_complaint(
    scores: Mapping[str, float], confidences: Mapping[str, float] | None = None
) -> str | None:
    """The aspect a complaint is named by (module docs).

    ``scores`` maps each aspect read ``negative`` to its worst mention's score (in
    ``[-1, 0]``); ``confidences`` maps an aspect to the reading's confidence that the comment
    is about it (missing, ``None`` or not finite: unknown). ``None`` when ``scores`` is empty.

    >>> main_complaint({"fees": -0.6, "billing": -0.9, "app_online": -0.2})
    'billing'
    >>> main_complaint({"fees": -0.6, "billing": -0.9}, {"fees": 0.95, "billing": 0.3})
    'fees'
    >>> main_complaint({"fees": -0.6, "billing": -0.9}, {"fees": 0.95})
    'billing'
    """
    if not scores:
        return None
    conf = confidences or {}
    known = {a: conf.get(a) for a in scores}
    if all(c is not None and math.isfinite(c) for c in known.values()):
        return max(scores, key=lambda a: (known[a] * -scores[a], -scores[a], a))  # type: ignore[operator]
    return max(scores, key=lambda a: (-scores[a], a))
