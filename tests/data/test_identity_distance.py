"""The identity model's edit distance counts characters, and its u sample is engine-neutral.

DuckDB's ``levenshtein`` counts UTF-8 bytes (``王芳`` / ``王方``: 3), Spark's counts characters
(1); :func:`char_levenshtein_sql` must give the character distance on DuckDB too. The u sample
is chosen by MD5, which every engine computes alike: the records must be the ones Python's
``hashlib`` orders first. (The same levels on Spark: tests/pipeline/test_engine_identity.py.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import duckdb
import ibis
import numpy as np
import pyarrow as pa
import pytest

from loyalloop.data.identity.model import (
    _STAND_INS,
    _near,
    bits_apart_sql,
    char_bits,
    char_levenshtein_sql,
    char_levenshtein_within,
    u_sample,
    u_sample_size,
)


def _levenshtein(a: str, b: str) -> int:
    """Reference: the textbook dynamic programme over characters."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _distances(pairs: Sequence[tuple[str | None, str | None]]) -> list[int | None]:
    con = duckdb.connect()
    con.register("pairs_t", pa.table({"l": [p[0] for p in pairs], "r": [p[1] for p in pairs]}))
    sql = char_levenshtein_sql("l", "r", "duckdb")
    return [row[0] for row in con.execute(f"SELECT {sql} FROM pairs_t").fetchall()]


def test_han_names_one_character_apart_are_one_edit_on_duckdb() -> None:
    assert duckdb.sql("SELECT levenshtein('王芳', '王方')").fetchone() == (3,)  # the defect
    pairs = [
        ("王芳", "王方"),
        ("王芳", "王"),
        ("王芳", "芳王"),
        ("王小明", "王晓明"),
        ("陈静", "陈静"),
    ]
    assert _distances(pairs) == [1, 1, 2, 1, 0]


def test_latin_and_mixed_texts_match_the_reference() -> None:
    rng = np.random.default_rng(5)
    latin = list("abcdefghij .-")
    mixed = latin + list("王芳方汪黄李明晓北京市朝阳区路号") + ["é", "ü", "Ｗ", "🦆"]
    pairs: list[tuple[str | None, str | None]] = []
    for k in range(400):
        alphabet = latin if k % 2 else mixed
        a = "".join(rng.choice(alphabet, size=int(rng.integers(0, 12))))
        b = list(a)
        for _ in range(int(rng.integers(0, 4))):  # a few random edits
            pos = int(rng.integers(0, len(b) + 1))
            op = int(rng.integers(0, 3))
            if op == 0 or not b:
                b.insert(pos, str(rng.choice(alphabet)))
            elif op == 1:
                del b[min(pos, len(b) - 1)]
            else:
                b[min(pos, len(b) - 1)] = str(rng.choice(alphabet))
        pairs.append((a, "".join(b)))
    pairs += [("wang fang", "wang fan"), ("lisi", "lisi2"), ("ab", None), (None, None)]
    expected = [None if a is None or b is None else _levenshtein(a, b) for a, b in pairs]
    assert _distances(pairs) == expected
    # the levels' predicate (byte-distance pre-filter, then the recoded distance) agrees
    con = duckdb.connect()
    con.register("p", pa.table({"l": [p[0] for p in pairs], "r": [p[1] for p in pairs]}))
    for k in (1, 2, 3):
        sql = char_levenshtein_within("l", "r", k, "duckdb")
        got = [bool(v) for (v,) in con.execute(f"SELECT coalesce({sql}, false) FROM p").fetchall()]
        assert got == [d is not None and d <= k for d in expected]
    # ASCII texts: exactly DuckDB's own levenshtein (the fast path)
    ascii_pairs = [p for p in pairs if p[0] and p[1] and p[0].isascii() and p[1].isascii()]
    assert len(ascii_pairs) > 20
    plain = [duckdb.sql(f"SELECT levenshtein('{a}', '{b}')").fetchone()[0] for a, b in ascii_pairs]  # type: ignore[index]
    assert _distances(ascii_pairs) == plain


def _random_pairs(seed: int, n: int) -> list[tuple[str | None, str | None]]:
    """Texts and copies with 0-5 random edits, Latin and Han (as the names and addresses)."""
    rng = np.random.default_rng(seed)
    alphabet = list("abcdefgh0123456789") + list("王芳方汪黄李明晓北京市朝阳区路号栋单元室")
    pairs: list[tuple[str | None, str | None]] = []
    for _ in range(n):
        a = "".join(rng.choice(alphabet, size=int(rng.integers(0, 25))))
        b = list(a) if rng.random() < 0.7 else list(rng.choice(alphabet, size=len(a)))
        for _ in range(int(rng.integers(0, 6))):
            pos = int(rng.integers(0, len(b) + 1))
            if rng.random() < 0.5 or not b:
                b.insert(pos, str(rng.choice(alphabet)))
            else:
                b[min(pos, len(b) - 1)] = str(rng.choice(alphabet))
        pairs.append((a, "".join(b)))
    return [*pairs, ("王芳", None), (None, None)]


