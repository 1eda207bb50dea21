"""Reproducible training of the shipped aspect detector and aspect-sentiment model.

Run from the repository root::

    python -m loyalloop.feedback.train_aspects            # writes both models, logs the figures
    python -m loyalloop.feedback.train_aspects --check    # cross-validation only
    python -m loyalloop.feedback.train_aspects --loao     # leave-one-author-out evaluation
    python -m loyalloop.feedback.train_aspects --loao --held-out blind10  # one author only

Data: the hand-labelled sentences in ``tests/feedback/data`` (:data:`TRAIN_SETS`), by sixty-five
authors (:data:`AUTHOR_OF`): the engineer who wrote the lexicon (``domain_*``, ``fresh_*``,
``dev2_*``, ``dev3_*``, ``check_*``) and seventy blind labellers (:data:`BLIND_AUTHORS`:
``blind_*``, ``train3_*``, ``blind2_*`` … ``blind14_*`` and blind15's … blind25's adjudicated
labels, ``adjudicated15_blind15_*`` … ``adjudicated25_blind25_*``, why those in
:mod:`~loyalloop.feedback.train_mention_sentiment`; and ``train26a_*``, ``train26b_*``,
``train27a_*`` … ``train27d_*``, ``train28a_*`` … ``train28j_*``, ``train28k_*`` … ``train28r_*``,
``train29a_*`` … ``train29j_*``, ``train30a_*`` … ``train30f_*``, ``train31a_*`` …
``train31f_*``; each spent as a test set
before it became training data). The sample's templated comments are not used.

**Detector** (``data/aspect_detector.txt``, :class:`~loyalloop.feedback.aspect_detector.
AspectDetector`): one L2 logistic regression per aspect (liblinear, ``C`` = :data:`DETECTOR_C`)
over the sentence's summed clause n-grams. Its thresholds are chosen out of sample by holding
the blind authors out in groups (:func:`fit_detector`, :data:`AUTHOR_FOLDS`; one at a time
before session 32): one overall threshold, and one per aspect
with enough labelled pairs (the F1 of the aspects found by patterns plus detector); per language
and aspect too with :data:`PER_LANGUAGE` (not shipped). The out-of-sample probabilities
(:func:`out_of_sample`) are kept apart from the choice (:func:`choose_thresholds`), so that
thresholds can be chosen again without refitting (``benchmarks/detector_thresholds.py``).
A comment in which neither the patterns nor the detector find an aspect takes its most probable
allowed one from a lower probability, chosen on the same out-of-sample probabilities
(:func:`choose_fallback`, :data:`DETECTOR_FALLBACK`: since session 19; LOAO agreement over the
sixteen blind authors 0.8023 → 0.8073 zh, 0.7498 → 0.7571 en, pair F1 0.8697 → 0.8706 and
0.8299 → 0.8310). A second pass over the first pass's answers (:func:`fit_second_pass`,
:data:`SECOND_PASS`), adding what goes with the aspects found: on since session 20 (LOAO over
seventeen blind authors, on top of the fallback: agreement 0.8126 → 0.8135 zh, 0.7639 → 0.7699
en; pair F1 0.8718 → 0.8724, 0.8350 → 0.8370).

**Sentiment model** (``data/aspect_sentiment.txt``, the fallback when the mention model of
:mod:`~loyalloop.feedback.train_mention_sentiment` is not shipped): each sentence is read by the
rules and the detector (:func:`~loyalloop.feedback.aspects.mention_contexts`, the shipped
taxonomy of its ``domain``); every mention of an aspect the sentence is labelled with becomes
one training row with that label.

**Leave-one-author-out** (``--loao``): the detector (thresholds chosen among the remaining
authors) and the mention-sentiment model are trained without one blind author and the whole
reading is scored on that author's sentences (:func:`~loyalloop.feedback.evaluate.
evaluate_aspects`), with where agreement is lost (:func:`error_breakdown`: missed, wrong aspect,
wrong sentiment, spurious): the honest estimate for text by a new author. Nothing is tuned on
the held-out author.

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
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from loyalloop.errors import ConfigError
from loyalloop.feedback import train_mention_sentiment as tms_sets
from loyalloop.feedback.aspect_detector import (
    DETECTOR_LANGUAGES,
    AspectDetector,
    Readers,
    second_pass_inputs,
)
from loyalloop.feedback.aspect_model import (
    LABELS,
    AspectSentimentModel,
    mention_features,
)
from loyalloop.feedback.aspects import comment_clauses, load_taxonomy, mention_contexts
from loyalloop.feedback.detector_features import detector_features, parse_kinds
from loyalloop.feedback.evaluate import evaluate_aspects, parse_labels, read_labelled

__all__ = [
    "AUTHOR_OF",
    "DEFAULT_C",
    "TRAIN_SETS",
    "OutOfSample",
    "Rows",
    "SentenceCounts",
    "Sentences",
    "Thresholds",
    "author_folds",
    "choose_fallback",
    "choose_fallback_gate",
    "choose_thresholds",
    "cross_validate",
    "fit",
    "fit_detector",
    "fit_gate",
    "fit_second_pass",
    "gate_features",
    "gate_out_of_sample",
    "leave_one_author_out",
    "load_rows",
    "load_sentences",
    "main",
    "out_of_sample",
    "second_pass_out_of_sample",
    "set_passes",
    "train_readers",
]

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"
#: Labelled sets the shipped models are trained on (``<name>.tsv`` in the data directory) and
#: who wrote each (the prefix of its name): every author's sets, as the mention-sentiment model.
TRAIN_SETS = tms_sets.TRAIN_SETS
AUTHOR_OF = tms_sets.AUTHOR_OF
#: The authors who labelled blind (never saw the lexicon): each is held out in turn.
BLIND_AUTHORS = tms_sets.BLIND_AUTHORS
DETECTOR_C = 1.0
DETECTOR_MIN_DF = 2
#: The detector's optional English feature extras (:mod:`~loyalloop.feedback.detector_features`;
#: ``"ngrams"``: none). Skip pairs and stems since session 18: the whole reading left out one
#: blind author at a time over sixteen (``benchmarks/detector_loao.py``), agreement 0.7987 →
#: 0.8008 → 0.8018 (zh) and 0.7435 → 0.7470 → 0.7489 (en) for n-grams → + skip → + stem (15
#: of 16 authors better in English, 13 better and none worse in Chinese; precision 0.8419 →
#: 0.8376 zh, 0.7985 → 0.7981 en). Not kept: + subject (0.7448 en alone, 0.7449 with skip
#: against 0.7470), stems alone (Chinese 0.7984).
DETECTOR_FEATURES = "ngrams+skip+stem"
#: English features are scaled by this before the fit and their weights by it after, so that
#: English weights are regularised as with ``C * DETECTOR_EN_SCALE ** 2`` (1: as Chinese).
#: Session 18, same measure: 1.5 gives 0.7970 / 0.7425 (zh / en, n-grams; 1: 0.7987 / 0.7435),
#: 0.7 with skip pairs 0.8023 / 0.7455 (1: 0.8008 / 0.7470): English falls both ways.
DETECTOR_EN_SCALE = 1.0
#: Whether each aspect's regression is fitted only on the sentences where the taxonomy's patterns
#: did not find that aspect (the only ones where its answer is used; the detector only adds).
#: Tried in round 14 (with that round's patterns) and not adopted: held-out blind8 recall
#: 0.832 → 0.821 (zh) and 0.744 → 0.733 (en), precision 0.854 → 0.861 / 0.800 → 0.806: F1 lower
#: in both languages (benchmarks/results/feedback.md, round 14).
DETECTOR_RESIDUAL = False
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)
#: Candidate fallback probabilities (:func:`choose_fallback`).
FALLBACKS = (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25)
#: Inverse regularisation of the second pass's regressions (35 inputs, ~20k sentences: 0.1, 1
#: and 10 screened alike on detection F1).
SECOND_PASS_C = 1.0
#: Whether the detector has a second pass, and whether it adds to the first pass's hits
#: (:mod:`~loyalloop.feedback.aspect_detector`). Session 19 (``benchmarks/detector_loao.py
#: --second-pass``, sixteen authors, thresholds chosen without the author; agreement zh / en,
#: pair F1 zh / en): first pass 0.8023 / 0.7498, 0.8697 / 0.8299; the second pass deciding its
#: aspects 0.8006 / 0.7571 (Chinese down); adding to the first 0.8047 / 0.7597, 0.8697 /
#: 0.8322; on top of the fallback (adding, thresholds per language) 0.8073 → 0.8083 and 0.7571
#: → 0.7631, but Chinese pair F1 0.8706 → 0.8702 (Chinese precision 0.8342 → 0.8328): off.
#: Session 20 (fb20a), seventeen authors (blind16 in), on top of the fallback, adding, per
#: aspect (not per language), each aspect may abstain: agreement 0.8126 → 0.8135 (zh), 0.7639
#: → 0.7699 (en); recall 0.9106 → 0.9116, 0.8758 → 0.8827; precision 0.8362 → 0.8365, 0.7977
#: → 0.7958; pair F1 0.8718 → 0.8724, 0.8350 → 0.8370; authors better / worse: zh 13 / 2,
#: en 16 / 0: on. A second pass that also reads the sentence's words (its n-grams beside these
#: inputs) or that is used only beside a found aspect (:data:`SECOND_PASS_BESIDE`) or only in
#: English (:data:`SECOND_PASS_LANGUAGES`) did less (``benchmarks/results/feedback.md``).
SECOND_PASS = True
SECOND_PASS_ADDS = True
#: Whether an aspect's second pass (adding to the first) may be switched off, per aspect (and
#: language): threshold :data:`SECOND_PASS_NEVER` among the candidates, chosen where the first
#: pass alone has the higher F1.
SECOND_PASS_MAY_ABSTAIN = True
SECOND_PASS_NEVER = 1.01
#: Whether the second pass's thresholds are chosen per language and aspect.
SECOND_PASS_PER_LANGUAGE = False
#: Whether the second pass is fitted and used only in sentences in which the patterns found an
#: aspect (the detector's ``second_beside``). Session 20 (fb20a), with the kept settings
#: otherwise: agreement 0.8136 / 0.7674, Chinese pair F1 0.8718 → 0.87179 (down): off.
SECOND_PASS_BESIDE = False
#: The languages whose comments the second pass reads (``None``: all); for the others its
#: thresholds are "never" (``second_thresholds_<language>``). Session 20 (fb20a): English
#: only (with :data:`SECOND_PASS_BESIDE`) 0.8126 / 0.7674, less than every language: off.
SECOND_PASS_LANGUAGES: tuple[str, ...] | None = None
#: Whether the detector has a fallback for comments with no aspect (module docs), its probability
#: chosen by :func:`choose_fallback` on the out-of-sample probabilities. Session 19, the whole
#: reading left out one blind author at a time over sixteen (``benchmarks/detector_loao.py
#: --fallback``, the fallback chosen without the author: 0.15 for 13 authors, 0.2 for 3):
#: agreement 0.8023 → 0.8073 (zh), 0.7498 → 0.7571 (en); recall 0.9044 → 0.9103, 0.8643 →
#: 0.8727; precision 0.8376 → 0.8342, 0.7981 → 0.7931; pair F1 0.8697 → 0.8706, 0.8299 →
#: 0.8310; every author better or equal in both languages (16 / 15 better, none worse). About
#: half of the mentions it adds are labelled (zh 86 of 168, en 110 of 229).
DETECTOR_FALLBACK = True
#: Whether the fallback has a gate (:mod:`~loyalloop.feedback.aspect_detector`): a logistic
#: regression over the detector's n-grams, the probability that a sentence is about none of the
#: aspects (:func:`fit_gate`), its threshold chosen with the fallback's
#: (:func:`choose_fallback_gate`). Session 22 (fb22b), the whole reading left out one blind
#: author at a time over twenty (``benchmarks/detector_loao.py --fallback --gate``, the shipped
#: second pass; fallback and gate chosen without the author: 0.08 and 0.3 for all twenty, the
#: fallback alone 0.25): agreement 0.8253 → 0.8289 (zh), 0.7884 → 0.7924 (en); recall 0.9162
#: → 0.9203, 0.8942 → 0.8989; precision 0.8365 → 0.8350, 0.8001 → 0.7979; pair F1 0.8746 →
#: 0.8756, 0.8446 → 0.8454; authors better / worse 18 / 0 (zh), 15 / 2 (en). The gate lets the
#: fallback reach further (recall), it does not make it stricter (precision falls a little).
FALLBACK_GATE = True
#: Candidate gate probabilities from which the fallback is withheld (above 1: never).
GATES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
#: Inverse regularisation of the gate's regression (as the detector's).
GATE_C = 1.0
#: Per-aspect thresholds chosen apart for sentences in which the patterns found an aspect
#: (:func:`choose_thresholds` ``beside``; the detector's ``thresholds_beside``). Session 20
#: (fb20a): beside a found aspect the chosen thresholds are higher, not lower; pair F1 rises
#: (0.8718 → 0.8727 zh, 0.8350 → 0.8355 en) but recall and agreement fall (0.8092 / 0.7613;
#: 14 of 17 authors worse in each language): off.
DETECTOR_BESIDE = False
#: Fewest labelled out-of-sample pairs for an aspect (or an aspect in one language) to get a
#: threshold of its own.
MIN_PAIRS_PER_ASPECT = 40
#: Whether each (language, aspect) with enough pairs in that language gets its own threshold.
#: Tried in session 13 and not adopted: chosen on ten blind authors and applied to the eleventh
#: (``benchmarks/detector_thresholds.py``), detection F1 0.8728 → 0.8724 (zh) and 0.8432 →
#: 0.8418 (en) against the per-aspect thresholds shared by both languages (recall zh 0.899 →
#: 0.902, en 0.866 → 0.858): no better beyond noise (benchmarks/results/feedback.md, session 13).
#: Session 18, agreement of the whole reading over sixteen authors (``benchmarks/
#: detector_loao.py``, thresholds chosen without the author): with the n-grams 0.7987 → 0.8032
#: (zh) but 0.7435 → 0.7399 (en); with skip pairs and stems 0.8018 → 0.8028 (zh), 0.7489 →
#: 0.7475 (en, 6 authors better, 7 worse): Chinese gains, English loses — still off.
PER_LANGUAGE = False
#: Chosen by the cross-validation below among 0.05, 0.15, 0.3 and 0.5 (en 0.857 / 0.867 / 0.846
#: / 0.866, zh 0.898 / 0.915 / 0.898 / 0.903; the last with fewer training sentences).
DEFAULT_C = 0.15
MIN_DF = 2
FOLDS = 5
#: Threads for the detector's and the gate's regressions (liblinear releases the GIL). On this
#: project's two-core machine training with forty-nine authors took 87 min on one.
WORKERS = max(1, min(4, os.cpu_count() or 1))
#: Out of sample, the blind authors are held out in this many groups (:func:`author_folds`)
#: rather than one at a time, by the detector, its second pass and the gate alike. Session 32:
#: with sixty-five authors leaving one out took 66 detector fits on about 88,000 sentences, 80 to
#: 95 s each on this project's two-core machine (over 90 min before the rest of training); ten
#: groups take ten fits. ``None``: leave one author out.
AUTHOR_FOLDS: int | None = 10
LEAVE_ONE_OUT = "leave one author out"


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
        df = read_labelled(path)
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
        df = read_labelled(path)
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


def _sentence_counts(clauses: list[str], kinds: frozenset[str] = frozenset()) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in clauses:
        for f in detector_features(c, kinds):
            out[f] = out.get(f, 0.0) + 1.0
    return out


def _is_english(feature: str) -> bool:
    """Whether a detector feature is read from English words (every kind but ``t1``-``t3``,
    the Chinese character n-grams)."""
    return feature[1:2] not in ("1", "2", "3")


@dataclass(frozen=True)
class SentenceCounts:
    """Every sentence's summed clause n-grams (:func:`_sentence_counts`) as one sparse matrix,
    its columns every feature seen, sorted (as ``DictVectorizer(sort=True)`` orders them).

    Counted once per training run: a fit on a subset of the sentences (an author left out)
    takes its rows (:meth:`take`) and drops the features seen in fewer than ``min_df`` of them
    (:meth:`design`), which gives the very matrix that counting the subset's sentences again
    would (same columns, same order, same stored entries; ``test_detector_counts``)."""

    x: sparse.csr_matrix  # float64
    names: np.ndarray

    @classmethod
    def from_dicts(cls, feats: Sequence[dict[str, float]]) -> SentenceCounts:
        from sklearn.feature_extraction import DictVectorizer

        vec = DictVectorizer(sparse=True, sort=True)
        x = vec.fit_transform(list(feats)).tocsr()
        return cls(x, np.asarray(vec.get_feature_names_out(), dtype=object))

    @classmethod
    def of(cls, frame: pd.DataFrame, features: str = DETECTOR_FEATURES) -> SentenceCounts:
        kinds = parse_kinds(features)
        return cls.from_dicts([_sentence_counts(cl, kinds) for cl in frame["clauses"]])

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, rows: np.ndarray) -> SentenceCounts:
        """The sentences ``rows`` (a boolean mask or indices), every column kept."""
        return SentenceCounts(self.x[rows], self.names)

    def design(self, min_df: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        """``(x, names)``: the columns seen in at least ``min_df`` (and one) of the sentences,
        with liblinear's 32-bit indices."""
        x = self.x
        seen = np.bincount(x.indices, minlength=x.shape[1])
        keep = np.flatnonzero(seen >= max(min_df, 1))
        x = x[:, keep].tocsr()
        x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)
        return x, self.names[keep]


