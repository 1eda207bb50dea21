"""Per-comment analysis: language, sentiment and aspects in one pass.

:func:`analyze_texts` is what ``loyalloop feedback analyze`` writes: one row per comment with
``text, language, sentiment, sentiment_score, aspects``. ``aspects`` is a ``; ``-separated list
of ``aspect:label`` in order of first mention, e.g. ``annual_fee:negative; rewards_points:positive``
(empty when no aspect is mentioned). :func:`analyze_feedback` adds the same columns to a
``feedback``-shaped frame.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from loyalloop.errors import DataValidationError
from loyalloop.feedback.aspects import Taxonomy, _read, load_taxonomy
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.language import _classify, language_counts

__all__ = ["ANALYZE_COLUMNS", "analyze_feedback", "analyze_texts", "format_aspects"]

ANALYZE_COLUMNS = ("text", "language", "sentiment", "sentiment_score", "aspects")


def format_aspects(pairs: Iterable[tuple[str, str]]) -> str:
    """``[("annual_fee", "negative")]`` → ``"annual_fee:negative"`` (first mention wins)."""
    seen: dict[str, str] = {}
    for key, label in pairs:
        seen.setdefault(key, label)
    return "; ".join(f"{k}:{v}" for k, v in seen.items())


def _analyze_one(raw: object, tax: Taxonomy) -> tuple[str, str, str, float, str]:
    text = clean_text(raw)
    lang = _classify(*language_counts(text))
    reading = _read(clean_text(raw, normalize=False), tax)
    aspects = format_aspects((m.aspect, m.sentiment.label) for m in reading.mentions)
    return text, lang, reading.sentiment.label, reading.sentiment.score, aspects


def _analyze_chunk(args: tuple[list[object], Taxonomy]) -> list[tuple[str, str, str, float, str]]:
    texts, tax = args
    return [_analyze_one(t, tax) for t in texts]


def _warm_up(tax: Taxonomy) -> None:
    """Load the tokenizer and models in the parent so forked workers inherit them."""
    _analyze_one("预热 warm-up", tax)


def analyze_texts(
    texts: Iterable[object],
    *,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    n_jobs: int = 1,
    chunk_size: int = 5000,
) -> pd.DataFrame:
    """Analyse comments; one output row per input, in order.

    Parameters
    ----------
    texts
        Comments (anything :func:`~loyalloop.feedback.clean.clean_text` accepts).
    taxonomy
        Aspect taxonomy (see :func:`~loyalloop.feedback.aspects.load_taxonomy`).
    n_jobs
        Worker processes (``-1``: one per CPU). Results are identical to ``n_jobs=1``; workers
        are forked where the platform allows, so models load once.
    chunk_size
        Comments per task sent to a worker.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ANALYZE_COLUMNS`; ``text`` is the cleaned text.

    Examples
    --------
    >>> analyze_texts(["年费太贵，但是积分很划算"]).loc[0, "aspects"]
    'annual_fee:negative; rewards_points:positive'
    """
    tax = load_taxonomy(taxonomy)
    items = list(texts)
    workers = (os.cpu_count() or 1) if n_jobs == -1 else max(1, n_jobs)
    if workers == 1 or len(items) <= chunk_size:
        rows = [_analyze_one(t, tax) for t in items]
    else:
        _warm_up(tax)
        chunks = [(items[i : i + chunk_size], tax) for i in range(0, len(items), chunk_size)]
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            rows = [row for part in pool.map(_analyze_chunk, chunks) for row in part]
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
