"""Tokenisation for Chinese (jieba with a domain dictionary) and English.

* Traditional Chinese is first mapped to simplified character by character
  (:func:`~loyalloop.feedback.script.to_simplified`), so one dictionary, one sentiment model
  and one taxonomy serve both scripts.
* Chinese is segmented with a private :class:`jieba.Tokenizer` (never jieba's global one, so
  other code's user words do not leak in), loaded once per process with jieba's log output
  silenced and the domain terms of ``data/user_dict.txt`` (which include the Chinese patterns
  of the shipped taxonomies at training time) added as words.
* English is lower-cased and split into words, keeping contractions (``don't``) and digits.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING

from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.script import data_text, to_simplified

if TYPE_CHECKING:  # pragma: no cover
    import jieba

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


_TOKENIZER: jieba.Tokenizer | None = None


def _tokenizer() -> jieba.Tokenizer:
    global _TOKENIZER
    if _TOKENIZER is not None:
        return _TOKENIZER
    with _lock:
        if _TOKENIZER is None:
            with warnings.catch_warnings():
                # jieba <= 0.42 imports pkg_resources on some Python versions.
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
            for term in domain_terms():
                tok.add_word(term, freq=2000)
            _TOKENIZER = tok
    return _TOKENIZER


def segment_chinese(text: str, *, hmm: bool = True) -> list[str]:
    """Segment (already simplified, lower-cased) text with the domain-aware jieba tokenizer.

    Whitespace and punctuation tokens are dropped; Latin words inside Chinese text are kept.
    ``hmm=False`` skips jieba's new-word discovery (about twice as fast; used for topics).
    """
    return [t for t in _tokenizer().lcut(text, HMM=hmm) if _KEEP.search(t)]


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