def _fit_one(x: sparse.csr_matrix, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, solver="liblinear", max_iter=2000)
    clf.fit(x, y)
    return clf.coef_[0], float(clf.intercept_[0])


def _fit_detector_raw(
    frame: pd.DataFrame,
    *,
    c: float = DETECTOR_C,
    min_df: int = DETECTOR_MIN_DF,
    residual: bool = DETECTOR_RESIDUAL,
    features: str = DETECTOR_FEATURES,
    en_scale: float = DETECTOR_EN_SCALE,
    counts: SentenceCounts | None = None,
) -> AspectDetector:
    """One detector fitted on ``frame`` (``counts``: its sentences' counts when already made,
    :class:`SentenceCounts`). The aspects' regressions run on :data:`WORKERS` threads
    (liblinear releases the GIL); each is deterministic (primal trust-region Newton), so the
    order they finish in does not matter."""
    counts = SentenceCounts.of(frame, features) if counts is None else counts
    if len(counts) != len(frame):
        raise ValueError(f"counts for {len(counts)} sentences, frame of {len(frame)}")
    x, names = counts.design(min_df)
    scale = np.ones(x.shape[1])
    if en_scale != 1.0:  # English weights regularised as with C * en_scale**2
        scale[[j for j, n in enumerate(names) if _is_english(n)]] = en_scale
        x = x.multiply(scale.reshape(1, -1)).tocsr()
        x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)
    aspects = sorted({a for g in frame["gold"] for a in g})
    coef = np.zeros((x.shape[1], len(aspects)))
    bias = np.full(len(aspects), -10.0)
    jobs = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for j, a in enumerate(aspects):
            y = np.array([a in g for g in frame["gold"]], dtype=int)
            rows = np.arange(len(y))
            if residual:  # only where the detector is used: the patterns did not find ``a``
                rows = np.flatnonzero([a not in f for f in frame["found"]])
            if y[rows].sum() < 3:
                continue
            jobs[j] = pool.submit(_fit_one, x[rows], y[rows], c)
        for j, job in jobs.items():
            w, b = job.result()
            coef[:, j] = w * scale
            bias[j] = b
    coef = np.round(coef, 3)
    keep = np.flatnonzero(np.abs(coef).max(axis=1) > 0)
    vocab = {str(names[k]): r for r, k in enumerate(keep)}
    meta = {"train_sentences": str(len(frame)), "C": str(c), "min_df": str(min_df)}
    kinds = parse_kinds(features)
    if kinds:
        meta["features"] = "+".join(["ngrams", *sorted(kinds)])
    if en_scale != 1.0:
        meta["en_scale"] = str(en_scale)
    if residual:
        meta["trained_on"] = "sentences where the patterns did not find the aspect"
    return AspectDetector(aspects, vocab, coef[keep], bias, 0.5, meta)


