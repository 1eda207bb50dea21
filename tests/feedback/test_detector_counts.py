"""Training counts each sentence's n-grams once (:class:`~loyalloop.feedback.train_aspects.
SentenceCounts`) and fits the detector's and the gate's regressions on threads. Neither may
change what is learned: a subset's rows taken from the counts of all sentences give the matrix
that counting the subset again gives, and the fitted detector is the same file whatever the
number of threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction import DictVectorizer

from loyalloop.feedback import train_aspects as ta

DATA = Path(__file__).parent / "data"
SETS = ("check_zh", "check_en", "blind_zh", "blind_en", "blind2_zh", "blind2_en")


@pytest.fixture(scope="module")
def frame():  # type: ignore[no-untyped-def]
    return ta.load_sentences(DATA, SETS).frame


def _counted_again(frame, rows, min_df):  # type: ignore[no-untyped-def]
    """The matrix as the trainer built it before session 31: the subset counted again."""
    kinds = ta.parse_kinds(ta.DETECTOR_FEATURES)
    feats = [ta._sentence_counts(c, kinds) for c in frame["clauses"][rows]]
    seen: dict[str, int] = {}
    for f in feats:
        for k in f:
            seen[k] = seen.get(k, 0) + 1
    vec = DictVectorizer(sparse=True, sort=True)
    x = vec.fit_transform([{k: v for k, v in f.items() if seen[k] >= min_df} for f in feats])
    return x.tocsr(), vec.get_feature_names_out()


def test_a_subset_taken_from_the_counts_is_the_subset_counted_again(frame) -> None:  # type: ignore[no-untyped-def]
    counts = ta.SentenceCounts.of(frame)
    for rows in (frame["author"] != "blind", frame["lang"] == "zh", np.arange(len(frame)) % 3 == 0):
        rows = rows.to_numpy() if hasattr(rows, "to_numpy") else rows
        x, names = counts.take(rows).design(ta.DETECTOR_MIN_DF)
        ref, ref_names = _counted_again(frame, rows, ta.DETECTOR_MIN_DF)
        assert names.tolist() == ref_names.tolist()
        assert x.shape == ref.shape and x.nnz == ref.nnz > 1000
        # same stored entries in the same order, row by row (liblinear reads them in order)
        assert np.array_equal(x.indptr, ref.indptr)
        assert np.array_equal(x.indices, ref.indices)
        assert np.array_equal(x.data, ref.data)
        assert x.indices.dtype == np.int32


def test_the_detector_does_not_depend_on_the_counts_or_the_threads(
    frame,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    rows = (frame["author"] != "blind").to_numpy()
    part = frame[rows]
    monkeypatch.setattr(ta, "WORKERS", 1)
    alone = ta._fit_detector_raw(part)
    monkeypatch.setattr(ta, "WORKERS", 3)
    shared = ta._fit_detector_raw(part, counts=ta.SentenceCounts.of(frame).take(rows))
    assert alone.aspects_ == shared.aspects_ and len(alone.aspects_) >= 8
    assert alone.vocabulary_ == shared.vocabulary_
    assert np.array_equal(alone.weights_, shared.weights_)
    assert np.array_equal(alone.bias_, shared.bias_)
    with pytest.raises(ValueError, match="counts for"):
        ta._fit_detector_raw(part, counts=ta.SentenceCounts.of(frame))


def test_the_gate_reads_its_weights_as_the_detector_does(frame) -> None:  # type: ignore[no-untyped-def]
    counts = ta.gate_features(frame)
    none = np.array([len(g) == 0 for g in frame["gold"]])
    weights, bias = ta.fit_gate(counts, none)
    assert len(weights) > 100 and none.sum() > 50
    kinds = ta.parse_kinds(ta.DETECTOR_FEATURES)
    by_hand = []
    for clauses in frame["clauses"]:
        z = bias + sum(
            weights.get(k, 0.0) * v for k, v in ta._sentence_counts(clauses, kinds).items()
        )
        by_hand.append(1 / (1 + np.exp(-z)))
    got = ta._gate_probabilities(weights, bias, counts)
    assert np.allclose(got, by_hand, rtol=0, atol=1e-12)
    # the left-out gates: every author's sentences read by a gate fitted without them
    probs, by_author = ta.gate_out_of_sample(frame, counts)
    scored = (frame["author"] != "lexicon").to_numpy()
    assert set(by_author) == set(frame["author"][scored]) and len(probs) == scored.sum()
    held = sorted(by_author)[0]
    alone = ta.fit_gate(counts, none, (frame["author"] != held).to_numpy())
    assert by_author[held] == alone
