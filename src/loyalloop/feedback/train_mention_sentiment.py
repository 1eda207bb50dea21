"""Reproducible training and leave-one-author-out check of the mention-sentiment model.

Run from the repository root::

    python -m loyalloop.feedback.train_mention_sentiment         # writes the model file
    python -m loyalloop.feedback.train_mention_sentiment --loao  # leave-one-author-out only

Data: every hand-labelled set in ``tests/feedback/data`` (:data:`TRAIN_SETS`), by seventy-seven
authors (:data:`AUTHOR_OF`): the lexicon's author (``domain``, ``fresh``, ``dev2``, ``dev3``,
``check``) and seventy-six blind labellers (:data:`BLIND_AUTHORS`: ``blind``, ``train3``, ``blind2``
… ``blind25``, ``train26a``, ``train26b``, ``train27a`` … ``train27d``, ``train28a`` … ``train28j``,
``train28k`` … ``train28r``, ``train29a`` … ``train29j``, ``train30a`` … ``train30f``, ``train31a``
… ``train31f``, ``train32a`` … ``train32f``; each spent as a test set before it became training data
— train26a's and train26b's, written in session 26 alongside the held-out blind24, were measured
once on session 25's and the blind23-in models; train27a's … train27d's, written in session 27
alongside the held-out blind25, each from its own angle (young and terse, formal, sarcastic,
shoppers and travellers), once on session 26's models; train28a's … train28j's, written in session
28 alongside the held-out blind26, each from its own angle (older customers, social posts, shoppers'
reviews, agents' cases, high-value customers, indirect judgements, regional writers, students,
in-store shoppers, long messages), once on session 27's models; train28k's … train28r's (six sets:
self-employed customers, customers with disabilities and carers, long platform reviews, NPS / CSAT
verbatims, live-chat turns, reactions to changes), written in session 28 after its retrain had
started, once on session 28's models; train29a's … train29j's (ten sets: cross-border customers,
phone-call transcripts, fraud and privacy, big sales, customers short of money, loyal customers,
neutral enquiries, comparisons and switching, households, very short comments), written in session
29 while its retrain ran, once on session 29's models; train30a's … train30f's (six sets:
escalations, code-switching and typos, new customers, digital payments, service-recovery stories,
many aspects at once), written in session 30, once on session 29's models; train31a's … train31f's
(six sets: amounts in passing, detailed product reviews, agents' notes, the app and logins,
questions about bills and points, lukewarm comments), written in session 31, once on session 29's
and once on session 32's first models; train32a's … train32f's (six sets: third parties, wishes,
step-by-step stories, mixed feelings, reported speech, internet slang and emoji), written in session
32, once on session 32's second models; all fifty are labelled once, by their authors; train30e's 64
"thanks for the fix" comments with a negative mention that its author called praise are complaints,
as the guide's intent order says). blind15's, (since session 19) blind16's, (since session 20)
blind17's, (since session 21) blind18's, (since session 22) blind19's, (since session 23) blind20's,
(since session 24) blind21's, (since session 25) blind22's, (since session 26) blind23's, (since
session 27) blind24's and (since session 28) blind25's sentences were labelled twice, blind, and a
third person decided where the two differed; their training rows are the **adjudicated** labels
(``adjudicated15_blind15_*``, author ``blind15``; ``adjudicated16_blind16_*``, author ``blind16``;
``adjudicated17_blind17_*``, author ``blind17``; ``adjudicated18_blind18_*``, author ``blind18``;
``adjudicated19_blind19_*``, author ``blind19``; ``adjudicated20_blind20_*``, author ``blind20``;
``adjudicated21_blind21_*``, author ``blind21``; ``adjudicated22_blind22_*``, author ``blind22``;
``adjudicated23_blind23_*``, author ``blind23``; ``adjudicated24_blind24_*``, author ``blind24``;
``adjudicated25_blind25_*``, author ``blind25``): on the 20-30 % of rows where the author and the
second person disagree the adjudicated label is the better-founded truth (the adjudicator mostly
restored aspects the author left implied — exactly the implied mentions the detector misses), and
the reader scored the same against all three versions (session 17), so nothing is lost by taking it.
The authors' (``blind15_*`` … ``blind25_*``) and the second persons' (``second15_blind15_*`` …
``second25_blind25_*``) versions of the same texts are not also training rows: the same sentence
three times would weigh it triple and, in leave-one-author-out, leak it across folds. The shipped
model and leave-one-author-out use every set (:data:`SENTIMENT_SETS`, see there). Each sentence is
read by the rules and the shipped aspect detector
(:func:`~loyalloop.feedback.aspects.mention_contexts`); every mention of an aspect the sentence is
labelled with is one training row with that label.

Model: per language, multinomial logistic regression (scikit-learn L-BFGS, L2 with ``C`` =
:data:`DEFAULT_C`, no intercept: the ``bias`` feature carries it) over
:func:`~loyalloop.feedback.mention_sentiment.feature_items`; n-gram features seen in fewer than
:data:`MIN_DF` training rows are dropped, weights rounded to three decimals. Two runs write
byte-identical files. Since session 21 the English words and n-grams are fitted at
:data:`WORD_SCALE` 0.7 (a stronger penalty on the words than on the lexicon and the structure;
the written weights read them at 1, so scoring is unchanged): leave-one-author-out over the
eighteen blind authors sentiment when found 0.8730 → 0.8744 (en, 13 authors better, 4 worse),
Chinese unchanged at 1 (0.7 there: 0.8946 → 0.8928).

**Leave-one-author-out** (``--loao``): for each of the blind authors, the mention model and
the previous reader (:class:`~loyalloop.feedback.aspect_model.AspectSentimentModel`, refitted
the same way) are trained on the other authors and scored on the held-out author's labelled
pairs, with the
reading's rule for using a model's label (lexicon evidence, or a margin of
:data:`~loyalloop.feedback.aspects.MODEL_MARGIN_WITHOUT_EVIDENCE`). The mentions are those the
rules and the shipped detector find, the same for every reader: the detector was trained on the
``blind`` and ``train3`` authors, so recall on those two is flattered, but the sentiment figures
compare readers on the same found mentions.

**The use rule** (:data:`MARGINS`, :data:`FLIP_MARGIN`, :data:`FLIP_MARGIN_WITHOUT_EVIDENCE`,
written into the model file's metadata and applied by
:meth:`~loyalloop.feedback.mention_sentiment.MentionSentimentModel.accepts`). Session 19,
leave-one-author-out over the sixteen blind authors, pooled over the mentions the shipped
detector finds: sentiment when found 0.8847 (zh) / 0.8633 (en) with the reversal margin 0.45
for every mention; 0.8858 / 0.8638 with the reversal margin 0 where the mention's clause holds no
lexicon evidence (11 authors better and 1 worse in Chinese, 6 and 0 in English). Tried in the
same session and not kept (no gain in one language without a loss in the other; the reversal
margin 0.45 for all): :data:`MIN_DF` 1 / 3 (0.8854 / 0.8626, 0.8841 / 0.8605), the mood cues of
the sentence's other clauses (0.8857 / 0.8630), the rules' log-odds of the aspect-free other
clauses apart (0.8845 / 0.8630), a Chinese agent-note cue (0.8849 / 0.8633; with every sentence
cue crossed with the sign of the lexicon's reading 0.8856 / 0.8629), the lexicon author's rows
left out (0.8836 / 0.8622), a bias towards neutral (no offset from −0.3 to 0.5 raises both)
(benchmarks/results/feedback.md, session 19).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loyalloop.errors import ConfigError
from loyalloop.feedback.aspect_detector import AspectDetector, shipped_detector
from loyalloop.feedback.aspect_model import LABELS, MentionContext, mention_features
from loyalloop.feedback.aspects import (
    MODEL_MARGIN_WITHOUT_EVIDENCE,
    load_taxonomy,
    mention_contexts,
)
from loyalloop.feedback.evaluate import parse_labels, read_labelled
from loyalloop.feedback.mention_sentiment import (
    LANGUAGES,
    MentionSentimentModel,
    feature_items,
    language_of,
    word_feature_names,
)

__all__ = [
    "AUTHOR_OF",
    "DEFAULT_C",
    "FLIP_MARGIN",
    "FLIP_MARGIN_WITHOUT_EVIDENCE",
    "SENTIMENT_SETS",
    "TRAIN_SETS",
    "WORD_SCALE",
    "Mentions",
    "fit",
    "leave_one_author_out",
    "load_mentions",
    "main",
]

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"
TRAIN_SETS = tuple(
    f"{s}_{lang}"
    for s in (
        "domain",
        "fresh",
        "dev2",
        "dev3",
        "check",
        "blind",
        "train3",
        "blind2",
        "blind3",
        "blind4",
        "blind5",
        "blind6",
        "blind7",
        "blind8",
        "blind9",
        "blind10",
        "blind11",
        "blind12",
        "blind13",
        "blind14",
        "adjudicated15_blind15",
        "adjudicated16_blind16",
        "adjudicated17_blind17",
        "adjudicated18_blind18",
        "adjudicated19_blind19",
        "adjudicated20_blind20",
        "adjudicated21_blind21",
        "adjudicated22_blind22",
        "adjudicated23_blind23",
        "adjudicated24_blind24",
        "adjudicated25_blind25",
        "train26a",
        "train26b",
        "train27a",
        "train27b",
        "train27c",
        "train27d",
        "train28a",
        "train28b",
        "train28c",
        "train28d",
        "train28e",
        "train28f",
        "train28g",
        "train28h",
        "train28i",
        "train28j",
        "train28k",
        "train28l",
        "train28m",
        "train28o",
        "train28p",
        "train28r",
        "train29a",
        "train29b",
        "train29c",
        "train29d",
        "train29e",
        "train29f",
        "train29g",
        "train29h",
        "train29i",
        "train29j",
        "train30a",
        "train30b",
        "train30c",
        "train30d",
        "train30e",
        "train30f",
        "train31a",
        "train31b",
        "train31c",
        "train31d",
        "train31e",
        "train31f",
        "train32a",
        "train32b",
        "train32c",
        "train32d",
        "train32e",
        "train32f",
    )
    for lang in ("zh", "en")
)
AUTHOR_OF = {
    "domain": "lexicon", "fresh": "lexicon", "dev2": "lexicon", "dev3": "lexicon",
    "check": "lexicon", "blind": "blind", "train3": "train3", "blind2": "blind2",
    "blind3": "blind3", "blind4": "blind4", "blind5": "blind5", "blind6": "blind6",
    "blind7": "blind7", "blind8": "blind8", "blind9": "blind9", "blind10": "blind10",
    "blind11": "blind11", "blind12": "blind12", "blind13": "blind13",
    "blind14": "blind14", "adjudicated15_blind15": "blind15",
    "adjudicated16_blind16": "blind16", "adjudicated17_blind17": "blind17",
    "adjudicated18_blind18": "blind18",
    "adjudicated19_blind19": "blind19",
    "adjudicated20_blind20": "blind20",
    "adjudicated21_blind21": "blind21",
    "adjudicated22_blind22": "blind22",
    "adjudicated23_blind23": "blind23",
    "adjudicated24_blind24": "blind24",
    "adjudicated25_blind25": "blind25",
    "train26a": "train26a",
    "train26b": "train26b",
    "train27a": "train27a",
    "train27b": "train27b",
    "train27c": "train27c",
    "train27d": "train27d",
    "train28a": "train28a",
    "train28b": "train28b",
    "train28c": "train28c",
    "train28d": "train28d",
    "train28e": "train28e",
    "train28f": "train28f",
    "train28g": "train28g",
    "train28h": "train28h",
    "train28i": "train28i",
    "train28j": "train28j",
    "train28k": "train28k",
    "train28l": "train28l",
    "train28m": "train28m",
    "train28o": "train28o",
    "train28p": "train28p",
    "train28r": "train28r",
    "train29a": "train29a",
    "train29b": "train29b",
    "train29c": "train29c",
    "train29d": "train29d",
    "train29e": "train29e",
    "train29f": "train29f",
    "train29g": "train29g",
    "train29h": "train29h",
    "train29i": "train29i",
    "train29j": "train29j",
    "train30a": "train30a",
    "train30b": "train30b",
    "train30c": "train30c",
    "train30d": "train30d",
    "train30e": "train30e",
    "train30f": "train30f",
    "train31a": "train31a",
    "train31b": "train31b",
    "train31c": "train31c",
    "train31d": "train31d",
    "train31e": "train31e",
    "train31f": "train31f",
    "train32a": "train32a",
    "train32b": "train32b",
    "train32c": "train32c",
    "train32d": "train32d",
    "train32e": "train32e",
    "train32f": "train32f",
}  # fmt: skip
#: The authors who labelled blind (never saw the lexicon): each is held out in turn.
BLIND_AUTHORS = (
    "blind", "train3", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8",
    "blind9", "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16",
    "blind17", "blind18", "blind19", "blind20", "blind21", "blind22", "blind23",
    "blind24", "blind25", "train26a", "train26b", "train27a", "train27b", "train27c", "train27d",
    "train28a", "train28b", "train28c", "train28d", "train28e", "train28f", "train28g", "train28h",
    "train28i", "train28j", "train28k", "train28l", "train28m", "train28o", "train28p", "train28r",
    "train29a", "train29b", "train29c", "train29d", "train29e", "train29f", "train29g", "train29h",
    "train29i", "train29j", "train30a", "train30b", "train30c", "train30d", "train30e", "train30f",
    "train31a", "train31b", "train31c", "train31d", "train31e", "train31f",
    "train32a", "train32b", "train32c", "train32d", "train32e", "train32f",
)  # fmt: skip
#: The sets the shipped mention model is trained on: every author's. Until round 11 blind3-blind5
#: were left out because each pushed the demo's service-attitude negative share away from the
#: sample's truth: every labelling author calls a neutral process statement about the staff
#: ("客服说会回电") negative when the rest of its sentence complains, while the sample generator
#: drew each clause's sentiment on its own. Since round 12 the generator writes such a statement
#: as part of the comment's grievance and its truth takes the judgement
#: (:mod:`loyalloop.sample._text`), and a transfer between departments goes with a service
#: clause, so all authors fit the demo (service share 0.513 against a truth of 0.456, tolerance
#: 0.08; benchmarks/results/feedback.md, round 12).
SENTIMENT_SETS = TRAIN_SETS
#: Chosen by leave-one-author-out: 0.3 among 0.1 / 0.3 / 1 with clause features (round 10); with
#: the sentence features over eight blind authors 0.3 / 1 / 3 give sentiment when found 0.836 /
#: 0.840 / 0.842 (zh) and 0.824 / 0.828 / 0.829 (en): 1, the more regularised of the two that
#: are level (round 13, benchmarks/results/feedback.md).
DEFAULT_C = 1.0
MIN_DF = 2
#: Per language, the value the words and n-grams of a mention
#: (:func:`~loyalloop.feedback.mention_sentiment.word_feature_names`) take while the regression
#: is fitted; the structure (lexicon, rule, aspect, mood, cues) keeps 1. Below 1 the L2 penalty
#: weighs on the words more than on the structure: a word's weight must grow by 1 / scale to say
#: as much. The fitted word weights are multiplied by the scale before they are written, so the
#: model file reads the words at 1 as before and scoring is unchanged (the scale is recorded in
#: the file's metadata as ``word_scale_<language>``). Session 21, leave-one-author-out over the
#: eighteen blind authors, the mentions the shipped detector finds, the shipped use rule: 0.7
#: against 1 gives sentiment when found 0.8744 against 0.8730 (en; 13 authors better, 4 worse)
#: and 0.8928 against 0.8946 (zh; 3 better, 11 worse); chosen from {1, 0.7} for each held-out
#: author on the other seventeen, English took 0.7 and Chinese 1 in all eighteen folds. Not
#: aimed at the neutral mentions read as complaints (English 602 → 606): the gain is complaints
#: read right (benchmarks/results/feedback.md, session 21).
WORD_SCALE = {"zh": 1.0, "en": 0.7}
#: The reading's rule for using the model's label (:meth:`~loyalloop.feedback.mention_sentiment.
#: MentionSentimentModel.accepts`): it replaces a rules' reading that found a judgement freely,
#: and turns a neutral reading into a judgement only from this margin. Leave-one-author-out is
#: best without a margin (0); in Chinese a margin of 0.5 is needed to keep the demo's headline
#: complaint right (interest, not annual fee: "首年不收年费" and "年费和别家差不多" read as
#: complaints), at a cost of 0.7-3.6 points (benchmarks/results/feedback.md). With the sentence
#: features (round 11, off) 0.55 was needed: 0.5 left the demo's service-attitude share 0.0799
#: from the truth against a tolerance of 0.08. 0.4 since session 14: over eleven blind authors
#: (the models' raw labels left out in turn, the rule applied afresh) 0.5 / 0.4 / 0.3 / 0.2 / 0
#: give sentiment when found 0.8534 / 0.8558 / 0.8573 / 0.8591 / 0.8622 (zh; 0.4: 44 pairs put
#: right, 21 made wrong, 8 authors better, 2 worse); English is not touched. Below 0.4 the
#: demo's fraud-security negative share leaves its tolerance of 0.14 from the truth (0.141 at
#: 0.3, 0.149 at 0; 0.137 at 0.4: in-process fraud cases, "还在处理中", which the generator calls
#: neutral and the labelling authors negative). 0.1 since session 15: the sample's neutral fraud
#: phrases are plain facts now ("给我补发了新卡"; the twelve authors label in-process fraud
#: sentences 7 negative, 0 neutral in Chinese), and the demo's fraud-security gap reads
#: 0.095-0.097 at every margin from 0.4 to 0 (models retrained with blind12); the bound is now
#: the service-attitude share: 0.0734 / 0.0755 / 0.0783 / 0.0790 / 0.0804 at 0.4 / 0.3 / 0.2 /
#: 0.1 / 0 (tolerance 0.08), so 0 fails. Over twelve blind authors 0.4 / 0.3 / 0.2 / 0.1 / 0
#: give sentiment when found 0.8626 / 0.8642 / 0.8655 / 0.8665 / 0.8673 (zh; English is not
#: touched).
MARGINS = {"zh": 0.1, "en": 0.0}
#: The margin from which the model may reverse the rules' polarity: 0.3 costs 0-0.8 points
#: leave-one-author-out and keeps "信用卡被盗刷了" negative (the model read it +0.20). 0.35 since
#: round 14: leave-one-author-out over nine authors 0.3 / 0.35 / 0.4 give 0.8453 / 0.8453 /
#: 0.8445 (zh) and 0.8301 / 0.8301 / 0.8293 (en), and 0.35 keeps "退货很麻烦" after "质量很差"
#: negative (the model read it +0.33). 0.4 since the lead's retrain of session 11 (the same
#: data and features): that model read "退货很麻烦" after "物流很快，质量很差" +0.36, a reversal
#: of the clause's own complaint ("麻烦", −1.6); 0.4 costs 0.0008 (zh and en) in the nine-author
#: figures above. 0.45 since the lead's retrain of session 13 (blind10 in): it read the same
#: clause +0.40; over eleven authors 0.4 / 0.45 / 0.5 give sentiment when found 0.8534 /
#: 0.8528 / 0.8519 (zh) and 0.8330 / 0.8327 / 0.8324 (en) — a reversal of a clause's own
#: lexicon complaint is the error that reaches a manager's list, so the stricter margin.
FLIP_MARGIN = 0.45
#: :data:`FLIP_MARGIN` where the mention's clause holds no lexicon evidence (session 19): there
#: the rules' polarity is not the clause's own complaint (borrowed from the next clause, or a
#: weak reading without a sentiment word), which is what :data:`FLIP_MARGIN` protects, and the
#: model may reverse it from any margin. Leave-one-author-out over the sixteen blind authors
#: (the models' raw labels left out in turn, the rule applied afresh; 1,272 reversal candidates
#: with evidence, 134 without): sentiment when found 0.8847 → 0.8858 (zh), 0.8633 → 0.8638
#: (en); 11 authors better and 1 worse in Chinese, 6 and 0 in English. 0 everywhere would give
#: 0.8873 / 0.8656 but gives up the protection ("退货很麻烦" after "质量很差" read +0.40); the
#: clauses it protects ("信用卡被盗刷了", "退货很麻烦") hold evidence and keep 0.45
#: (benchmarks/results/feedback.md, session 19).
FLIP_MARGIN_WITHOUT_EVIDENCE = 0.0


@dataclass(frozen=True)
class Mentions:
    """Labelled pairs and the mentions found for them.

    ``gold``: one row per labelled ``(sentence, aspect)`` (``sentence, author, lang, aspect,
    gold``); ``rows``: one row per found mention of a labelled aspect (``sentence, author, lang,
    aspect, label, rule, logit``) with its context in ``contexts`` (same order)."""

    gold: pd.DataFrame
    rows: pd.DataFrame
    contexts: list[MentionContext]


def load_mentions(
    data_dir: Path, names: Sequence[str] = TRAIN_SETS, detector: AspectDetector | None = None
) -> Mentions:
    """Read the labelled sets (rules + ``detector``, default the shipped one)."""
    det = detector if detector is not None else shipped_detector()
    gold_rows = []
    rows = []
    contexts: list[MentionContext] = []
    for name in names:
        path = data_dir / f"{name}.tsv"
        if not path.is_file():
            raise ConfigError(f"labelled set {path} not found (run from the repository root)")
        df = read_labelled(path)
        author = AUTHOR_OF[name.rsplit("_", 1)[0]]
        lang = name.rsplit("_", 1)[1]
        for i, rec in enumerate(df.to_dict("records")):
            gold = parse_labels(rec["aspects"], f"{path.name} row {i + 2}")
            sid = f"{name}:{i}"
            gold_rows += [(sid, author, lang, a, g) for a, g in gold.items()]
            for m, ctx in mention_contexts(rec["text"], load_taxonomy(rec["domain"]), det):
                if m.aspect in gold:
                    rows.append((sid, author, lang, m.aspect, gold[m.aspect], ctx.rule, ctx.logit))
                    contexts.append(ctx)
    return Mentions(
        pd.DataFrame(gold_rows, columns=["sentence", "author", "lang", "aspect", "gold"]),
        pd.DataFrame(
            rows, columns=["sentence", "author", "lang", "aspect", "label", "rule", "logit"]
        ),
        contexts,
    )


def fit(
    contexts: Sequence[MentionContext],
    labels: Sequence[str],
    *,
    c: float = DEFAULT_C,
    min_df: int = MIN_DF,
    word_scale: dict[str, float] | None = None,
) -> MentionSentimentModel:
    """Fit one regression per language on labelled mention contexts, the words at
    ``word_scale`` (default :data:`WORD_SCALE`; the written weights read them at 1)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vocabs: dict[str, dict[str, int]] = {}
    weights: dict[str, np.ndarray] = {}
    langs = [language_of(x.clause + x.next_free) for x in contexts]
    scales = dict(WORD_SCALE if word_scale is None else word_scale)
    meta = {"C": str(c), "min_df": str(min_df)}
    for lang in LANGUAGES:
        idx = [i for i, g in enumerate(langs) if g == lang]
        feats = [dict(feature_items(contexts[i])) for i in idx]
        counts: dict[str, int] = {}
        for f in feats:
            for k in f:
                counts[k] = counts.get(k, 0) + 1
        feats = [{k: v for k, v in f.items() if counts[k] >= min_df} for f in feats]
        scale = float(scales.get(lang, 1.0))
        words: set[str] = set()
        if scale != 1.0:
            for i, f in zip(idx, feats, strict=True):
                names = word_feature_names(contexts[i])
                words |= names
                for k in names & f.keys():
                    f[k] *= scale
        vec = DictVectorizer(sparse=True, sort=True)
        x = vec.fit_transform(feats)
        y = np.array([LABELS.index(labels[i]) for i in idx])
        clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6, fit_intercept=False)
        clf.fit(x, y)
        coef = np.zeros((3, x.shape[1]))
        for r, cls in enumerate(clf.classes_):
            coef[int(cls)] = clf.coef_[r]
        if words:  # read at 1 by the model file: fold the scale into the weights
            cols = [j for j, name in enumerate(vec.get_feature_names_out()) if name in words]
            coef[:, cols] *= scale
        coef = np.round(coef, 3)
        keep = np.flatnonzero(np.abs(coef).max(axis=0) > 0)
        names = vec.get_feature_names_out()
        vocabs[lang] = {str(names[k]): r for r, k in enumerate(keep)}
        weights[lang] = coef[:, keep].T
        meta[f"train_rows_{lang}"] = str(len(idx))
        meta[f"word_scale_{lang}"] = str(scale)
    return MentionSentimentModel(vocabs, weights, meta)