@dataclass(frozen=True)
class OutOfSample:
    """The detector's out-of-sample probabilities on the scored sentences (:func:`out_of_sample`),
    with what choosing thresholds needs: ``(sentences, aspects)`` masks of the labelled aspects,
    the aspects the patterns found and the aspects the sentence's taxonomy allows; each
    sentence's author and language (:meth:`~loyalloop.feedback.aspect_detector.AspectDetector.
    language_of`, the rule the detector applies at run time). Kept so that thresholds can be
    chosen again (per language, per held-out author) without refitting."""

    aspects: tuple[str, ...]
    probabilities: np.ndarray
    gold: np.ndarray
    found: np.ndarray
    allowed: np.ndarray
    author: np.ndarray
    language: np.ndarray
    how: str


def author_folds(authors: Sequence[str], k: int | None) -> dict[str, int]:
    """Each author's fold for holding authors out, ``authors`` being one entry per sentence:
    one fold per author in name order when ``k`` is ``None`` or not below the number of authors
    (leave one author out), else ``k`` folds balanced by sentences (authors by decreasing
    number of sentences, ties by name, each to the fold with the fewest sentences so far, ties
    to the first)."""
    sizes = Counter(str(a) for a in authors)
    names = sorted(sizes)
    if k is None or k >= len(names):
        return {a: i for i, a in enumerate(names)}
    if k < 2:
        raise ValueError(f"author folds: need at least 2, got {k}")
    load = [0] * k
    out: dict[str, int] = {}
    for a in sorted(names, key=lambda a: (-sizes[a], a)):
        f = min(range(k), key=lambda i: (load[i], i))
        out[a] = f
        load[f] += sizes[a]
    return out


