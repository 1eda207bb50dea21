"""Aspects a comment's channel implies: an app-store review is about the app unless it says
otherwise.

A labeller who reads "Love it", "Terrible. Just terrible.", "Reliable", "so many pop ups" or
"keeps logging me out" knows it was left in an app store and tags it *App and website*; the
reading sees only the words, which name no aspect. The product knows each comment's channel
(the feedback contract's ``channel``, :data:`~loyalloop.data.contracts.FEEDBACK_CHANNELS`), and
``app_review`` is a review of the company's app in an app store or app marketplace.

The rule (decided before any measurement, not tuned on a labelled set)
-----------------------------------------------------------------------
In a comment from a channel the taxonomy maps to an aspect (``channel_implied`` in the taxonomy
YAML; both shipped taxonomies say ``{app_review: app_online}``), every **sentence** that

* carries a judgement — the reading gives the sentence a positive or negative sentiment
  (:func:`~loyalloop.feedback.sentiment.comment_sentiment` over its clauses, as the comment's
  own sentiment is read), and
* gets **no** aspect from the reading — not from the patterns, the learned detector, its second
  pass or its fallback, in any of its clauses —

gets one mention of the implied aspect with that sentiment, marked ``source = "channel"``
(:attr:`~loyalloop.feedback.aspects.AspectMention.source`; mentions read from the words are
``"text"``). Its ``clause`` is the sentence's clause that leans most the sentence's way. A
sentence that names an aspect keeps it and gets nothing more ("The fee is a rip-off" in an app
review is about fees, not the app); a neutral sentence (small talk, a plain statement) gets
nothing; the comment's other sentences, its sentiment and its intent are read as before (the
intent model was trained on readings of the words alone). A taxonomy without
``channel_implied`` (a user's own, unless it adds one) and a channel it does not name: no
change.

Why a taxonomy entry and not a fixed name: the aspect the app is filed under is the taxonomy's
to name (a user's taxonomy may call it ``digital`` or split app from website), and a taxonomy
without such an aspect must not get one. The entry is checked on load: the channel must be a
feedback channel and the aspect one of the taxonomy's.

What it costs: a judgement that is not about the app ("Happy Friday everyone!" posted as an
app-store review, a complaint about a branch written in the app store) is read as one. The
lead measures the rule once on a held-out set whose author recorded each row's channel
(``python -m loyalloop.feedback.evaluate FILE --channels CHANNELS.tsv``).
"""

from __future__ import annotations

from collections.abc import Iterable

from loyalloop.errors import DataValidationError
from loyalloop.feedback.aspects import AspectMention, CommentReading, Taxonomy
from loyalloop.feedback.sentiment import comment_sentiment

__all__ = [
    "CHANNEL_SOURCE",
    "MENTION_SOURCES",
    "TEXT_SOURCE",
    "channel_mentions",
    "check_channel",
    "implied_aspect",
    "implied_aspects",
    "with_channel",
]

#: :attr:`~loyalloop.feedback.aspects.AspectMention.source` of a mention read from the words.
TEXT_SOURCE = "text"
#: ... and of one implied by the comment's channel.
CHANNEL_SOURCE = "channel"
MENTION_SOURCES = (TEXT_SOURCE, CHANNEL_SOURCE)


def check_channel(channel: str) -> str:
    """``channel`` as a feedback channel (stripped, lower case).

    Raises
    ------
    DataValidationError
        Not one of :data:`~loyalloop.data.contracts.FEEDBACK_CHANNELS`.
    """
    from loyalloop.data.contracts import FEEDBACK_CHANNELS

    key = channel.strip().lower()
    if key not in FEEDBACK_CHANNELS:
        raise DataValidationError(
            f"channel {channel!r} is not a feedback channel ({', '.join(FEEDBACK_CHANNELS)})"
        )
    return key


