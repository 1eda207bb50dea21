"""Typing slips in aspect words, put right before a clause is read: 年废 → 年费, "intrest" →
"interest".

Customers type fast: Chinese input methods offer a homophone (年**废**, 利**吸**, 额**渡**,
质**亮**, 快**地**), English fingers drop or swap a letter ("intrest", "custmer servce",
"delivary"). A pattern list never anticipates them all, so the slips are corrected in the
normalised text that the taxonomy, the lexicon and the models read (the text shown to people
stays as written).

* **Chinese.** Every Chinese pattern of the shipped taxonomies (2–4 characters) with one
  character replaced by a common character of the same pinyin (tones ignored) is a known slip of
  that pattern — unless the variant is a word of its own (in jieba's dictionary: 积分 → 几分 is
  not corrected) or another pattern or lexicon term. The table is built once by
  :mod:`loyalloop.feedback.build_typos` (pinyin from the dev-only ``pypinyin``) and shipped as
  ``data/typos.txt``; a few spoken renderings (阿普 → app) are added by hand.
* **English.** A word of 4+ letters one edit away (a letter dropped, added, changed, or two
  swapped) from a single word of the shipped taxonomies' English patterns or a word of 6+
  letters of the English lexicon is that word — unless it is an English word itself
  (``data/typos.txt`` lists the real words near the targets, from the dev-only
  ``english-words`` lists): "intrest" → "interest", "feez" → "fees", but "prise" and "stuff"
  stay.

A project taxonomy's own words are not in the table: its typing slips are not corrected.

Chinese matching is leftmost-longest over the table's keys (the slips and the real words that
guard them, 2–4 characters): a scan that looks a key up only where a key's first two characters
stand. The same table as one prefix-trie regex (``re.sub``) took 12x the CPU time (3.9 s against
0.35 s on 15,754 comments, same results): ``re`` tries the trie's ~2,300 first characters one
after another at every position of the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from loyalloop.feedback.script import data_text

__all__ = ["correct_typos", "deletes", "within_one_edit"]

_LATIN = re.compile(r"[a-z]{4,}")
_ASCII_LOWER = re.compile("[a-z]")


def deletes(word: str) -> set[str]:
    """The word with one letter removed, each way (and the word itself)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one insertion, deletion, substitution or swap
    of two neighbouring letters.

    Examples
    --------
    >>> within_one_edit("intrest", "interest"), within_one_edit("feez", "fees")
    (True, True)
    >>> within_one_edit("biling", "billing"), within_one_edit("charge", "change")
    (True, True)
    >>> within_one_edit("fee", "fee"), within_one_edit("happy", "apply")
    (False, False)
    """
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


class _Table:
    def __init__(self, text: str) -> None:
        zh: dict[str, str] = {}
        keep: set[str] = set()
        self.left: dict[str, frozenset[str]] = {}
        self.right: dict[str, frozenset[str]] = {}
        self.targets: set[str] = set()
        self.words: set[str] = set()
        section = ""
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "zh":
                variant, canonical = line.split("\t")
                zh[variant] = canonical
            elif section == "zh_words":
                keep.add(line)
            elif section == "zh_edges":
                key, chars = line.split("\t")
                (self.left if key[0] == "<" else self.right)[key[1:]] = frozenset(chars)
            elif section == "en_targets":
                self.targets.add(line)
            elif section == "en_words":
                self.words.add(line)
        # Real words map to themselves: matched leftmost-longest together with the slips, a word
        # that starts first wins ("客服回复" stays, though "服回复" is a slip of "不回复").
        self.zh = {**zh, **{w: w for w in keep}} if zh else {}
        self.zh_lengths = sorted({len(k) for k in self.zh}, reverse=True)
        self.zh_prefixes = frozenset(k[:2] for k in self.zh)
        index: dict[str, set[str]] = {}
        for t in self.targets:
            for d in deletes(t):
                index.setdefault(d, set()).add(t)
        self.index = index
        self.cache: dict[str, str] = {}

    def chinese(self, text: str) -> str:
        """``text`` with the Chinese slips put right: at each position the longest key wins,
        matches do not overlap, and a key whose neighbour (in ``text`` as given) makes it part
        of another word stays as written."""
        zh, prefixes, lengths = self.zh, self.zh_prefixes, self.zh_lengths
        parts: list[str] = []
        last = i = 0
        n = len(text)
        while i < n - 1:
            if text[i : i + 2] not in prefixes:
                i += 1
                continue
            for size in lengths:
                v = text[i : i + size]
                if len(v) == size and v in zh:
                    e = i + size
                    kept = (i > 0 and text[i - 1] in self.left.get(v[0], ())) or (
                        e < n and text[e] in self.right.get(v[-1], ())
                    )
                    parts.append(text[last:i])
                    parts.append(v if kept else zh[v])
                    last = i = e
                    break
            else:
                i += 1
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)

    def english(self, word: str) -> str:
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        out = word
        if word not in self.targets and word not in self.words:
            found = {t for d in deletes(word) for t in self.index.get(d, ()) if t != word}
            close = sorted(t for t in found if within_one_edit(word, t))
            if len(close) == 1:  # ambiguous slips stay as written
                out = close[0]
        if len(self.cache) < 200_000:
            self.cache[word] = out
        return out


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table(data_text("typos.txt"))


def correct_typos(norm: str) -> str:
    """``norm`` (normalised: simplified, lower case) with known typing slips put right.

    Examples
    --------
    >>> correct_typos("年废太贵了，额渡也低")
    '年费太贵了，额度也低'
    >>> correct_typos("the intrest is too high, custmer servce was rude")
    'the interest is too high, customer service was rude'
    >>> correct_typos("几分钟就好了 and the prise was fine")
    '几分钟就好了 and the prise was fine'
    """
    table = _table()
    if table.zh and not norm.isascii():
        norm = table.chinese(norm)
    if _ASCII_LOWER.search(norm):  # one C scan (a generator over the characters cost 8 %)
        norm = _LATIN.sub(lambda m: table.english(m.group(0)), norm)
    return norm