def _how(folds: dict[str, int]) -> str:
    n = max(folds.values()) + 1
    return LEAVE_ONE_OUT if n == len(folds) else f"{n} folds of authors"


def out_of_sample(
    frame: pd.DataFrame,
    *,
    c: float = DETECTOR_C,
    keep: dict[str, AspectDetector] | None = None,
    counts: SentenceCounts | None = None,
    by_authors: int | None = None,
    **fit_kw: object,
) -> tuple[AspectDetector, OutOfSample]:
    """The detector fitted on all of ``frame``, and every scored sentence's probabilities from
    a detector fitted without it (see :func:`fit_detector` for the folds and which sentences
    are scored). The authors are held out in ``by_authors`` groups (:func:`author_folds`;
    ``None``: one at a time). ``keep`` (if given) receives the detector fitted without each
    author, by author; ``fit_kw`` go to every fit (``features``, ``en_scale``); ``counts``: the
    frame's :class:`SentenceCounts` when already made (counted once for every fit)."""
    scored = (frame["author"] != "lexicon").to_numpy()
    if not scored.any():
        scored = ~scored
    others = sorted(set(frame.loc[scored, "author"]))
    held: dict[str, int] = {}
    if len(others) >= 2 and "lexicon" not in others:
        held = author_folds(frame.loc[scored, "author"].tolist(), by_authors)
        folds = frame["author"].map(held).fillna(-1).to_numpy()
        n_folds, how = max(held.values()) + 1, _how(held)
    else:
        keys = zip(frame["set"], frame["text"], strict=True)
        folds = np.array([_fold(s + ":" + t) for s, t in keys])
        n_folds, how = FOLDS, f"{FOLDS} folds"
    if counts is None:
        counts = SentenceCounts.of(frame, str(fit_kw.get("features", DETECTOR_FEATURES)))
    full = _fit_detector_raw(frame, c=c, counts=counts, **fit_kw)  # type: ignore[arg-type]
    aspects = full.aspects_
    probs = np.zeros((len(frame), len(aspects)))
    clauses: list[list[str]] = frame["clauses"].tolist()
    for k in range(n_folds):
        mine = counts.take(folds != k)
        det = _fit_detector_raw(frame[folds != k], c=c, counts=mine, **fit_kw)  # type: ignore[arg-type]
        if keep is not None:
            keep.update({a: det for a, f in held.items() if f == k})
        cols = [aspects.index(a) for a in det.aspects_]
        for i in np.flatnonzero((folds == k) & scored):
            probs[i, cols] = det.probabilities(clauses[int(i)])
    part = frame[scored]
    allowed_of = {d: [a in load_taxonomy(d).keys for a in aspects] for d in set(part["domain"])}
    oos = OutOfSample(
        aspects=aspects,
        probabilities=probs[scored],
        gold=np.array([[a in g for a in aspects] for g in part["gold"]], dtype=bool),
        found=np.array([[a in f for a in aspects] for f in part["found"]], dtype=bool),
        allowed=np.array([allowed_of[d] for d in part["domain"]], dtype=bool),
        author=part["author"].to_numpy(),
        language=np.array([AspectDetector.language_of(c) or "" for c in part["clauses"]]),
        how=how,
    )
    return full, oos