def implied_aspect(taxonomy: Taxonomy, channel: object) -> str | None:
    """The aspect ``taxonomy`` implies for comments from ``channel`` (``None``: none).

    Examples
    --------
    >>> from loyalloop.feedback.aspects import load_taxonomy
    >>> implied_aspect(load_taxonomy("banking"), "app_review")
    'app_online'
    >>> implied_aspect(load_taxonomy("banking"), "survey") is None
    True
    """
    if not isinstance(channel, str):
        return None
    key = channel.strip().lower()
    for name, aspect in taxonomy.channel_implied:
        if name == key:
            return aspect
    return None


def implied_aspects(taxonomy: Taxonomy, channels: Iterable[object]) -> list[str | None]:
    """:func:`implied_aspect` of each channel (missing values imply nothing)."""
    lookup = dict(taxonomy.channel_implied)
    return [lookup.get(c.strip().lower()) if isinstance(c, str) else None for c in channels]


def _mention_clauses(reading: CommentReading) -> list[int]:
    """The index of the clause each of the reading's mentions is in, as the reading recorded it
    (:attr:`~loyalloop.feedback.aspects.AspectMention.clause_index`).

    Raises
    ------
    ValueError
        A mention without a clause index (not made by the reading).
    """
    out = []
    for m in reading.mentions:
        if m.clause_index is None:
            raise ValueError(f"mention of {m.aspect!r} has no clause index (not from a reading)")
        out.append(m.clause_index)
    return out


def _added(reading: CommentReading, aspect: str | None) -> list[tuple[int, AspectMention]]:
    """``(sentence, mention)`` of each mention :func:`channel_mentions` adds."""
    if aspect is None or not reading.clauses:
        return []
    named = {reading.clauses[i].sentence for i in _mention_clauses(reading)}
    sentences: dict[int, list[int]] = {}
    for i, c in enumerate(reading.clauses):
        sentences.setdefault(c.sentence, []).append(i)
    out = []
    for sentence, idx in sentences.items():
        if sentence in named:
            continue
        readings = [reading.readings[i] for i in idx]
        norm = "，".join(reading.clauses[i].norm for i in idx if not reading.readings[i].asks)
        sent = comment_sentiment(readings, norm)
        if sent.label == "neutral":
            continue
        sign = 1.0 if sent.label == "positive" else -1.0
        best = max(idx, key=lambda i: (sign * reading.readings[i].logit, -i))
        clause = reading.clauses[best].text
        mention = AspectMention(aspect, clause, (), sent, CHANNEL_SOURCE, clause_index=best)
        out.append((sentence, mention))
    return out


def channel_mentions(reading: CommentReading, aspect: str | None) -> tuple[AspectMention, ...]:
    """The mentions of ``aspect`` the rule of the module docs adds to ``reading`` (one per
    sentence that judges and names no aspect), in sentence order; none for ``aspect=None``."""
    return tuple(m for _, m in _added(reading, aspect))


def with_channel(reading: CommentReading, aspect: str | None) -> CommentReading:
    """``reading`` with :func:`channel_mentions` of ``aspect`` among its mentions, in sentence
    order (``reading`` itself when there is none to add).

    Examples
    --------
    >>> from loyalloop.feedback.aspects import load_taxonomy, read_comment
    >>> reading = with_channel(read_comment("Love it.", load_taxonomy("banking")), "app_online")
    >>> [(m.aspect, m.sentiment.label, m.source) for m in reading.mentions]
    [('app_online', 'positive', 'channel')]
    """
    extra = _added(reading, aspect)
    if not extra:
        return reading
    sentences = [reading.clauses[i].sentence for i in _mention_clauses(reading)]
    keyed = [(s, 0, n, m) for n, (s, m) in enumerate(zip(sentences, reading.mentions, strict=True))]
    keyed += [(s, 1, n, m) for n, (s, m) in enumerate(extra)]
    mentions = tuple(m for *_, m in sorted(keyed, key=lambda x: x[:3]))
    return CommentReading(reading.clauses, reading.readings, mentions)
