"""Mention-sentiment feature variants measured out of sample and not shipped.

``benchmarks/mention_sentiment_neutral.py oof --variant NAME`` switches one on for a run:
:func:`install` wraps :func:`loyalloop.feedback.mention_sentiment.feature_items` (and the
trainer's reference to it) so that the variant's items are added to every mention's, or, for
``request``, :func:`~loyalloop.feedback.mention_sentiment.mood_cues`. The product module carries
only what ships; these stay here, with their figures, so that they can be measured again.

Session 21 (fb21a), leave-one-author-out over eighteen blind authors, sentiment when found
(benchmarks/results/feedback.md, session 21):

* ``judged`` (:func:`judged_items`): 0.8946 → 0.8934 (zh), 0.8730 → 0.8715 (en);
* ``mood_side`` (:func:`mood_side_items`): 0.8946 → 0.8944 (zh), 0.8730 → 0.8730 (en);
* ``request`` (:data:`REQUEST`, a request cue the hope cue misses: "i'd like", "let us", "i
  want", "kindly", "帮我", "要求"): 0.8946 → 0.8944 (zh), 0.8730 → 0.8732 (en).

Session 23 (fb23b), leave-one-author-out over twenty-one blind authors, English sentiment when
found against the model without comment features (0.8804), and the sample's truth (card /
retail English strict agreement, 0.9092 / 0.8371 without; ``mention_sentiment_sample.py``):

* ``free_both_sides`` (:func:`both_sides_items`): 0.8845 (17 authors better, 4 worse), but the
  sample's card English 0.8954 (−0.014) and retail 0.8356: the sample's closing sentences ("Not
  happy.", "Please fix this.") are not each aspect's judgement there;
* ``free_without_evidence`` (:func:`without_evidence_items`): 0.8829 (14 / 7), card English
  0.9015 (−0.008), retail 0.8402;
* the product's (aspect-free sentences *before* the mention's only): 0.8815 (13 / 4), the
  sample unchanged — kept; ``free_words`` (:func:`free_word_items`) was stopped unmeasured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from loyalloop.feedback import mention_sentiment as ms
from loyalloop.feedback import train_mention_sentiment as tms
from loyalloop.feedback.aspect_model import MentionContext, light_ngrams

Items = list[tuple[str, float]]

REQUEST = re.compile(
    r"帮我|帮忙|要求|申请|请求|我想要?|我要|\bi'?d like\b|\bi want\b|\blet (?:me|us)\b|"
    r"\bkindly\b|\brequest(?:ed|ing|s)?\b|\bneed (?:you|someone) to\b|\bmore\b.{0,30}\bplease\b"
)
_NOTE = dict(ms._SENTENCE_CUES)["note"]


def _sign_of(logit: float) -> str:
    return "+" if logit > 0.5 else "-" if logit < -0.5 else "0"


def _mood_of(ctx: MentionContext) -> str:
    """The clause's mood for :func:`judged_items`: ``r``, ``q``, ``h``, ``n`` or ``s``."""
    moods = ms.mood_cues(ctx.clause)
    if "rhet" in moods:
        return "r"
    if "infoq" in moods or ctx.asks:
        return "q"
    if "hope" in moods:
        return "h"
    if _NOTE.search(ctx.before or ctx.clause):
        return "n"
    return "s"


def mood_side_items(ctx: MentionContext) -> Items:
    """The other clauses' light n-grams under the clause's mood where the clause asks, hopes
    or notes (``q:sbw…``): the words of a complaint beside a question may weigh apart from
    those beside a statement."""
    mood = _mood_of(ctx)
    if mood == "s":
        return []
    out: Items = []
    for text, prefix in ((ctx.before, "sb"), (ctx.after, "sa")):
        if text:
            out += [(mood + ":" + f, 1.0) for f in light_ngrams(text, prefix)]
    return out


def judged_items(ctx: MentionContext) -> Items:
    """Whether the mention's own clause carries a judgement, and in which mood, crossed with
    whether the judgement sits in another clause of the sentence: the clause's lexicon sign
    where it holds lexicon evidence of its own (``0`` without: a borrowed or wordless reading),
    its mood (``r`` a rhetorical question, ``q`` a plain one, ``h`` a hope / request /
    condition, ``n`` an agent's note, ``s`` a statement) and the sign of the other clauses
    (``-`` where either side reads a complaint, else ``+`` where either reads praise, ``0``
    where they read neither, ``x`` where the clause is the sentence); also crossed with the
    aspect."""
    own = _sign_of(ctx.logit) if ctx.evidence else "0"
    mood = _mood_of(ctx)
    if not (ctx.before or ctx.after):
        other = "x"
    else:
        sides = {_sign_of(ctx.before_logit), _sign_of(ctx.after_logit)}
        other = "-" if "-" in sides else "+" if "+" in sides else "0"
    key = mood + own + other
    return [("j:" + key, 1.0), ("j:" + own + other, 1.0),
            ("j:" + key + ":" + ctx.aspect, 1.0)]  # fmt: skip