def _union_counts(
    oos: OutOfSample, rows: np.ndarray, thresholds: Sequence[float] = THRESHOLDS
) -> np.ndarray:
    """``(thresholds, aspects, 3)``: tp, fp, fn per aspect of patterns plus detector over the
    scored sentences ``rows`` (a boolean mask), for each threshold."""
    p, g = oos.probabilities[rows], oos.gold[rows]
    f, ok = oos.found[rows], oos.allowed[rows]
    out = np.zeros((len(thresholds), len(oos.aspects), 3))
    for t, thr in enumerate(thresholds):
        pred = (f | (p >= thr)) & ok
        out[t, :, 0] = (pred & g).sum(axis=0)
        out[t, :, 1] = (pred & ~g).sum(axis=0)
        out[t, :, 2] = (~pred & g).sum(axis=0)
    return out


def _f1(counts: np.ndarray) -> np.ndarray:
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    return np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)


@dataclass(frozen=True)
class Thresholds:
    """Chosen detector thresholds: overall, per aspect, per language and aspect; and the
    overall F1 by candidate threshold."""

    overall: float
    per_aspect: dict[str, float]
    per_language: dict[str, dict[str, float]]
    f1_by_threshold: np.ndarray
    beside: dict[str, float] = field(default_factory=dict)

    def vector(self, aspects: Sequence[str], language: str, beside: bool = False) -> np.ndarray:
        """``(aspects,)`` thresholds for a sentence of ``language`` (``beside``: one in which
        the patterns found an aspect), as the detector applies them."""
        own = self.per_language.get(language, {})
        first = self.beside if beside else {}
        return np.array(
            [first.get(a, own.get(a, self.per_aspect.get(a, self.overall))) for a in aspects]
        )

    def matrix(self, oos: OutOfSample) -> np.ndarray:
        """``(sentences, aspects)`` thresholds of every scored sentence of ``oos``."""
        beside = [bool(row.any()) for row in oos.found]
        return np.array(
            [
                self.vector(oos.aspects, g, b)
                for g, b in zip(oos.language.tolist(), beside, strict=True)
            ]
        ).reshape(len(beside), -1)


def choose_thresholds(
    oos: OutOfSample,
    rows: np.ndarray | None = None,
    *,
    per_aspect: bool = True,
    per_language: bool = PER_LANGUAGE,
    min_pairs: int = MIN_PAIRS_PER_ASPECT,
    candidates: Sequence[float] = THRESHOLDS,
    beside: bool = False,
) -> Thresholds:
    """Thresholds chosen on the scored sentences ``rows`` (default all): the overall one that
    maximises the F1 of the aspects found (patterns plus detector) over all aspects; with
    ``per_aspect`` each aspect with at least ``min_pairs`` labelled pairs gets the one that
    maximises its own F1; with ``per_language`` each (language, aspect) with at least
    ``min_pairs`` labelled pairs in that language gets the one that maximises its F1 in that
    language. With ``beside`` (:data:`DETECTOR_BESIDE`) the per-aspect thresholds are chosen
    twice: on the sentences in which the patterns found no aspect (``per_aspect``) and on those
    in which they found one (``beside``, the detector's ``thresholds_beside``)."""
    rows = np.ones(len(oos.author), dtype=bool) if rows is None else rows
    counts = _union_counts(oos, rows, candidates)
    f1 = _f1(counts.sum(axis=1))
    overall = candidates[int(np.argmax(f1))]
    own: dict[str, float] = {}
    by_language: dict[str, dict[str, float]] = {}
    apart: dict[str, float] = {}
    if per_aspect and beside:
        found_one = oos.found.any(axis=1)
        own = _best_per_aspect(_union_counts(oos, rows & ~found_one, candidates), oos.aspects,
                               min_pairs, candidates)  # fmt: skip
        apart = _best_per_aspect(_union_counts(oos, rows & found_one, candidates), oos.aspects,
                                 min_pairs, candidates)  # fmt: skip
    elif per_aspect:
        own = _best_per_aspect(counts, oos.aspects, min_pairs, candidates)
    if per_language:
        for lang in DETECTOR_LANGUAGES:
            part = _union_counts(oos, rows & (oos.language == lang), candidates)
            by_language[lang] = _best_per_aspect(part, oos.aspects, min_pairs, candidates)
    return Thresholds(overall, own, by_language, f1, apart)


def _best_per_aspect(
    counts: np.ndarray,
    aspects: Sequence[str],
    min_pairs: int,
    candidates: Sequence[float] = THRESHOLDS,
) -> dict[str, float]:
    per = _f1(counts)  # (thresholds, aspects)
    pairs = counts[0, :, 0] + counts[0, :, 2]
    return {
        a: candidates[int(np.argmax(per[:, j]))]
        for j, a in enumerate(aspects)
        if pairs[j] >= min_pairs
    }


def _second_inputs(oos: OutOfSample) -> np.ndarray:
    p = np.clip(oos.probabilities, 1e-4, 1 - 1e-4)
    return second_pass_inputs(np.log(p / (1 - p)), oos.found, oos.allowed, oos.language == "en")


def fit_second_pass(
    oos: OutOfSample,
    rows: np.ndarray | None = None,
    *,
    c: float = SECOND_PASS_C,
    beside: bool = SECOND_PASS_BESIDE,
) -> dict[str, tuple[float, np.ndarray]]:
    """The second pass (:mod:`~loyalloop.feedback.aspect_detector`): per aspect, a logistic
    regression over :func:`~loyalloop.feedback.aspect_detector.second_pass_inputs` of the
    first pass's out-of-sample probabilities, fitted on the scored sentences ``rows`` (default
    all) where the aspect is allowed and the patterns did not find it (the only ones where its
    answer is used). Weights rounded as the file stores them. An aspect with fewer than three
    labelled sentences there has none (the first pass decides it). With ``beside``
    (:data:`SECOND_PASS_BESIDE`) only sentences in which the patterns found another aspect."""
    from sklearn.linear_model import LogisticRegression

    rows = np.ones(len(oos.author), dtype=bool) if rows is None else rows
    if beside:
        rows = rows & oos.found.any(axis=1)
    x = _second_inputs(oos)
    out: dict[str, tuple[float, np.ndarray]] = {}
    for j, a in enumerate(oos.aspects):
        r = rows & oos.allowed[:, j] & ~oos.found[:, j]
        y = oos.gold[r, j]
        if y.sum() < 3 or y.all():
            continue
        clf = LogisticRegression(C=c, max_iter=5000).fit(x[r], y)
        out[a] = (round(float(clf.intercept_[0]), 3), np.round(clf.coef_[0], 3))
    return out


