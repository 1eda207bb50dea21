"""Reproducible training of the shipped aspect detector and aspect-sentiment model.

Run from the repository root::

    python -m loyalloop.feedback.train_aspects            # writes both models, logs the figures
    python -m loyalloop.feedback.train_aspects --check    # cross-validation only
    python -m loyalloop.feedback.train_aspects --loao     # leave-one-author-out evaluation

Data: the hand-labelled sentences in ``tests/feedback/data`` (:data:`TRAIN_SETS`), by three
authors (:data:`AUTHOR_OF`): the engineer who wrote the lexicon (``domain_*``, ``fresh_*``,
``dev2_*``, ``dev3_*``, ``check_*``), a first blind labeller (``blind_*``, spent as a test set,
now training data) and a second one (``train3_*``). The sample's templated comments are not
used.

**Detector** (``data/aspect_detector.txt``, :class:`~loyalloop.feedback.aspect_detector.
AspectDetector`): one L2 logistic regression per aspect over the sentence's summed clause
n-grams, ``C`` = :data:`DETECTOR_C`; its threshold is chosen by five-fold cross-validation on
the training sentences (the F1 of the aspects found by patterns plus detector).

**Sentiment model** (``data/aspect_sentiment.txt``): each sentence is read by the rules and
the detector (:func:`~loyalloop.feedback.aspects.mention_contexts`, the shipped taxonomy of its
``domain``); every mention of an aspect the sentence is labelled with becomes one training row
with that label (mentions of unlabelled aspects are left out: the model judges sentiment, not
whether an aspect is there).

**Leave-one-author-out** (``--loao``): both models are trained without one of the two blind
authors and the whole reading is scored on that author's sentences
(:func:`~loyalloop.feedback.evaluate.evaluate_aspects`): the honest estimate for text by a new
author. Nothing is tuned on the held-out author.

Model: multinomial logistic regression (scikit-learn, L-BFGS, L2 with ``C`` =
:data:`DEFAULT_C`, deterministic) over :func:`~loyalloop.feedback.aspect_model.mention_features`;
n-gram features seen in fewer than ``min_df`` rows are dropped. The weights are written rounded
to four decimals, sorted, so two runs give byte-identical files.

**Cross-validation** (``--check``, and written into the model file): five folds by a hash of the
sentence (the same sentence is never on both sides), scored like
:func:`~loyalloop.feedback.evaluate.evaluate_aspects` — per labelled ``(sentence, aspect)`` pair,
right when the aspect is found and its label is right. It estimates accuracy on sentences of the
same kind the model did not see; the lexicon and taxonomy were tuned on some of these sentences,
which flatters it (the check and blind sets measure it honestly).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loyalloop.errors import ConfigError
from loyalloop.feedback.aspect_detector import AspectDetector, Readers
from loyalloop.feedback.aspect_model import (
    LABELS,
    AspectSentimentModel,
    clause_ngrams,
    mention_features,
)
from loyalloop.feedback.aspects import comment_clauses, load_taxonomy, mention_contexts
from loyalloop.feedback.evaluate import evaluate_aspects, parse_labels

__all__ = [
    "AUTHOR_OF",
    "DEFAULT_C",
    "TRAIN_SETS",
    "Rows",
    "Sentences",
    "cross_validate",
    "fit",
    "fit_detector",
    "leave_one_author_out",
    "load_rows",
    "load_sentences",
    "main",
    "train_readers",
]

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"
#: Labelled sets the shipped model is trained on (``<name>.tsv`` in the data directory).
TRAIN_SETS = (
    "domain_zh", "domain_en", "fresh_zh", "fresh_en", "dev2_zh", "dev2_en", "dev3_zh", "dev3_en",
    "check_zh", "check_en", "blind_zh", "blind_en", "train3_zh", "train3_en",
)  # fmt: skip
#: Who wrote each set (the prefix of its name).
AUTHOR_OF = {
    "domain": "lexicon", "fresh": "lexicon", "dev2": "lexicon", "dev3": "lexicon",
    "check": "lexicon", "blind": "blind", "train3": "train3",
}  # fmt: skip
DETECTOR_C = 1.0
DETECTOR_MIN_DF = 2
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
#: Chosen by the cross-validation below among 0.05, 0.15, 0.3 and 0.5 (en 0.857 / 0.867 / 0.846
#: / 0.866, zh 0.898 / 0.915 / 0.898 / 0.903; the last with fewer training sentences).
DEFAULT_C = 0.15
MIN_DF = 2
FOLDS = 5


@dataclass(frozen=True)
class Rows:
    """Training rows: features, label index, sentence id and language; plus every labelled
    ``(sentence, aspect, label)`` pair (to count missed aspects in cross-validation)."""

    features: list[dict[str, float]]
    labels: list[int]
    sentence: list[str]
    aspect: list[str]
    lang: list[str]
    gold: pd.DataFrame


def _sentence_id(name: str, text: str) -> str:
    return name + ":" + text


def load_rows(
    data_dir: Path, names: Sequence[str] = TRAIN_SETS, detector: AspectDetector | None = None
) -> Rows:
    """Read the labelled sets and turn every labelled mention into a training row."""
    feats: list[dict[str, float]] = []
    labels: list[int] = []
    sentence: list[str] = []
    aspect: list[str] = []
    lang: list[str] = []
    gold_rows = []
    for name in names:
        path = data_dir / f"{name}.tsv"
        if not path.is_file():
            raise ConfigError(f"labelled set {path} not found (run from the repository root)")
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        language = "zh" if name.endswith("_zh") else "en"
        for i, rec in enumerate(df.to_dict("records")):
            gold = parse_labels(rec["aspects"], f"{path.name} row {i + 2}")
            sid = _sentence_id(name, rec["text"])
            for a, g in gold.items():
                gold_rows.append((sid, a, g, language))
            tax = load_taxonomy(rec["domain"])
            for mention, ctx in mention_contexts(rec["text"], tax, detector):
                if mention.aspect not in gold:
                    continue
                feats.append(mention_features(ctx))
                labels.append(LABELS.index(gold[mention.aspect]))
                sentence.append(sid)
                aspect.append(mention.aspect)
                lang.append(language)
    gold_frame = pd.DataFrame(gold_rows, columns=["sentence", "aspect", "gold", "lang"])
    return Rows(feats, labels, sentence, aspect, lang, gold_frame)


def fit(
    rows: Rows, index: Sequence[int] | None = None, *, c: float = DEFAULT_C, min_df: int = MIN_DF
) -> AspectSentimentModel:
    """Fit the model on ``rows`` (or the rows at ``index``)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    idx = list(range(len(rows.labels))) if index is None else list(index)
    counts: dict[str, int] = {}
    for i in idx:
        for f in rows.features[i]:
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= min_df or f[:1] not in ("t", "n")}
    data = [{f: v for f, v in rows.features[i].items() if f in keep} for i in idx]
    vec = DictVectorizer(sparse=True, sort=True)
    x = vec.fit_transform(data)
    y = np.array([rows.labels[i] for i in idx])
    clf = LogisticRegression(C=c, max_iter=5000, tol=1e-8, fit_intercept=False)
    clf.fit(x, y)
    coef = np.zeros((3, x.shape[1]))
    for row, cls in enumerate(clf.classes_):
        coef[int(cls)] = clf.coef_[row] if len(clf.classes_) > 2 else 0.0
    weights = {
        name: (float(coef[0, j]), float(coef[1, j]), float(coef[2, j]))
        for j, name in enumerate(vec.get_feature_names_out())
        if np.abs(coef[:, j]).max() >= 5e-5
    }
    meta = {"train_rows": str(len(idx)), "C": str(c), "min_df": str(min_df)}
    return AspectSentimentModel(weights, meta)


