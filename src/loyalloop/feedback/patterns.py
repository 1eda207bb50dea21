"""Regexes for word lists: a prefix trie that Python's ``re`` matches quickly.

``re`` tries the alternatives of ``a|b|c`` one after another at each position; with hundreds of
lexicon entries or taxonomy patterns that is the slowest step of reading a comment. The same
words as a trie (``年(?:费|化)``) share their prefixes and match about ten times faster, and an
optional tail (``好(?:用)?``) keeps the longest match first.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

__all__ = ["gate_of", "required_chars", "trie_regex", "word_automaton"]


@lru_cache(maxsize=32)
def word_automaton(words: tuple[str, ...]) -> Any:
    """A leftmost-longest Aho-Corasick automaton (``ahocorasick_rs``) of non-empty ``words``.

    Its ``find_matches_as_indexes(text)`` gives ``(word index, start, end)`` in characters, the
    matches ``re.finditer`` gives for :func:`trie_regex` of the same words (without
    ``spaces``): at the leftmost position where a word starts, the longest one, then on after
    its end. One compiled pass instead of the regex engine's trial at every position.

    Examples
    --------
    >>> automaton = word_automaton(("年费", "年", "费用"))
    >>> [(s, e) for _, s, e in automaton.find_matches_as_indexes("年费用, 费用")]
    [(0, 2), (5, 7)]
    """
    import ahocorasick_rs

    return ahocorasick_rs.AhoCorasick(
        list(words), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
    )


def trie_regex(words: Iterable[str], *, spaces: bool = False) -> str:
    """A regex (no groups) matching any of ``words``, longest first.

    ``spaces=True`` lets a space in a word match any run of whitespace.

    Examples
    --------
    >>> trie_regex(["年费", "年化", "好", "好用"])
    '(?:好(?:用)?|年(?:化|费))'
    """
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        branches = []
        for ch in sorted(k for k in node if k):
            piece = r"\s+" if spaces and ch == " " else re.escape(ch)
            branches.append(piece + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def required_chars(
    pattern: str, flags: int = 0, *, no_ascii_letters: bool = False
) -> frozenset[str] | None:
    """Characters of which every match of ``pattern`` holds at least one, or ``None``.

    Read from the parsed regex (Python's own parser): a literal character, a class of a few
    literal characters, a group or a repeat of at least once stands for what it requires, the
    alternatives of a branch for the union of theirs; a sequence takes its smallest such set
    (of equal ones, one without whitespace). Anything else (``.``, ``\\d``, negated classes,
    look-arounds, optional parts) requires nothing known, and when nothing in the pattern does,
    the answer is ``None``. Under ``re.IGNORECASE`` only Chinese characters (which have no
    case) and ASCII digits and signs count. ``no_ascii_letters=True``: the texts are known to
    hold no letter that is or folds to a-z, so what needs one cannot match (an empty set: a
    branch of English words drops out of the union). A text holding none of the characters
    cannot match: an exact gate before running the regex.

    Examples
    --------
    >>> sorted(required_chars(r"[\\d一二]+个?(分钟|小时)"))
    ['分', '小']
    >>> required_chars(r"\\d+") is None
    True
    >>> sorted(required_chars(r"\\bwas\\s+promised\\b|以为", re.I, no_ascii_letters=True))
    ['以']
    """
    try:
        parsed = _re_module("_parser").parse(pattern, flags)
    except re.error:
        return None
    fold = bool(parsed.state.flags & re.IGNORECASE)
    return _required(parsed, fold, no_ascii_letters)


def gate_of(required: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    """The characters of which a text must hold one for any of several regexes to match,
    from their :func:`required_chars` (``None`` when one of them has no such set)."""
    union: set[str] = set()
    for chars in required:
        if chars is None:
            return None
        union |= chars
    return frozenset(union)


def _re_module(name: str) -> Any:
    """``re._parser`` / ``re._constants``: Python's own regex parser (3.11+; not in typeshed)."""
    return importlib.import_module(f"re.{name}")


#: A class of more characters than this is not worth a gate.
_MAX_CLASS = 64


def _required(items: Sequence[Any], fold: bool, no_letters: bool) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    for op, av in items:
        got = _required_item(op, av, fold, no_letters)
        if got is not None and (best is None or _cost(got) < _cost(best)):
            best = got
    return best


def _cost(chars: frozenset[str]) -> tuple[int, bool]:
    """Smaller sets first; of equal ones, one without whitespace (found in most texts)."""
    return len(chars), any(ch.isspace() for ch in chars)


def _char(code: int, fold: bool, no_letters: bool) -> frozenset[str] | None:
    """What a literal character requires: itself, nothing possible (an ASCII letter in a text
    without one: empty) or nothing known (a character that may fold to others: ``None``)."""
    ch = chr(code)
    if ch.isascii() and ch.isalpha():
        return frozenset() if no_letters else None if fold else frozenset(ch)
    if fold and not (ch.isascii() or "\u3400" <= ch <= "\u9fff"):
        return None
    return frozenset(ch)


def _required_item(op: Any, av: Any, fold: bool, no_letters: bool) -> frozenset[str] | None:
    c = _re_module("_constants")
    if op is c.LITERAL:
        return _char(av, fold, no_letters)
    if op is c.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is c.LITERAL:
                codes = [value]
            elif kind is c.RANGE and value[1] - value[0] < _MAX_CLASS:
                codes = list(range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY (\\d, \\w), a wide range
                return None
            for code in codes:
                got = _char(code, fold, no_letters)
                if got is None:
                    return None
                chars |= got
        return frozenset(chars) if len(chars) <= _MAX_CLASS else None
    if op is c.SUBPATTERN:
        _, add_flags, del_flags, body = av
        inner = (fold or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
        return _required(body, inner, no_letters)
    if op is c.ATOMIC_GROUP:
        return _required(av, fold, no_letters)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = av
        return _required(body, fold, no_letters) if low >= 1 else None
    if op is c.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            got = _required(branch, fold, no_letters)
            if got is None:
                return None
            union |= got
        return frozenset(union)
    return None