def _second_probabilities(
    models: dict[str, tuple[float, np.ndarray]],
    oos: OutOfSample,
    rows: np.ndarray,
    beside: bool = SECOND_PASS_BESIDE,
) -> np.ndarray:
    """``(rows, aspects)`` second-pass probabilities (the first pass's where an aspect has no
    second model, and with ``beside`` in sentences in which the patterns found none)."""
    x = _second_inputs(oos)[rows]
    out = oos.probabilities[rows].copy()
    use = oos.found[rows].any(axis=1) if beside else np.ones(len(x), dtype=bool)
    for j, a in enumerate(oos.aspects):
        if a in models:
            b, w = models[a]
            out[use, j] = 1.0 / (1.0 + np.exp(-(x[use] @ w + b)))
    return out


def second_pass_out_of_sample(
    oos: OutOfSample,
    *,
    c: float = SECOND_PASS_C,
    beside: bool = SECOND_PASS_BESIDE,
    by_authors: int | None = None,
) -> tuple[OutOfSample, dict[str, dict[str, tuple[float, np.ndarray]]]]:
    """The second pass with ``oos``'s authors held out in ``by_authors`` groups
    (:func:`author_folds`; ``None``: one at a time): ``oos`` with each sentence's second-pass
    probabilities from a second pass fitted without its author (thresholds are then chosen on
    it by :func:`choose_thresholds`), and the second pass fitted without each author, by
    author."""
    probs = np.zeros_like(oos.probabilities)
    folds = author_folds(oos.author.tolist(), by_authors)
    fold_of = np.array([folds[str(a)] for a in oos.author])
    by_author = {}
    for k in range(max(folds.values()) + 1):
        rows = fold_of == k
        model = fit_second_pass(oos, ~rows, c=c, beside=beside)
        by_author.update({a: model for a, f in folds.items() if f == k})
        probs[rows] = _second_probabilities(model, oos, rows, beside)
    return replace(oos, probabilities=probs), by_author


