"""A learned reading of a comment's main intent, over the rules' flags and the comment's words.

The rules of :mod:`~loyalloop.feedback.intent` were right about the main intent of about half
the sentences of authors who never saw them (0.52–0.59 on the second blind set). This model is
one multinomial logistic regression per language over the classes of
:data:`~loyalloop.feedback.intent.INTENTS`, trained by
:mod:`loyalloop.feedback.train_intent` on the hand-labelled sets (an author's ``statement`` is
the rules' ``none``; the blind authors' ``request`` is the product's ``request``), shipped as
``data/intent_model.txt``. Features (:func:`intent_features`): the comment's clause
n-grams (:func:`~loyalloop.feedback.aspect_model.clause_ngrams`), the rules' flags and main
intent, the comment's sentiment label and whether a clause asks. Scoring is a dict look-up per
feature (one comment at a time, as the reading goes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from loyalloop.core.export import write_text_atomic
from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_model import clause_ngrams
from loyalloop.feedback.mention_sentiment import language_of

__all__ = ["INTENT_FORMAT", "IntentModel", "intent_features", "shipped_intent_model"]

INTENT_FORMAT = "loyalloop-intent/1"
_FILE = "intent_model.txt"


def intent_features(
    norms: list[str],
    flags: set[str],
    rule: str,
    sentiment: str,
    asks: bool,
    *,
    complaint_question: bool = False,
    extra: Iterable[str] = (),
) -> list[str]:
    """Binary features of one comment: its normalised clauses and the rules' reading
    (``complaint_question``: a clause asks only to complain,
    :func:`~loyalloop.feedback.intent.complaint_question`), then ``extra`` (the reading's cues,
    :func:`~loyalloop.feedback.intent.reading_cues`); each once, where it first occurs."""
    out = ["bias", "rule:" + rule, "sent:" + sentiment, *("flag:" + f for f in sorted(flags))]
    if asks:
        out.append("asks")
    if complaint_question:
        out.append("complaint_question")
    for c in norms:
        out += clause_ngrams(c, "t")
    out += extra
    return list(dict.fromkeys(out))


class IntentModel:
    """Per-language multinomial logistic regressions over :func:`intent_features`.

    Parameters
    ----------
    classes
        Intent names, the order of each weight row.
    weights
        ``{language: {feature: weights per class}}``.
    metadata
        Training facts written into the model file.
    """

    def __init__(
        self,
        classes: tuple[str, ...],
        weights: dict[str, dict[str, tuple[float, ...]]],
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.classes_ = classes
        self.weights_ = weights
        self.metadata = dict(metadata or {})

    def predict(self, norms: list[str], features: list[str]) -> tuple[str, float]:
        """Most probable intent and its probability."""
        w = self.weights_.get(language_of(" ".join(norms)), {})
        k = len(self.classes_)
        s = [0.0] * k
        for f in features:
            row = w.get(f)
            if row is not None:
                for j in range(k):
                    s[j] += row[j]
        top = max(s)
        e = [math.exp(v - top) for v in s]
        best = max(range(k), key=s.__getitem__)
        return self.classes_[best], e[best] / sum(e)

    @classmethod
    def load(cls, path: str | Path | None = None) -> IntentModel:
        """Load the shipped model (or a file written by :meth:`dump`)."""
        if path is None:
            text = resources.files("loyalloop.feedback").joinpath("data", _FILE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        meta: dict[str, str] = {}
        weights: dict[str, dict[str, tuple[float, ...]]] = {}
        for n, line in enumerate(text.splitlines(), 1):
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                meta[key.strip()] = value.strip()
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise ModelError(f"{_FILE} line {n}: expected 'lang<TAB>feature<TAB>weights'")
            weights.setdefault(parts[0], {})[parts[1]] = tuple(
                float(v) for v in parts[2].split(" ")
            )
        if meta.get("format") != INTENT_FORMAT:
            raise ModelError(
                f"intent model format {meta.get('format')!r} is not {INTENT_FORMAT!r}; "
                "retrain it with `python -m loyalloop.feedback.train_intent`"
            )
        return cls(tuple(meta["classes"].split(",")), weights, meta)

    def dump(self, path: str | Path) -> None:
        """Write sorted, fixed-precision text (byte-identical for equal models)."""
        meta = {k: v for k, v in self.metadata.items() if k not in ("format", "classes")}
        lines = [f"# format = {INTENT_FORMAT}", f"# classes = {','.join(self.classes_)}"]
        lines += [f"# {k} = {v}" for k, v in sorted(meta.items())]
        for lang in sorted(self.weights_):
            for f in sorted(self.weights_[lang]):
                row = [f"{v:.3f}".rstrip("0").rstrip(".") for v in self.weights_[lang][f]]
                row = ["0" if v in ("", "-0") else v for v in row]
                if any(v != "0" for v in row):
                    lines.append(f"{lang}\t{f}\t{' '.join(row)}")
        write_text_atomic(path, "\n".join(lines) + "\n")


@lru_cache(maxsize=1)
def shipped_intent_model() -> IntentModel | None:
    """The shipped model, or ``None`` before it has been trained (the rules stand)."""
    ref = resources.files("loyalloop.feedback").joinpath("data", _FILE)
    if not ref.is_file():
        return None
    return IntentModel.load()
