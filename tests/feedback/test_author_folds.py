"""Training holds the blind authors out in groups (session 32, :func:`~loyalloop.feedback.
train_aspects.author_folds`): every author in exactly one group, the groups balanced by
sentences, and every out-of-sample answer — the detector's probabilities, the second pass's,
the gate's — from a fit that never saw its author's sentences."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from tests.feedback.detector_toys import toy_oos

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback.aspect_detector import AspectDetector

DATA = Path(__file__).parent / "data"
SETS = ("check_zh", "check_en", "blind_zh", "blind_en", "blind2_zh", "blind2_en",
        "blind3_zh", "blind3_en")  # fmt: skip


def test_one_author_at_a_time_unless_fewer_groups_are_asked_for() -> None:
    authors = ["b"] * 5 + ["a"] * 3 + ["c"]
    assert ta.author_folds(authors, None) == {"a": 0, "b": 1, "c": 2}
    assert ta.author_folds(authors, 3) == {"a": 0, "b": 1, "c": 2}
    assert ta.author_folds(authors, 7) == {"a": 0, "b": 1, "c": 2}
    # two groups: the largest author alone, the two smaller ones together
    assert ta.author_folds(authors, 2) == {"b": 0, "a": 1, "c": 1}
    with pytest.raises(ValueError, match="at least 2"):
        ta.author_folds(authors, 1)


def test_groups_hold_every_author_once_and_are_balanced_by_sentences() -> None:
    rng = np.random.default_rng(3)
    sizes = {f"author{i:02d}": int(n) for i, n in enumerate(rng.integers(200, 3000, 65))}
    authors = [a for a, n in sizes.items() for _ in range(n)]
    folds = ta.author_folds(authors, 10)
    assert set(folds) == set(sizes) and set(folds.values()) == set(range(10))
    load: Counter[int] = Counter()
    for a, f in folds.items():
        load[f] += sizes[a]
    # greedy by decreasing size: no group is more than one author's size above another
    assert max(load.values()) - min(load.values()) <= max(sizes.values())
    assert max(load.values()) / min(load.values()) < 1.05
    assert folds == ta.author_folds(list(reversed(authors)), 10)  # order of sentences is moot


@pytest.fixture(scope="module")
def frame():  # type: ignore[no-untyped-def]
    return ta.load_sentences(DATA, SETS).frame


def test_each_sentence_is_read_by_a_detector_that_never_saw_its_author(frame) -> None:  # type: ignore[no-untyped-def]
    counts = ta.SentenceCounts.of(frame)
    keep: dict[str, AspectDetector] = {}
    _, oos = ta.out_of_sample(frame, counts=counts, keep=keep, by_authors=2)
    scored = (frame["author"] != "lexicon").to_numpy()
    authors = sorted(set(frame["author"][scored]))
    assert len(authors) == 3 and oos.how == "2 folds of authors"
    folds = ta.author_folds(frame["author"][scored].tolist(), 2)
    assert set(keep) == set(authors)
    for a in authors:
        mates = [b for b in authors if folds[b] == folds[a]]
        assert all(keep[b] is keep[a] for b in mates)
        without = (~frame["author"].isin(mates)).to_numpy()
        refit = ta._fit_detector_raw(frame[without], counts=counts.take(without))
        assert np.array_equal(keep[a].weights_, refit.weights_)
        mine = (frame["author"][scored] == a).to_numpy()
        cols = [oos.aspects.index(x) for x in refit.aspects_]
        clauses = frame["clauses"][scored][mine].tolist()
        got = np.array([refit.probabilities(c) for c in clauses])
        assert np.allclose(oos.probabilities[np.ix_(mine, cols)], got, rtol=0, atol=1e-12)
    # leave one author out is still what None asks for
    _, loao = ta.out_of_sample(frame, counts=counts, by_authors=None)
    assert loao.how == ta.LEAVE_ONE_OUT


def test_the_gate_held_out_in_groups_never_saw_its_author(frame) -> None:  # type: ignore[no-untyped-def]
    counts = ta.gate_features(frame)
    none = np.array([len(g) == 0 for g in frame["gold"]])
    probs, by_author = ta.gate_out_of_sample(frame, counts, by_authors=2)
    scored = (frame["author"] != "lexicon").to_numpy()
    folds = ta.author_folds(frame["author"][scored].tolist(), 2)
    assert set(by_author) == set(folds) and len(probs) == scored.sum()
    for a, f in folds.items():
        mates = [b for b, g in folds.items() if g == f]
        alone = ta.fit_gate(counts, none, (~frame["author"].isin(mates)).to_numpy())
        assert by_author[a] == alone
        mine = (frame["author"] == a).to_numpy()
        want = ta._gate_probabilities(*alone, counts.take(mine))
        assert np.allclose(probs[mine[scored]], want, rtol=0, atol=1e-12)


def test_the_second_pass_held_out_in_groups_never_saw_its_author() -> None:
    rng = np.random.default_rng(1)
    n = 600
    fee = rng.random(n) < 0.5
    probs = np.column_stack([rng.uniform(0.05, 0.95, n), rng.uniform(0.05, 0.15, n)])
    gold = np.column_stack([fee, fee & (rng.random(n) < 0.9)])
    found = np.column_stack([fee, np.zeros(n, dtype=bool)])
    oos = toy_oos(probs, gold, found, ["a", "b", "c", "d", "e", "f"] * (n // 6))
    second, by_author = ta.second_pass_out_of_sample(oos, beside=False, by_authors=3)
    folds = ta.author_folds(oos.author.tolist(), 3)
    assert len(set(folds.values())) == 3 and set(by_author) == set(folds)
    for a, f in folds.items():
        out = np.isin(oos.author, [b for b, g in folds.items() if g == f])
        alone = ta.fit_second_pass(oos, ~out, beside=False)
        assert by_author[a].keys() == alone.keys() == {"credit_limit"}
        b, w = by_author[a]["credit_limit"]
        assert b == alone["credit_limit"][0] and np.array_equal(w, alone["credit_limit"][1])
        mine = oos.author == a
        want = ta._second_probabilities(alone, oos, mine, False)
        assert np.allclose(second.probabilities[mine], want, rtol=0, atol=1e-12)