def _fold(sid: str) -> int:
    return int(hashlib.sha1(sid.encode("utf-8")).hexdigest(), 16) % FOLDS


def cross_validate(rows: Rows, *, c: float = DEFAULT_C) -> pd.DataFrame:
    """Per language and per set: agreement of the rules alone and of the model, out of fold."""
    folds = np.array([_fold(s) for s in rows.sentence])
    predicted: list[tuple[str, str, str, float]] = []
    rule: list[tuple[str, str, str, float]] = []
    for k in range(FOLDS):
        model = fit(rows, np.flatnonzero(folds != k).tolist(), c=c)
        for i in np.flatnonzero(folds == k):
            feats = rows.features[i]
            p = model.probabilities(feats)
            best = max(range(3), key=p.__getitem__)
            predicted.append((rows.sentence[i], rows.aspect[i], LABELS[best], abs(p[2] - p[0])))
            rl = next(f[5:] for f in feats if f.startswith("rule:"))
            rule.append((rows.sentence[i], rows.aspect[i], rl, 0.0))
    out = []
    for what, preds in (("rules", rule), ("model", predicted)):
        frame = pd.DataFrame(preds, columns=["sentence", "aspect", "pred", "strength"])
        frame = frame.sort_values("strength", ascending=False).drop_duplicates(
            ["sentence", "aspect"]
        )
        merged = rows.gold.merge(frame, on=["sentence", "aspect"], how="left")
        merged["right"] = merged["gold"] == merged["pred"]
        merged["set"] = merged["sentence"].str.split(":", n=1).str[0]
        for (s, lang), part in merged.groupby(["set", "lang"]):
            out.append((what, s, lang, len(part), float(part["right"].mean())))
        for lang, part in merged.groupby("lang"):
            out.append((what, "all", lang, len(part), float(part["right"].mean())))
    return pd.DataFrame(out, columns=["reader", "set", "lang", "pairs", "agreement"])


