"""A small supervised model for the sentiment of one aspect mention, over the lexicon's reading.

The domain lexicon (:mod:`~loyalloop.feedback.lexicon`) reads what it was written for and
nothing else: on sentences written after it, a third of its aspect labels were wrong, mostly
phrasings it had no entry for ("冷冰冰", "麻利", "brutal", "straightforward"). This model is a
multinomial logistic regression (negative / neutral / positive) trained on hand-labelled
banking and retail sentences (``tests/feedback/data``: ``domain_*``, ``fresh_*``, ``dev2_*``)
by :mod:`loyalloop.feedback.train_aspects`, and shipped as ``data/aspect_sentiment.txt``. Its
features, per mention (:func:`mention_features`):

* **the lexicon's reading** of the mention: its log-odds (clipped, signed parts), the rules'
  label, whether the clause asks, complains or holds lexicon evidence, and the aspect (a prior:
  interest is rarely praised);
* **the clause's words**: Chinese character 1–3-grams; English words, word pairs and character
  3-grams inside words (typing slips share most of them: "intrest" / "interest"), words after a
  negator marked (``not helpful`` → ``~helpful``);
* the same n-grams of the **next clause** of the sentence when that clause names no aspect
  (``年费呢，太贵了``), with their own prefix.

Scoring is plain Python over a dict of weights (no scikit-learn at run time). The score of a
mention is ``P(positive) − P(negative)``, in [-1, 1]; the label is the most probable class.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from loyalloop.errors import ModelError

__all__ = [
    "LABELS",
    "MODEL_FORMAT",
    "AspectSentimentModel",
    "MentionContext",
    "clause_ngrams",
    "light_ngrams",
    "mention_features",
    "shipped_model",
]

MODEL_FORMAT = "loyalloop-aspect-sentiment/1"
#: Class order of the weight columns.
LABELS = ("negative", "neutral", "positive")

_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't")
_EN_NEGATORS = frozenset(
    {"not", "no", "never", "n't", "nothing", "nobody", "none", "neither", "nor", "without",
     "cannot", "can't", "won't", "don't", "doesn't", "didn't", "isn't", "wasn't", "aren't",
     "weren't", "hasn't", "haven't", "couldn't", "wouldn't", "shouldn't"}
)  # fmt: skip
_CLIP = 4.0


@dataclass(frozen=True)
class MentionContext:
    """What the reader knows about one aspect mention (all text normalised)."""

    clause: str
    aspect: str
    #: Log-odds of the lexicon and rules for this aspect (after borrowing from the next clause).
    logit: float
    #: The rules' label for the mention.
    rule: str
    asks: bool = False
    complains: bool = False
    evidence: bool = False
    #: The next clause of the sentence when it names no aspect, else "".
    next_free: str = ""
    #: The other clauses of the mention's sentence, before and after it, joined by " | "
    #: (the sentence's judgement may sit there: "这是我这个月第三次打电话 | 问同一笔账单了"),
    #: and the rules' summed log-odds of each side.
    before: str = ""
    after: str = ""
    before_logit: float = 0.0
    after_logit: float = 0.0
    #: A later clause of the sentence opens with a contrast ("…, but …", "不过…").
    contrast_after: bool = False
    #: The comment's other sentences that name **no aspect of their own** (session 23; filled
    #: when :data:`~loyalloop.feedback.mention_sentiment.COMMENT_FEATURES` is on): how many come
    #: before and after the mention's sentence, the rules' summed log-odds of each side, and
    #: their normalised clauses joined by " | " ("terrible experience. | the fee on my statement
    #: was never explained": the judgement of the fee sits in the sentence before). The mention
    #: model reads only the side before (:func:`~loyalloop.feedback.mention_sentiment.
    #: comment_items`); the side after is kept for measuring (``benchmarks/
    #: mention_sentiment_variants.py``).
    free_before: int = 0
    free_after: int = 0
    free_before_logit: float = 0.0
    free_after_logit: float = 0.0
    free_text: str = ""


@lru_cache(maxsize=65536)
def clause_ngrams(text: str, prefix: str) -> tuple[str, ...]:
    """N-gram features of a normalised clause, each name starting with ``prefix``.

    Chinese character 1–3-grams of each run of Chinese characters (per run: the 1-grams, then
    the 2-grams, then the 3-grams), then per English word the word (``w``, ``w~`` after a
    negator), the word pair with the previous one (``b``) and, for words longer than three
    letters that are not numbers, the character 3-grams of ``<word>`` (``c``); duplicates
    dropped, first occurrences kept in that order. (Session 29: the prefixes are joined once,
    not per n-gram — the same names in the same order.)
    """
    feats: list[str] = []
    if _CJK.search(text):
        p1, p2, p3 = prefix + "1", prefix + "2", prefix + "3"
        for run in _CJK_RUN.findall(text):
            feats += [p1 + c for c in run]
            if len(run) > 1:
                feats += [p2 + run[i : i + 2] for i in range(len(run) - 1)]
                feats += [p3 + run[i : i + 3] for i in range(len(run) - 2)]
    words = _WORD.findall(text.replace("’", "'"))
    if words:
        pw, pn, pb, pc = prefix + "w", prefix + "w~", prefix + "b", prefix + "c"
        append = feats.append
        negated = False
        prev = "<s>"
        for w in words:
            if w in _EN_NEGATORS or w.endswith("n't"):
                negated = True
                append(pw + w)
                prev = w
                continue
            append((pn if negated else pw) + w)
            append(pb + prev + "_" + w)
            if len(w) > 3 and not w.isdigit():
                padded = f"<{w}>"
                feats += [pc + padded[i : i + 3] for i in range(len(padded) - 2)]
            prev = w
        append(pb + prev + "_</s>")
    return tuple(dict.fromkeys(feats))


@lru_cache(maxsize=65536)
def light_ngrams(text: str, prefix: str) -> tuple[str, ...]:
    """The Chinese character 1- and 2-grams and the English words of :func:`clause_ngrams`,
    in its order: ``tuple(f for f in clause_ngrams(text, prefix) if f[len(prefix)] in "12w")``
    (the mention model's features of a sentence's other clauses), built without the 3-grams,
    word pairs and character 3-grams that filter would drop (session 29: 0.8 of the reading's
    profiled seconds went to building and dropping them)."""
    feats: list[str] = []
    if _CJK.search(text):
        p1, p2 = prefix + "1", prefix + "2"
        for run in _CJK_RUN.findall(text):
            feats += [p1 + c for c in run]
            feats += [p2 + run[i : i + 2] for i in range(len(run) - 1)]
    words = _WORD.findall(text.replace("’", "'"))
    if words:
        pw, pn = prefix + "w", prefix + "w~"
        negated = False
        for w in words:
            if w in _EN_NEGATORS or w.endswith("n't"):
                negated = True
                feats.append(pw + w)
            else:
                feats.append((pn if negated else pw) + w)
    return tuple(dict.fromkeys(feats))


def mention_features(ctx: MentionContext) -> dict[str, float]:
    """Features of one mention (see the module docs): ``{name: value}``."""
    clipped = max(-_CLIP, min(_CLIP, ctx.logit)) / _CLIP
    feats: dict[str, float] = {
        "bias": 1.0,
        "lex+": max(clipped, 0.0),
        "lex-": max(-clipped, 0.0),
        "rule:" + ctx.rule: 1.0,
        "aspect:" + ctx.aspect: 1.0,
        "aspect:" + ctx.aspect + ":" + ctx.rule: 1.0,
    }
    if ctx.asks:
        feats["asks"] = 1.0
    if ctx.complains:
        feats["complains"] = 1.0
    if not ctx.evidence:
        feats["no_evidence"] = 1.0
    for f in clause_ngrams(ctx.clause, "t"):
        feats[f] = 1.0
    if ctx.next_free:
        for f in clause_ngrams(ctx.next_free, "n"):
            feats[f] = 1.0
    return feats


class AspectSentimentModel:
    """Multinomial logistic regression over :func:`mention_features` (see the module docs).

    Parameters
    ----------
    weights
        ``{feature: (w_negative, w_neutral, w_positive)}``.
    metadata
        Training facts written into the model file (data, sizes, cross-validated accuracy).
    """

    def __init__(
        self, weights: dict[str, tuple[float, float, float]], metadata: dict[str, str]
    ) -> None:
        self.weights_ = weights
        self.metadata = metadata
        # Mentions repeat (short clauses recur across comments): predict once per context.
        self._cache: dict[MentionContext, tuple[str, float]] = {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> AspectSentimentModel:
        """Load the shipped model (or a file written by :meth:`dump`)."""
        if path is None:
            ref = resources.files("loyalloop.feedback").joinpath("data", "aspect_sentiment.txt")
            text = ref.read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        metadata: dict[str, str] = {}
        weights: dict[str, tuple[float, float, float]] = {}
        for line in text.splitlines():
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                metadata[key.strip()] = value.strip()
                continue
            name, a, b, c = line.split("\t")
            weights[name] = (float(a), float(b), float(c))
        if metadata.get("format") != MODEL_FORMAT:
            raise ModelError(
                f"aspect sentiment model format {metadata.get('format')!r} is not "
                f"{MODEL_FORMAT!r}; regenerate it with `python -m loyalloop.feedback.train_aspects`"
            )
        return cls(weights, metadata)

    def dump(self, path: str | Path) -> None:
        """Write the model as sorted, fixed-precision text (byte-identical for equal models)."""
        lines = [f"# format = {MODEL_FORMAT}"]
        lines += [f"# {k} = {v}" for k, v in sorted(self.metadata.items()) if k != "format"]
        for f in sorted(self.weights_):
            a, b, c = self.weights_[f]
            lines.append(f"{f}\t{a:.4f}\t{b:.4f}\t{c:.4f}")
        from loyalloop.core.export import write_text_atomic

        write_text_atomic(path, "\n".join(lines) + "\n")

    def probabilities(self, features: dict[str, float]) -> tuple[float, float, float]:
        """``(P(negative), P(neutral), P(positive))`` of one mention."""
        s0 = s1 = s2 = 0.0
        get = self.weights_.get
        for f, v in features.items():
            w = get(f)
            if w is not None:
                s0 += w[0] * v
                s1 += w[1] * v
                s2 += w[2] * v
        top = max(s0, s1, s2)
        e0, e1, e2 = math.exp(s0 - top), math.exp(s1 - top), math.exp(s2 - top)
        total = e0 + e1 + e2
        return e0 / total, e1 / total, e2 / total

    def predict(self, ctx: MentionContext) -> tuple[str, float]:
        """Label and score (``P(positive) − P(negative)``) of one mention."""
        hit = self._cache.get(ctx)
        if hit is None:
            p = self.probabilities(mention_features(ctx))
            best = max(range(3), key=p.__getitem__)
            hit = (LABELS[best], round(p[2] - p[0], 4))
            if len(self._cache) >= 200_000:
                self._cache.clear()
            self._cache[ctx] = hit
        return hit


@lru_cache(maxsize=1)
def shipped_model() -> AspectSentimentModel | None:
    """The shipped model, or ``None`` before it has been trained (the rules' labels stand)."""
    ref = resources.files("loyalloop.feedback").joinpath("data", "aspect_sentiment.txt")
    if not ref.is_file():
        return None
    return AspectSentimentModel.load()
