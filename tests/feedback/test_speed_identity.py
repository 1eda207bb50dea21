"""Speed changes to the reading that must not change what it reads.

* The lexicon's pattern gate for clauses without a Latin letter uses only the patterns that hold
  a Chinese character: on every clause of the labelled sets and on made-up clauses (digits,
  the non-ASCII letters that ``re.I`` folds to a-z) the same patterns match as with all of them.
* Batches are read with fewer garbage-collector passes: the collector's settings come back
  exactly as they were, nested batches included, and a switched-off collector stays off.
* The lexicon's and the taxonomy's Chinese term scans by Aho-Corasick automata find exactly
  what their regexes find, on every clause where they are used.
* The segmenter's prebuilt dictionary holds the same words, frequencies and pad as the one
  built from jieba's ``dict.txt``; a damaged file is rebuilt, an unwritable folder is harmless.
* The learned detector's weights, parsed by numpy in one loop, are the doubles ``float`` reads.
* The taxonomy's ``re:`` patterns are searched only in clauses holding one of their required
  characters: every match holds one, and the gated reading equals the ungated one; likewise
  the lexicon's letter-free patterns.
"""

from __future__ import annotations

import csv
import gc
import importlib
import re
from array import array
from importlib import resources
from pathlib import Path
from typing import Any

from loyalloop.feedback import lexicon
from loyalloop.feedback.aspects import (
    Aspect,
    Taxonomy,
    _fewer_collections,
    comment_clauses,
    load_taxonomy,
)
from loyalloop.feedback.patterns import word_automaton

tok = importlib.import_module("loyalloop.feedback.tokenize")

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


# ----------------------------------------------------------- Aho-Corasick term scans (round 10b)
_MADE_UP_ZH = [
    "yyds年费",  # an ASCII lexicon word: the regexes are used
    "年费bug太多",
    "666，退回来了",
    "退款退回来了但是又扣了",
    "没毛病，好用",
    "好像不太好",
    "年 费太高",
    "🙂年费太高了😡",  # characters outside the BMP: offsets are in characters
    "",
]


def test_lexicon_automaton_finds_what_the_regexes_find() -> None:
    zh, _ = lexicon._lexicons()
    assert zh.term_automaton is not None and zh.ascii_starts
    used = 0
    for clause in _clauses() + _MADE_UP_ZH:
        expected = (
            [m.span() for m in zh.resolution_regex.finditer(clause)],
            [(m.start(), m.end(), m.group(0)) for m in zh.regex.finditer(clause)],
        )
        assert lexicon._matches(zh, clause) == expected, clause
        used += zh.ascii_starts.isdisjoint(clause)
    assert used > 1000  # the automata really read the Chinese clauses


def test_taxonomy_automaton_finds_what_the_regex_finds() -> None:
    clauses = [c.lower() for c in _clauses() + _MADE_UP_ZH]
    for name in ("default", "banking", "retail"):
        tax = load_taxonomy(name)
        words, starts = tax._cjk_words, tax._latin_starts  # type: ignore[attr-defined]
        assert words and starts is not None
        used = 0
        for clause in clauses:
            if not starts.isdisjoint(clause):
                continue
            used += 1
            regex = [(m.start(), m.end(), m.group(0)) for m in tax.any_regex.finditer(clause)]
            found = word_automaton(words).find_matches_as_indexes(clause)
            assert [(s, e, clause[s:e]) for _, s, e in found] == regex, (name, clause)
        assert used > 1000, name


def test_a_latin_pattern_starting_with_a_space_turns_the_automaton_off() -> None:
    fee = Aspect("fee", "Fee", "年费", ("年费", " vip"), ("fee",), None, "cost")
    tax = Taxonomy(
        "t", (fee,)
    )  # patterns loaded from YAML are stripped; made in code they may not be
    assert tax._latin_starts is None  # type: ignore[attr-defined]
    assert [a.key for _, _, a, _ in tax.spans("年费太高")] == ["fee"]