def test_character_bits_reject_only_pairs_the_distance_rejects() -> None:
    """With the two sides' character bits the predicate holds for exactly the same pairs as
    without them and as the reference distance; the bits alone decide most far pairs."""
    pairs = _random_pairs(11, 3000)
    expected = [None if a is None or b is None else _levenshtein(a, b) for a, b in pairs]
    con = duckdb.connect()
    con.register(
        "p",
        pa.table(
            {
                "l": [a for a, _ in pairs],
                "r": [b for _, b in pairs],
                "bl": pa.array([char_bits(a) for a, _ in pairs], pa.int64()),
                "br": pa.array([char_bits(b) for _, b in pairs], pa.int64()),
            }
        ),
    )
    for k in (1, 2, 3):
        plain = char_levenshtein_within("l", "r", k, "duckdb")
        apart = bits_apart_sql("bl", "br", k)
        fast = f"(CASE WHEN {apart} THEN FALSE ELSE {plain} END)"  # as _near(..., bits=True)
        rows = con.execute(
            f"SELECT coalesce({plain}, false), coalesce({fast}, false), {apart} FROM p"
        ).fetchall()
        assert [r[1] for r in rows] == [r[0] for r in rows]
        assert [r[1] for r in rows] == [d is not None and d <= k for d in expected]
        assert sum(bool(r[2]) for r in rows) > len(rows) // 4  # the bits decide those
    assert char_bits("") == 0 and char_bits(None) is None
    assert char_bits("ab") == char_bits("baab")


def test_too_many_distinct_characters_are_never_near() -> None:
    han = [chr(0x4E00 + i) for i in range(120)]
    a, b = "".join(han[:60]), "".join(han[50:])
    assert len(set(a + b)) > len(_STAND_INS)
    assert _distances([(a, b), (a, a + "x")]) == [None, 1]


def test_near_levels_count_characters() -> None:
    from splink.internals.dialects import SplinkDialect

    d = SplinkDialect.from_string("duckdb")
    con = duckdb.connect()
    rows = [("王芳", "王方"), ("王芳", "李明"), ("北京市朝阳区建国路88号", "北京朝阳区建国路86号")]
    con.register("t", pa.table({"x_l": [r[0] for r in rows], "x_r": [r[1] for r in rows]}))
    one = _near("x", 1, 0).create_sql(d)
    addr = _near("x", 3, 8).create_sql(d)
    got = con.execute(f"SELECT ({one}) AS one, ({addr}) AS addr FROM t").fetchall()
    assert got == [(True, False), (False, False), (False, True)]
    # the same with the character bits the features carry (x_bits_l, x_bits_r)
    bits = {
        f"x_bits_{s}": pa.array([char_bits(r[i]) for r in rows], pa.int64())
        for i, s in ((0, "l"), (1, "r"))
    }
    con.register("tb", pa.table({"x_l": [r[0] for r in rows], "x_r": [r[1] for r in rows], **bits}))
    one_b = _near("x", 1, 0, bits=True).create_sql(d)
    addr_b = _near("x", 3, 8, bits=True).create_sql(d)
    assert "bit_count" in one_b and "bit_count" in addr_b
    assert con.execute(f"SELECT ({one_b}), ({addr_b}) FROM tb").fetchall() == got


def test_u_sample_is_the_md5_order_of_the_ids() -> None:
    ids = [f"C{i:05d}" for i in range(3000)]
    features = ibis.memtable({"customer_id": ids, "x": range(3000)})
    n = u_sample_size(300_000)
    assert n * (n - 1) // 2 >= 300_000 > (n - 1) * (n - 2) // 2
    picked = u_sample(features, 300_000, seed=7).execute()
    expected = sorted(ids, key=lambda c: hashlib.md5(f"7:{c}".encode()).hexdigest())[:n]
    assert sorted(picked.customer_id) == sorted(expected)
    other = set(u_sample(features, 300_000, seed=8).execute().customer_id)
    assert other != set(expected)  # the seed changes the sample


@pytest.mark.parametrize("n", [10, 776])
def test_u_sample_takes_every_record_when_few(n: int) -> None:
    features = ibis.memtable({"customer_id": [f"C{i}" for i in range(n)]})
    assert u_sample(features, 300_000, seed=7).count().execute() == min(n, 776)