def _pair_accuracy(gold: pd.DataFrame, rows: pd.DataFrame, pred: Sequence[str],
                   strength: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """Per language: agreement over gold pairs and sentiment accuracy over found pairs (the
    strongest mention of an aspect speaks for it, as in the evaluation)."""
    frame = rows[["sentence", "aspect"]].assign(pred=list(pred), strength=strength)
    frame = frame.sort_values("strength", ascending=False, kind="stable").drop_duplicates(
        ["sentence", "aspect"]
    )
    merged = gold.merge(frame, on=["sentence", "aspect"], how="left")
    found = merged["pred"].notna()
    right = merged["gold"] == merged["pred"]
    out = []
    for lang, part in merged.assign(found=found, right=right).groupby("lang", sort=False):
        found_right = float(part.loc[part["found"], "right"].mean())
        out.append({"lang": lang, "pairs": len(part), "found": float(part["found"].mean()),
                    "agreement": float(part["right"].mean()),
                    "sentiment_when_found": found_right})  # fmt: skip
    return pd.DataFrame(out)


def _gate(ctxs: Sequence[MentionContext], labels: Sequence[str], scores: np.ndarray) -> list[str]:
    """The previous reader's rule: its label stands with lexicon evidence or a clear margin."""
    return [
        lab if (c.evidence or abs(s) >= MODEL_MARGIN_WITHOUT_EVIDENCE) else c.rule
        for c, lab, s in zip(ctxs, labels, scores, strict=True)
    ]


def _old_fit(ctxs: Sequence[MentionContext], labels: Sequence[str]) -> object:
    from loyalloop.feedback import train_aspects

    n = len(ctxs)
    feats = [mention_features(c) for c in ctxs]
    ys = [LABELS.index(g) for g in labels]
    rows = train_aspects.Rows(feats, ys, ["s"] * n, [c.aspect for c in ctxs], ["x"] * n, None)  # type: ignore[arg-type]
    return train_aspects.fit(rows)


def leave_one_author_out(
    mentions: Mentions, cs: Sequence[float] = (DEFAULT_C,), *, old: bool = True
) -> pd.DataFrame:
    """Readers trained without each blind author, scored on that author (see the module docs)."""
    out = []
    rows, ctxs = mentions.rows, mentions.contexts
    for held in BLIND_AUTHORS:
        train = np.flatnonzero(rows["author"].to_numpy() != held)
        test = np.flatnonzero(rows["author"].to_numpy() == held)
        tr_c = [ctxs[i] for i in train]
        tr_y = rows["label"].to_numpy()[train].tolist()
        te_c = [ctxs[i] for i in test]
        te_rows = rows.iloc[test]
        gold = mentions.gold[mentions.gold["author"] == held]
        strength = np.abs(te_rows["logit"].to_numpy())
        readers: dict[str, tuple[list[str], np.ndarray]] = {
            "rules": (te_rows["rule"].tolist(), strength)
        }
        if old:
            om = _old_fit(tr_c, tr_y)
            pred = [om.predict(c) for c in te_c]  # type: ignore[attr-defined]
            lab = [p[0] for p in pred]
            sc = np.array([p[1] for p in pred])
            readers["previous model"] = (_gate(te_c, lab, sc), np.abs(sc))
        for c in cs:
            model = fit(tr_c, tr_y, c=c)
            model.margins, model.neutral_needs_margin = dict(MARGINS), True
            model.flip_margin = FLIP_MARGIN
            model.flip_margin_without_evidence = FLIP_MARGIN_WITHOUT_EVIDENCE
            lab, sc = model.predict_batch(te_c)
            used = [
                la if model.accepts(x, (la, s)) else x.rule
                for x, la, s in zip(te_c, lab, sc, strict=True)
            ]
            readers[f"mention model C={c}"] = (used, np.abs(sc))
            readers[f"mention model C={c}, ungated"] = (lab, np.abs(sc))
        for what, (pred_l, st) in readers.items():
            acc = _pair_accuracy(gold, te_rows, pred_l, st)
            out += [{"held_out": held, "reader": what, **r} for r in acc.to_dict("records")]
    return pd.DataFrame(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: train and write the model, or (``--loao``) only evaluate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--out", type=Path, default=DATA_DIR / "mention_sentiment.txt")
    parser.add_argument("--loao", action="store_true", help="leave one author out, write nothing")
    parser.add_argument("-C", type=float, nargs="+", default=[DEFAULT_C])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mentions = load_mentions(args.data, TRAIN_SETS if args.loao else SENTIMENT_SETS)
    if args.loao:
        table = leave_one_author_out(mentions, args.C)
        log.info("%s", table.round(3).to_string(index=False))
        return
    model = fit(mentions.contexts, mentions.rows["label"].tolist(), c=args.C[0])
    model.metadata["train_sets"] = ",".join(SENTIMENT_SETS)
    model.metadata["neutral_needs_margin"] = "yes"
    model.metadata["flip_margin"] = str(FLIP_MARGIN)
    model.metadata["flip_margin_without_evidence"] = str(FLIP_MARGIN_WITHOUT_EVIDENCE)
    model.metadata.update({f"margin_{k}": str(v) for k, v in MARGINS.items()})
    model.dump(args.out)
    n = {k: len(v) for k, v in model.vocabularies_.items()}
    log.info("wrote %s (%s features, %d bytes)", args.out, n, args.out.stat().st_size)


if __name__ == "__main__":  # pragma: no cover
    main()