def request_mood_cues(base: Callable[[str], tuple[str, ...]]) -> Callable[[str], tuple[str, ...]]:
    """``base`` (:func:`~loyalloop.feedback.mention_sentiment.mood_cues`) with ``req`` after
    the question and hope cues where :data:`REQUEST` matches (session 21's order)."""

    @lru_cache(maxsize=65536)
    def cues(text: str) -> tuple[str, ...]:
        out = list(base(text))
        if REQUEST.search(text):
            at = sum(1 for c in out if c in ("rhet", "infoq", "hope"))
            out.insert(at, "req")
        return tuple(out)

    return cues


# Session 23 (fb23b): the comment's aspect-free sentences (MentionContext.free_*, filled when
# mention_sentiment.COMMENT_FEATURES is on). The product reads only those before the mention's
# sentence (mention_sentiment.comment_items); these read both sides.


def both_sides_items(ctx: MentionContext) -> Items:
    """``free_both_sides``: :func:`~loyalloop.feedback.mention_sentiment.comment_items` over the
    aspect-free sentences before **and after** the mention's (each side's log-odds, also × the
    aspect; the mention's own judgement × each side's sign, ``x`` where a side has none)."""
    if not (ctx.free_before or ctx.free_after):
        return []
    a = ctx.aspect
    bp, bn = ms._signed(ctx.free_before_logit)
    ap, an = ms._signed(ctx.free_after_logit)
    items = [("cfb+", bp), ("cfb-", bn), ("cfa+", ap), ("cfa-", an)]
    items += [("a:" + a + ":" + k, v) for k, v in items] + [("cf", 1.0)]
    side = _sign_of(ctx.before_logit + ctx.after_logit) if ctx.before or ctx.after else "x"
    own = (_sign_of(ctx.logit) if ctx.evidence else "0") + side
    rest = (_sign_of(ctx.free_before_logit) if ctx.free_before else "x") + (
        _sign_of(ctx.free_after_logit) if ctx.free_after else "x"
    )
    return [*items, ("cfx:" + own + rest, 1.0), ("cfx:" + own + rest + ":" + a, 1.0)]


def without_evidence_items(ctx: MentionContext) -> Items:
    """``free_without_evidence``: :func:`both_sides_items` only where the mention's clause holds
    no lexicon evidence (borrow a judgement only where the clause judges nothing)."""
    return [] if ctx.evidence else both_sides_items(ctx)


def free_word_items(ctx: MentionContext) -> Items:
    """``free_words``: the English words of the aspect-free sentences (``free_text``), on top of
    the comment items — "class act", "bruh", "unreal" carry no lexicon judgement."""
    if not ctx.free_text or ms.language_of(ctx.clause + ctx.next_free) not in ms.COMMENT_LANGUAGES:
        return []
    return [(f, 1.0) for f in light_ngrams(ctx.free_text, "cw")]


#: Variants that replace the product's comment items.
COMMENT_VARIANTS: dict[str, Callable[[MentionContext], Items]] = {
    "free_both_sides": both_sides_items,
    "free_without_evidence": without_evidence_items,
}


#: Variants that add items to a mention's features.
ITEM_VARIANTS: dict[str, Callable[[MentionContext], Items]] = {
    "judged": judged_items,
    "mood_side": mood_side_items,
    "free_words": free_word_items,
}
VARIANTS = (*ITEM_VARIANTS, *COMMENT_VARIANTS, "request")


def install(names: Iterable[str]) -> None:
    """Switch the named variants on in this process (for ``oof``; there is no switching off)."""
    names = list(names)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; known: {', '.join(VARIANTS)}")
    if "request" in names:
        ms.mood_cues = request_mood_cues(ms.mood_cues)  # type: ignore[assignment]
    for name in names:
        if name in COMMENT_VARIANTS:  # read where the product reads comment_items
            ms.comment_items = COMMENT_VARIANTS[name]  # type: ignore[assignment]
    extra = [ITEM_VARIANTS[n] for n in names if n in ITEM_VARIANTS]
    if extra:
        base = ms.feature_items

        def feature_items(ctx: MentionContext) -> Items:
            items = base(ctx)
            for f in extra:
                items += f(ctx)
            return items

        ms.feature_items = feature_items  # type: ignore[assignment]
        tms.feature_items = feature_items  # type: ignore[assignment]