def _fallback_candidates(
    oos: OutOfSample, rows: np.ndarray, decided: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For the sentences ``rows``: the gold aspects, what is already decided (within the
    domain), each sentence's most probable allowed aspect and its probability, and whether the
    sentence is still empty (no aspect decided or found) — what the fallback may fill."""
    g, ok = oos.gold[rows], oos.allowed[rows]
    base = decided[rows] & ok
    open_p = np.where(ok, oos.probabilities[rows], -1.0)
    best_j = open_p.argmax(axis=1)
    top = open_p[np.arange(len(open_p)), best_j]
    empty = ~base.any(axis=1) & ~oos.found[rows].any(axis=1)
    return g, base, best_j, top, empty


def choose_fallback(
    oos: OutOfSample, rows: np.ndarray, decided: np.ndarray, candidates: Sequence[float] = FALLBACKS
) -> float | None:
    """The fallback probability (:mod:`~loyalloop.feedback.aspect_detector`) that maximises the
    F1 of the aspects found over the sentences ``rows``, given what the patterns and the
    detector already ``decided`` (``(sentences, aspects)`` booleans); ``None`` when no
    candidate beats having no fallback."""
    g, base, best_j, top, empty = _fallback_candidates(oos, rows, decided)

    def f1(pred: np.ndarray) -> float:
        return float(2 * (pred & g).sum() / max(pred.sum() + g.sum(), 1))

    best, best_f1 = None, f1(base)
    for t in candidates:
        pred = base.copy()
        take = empty & (top >= t)
        pred[np.flatnonzero(take), best_j[take]] = True
        if f1(pred) > best_f1:
            best, best_f1 = t, f1(pred)
    return best


def choose_fallback_gate(
    oos: OutOfSample,
    rows: np.ndarray,
    decided: np.ndarray,
    gate: np.ndarray,
    candidates: Sequence[float] = FALLBACKS,
    gates: Sequence[float] = GATES,
) -> tuple[float | None, float | None]:
    """The fallback probability and the gate probability from which it is withheld
    (:mod:`~loyalloop.feedback.aspect_detector`), chosen together to maximise the F1 of the
    aspects found over the sentences ``rows``, as :func:`choose_fallback`; ``gate`` is every
    scored sentence's out-of-sample gate probability (:func:`gate_out_of_sample`). On a tie the
    lower fallback and the higher gate win; a gate of 1 or more is returned as ``None`` (never
    withheld); ``(None, None)`` when no fallback beats none."""
    g, base, best_j, top, empty = _fallback_candidates(oos, rows, decided)
    right = g[np.arange(len(g)), best_j]
    tp0, n0 = float((base & g).sum()), float(base.sum() + g.sum())
    best: tuple[float | None, float | None] = (None, None)
    best_f1 = 2 * tp0 / max(n0, 1)
    for t in candidates:
        for u in sorted(gates, reverse=True):  # on a tie the gate that withholds least
            take = empty & (top >= t) & (gate[rows] < u)
            f1 = 2 * (tp0 + right[take].sum()) / max(n0 + take.sum(), 1)
            if f1 > best_f1 + 1e-12:
                best, best_f1 = (t, None if u > 1 else u), f1
    return best


def gate_features(frame: pd.DataFrame, features: str = DETECTOR_FEATURES) -> SentenceCounts:
    """Each sentence's summed clause n-grams (the detector's), for :func:`fit_gate`."""
    return SentenceCounts.of(frame, features)


def fit_gate(
    counts: SentenceCounts,
    none: np.ndarray,
    rows: np.ndarray | None = None,
    *,
    c: float = GATE_C,
    min_df: int = DETECTOR_MIN_DF,
) -> tuple[dict[str, float], float]:
    """The gate (:mod:`~loyalloop.feedback.aspect_detector`): an L2 logistic regression
    (liblinear) of whether a sentence is labelled with no aspect (``none``) over its n-grams
    (:func:`gate_features`), fitted on ``rows`` (a boolean mask; default all);
    ``({feature: weight}, bias)``, rounded as the detector file stores them, zero weights left
    out."""
    rows = np.ones(len(counts), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    x, names = counts.take(rows).design(min_df)
    w, b = _fit_one(x, np.asarray(none, dtype=int)[rows], c)
    coef = np.round(w, 3)
    weights = {str(names[k]): float(coef[k]) for k in np.flatnonzero(coef)}
    return weights, round(b, 3)


def _gate_probabilities(
    weights: dict[str, float], bias: float, counts: SentenceCounts
) -> np.ndarray:
    w = np.array([weights.get(str(n), 0.0) for n in counts.names])
    z = bias + counts.x @ w
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def gate_out_of_sample(
    frame: pd.DataFrame, counts: SentenceCounts | None = None, by_authors: int | None = None
) -> tuple[np.ndarray, dict[str, tuple[dict[str, float], float]]]:
    """The gate with the blind authors held out in ``by_authors`` groups (:func:`author_folds`;
    ``None``: one at a time): each scored sentence's (the rows of :func:`out_of_sample`'s
    ``oos``) gate probability from a gate fitted without its author, and the gate fitted
    without each author, by author (fitted on :data:`WORKERS` threads). The lexicon author's
    sentences are always in the fit."""
    counts = gate_features(frame) if counts is None else counts
    none = np.array([len(g) == 0 for g in frame["gold"]], dtype=bool)
    authors = frame["author"].to_numpy()
    scored = authors != "lexicon"
    probs = np.zeros(len(frame))
    folds = author_folds(authors[scored].tolist(), by_authors)
    fold_of = np.array([folds.get(str(a), -1) for a in authors])
    n = max(folds.values()) + 1
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        gates = list(pool.map(lambda k: fit_gate(counts, none, fold_of != k), range(n)))
    for k in range(n):
        mine = fold_of == k
        weights, bias = gates[k]
        probs[mine] = _gate_probabilities(weights, bias, counts.take(mine))
    return probs[scored], {a: gates[f] for a, f in folds.items()}


def fit_detector(
    sentences: Sentences,
    *,
    c: float = DETECTOR_C,
    threshold: float | None = None,
    per_aspect: bool = True,
    per_language: bool = PER_LANGUAGE,
    second_pass: bool = SECOND_PASS,
    fallback: bool = DETECTOR_FALLBACK,
    beside: bool = DETECTOR_BESIDE,
    gate: bool = FALLBACK_GATE,
    by_authors: int | None = AUTHOR_FOLDS,
) -> AspectDetector:
    """Fit the detector; its thresholds are chosen out of sample on the same sentences.

    Out of sample (:func:`out_of_sample`): the authors other than the lexicon's are held out in
    ``by_authors`` groups (:func:`author_folds`; ``None``: one at a time) when there are two or
    more of them (each group held out in turn, the detector trained on all the others; the
    second pass and the gate alike), else five folds by a hash of the sentence. Scored on the
    sentences of authors other than the lexicon's (on the lexicon author's own sentences the
    patterns already find nearly everything, so they cannot tell thresholds apart); on the
    lexicon author's alone when there are no others. The thresholds are those of
    :func:`choose_thresholds`: overall, per aspect with enough pairs (``per_aspect``), per
    language and aspect with enough pairs in that language (``per_language``)."""
    frame = sentences.frame
    if threshold is not None:
        det = _fit_detector_raw(frame, c=c)
        det.threshold = threshold
        det.metadata["threshold_from"] = "given"
        return det
    counts = SentenceCounts.of(frame)
    full, oos = out_of_sample(frame, c=c, counts=counts, by_authors=by_authors)
    chosen = choose_thresholds(oos, per_aspect=per_aspect, per_language=per_language,
                               beside=beside)  # fmt: skip
    full.threshold = chosen.overall
    full.thresholds = chosen.per_aspect
    full.beside_thresholds = chosen.beside
    full.language_thresholds = {lang: chosen.per_language.get(lang, {}) for lang in
                                DETECTOR_LANGUAGES}  # fmt: skip
    full.metadata["threshold_from"] = oos.how
    full.metadata["cv_union_f1"] = " ".join(
        f"{t:.2f}:{v:.4f}" for t, v in zip(THRESHOLDS, chosen.f1_by_threshold, strict=True)
    )
    log.info("detector threshold %.2f, per aspect %s, beside a found aspect %s, per language %s "
             "(%s; F1 by threshold: %s)", full.threshold, full.thresholds,
             full.beside_thresholds, full.language_thresholds, oos.how,
             full.metadata["cv_union_f1"])  # fmt: skip
    second = None
    if second_pass and len(set(oos.author)) >= 2:
        second = (second_pass_out_of_sample(oos, by_authors=by_authors)[0],
                  fit_second_pass(oos))  # fmt: skip
    gate_p = None
    if fallback and gate and oos.how != f"{FOLDS} folds":  # the authors held out
        gate_p = gate_out_of_sample(frame, counts, by_authors)[0]
        none = np.array([len(g) == 0 for g in frame["gold"]], dtype=bool)
        full.set_gate(*fit_gate(counts, none))
    set_passes(full, oos, None, chosen, second=second, adds=SECOND_PASS_ADDS, fallback=fallback,
               gate=gate_p)  # fmt: skip
    log.info("detector second pass %s, fallback %s", full.second_thresholds, full.fallback)
    return full


def set_passes(
    det: AspectDetector,
    oos: OutOfSample,
    rows: np.ndarray | None,
    chosen: Thresholds,
    *,
    second: tuple[OutOfSample, dict[str, tuple[float, np.ndarray]]] | None = None,
    adds: bool = SECOND_PASS_ADDS,
    per_language: bool = SECOND_PASS_PER_LANGUAGE,
    never: bool = SECOND_PASS_MAY_ABSTAIN,
    fallback: bool = DETECTOR_FALLBACK,
    beside: bool = SECOND_PASS_BESIDE,
    languages: Sequence[str] | None = SECOND_PASS_LANGUAGES,
    gate: np.ndarray | None = None,
) -> None:
    """Give ``det`` (whose first-pass thresholds are ``chosen``) the second pass and the
    fallback, with their thresholds chosen on the scored sentences ``rows`` (default all) of
    ``oos``: ``second`` is the second pass's out-of-sample probabilities
    (:func:`second_pass_out_of_sample`) and the second pass to use; ``None`` for none.
    ``gate``: the scored sentences' out-of-sample gate probabilities (:func:`gate_out_of_sample`;
    ``det`` must hold a gate, :meth:`~loyalloop.feedback.aspect_detector.AspectDetector.
    set_gate`): the fallback and its gate are chosen together (:func:`choose_fallback_gate`)."""
    rows = np.ones(len(oos.author), dtype=bool) if rows is None else rows
    det.set_second_pass({}, {})
    det.set_fallback(None)
    limits = chosen.matrix(oos)
    decided = oos.found | (oos.probabilities >= limits)
    if second is not None:
        probs, models = second
        first = decided
        grid = (*THRESHOLDS, SECOND_PASS_NEVER) if adds and never else THRESHOLDS
        p2, base = probs.probabilities, first if adds else oos.found
        if beside:  # elsewhere the first pass decides: the second adds nothing there
            near = oos.found.any(axis=1, keepdims=True)
            p2, base = np.where(near, p2, 0.0), np.where(near, base, first)
        twice = choose_thresholds(replace(probs, probabilities=p2, found=base), rows,
                                  per_language=per_language, candidates=grid)  # fmt: skip
        for lang in DETECTOR_LANGUAGES:
            if languages is not None and lang not in languages:  # the first pass alone there
                twice.per_language[lang] = {a: SECOND_PASS_NEVER for a in models}
        det.set_second_pass(models, twice.per_aspect, adds=adds,
                            language_thresholds=twice.per_language, beside=beside)  # fmt: skip
        limits = twice.matrix(oos)
        decided = base | (p2 >= limits)
    if fallback and gate is not None:
        det.set_fallback(*choose_fallback_gate(oos, rows, decided, gate))
    elif fallback:
        det.set_fallback(choose_fallback(oos, rows, decided))


def train_readers(data_dir: Path, names: Sequence[str]) -> Readers:
    """Fit the detector, then the sentiment model on the mentions it and the rules find."""
    det = fit_detector(load_sentences(data_dir, names))
    rows = load_rows(data_dir, names, det)
    model = fit(rows)
    model.metadata["train_sets"] = ",".join(names)
    det.metadata["train_sets"] = ",".join(names)
    return Readers(model, det)


def error_breakdown(pairs: pd.DataFrame) -> dict[str, float]:
    """Where agreement is lost, as shares of the gold pairs of an evaluation's ``pairs``.

    ``missed``: a labelled aspect not found; of those, ``wrong_aspect``: missed in a sentence
    where an unlabelled aspect was found instead; ``wrong_sentiment``: found with another label;
    ``spurious``: found aspects that are not labelled, per gold pair (precision's loss).
    """
    gold = pairs["gold"].notna()
    pred = pairs["predicted"].notna()
    missed = gold & ~pred
    spurious = ~gold & pred
    rows_spurious = set(pairs.loc[spurious, "row"])
    n = max(int(gold.sum()), 1)
    return {
        "missed": float(missed.sum() / n),
        "wrong_aspect": float((missed & pairs["row"].isin(rows_spurious)).sum() / n),
        "wrong_sentiment": float((gold & pred & (pairs["gold"] != pairs["predicted"])).sum() / n),
        "spurious": float(spurious.sum() / n),
    }


def loao_readers(data_dir: Path, names: Sequence[str], **detector_kw: object) -> Readers:
    """The shipped reading's learned parts trained on ``names`` only: the detector
    (:func:`fit_detector`), then the mention-sentiment model on the mentions it and the rules
    find, with the shipped use rule."""
    from loyalloop.feedback import train_mention_sentiment as tms

    det = fit_detector(load_sentences(data_dir, names), **detector_kw)  # type: ignore[arg-type]
    mentions = tms.load_mentions(data_dir, names, det)
    model = tms.fit(mentions.contexts, mentions.rows["label"].tolist())
    model.margins, model.neutral_needs_margin = dict(tms.MARGINS), True
    model.flip_margin = tms.FLIP_MARGIN
    return Readers(model, det)


def leave_one_author_out(
    data_dir: Path,
    held_out: Sequence[str] = BLIND_AUTHORS,
    *,
    single_threshold: float | None = 0.4,
    **detector_kw: object,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train without each blind author, score on that author: overall and per-aspect frames.

    Readers compared on the same held-out sentences: ``rules`` (patterns and lexicon) and
    ``learned`` (detector and mention-sentiment model trained on the other authors,
    :func:`loao_readers`), and the same with the detector's one overall ``single_threshold``
    instead of its per-aspect ones (the shipped rule before round 9: 0.4). The overall frame
    carries :func:`error_breakdown`'s shares."""
    overall = []
    per_aspect = []
    for held in held_out:
        names = [n for n in TRAIN_SETS if AUTHOR_OF[n.rsplit("_", 1)[0]] != held]
        learned = loao_readers(data_dir, names, **detector_kw)
        readers = {"rules": Readers(None, None), "learned": learned}
        if single_threshold is not None and learned.detector is not None:
            d = learned.detector
            one = AspectDetector(d.aspects_, d.vocabulary_, d.weights_, d.bias_,
                                 single_threshold, {})  # fmt: skip
            readers[f"learned, one threshold {single_threshold}"] = Readers(learned.sentiment, one)
        for name in [n for n in TRAIN_SETS if AUTHOR_OF[n.rsplit("_", 1)[0]] == held]:
            lang = name.rsplit("_", 1)[1]
            df = read_labelled(data_dir / f"{name}.tsv")
            for what, r in readers.items():
                ev = evaluate_aspects(df, taxonomy_column="domain", readers=r)
                overall.append({"held_out": held, "lang": lang, "reader": what, **ev.overall,
                                **error_breakdown(ev.pairs)})  # fmt: skip
                if what == "learned":
                    per = ev.per_aspect.copy()
                    pairs = ev.pairs
                    spur = pairs[pairs["gold"].isna() & pairs["predicted"].notna()]
                    per["spurious"] = per["aspect"].map(spur["aspect"].value_counts()).fillna(0)
                    per_aspect.append(per.assign(held_out=held, lang=lang))
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
    parser.add_argument(
        "--held-out",
        nargs="+",
        choices=BLIND_AUTHORS,
        default=list(BLIND_AUTHORS),
        metavar="AUTHOR",
        help="with --loao: hold out only these blind authors (default: all of them; each costs one "
        "detector with its inner leave-one-author-out and one mention model)",
    )
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
        overall, per = leave_one_author_out(args.data, args.held_out)
        cols = ["held_out", "lang", "reader", "pairs", "agreement", "recall", "precision",
                "sentiment_accuracy", "intent_accuracy", "missed", "wrong_aspect",
                "wrong_sentiment", "spurious"]  # fmt: skip
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
