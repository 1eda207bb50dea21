"""Identifiers that mean the same customer are written the same way; look-alikes are caught.

:func:`normalize_id` is applied on ingest to every identifier column (``customer_id``,
``transaction_id`` …): Unicode NFKC (full-width ``Ｃ１２３`` → ``C123``, composed and decomposed
accents made equal), zero-width and other invisible format characters removed, surrounding
whitespace trimmed. Plain printable ASCII ids — nearly all of them — are left as they are
without reaching Python (the engine selects only the others).

:func:`skeleton` maps each character that *looks like* a Latin letter or digit to it (Cyrillic
``С`` → ``C``, Greek ``Ο`` → ``O``), from the Unicode confusables data shipped in
``confusable-homoglyphs``. Two different ids with the same skeleton differ only by look-alike
characters: ingest refuses the later one, naming the characters, instead of creating a second
customer that nobody can tell apart from the first.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["PLAIN_ID_REGEX", "explain_lookalike", "normalize_id", "skeleton"]

#: Ids matching this (RE2 syntax, full match) need no normalisation: printable ASCII without
#: surrounding spaces.
PLAIN_ID_REGEX = r"[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?"


def normalize_id(value: str) -> str | None:
    """NFKC, without invisible format characters (category Cf: zero-width space, joiners,
    BOM, soft hyphen …) and surrounding whitespace; ``None`` when nothing is left."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()
    return text or None


@lru_cache(maxsize=4096)
def _latin_lookalike(ch: str) -> str:
    if ch.isascii():
        return ch
    from confusable_homoglyphs import confusables

    for glyph in confusables.confusables_data.get(ch, ()):
        target = glyph["c"]
        if len(target) == 1 and target.isascii() and target.isalnum():
            return target
    return ch


def skeleton(value: str) -> str:
    """``value`` with every character that looks like an ASCII letter or digit replaced by it."""
    return "".join(_latin_lookalike(ch) for ch in value)


def explain_lookalike(value: str) -> str:
    """The look-alike characters of ``value``, named: ``С (U+0421 CYRILLIC CAPITAL LETTER ES)``."""
    parts = []
    for ch in dict.fromkeys(value):
        if _latin_lookalike(ch) != ch:
            parts.append(f"{ch} (U+{ord(ch):04X} {unicodedata.name(ch, '?')})")
    return ", ".join(parts)
