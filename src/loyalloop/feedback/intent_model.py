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

**Speed** (session 34). Reading the intent made ``feedback analyze`` of 10,000 Chinese reviews
cost 12.1 CPU s against session 32's 9.0. Of that, parsing this 10 MB text file (205,000 weight
rows, 1.2 million numbers) took 0.58 CPU s in every process, and the scoring loop, a Python
addition per feature and class, 0.54 s over the 7,493 distinct comments. The parsed model is now
kept in the user's cache folder like the other shipped models
(:func:`~loyalloop.feedback.model_cache.load_parsed`, at most ``KEEP`` files per model), read in
0.07 s; its weights are a feature → row look-up and a NumPy matrix per language, summed per
comment by ``np.add.accumulate`` in the order of the features (the same additions as the loop,
bit for bit): 0.37 s. With the clauses' sentiment kept on their readings
(:class:`~loyalloop.feedback.sentiment.ClauseReading`), :func:`~loyalloop.feedback.intent.
complaint_question` computed once and the features de-duplicated once, reading the intent of
those comments takes 1.1–1.3 CPU s once the model is loaded (1.4–1.5 before; the same process,
load 3–4 on two shared CPUs), and the whole command about 0.9 CPU s less (``--jobs 1``, two
runs each in turn: 11.45 / 11.46 → 10.47 / 10.71).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from loyalloop.core.export import write_text_atomic
from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_model import clause_ngrams
from loyalloop.feedback.mention_sentiment import language_of
from loyalloop.feedback.model_cache import load_parsed

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

    The weights are kept per language as a feature → row number look-up and one matrix whose
    row 0 is zeros (``_rows``); :attr:`weights_` gives them back as written.
    """

    #: Version of the parsed object's attributes (:mod:`~loyalloop.feedback.model_cache`):
    #: bump it when the attributes change.
    PARSED_LAYOUT = 1

    def __init__(
        self,
        classes: tuple[str, ...],
        weights: dict[str, dict[str, tuple[float, ...]]],
        metadata: dict[str, str] | None = None,
    ) -> None:
        self.classes_ = classes
        self.metadata = dict(metadata or {})
        self._rows: dict[str, tuple[dict[str, int], np.ndarray]] = {
            lang: _rows(list(w), [v for row in w.values() for v in row], len(classes))
            for lang, w in weights.items()
        }

    @property
    def weights_(self) -> dict[str, dict[str, tuple[float, ...]]]:
        """``{language: {feature: weights per class}}``, in the order written."""
        return {
            lang: {f: tuple(matrix[i].tolist()) for f, i in index.items()}
            for lang, (index, matrix) in self._rows.items()
        }

    def predict(self, norms: list[str], features: list[str]) -> tuple[str, float]:
        """Most probable intent and its probability.

        Each class's score is the sum of the weights of the features the model knows, added
        one after the other in the order of ``features`` from 0.0 (``np.add.accumulate`` down
        the rows, the zero row first: the same sums, bit for bit, as a loop over the features).
        """
        k = len(self.classes_)
        found = self._rows.get(language_of(" ".join(norms)))
        if found is None:
            s = [0.0] * k
        else:
            index, matrix = found
            rows = [0]
            rows += [i for f in features if (i := index.get(f)) is not None]
            s = np.add.accumulate(matrix[rows], axis=0)[-1].tolist()
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
        features: dict[str, list[str]] = {}
        values: dict[str, list[str]] = {}
        for n, line in enumerate(text.splitlines(), 1):
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                meta[key.strip()] = value.strip()
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise ModelError(f"{_FILE} line {n}: expected 'lang<TAB>feature<TAB>weights'")
            features.setdefault(parts[0], []).append(parts[1])
            values.setdefault(parts[0], []).append(parts[2])
        if meta.get("format") != INTENT_FORMAT:
            raise ModelError(
                f"intent model format {meta.get('format')!r} is not {INTENT_FORMAT!r}; "
                "retrain it with `python -m loyalloop.feedback.train_intent`"
            )
        model = cls(tuple(meta["classes"].split(",")), {}, meta)
        k = len(model.classes_)
        for lang, rows in values.items():
            if any(row.count(" ") != k - 1 for row in rows):
                raise ModelError(f"{_FILE}: a {lang} row has not {k} weights")
            tokens = " ".join(rows).split(" ")
            parsed = {t: float(t) for t in set(tokens)}  # about 2,000 distinct numbers
            model._rows[lang] = _rows(features[lang], list(map(parsed.__getitem__, tokens)), k)
        return model

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


def _rows(features: list[str], values: list[float], k: int) -> tuple[dict[str, int], np.ndarray]:
    """``features`` → row number (from 1; a feature written twice: its last row) and the
    matrix of their ``k`` weights each, row 0 zeros (:meth:`IntentModel.predict`)."""
    matrix = np.zeros((len(features) + 1, k))
    matrix[1:] = np.array(values, dtype=np.float64).reshape(len(features), k)
    return dict(zip(features, range(1, len(features) + 1), strict=True)), matrix


@lru_cache(maxsize=1)
def shipped_intent_model() -> IntentModel | None:
    """The shipped model, or ``None`` before it has been trained (the rules stand)."""
    ref = resources.files("loyalloop.feedback").joinpath("data", _FILE)
    if not ref.is_file():
        return None
    return load_parsed(_FILE, IntentModel.load, IntentModel)  # once per user
