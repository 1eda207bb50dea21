"""Speed changes to the reading that must not change what it reads.

* The lexicon's pattern gate for clauses without a Latin letter uses only the patterns that hold
  a Chinese character: on every clause of the labelled sets and on made-up clauses (digits,
  the non-ASCII letters that ``re.I`` folds to a-z) the same patterns match as with all of them.
* Batches are read with fewer garbage-collector passes: the collector's settings come back
  exactly as they were, nested batches included, and a switched-off collector stays off.
"""

from __future__ import annotations

import csv
import gc
from pathlib import Path

from loyalloop.feedback import lexicon
from loyalloop.feedback.aspects import _fewer_collections, comment_clauses

DATA = Path(__file__).parent / "data"


def _clauses() -> list[str]:
    texts: list[str] = []
    for name in ("blind_zh.tsv", "blind_en.tsv", "train3_zh.tsv", "train3_en.tsv"):
        with (DATA / name).open(encoding="utf-8", newline="") as f:
            texts += [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    return [c for t in texts for c in comment_clauses(t)]


def test_letter_free_gate_finds_the_same_patterns() -> None:
    made_up = [
        "等了40分钟才接通",
        "15 分钟就办好了",
        "排队排了两个小时，前面还有 30 人",
        "第三次打电话了，又扣了年费",
        "ſecond time 20 minutes",  # ſ folds to s under re.I: has a "letter"
        "\u212aept waiting 45 minutes",  # Kelvin sign folds to k
        "1234 5678 !!!",
        "免年费，说好的不收",
    ]
    clauses = _clauses() + made_up
    letter_free = 0
    for clause in clauses:
        full = [i for i, (r, _) in enumerate(lexicon._ALL_PATTERNS) if r.search(clause)]
        if lexicon._LETTER.search(clause):
            continue
        letter_free += 1
        subset = {id(r) for r, _ in lexicon._NO_LETTER_PATTERNS}
        assert all(id(lexicon._ALL_PATTERNS[i][0]) in subset for i in full), clause
        assert bool(lexicon._NO_LETTER_ANY.search(clause)) == bool(full), clause
    assert letter_free > 1000  # the Chinese clauses really went through the subset
    assert lexicon._LETTER.search("ſ") and lexicon._LETTER.search("\u212a")
    # the patterns left out (English words) are the 15 that only match with a letter
    english = [r for r, _ in lexicon._ALL_PATTERNS if (r, _) not in lexicon._NO_LETTER_PATTERNS]
    assert len(english) == len(lexicon._ALL_PATTERNS) - len(lexicon._NO_LETTER_PATTERNS) > 10


def test_fewer_collections_restores_the_collector() -> None:
    before = gc.get_threshold()
    with _fewer_collections():
        assert gc.get_threshold()[0] >= 50_000
        with _fewer_collections():
            assert gc.get_threshold()[0] >= 50_000
        assert gc.get_threshold()[0] >= 50_000  # the outer batch still runs
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    gc.set_threshold(0)
    try:
        with _fewer_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
    assert gc.get_threshold() == before
    gc.freeze()  # a process that freezes objects itself keeps them frozen
    try:
        assert gc.get_freeze_count() > 0
        with _fewer_collections():
            pass
        assert gc.get_freeze_count() > 0  # not handed back (unfreeze would empty it)
    finally:
        gc.unfreeze()