# ---------------------------------------------------------- prebuilt segmenter dictionary
def test_prebuilt_dictionary_equals_the_built_one(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    terms = tok.domain_terms()
    built = tok._build_dictionary(tok._jieba_dict_path().read_text("utf-8"), terms)
    first = tok._dictionary(terms)  # builds and writes the file
    files = list(tmp_path.glob("jieba-dict-*.bin"))
    assert len(files) == 1
    second = tok._dictionary(terms)  # reads it
    for got in (first, second):
        assert list(got[0]) == built[0] and list(got[1]) == built[1] and got[2] == built[2]
    assert isinstance(second[1], array)  # really read back from the file
    # other terms: another file, never the old one
    tok._dictionary((*terms, "测试新词语"))
    assert len(list(tmp_path.glob("jieba-dict-*.bin"))) == 2
    # a damaged file is built again and replaced
    files[0].write_bytes(files[0].read_bytes()[:-5])
    assert tok._read_prebuilt(files[0]) is None
    again = tok._dictionary(terms)
    assert list(again[0]) == built[0] and list(again[1]) == built[1]
    assert tok._read_prebuilt(files[0]) is not None


def test_no_cache_folder_builds_in_memory(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", "")
    assert tok._cache_dir() is None
    words, counts, pad = tok._dictionary(("年费太贵",))
    assert "年费太贵" in words and counts[list(words).index("年费太贵")] == 2000 and pad > 0
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(blocked / "sub"))
    assert list(tok._dictionary(("年费太贵",))[0]) == list(words)  # cannot write: still works


# ------------------------------------------------------------------ shipped YAML by libyaml
def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", tuple((_typed(k), _typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_typed(v) for v in value))
    return (type(value).__name__, value)


def test_shipped_yaml_loads_the_same_with_libyaml() -> None:
    import yaml

    from loyalloop.feedback.script import load_shipped_yaml

    package = resources.files("loyalloop.feedback")
    files = [f for folder in ("data", "taxonomies") for f in package.joinpath(folder).iterdir()]
    files = [f for f in files if f.name.endswith(".yaml")]
    assert {"lexicon.yaml", "banking.yaml", "retail.yaml"} <= {f.name for f in files}
    for f in files:
        text = f.read_text("utf-8")
        assert _typed(load_shipped_yaml(text)) == _typed(yaml.safe_load(text)), f.name


def test_detector_weights_parsed_by_numpy_equal_float_parsing(tmp_path: Path) -> None:
    """numpy's one-loop parse of the detector file gives the doubles ``float`` gives."""
    import numpy as np
    import pytest

    from loyalloop.errors import ModelError
    from loyalloop.feedback.aspect_detector import _FILE, AspectDetector

    text = resources.files("loyalloop.feedback").joinpath("data", _FILE).read_text("utf-8")
    rows = [line.partition("\t") for line in text.splitlines() if not line.startswith("#")]
    expected = np.array([[float(v) for v in values.split(" ")] for _, _, values in rows])
    loaded = AspectDetector.load()
    if loaded.gate_weights_ is not None:  # the gate's weights are the last column (session 22)
        assert loaded.gate_weights_.tobytes() == expected[:, -1].copy().tobytes()
        expected = expected[:, :-1]
    assert loaded.weights_.tobytes() == np.ascontiguousarray(expected).tobytes()
    assert loaded.vocabulary_ == {name: i for i, (name, _, _) in enumerate(rows)}
    head = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    bad = tmp_path / "bad.txt"
    bad.write_text(head + "\nt1x\t0.1 zero\n", encoding="utf-8")
    with pytest.raises(ModelError, match="aspect detector file"):
        AspectDetector.load(bad)


def test_required_chars_of_a_regex() -> None:
    from loyalloop.feedback.patterns import required_chars

    assert required_chars("年费") == frozenset("年")
    assert required_chars("排.{0,4}队") == frozenset("排")
    assert required_chars("(?:ab|c)d?") == frozenset("ac")
    assert required_chars("[xyz]+") == frozenset("xyz")
    assert required_chars(r"a \w+") == frozenset("a")  # a letter before a space
    for nothing_known in (r"\d+", "(?i)abc", "(?i:abc)", "a?b*", "[^a]", ".", r"(?=a)\w", "x|.*"):
        assert required_chars(nothing_known) is None, nothing_known


def test_taxonomy_regex_gate_is_exact() -> None:
    """Every ``re:`` pattern match holds one of the pattern's required characters, and a
    clause each aspect's gate lets pass by is read the same as without the gates."""
    from loyalloop.feedback.patterns import required_chars

    made_up = ["打了三次电话", "等了40分钟", "提了额度", "收30块", "排了半天队", "5天才到",
               "$95 a year", "called them 3 times", "the lady at the branch", "退个货"]  # fmt: skip
    clauses = _clauses() + made_up
    for name in ("banking", "retail", "default"):
        tax = load_taxonomy(name)
        per_aspect = tax._regexes  # type: ignore[attr-defined]
        assert per_aspect and all(gate is not None for _, gate, _ in per_aspect)
        ungated = Taxonomy(tax.name, tax.aspects)
        object.__setattr__(ungated, "_regexes", tuple((r, None, i) for r, _, i in per_aspect))
        patterns = [p[3:] for a in tax.aspects for p in (*a.zh_patterns, *a.en_patterns)
                    if p.startswith("re:")]  # fmt: skip
        skipped = 0
        for clause in clauses:
            for p in patterns:
                if re.search(p, clause):
                    assert not required_chars(p).isdisjoint(clause), (p, clause)  # type: ignore[union-attr]
            if all(gate.isdisjoint(clause) for _, gate, _ in per_aspect):
                skipped += 1
            assert tax._spans(clause) == ungated._spans(clause), clause
        assert skipped > len(clauses) / 3  # the gates do spare most Chinese clauses
        assert any(
            not gate.isdisjoint(c) and r.search(c) for c in made_up for r, gate, _ in per_aspect
        )


def test_regex_patterns_of_two_aspects_longer_match_wins() -> None:
    """Two aspects' ``re:`` patterns starting at the same place: the longer span wins whichever
    aspect is listed first (one alternation of all aspects let the first-listed win)."""
    from loyalloop.feedback.aspects import Aspect

    def aspect(key: str, pattern: str) -> Aspect:
        return Aspect(key, key, key, (), (f"re:{pattern}",), None)

    for first, second in ((("short", r"fee\b"), ("long", r"fee for having (?:this|the) card")),
                          (("long", r"fee for having (?:this|the) card"), ("short", r"fee\b"))):  # fmt: skip
        tax = Taxonomy("t", (aspect(*first), aspect(*second)))
        assert [a for a, _ in tax.find("a fee for having this card")] == ["long"]
        assert [a for a, _ in tax.find("the fee is high")] == ["short"]


def test_required_chars_under_ignorecase() -> None:
    from loyalloop.feedback.patterns import gate_of, required_chars

    assert required_chars("abc", re.I) is None  # ASCII letters fold (K, ſ): nothing known
    assert required_chars("年费", re.I) == frozenset("年")
    assert required_chars("(?i:x)年") == frozenset("年")
    assert required_chars("abc|年", re.I, no_ascii_letters=True) == frozenset("年")
    assert required_chars("abc", no_ascii_letters=True) == frozenset()  # cannot match
    assert gate_of([frozenset("a"), frozenset("b")]) == frozenset("ab")
    assert gate_of([frozenset("a"), None]) is None


def test_lexicon_letter_free_pattern_gate_is_exact() -> None:
    """A letter-free clause the lexicon's gate passes by matches none of its patterns."""
    made_up = ["等了40分钟才接通", "排了两个小时队", "第三次打电话了，又扣了年费", "说好的免年费",
               "要是能再便宜点就好了", "刚买就降价", "前面还有 30 人", "异常交易第一时间提醒"]  # fmt: skip
    needed = lexicon._NO_LETTER_NEEDED
    assert needed is not None
    skipped = 0
    for clause in _clauses() + made_up:
        if lexicon._LETTER.search(clause):
            continue
        if needed.isdisjoint(clause):
            skipped += 1
            assert not lexicon._NO_LETTER_ANY.search(clause), clause
    assert skipped > 0
    assert all(not needed.isdisjoint(c) and lexicon._NO_LETTER_ANY.search(c) for c in made_up)