@dataclass(frozen=True)
class Sentences:
    """Labelled sentences: set name, language, taxonomy, clauses, gold labels, pattern hits."""

    frame: pd.DataFrame

    @property
    def size(self) -> int:
        return len(self.frame)


def load_sentences(data_dir: Path, names: Sequence[str] = TRAIN_SETS) -> Sentences:
    """Read labelled sets into one frame (``set, author, lang, domain, text, aspects, gold,
    clauses, found``)."""
    parts = []
    for name in names:
        path = data_dir / f"{name}.tsv"
        if not path.is_file():
            raise ConfigError(f"labelled set {path} not found (run from the repository root)")
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        df["set"] = name
        df["author"] = AUTHOR_OF[name.rsplit("_", 1)[0]]
        df["lang"] = "zh" if name.endswith("_zh") else "en"
        gold = [parse_labels(v, f"{path.name} row {i + 2}") for i, v in enumerate(df["aspects"])]
        df["gold"] = pd.Series(gold, index=df.index, dtype=object)
        df["clauses"] = [comment_clauses(t) for t in df["text"]]
        found = []
        for dom, clauses in zip(df["domain"], df["clauses"], strict=True):
            tax = load_taxonomy(dom)
            found.append({a.key for c in clauses for _, _, a, _ in tax.spans(c)})
        df["found"] = pd.Series(found, index=df.index, dtype=object)
        parts.append(df[["set", "author", "lang", "domain", "text", "aspects", "intent", "gold",
                         "clauses", "found"]])  # fmt: skip
    return Sentences(pd.concat(parts, ignore_index=True))


