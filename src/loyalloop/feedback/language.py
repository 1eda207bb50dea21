"""Language detection for feedback text: Chinese, English, mixed or undetermined.

The rule is deliberately simple and documented, because feedback is short and dominated by two
scripts. Count Chinese characters (CJK unified ideographs, simplified or traditional) and English
words (runs of two or more Latin letters). One English word counts as
:data:`EN_WORD_WEIGHT` Chinese characters (an English word carries about as much content as one
to two characters). With ``share_en`` the weighted English share:

* ``"und"`` (undetermined) when neither script occurs (empty text, digits, emoji only);
* ``"zh"`` when ``share_en < 0.2`` — e.g. ``"APP很好用"`` is Chinese with a borrowed word;
* ``"en"`` when ``share_en > 0.8``;
* ``"mixed"`` otherwise.
"""

from __future__ import annotations

import re
from typing import Literal

from loyalloop.feedback.clean import clean_text

__all__ = ["EN_WORD_WEIGHT", "LANGUAGES", "Language", "detect_language", "language_counts"]

Language = Literal["zh", "en", "mixed", "und"]
LANGUAGES: tuple[Language, ...] = ("zh", "en", "mixed", "und")
EN_WORD_WEIGHT = 1.5

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_WORD = re.compile(r"[A-Za-z]{2,}")


def language_counts(text: str) -> tuple[int, int]:
    """Return ``(chinese_characters, english_words)`` in ``text`` (already cleaned)."""
    return len(_CJK.findall(text)), len(_EN_WORD.findall(text))


def _classify(n_zh: int, n_en: int) -> Language:
    if n_zh == 0 and n_en == 0:
        return "und"
    share_en = n_en * EN_WORD_WEIGHT / (n_en * EN_WORD_WEIGHT + n_zh)
    if share_en < 0.2:
        return "zh"
    if share_en > 0.8:
        return "en"
    return "mixed"


def detect_language(text: object) -> Language:
    """Detect the language of one comment.

    Parameters
    ----------
    text
        Raw comment; cleaned with :func:`~loyalloop.feedback.clean.clean_text` first.

    Returns
    -------
    {"zh", "en", "mixed", "und"}

    Examples
    --------
    >>> detect_language("年费太贵了")
    'zh'
    >>> detect_language("The app keeps crashing")
    'en'
    >>> detect_language("客服 service is slow, 等了很久")
    'mixed'
    >>> detect_language("👍👍")
    'und'
    """
    return _classify(*language_counts(clean_text(text)))
