"""Make untrusted comment text safe to analyse.

Every analysis in :mod:`loyalloop.feedback` first passes text through :func:`clean_text`, which
gives a defined result for every kind of bad input instead of an exception:

* ``None``, ``NaN`` and other missing values become ``""``;
* ``bytes`` are decoded as UTF-8 when valid, else as GB18030 (the superset of GBK/GB2312) or
  Big5, whichever yields more of the 3,500 most common Chinese characters (``data/
  common_chars.txt``), and as a last resort as UTF-8 with replacement characters;
* UTF-8 text that was wrongly decoded as Latin-1/CP1252 ("mojibake", e.g. ``"å¹´è´¹"``) is
  repaired when the repair yields Chinese characters;
* HTML tags, ``<script>``/``<style>`` bodies and HTML entities are removed/unescaped;
* control characters (and lone surrogates) become spaces; whitespace is collapsed;
* Unicode is normalised to NFKC (full-width Latin letters and digits become ASCII) unless
  ``normalize=False`` (text kept as written, for display);
* text longer than :data:`MAX_CHARS` characters is truncated.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from functools import lru_cache

from loyalloop.feedback.script import data_text, to_simplified

__all__ = ["MAX_CHARS", "clean_text"]

#: Longest text analysed, in characters; longer text is truncated (a comment this long is
#: almost always pasted logs or spam, and truncation bounds the cost of one row).
MAX_CHARS = 5000

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,500}>")
_WS = re.compile(r"\s+")
_MOJIBAKE_HINT = re.compile(r"[\u00c0-\u00ff][\u0080-\u00bf\u2000-\u203a\u0152-\u0178]")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    lines = data_text("common_chars.txt").splitlines()
    return frozenset("".join(line for line in lines if not line.startswith("#")))


def _plausibility(text: str) -> int:
    common = _common_chars()
    return sum(ch in common for ch in to_simplified(text))


def _decode(raw: bytes) -> str:
    """UTF-8 if valid; else whichever of GB18030 and Big5 gives more common characters."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            candidates.append(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    if not candidates:
        return raw.decode("utf-8", errors="replace")
    return max(candidates, key=_plausibility)  # ties keep GB18030 (listed first)


def _fix_mojibake(text: str) -> str:
    if not _MOJIBAKE_HINT.search(text):
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _CJK.search(fixed):
            return fixed
    return text


#: Control characters (C0, DEL, C1), surrogates and private-use code points.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff]")


def _control_to_space(text: str) -> str:
    return _CONTROL.sub(" ", text)


def clean_text(value: object, *, max_chars: int = MAX_CHARS, normalize: bool = True) -> str:
    """Return ``value`` as clean, bounded plain text (never raises on bad content).

    Parameters
    ----------
    value
        A ``str``, ``bytes``, ``None``/``NaN`` or anything with a ``str()``.
    max_chars
        Truncate the cleaned text to this many characters.
    normalize
        Apply NFKC (full-width letters, digits and punctuation become ASCII). ``False`` keeps
        the text as written apart from the safety steps — the form shown to people.

    Returns
    -------
    str
        Cleaned text; ``""`` when nothing is left.

    Examples
    --------
    >>> clean_text("<b>年费</b>太贵了&amp;\\x00")
    '年费 太贵了&'
    >>> clean_text(None)
    ''
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bytes | bytearray):
        text = _decode(bytes(value))
    elif isinstance(value, str):
        text = value
    else:
        try:
            missing = bool(value != value)  # pandas NA / NaT compare unequal to themselves
        except (TypeError, ValueError):
            missing = False
        if missing:
            return ""
        text = str(value)
    # Guard the regexes below against pathological input before doing any work on it.
    text = text[: max_chars * 4]
    text = text.encode("utf-8", errors="replace").decode("utf-8")  # drop lone surrogates
    text = _fix_mojibake(text)
    if "<" in text:
        text = _SCRIPT_STYLE.sub(" ", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if normalize:
        text = unicodedata.normalize("NFKC", text)
    text = _control_to_space(text)
    text = _WS.sub(" ", text).strip()
    return text[:max_chars].strip()