def _sentence_counts(clauses: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in clauses:
        for f in clause_ngrams(c, "t"):
            out[f] = out.get(f, 0.0) + 1.0
    return out


def _fit_detector_raw(
    frame: pd.DataFrame, *, c: float = DETECTOR_C, min_df: int = DETECTOR_MIN_DF
) -> AspectDetector:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    feats = [_sentence_counts(cl) for cl in frame["clauses"]]
    df_count: dict[str, int] = {}
    for f in feats:
        for k in f:
            df_count[k] = df_count.get(k, 0) + 1
    feats = [{k: v for k, v in f.items() if df_count[k] >= min_df} for f in feats]
    vec = DictVectorizer(sparse=True, sort=True)
    x = vec.fit_transform(feats)
    aspects = sorted({a for g in frame["gold"] for a in g})
    coef = np.zeros((x.shape[1], len(aspects)))
    bias = np.full(len(aspects), -10.0)
    for j, a in enumerate(aspects):
        y = np.array([a in g for g in frame["gold"]], dtype=int)
        if y.sum() < 3:
            continue
        clf = LogisticRegression(C=c, max_iter=2000)
        clf.fit(x, y)
        coef[:, j] = clf.coef_[0]
        bias[j] = clf.intercept_[0]
    coef = np.round(coef, 3)
    keep = np.flatnonzero(np.abs(coef).max(axis=1) > 0)
    names = vec.get_feature_names_out()
    vocab = {str(names[k]): r for r, k in enumerate(keep)}
    meta = {"train_sentences": str(len(frame)), "C": str(c), "min_df": str(min_df)}
    return AspectDetector(aspects, vocab, coef[keep], bias, 0.5, meta)


def _union_f1(frame: pd.DataFrame, det: AspectDetector, thresholds: Sequence[float]) -> np.ndarray:
    """Per threshold: tp, fp, fn of patterns plus detector over ``frame``."""
    out = np.zeros((len(thresholds), 3))
    for clauses, dom, gold, found in zip(
        frame["clauses"], frame["domain"], frame["gold"], frame["found"], strict=True
    ):
        allowed = set(load_taxonomy(dom).keys)
        p = det.probabilities(clauses)
        for t, thr in enumerate(thresholds):
            pred = set(found) | {
                a for a, q in zip(det.aspects_, p, strict=True) if q >= thr and a in allowed
            }
            out[t, 0] += len(pred & set(gold))
            out[t, 1] += len(pred - set(gold))
            out[t, 2] += len(set(gold) - pred)
    return out


def fit_detector(
    sentences: Sentences, *, c: float = DETECTOR_C, threshold: float | None = None
) -> AspectDetector:
    """Fit the detector; its threshold is chosen by 5-fold CV on the same sentences.

    The threshold maximises the F1 of the aspects found (patterns plus detector) out of fold on
    the sentences of authors other than the lexicon's (on the lexicon author's own sentences
    the patterns already find nearly everything, so they cannot tell thresholds apart); on the
    lexicon author's alone when there are no others."""
    frame = sentences.frame
    if threshold is not None:
        det = _fit_detector_raw(frame, c=c)
        det.threshold = threshold
        det.metadata["threshold_from"] = "given"
        return det
    folds = np.array([_fold(s + ":" + t) for s, t in zip(frame["set"], frame["text"], strict=True)])
    scored = frame["author"] != "lexicon"
    if not scored.any():
        scored = frame["author"] == "lexicon"
    counts = np.zeros((len(THRESHOLDS), 3))
    for k in range(FOLDS):
        det = _fit_detector_raw(frame[folds != k], c=c)
        counts += _union_f1(frame[(folds == k) & scored], det, THRESHOLDS)
    f1 = 2 * counts[:, 0] / (2 * counts[:, 0] + counts[:, 1] + counts[:, 2])
    best = int(np.argmax(f1))
    det = _fit_detector_raw(frame, c=c)
    det.threshold = THRESHOLDS[best]
    det.metadata["cv_union_f1"] = " ".join(
        f"{t:.1f}:{v:.4f}" for t, v in zip(THRESHOLDS, f1, strict=True)
    )
    log.info("detector threshold %.1f (CV F1 by threshold: %s)", det.threshold,
             det.metadata["cv_union_f1"])  # fmt: skip
    return det


def train_readers(data_dir: Path, names: Sequence[str]) -> Readers:
    """Fit the detector, then the sentiment model on the mentions it and the rules find."""
    det = fit_detector(load_sentences(data_dir, names))
    rows = load_rows(data_dir, names, det)
    model = fit(rows)
    model.metadata["train_sets"] = ",".join(names)
    det.metadata["train_sets"] = ",".join(names)
    return Readers(model, det)


def leave_one_author_out(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train without each blind author, score on that author: overall and per-aspect frames.

    Readers compared on the same held-out sentences: ``rules`` (patterns and lexicon),
    ``rules+sentiment`` (the sentiment model, no detector) and ``learned`` (both)."""
    overall = []
    per_aspect = []
    for held in ("blind", "train3"):
        names = [n for n in TRAIN_SETS if AUTHOR_OF[n.rsplit("_", 1)[0]] != held]
        full = train_readers(data_dir, names)
        readers = {
            "rules": Readers(None, None),
            "rules+sentiment": Readers(fit(load_rows(data_dir, names)), None),
            "learned": full,
        }
        for lang in ("zh", "en"):
            name = f"{held}_{lang}"
            df = pd.read_csv(data_dir / f"{name}.tsv", sep="\t", dtype=str, keep_default_na=False)
            for what, r in readers.items():
                ev = evaluate_aspects(df, taxonomy_column="domain", readers=r)
                overall.append({"held_out": held, "lang": lang, "reader": what, **ev.overall})
                if what == "learned":
                    per_aspect.append(ev.per_aspect.assign(held_out=held, lang=lang))
    return pd.DataFrame(overall), pd.concat(per_aspect, ignore_index=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: train and write both models (``--check``: cross-validate the sentiment
    model only; ``--loao``: leave-one-author-out evaluation only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--out", type=Path, default=DATA_DIR / "aspect_sentiment.txt")
    parser.add_argument("--detector-out", type=Path, default=DATA_DIR / "aspect_detector.txt")
    parser.add_argument("--check", action="store_true", help="cross-validate, write nothing")
    parser.add_argument("--loao", action="store_true", help="leave one author out, write nothing")
    parser.add_argument("-C", type=float, default=DEFAULT_C)
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="detector threshold (default: chosen by cross-validation)",
    )
    parser.add_argument("--no-cv", action="store_true", help="skip the sentiment model's CV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.loao:
        overall, per = leave_one_author_out(args.data)
        cols = ["held_out", "lang", "reader", "pairs", "agreement", "recall", "precision",
                "sentiment_accuracy"]  # fmt: skip
        log.info("%s", overall[cols].round(3).to_string(index=False))
        log.info("%s", per.round(3).to_string(index=False))
        return
    det = fit_detector(load_sentences(args.data), threshold=args.threshold)
    rows = load_rows(args.data, TRAIN_SETS, det)
    cv = None if args.no_cv else cross_validate(rows, c=args.C)
    if cv is not None:
        log.info("%s", cv.to_string(index=False))
    if args.check:
        return
    model = fit(rows, c=args.C)
    if cv is not None:
        model_cv = cv[(cv["reader"] == "model") & (cv["set"] == "all")]
        for lang, acc in zip(model_cv["lang"], model_cv["agreement"], strict=True):
            model.metadata[f"cv_agreement_{lang}"] = f"{acc:.4f}"
    model.metadata["train_sets"] = ",".join(TRAIN_SETS)
    det.metadata["train_sets"] = ",".join(TRAIN_SETS)
    model.dump(args.out)
    det.dump(args.detector_out)
    log.info("wrote %s (%d features), %s (%d features)", args.out, len(model.weights_),
             args.detector_out, len(det.vocabulary_))  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    main()
