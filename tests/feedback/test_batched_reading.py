"""Reading comments in batches gives exactly what reading them one at a time gives.

The batched detector (:meth:`AspectDetector.detect_many`) and the batched reading
(``aspects._read_many``, used by ``feedback analyze`` and the pipeline's stage) are speed
changes only: every score must be equal bit for bit, every mention and label the same.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from loyalloop.feedback.aspect_detector import _sequential_sums, shipped_detector
from loyalloop.feedback.aspects import _read, _read_many, comment_clauses, load_taxonomy
from loyalloop.feedback.clean import clean_text

DATA = Path(__file__).parent / "data"


def _sentences() -> list[str]:
    texts: list[str] = []
    for name in ("blind_zh.tsv", "blind_en.tsv", "train3_zh.tsv", "train3_en.tsv"):
        with (DATA / name).open(encoding="utf-8", newline="") as f:
            texts += [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    return texts


def test_sequential_sums_equal_numpy_sums_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    table = rng.normal(size=(500, 16)) * 10.0 ** rng.integers(-6, 3, size=(500, 1))
    rows = [list(rng.integers(0, 500, size=n)) for n in rng.integers(0, 200, size=300)]
    got = _sequential_sums(table, rows)
    for r, row in zip(rows, got, strict=True):
        want = table[r].sum(axis=0) if r else np.zeros(16)
        assert np.array_equal(row, want)
        assert np.array_equal(np.sum([table[j] for j in r], axis=0) if r else want, row)


def test_detect_many_equals_detect_per_comment() -> None:
    det = shipped_detector()
    assert det is not None
    tax = load_taxonomy("default")
    comments = [comment_clauses(t) for t in _sentences()] + [[]]
    found = [set(tax.keys[i % 3 :: 7]) for i in range(len(comments))]
    one = [det.detect(c, tax.keys, f) for c, f in zip(comments, found, strict=True)]
    det._cache.clear()
    many = det.detect_many(comments, tax.keys, found)
    assert many == one
    assert sum(map(len, many)) > 100  # the detector really adds aspects here
    rows = det.contributions([c for cl in comments for c in cl])
    assert all(
        np.array_equal(row, det.clause_contribution(c))
        for row, c in zip(rows, [c for cl in comments for c in cl], strict=True)
    )


def test_batched_reading_equals_one_comment_at_a_time() -> None:
    texts = _sentences()
    displays = [clean_text(t, normalize=False) for t in [*texts, "", "   "]]
    for name in ("banking", "retail"):
        tax = load_taxonomy(name)
        batched = _read_many(displays, tax)
        for display, got in zip(displays, batched, strict=True):
            want = _read(display, tax)
            assert got.mentions == want.mentions
            assert got.readings == want.readings
            assert got.sentiment == want.sentiment
