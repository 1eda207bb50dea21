"""Complaint and cancellation phrases: editable zh/en lists, matched after normalisation.

A :class:`PhraseList` holds Chinese and English phrases (e.g. 投诉, 销卡, "cancel my card"), a
severity in [0, 1] that the rules use for the case's priority, and exclusions: phrases that
contain a listed phrase but mean the opposite (不投诉, 没有投诉, "no complaint"). A match
that lies inside an exclusion's match is ignored.

Normalisation (:func:`normalize`) is the feedback package's cleaning
(:func:`loyalloop.feedback.clean.clean_text`: HTML removed, control characters and
runs of white space collapsed, NFKC so full-width ``ＣＡＮＣＥＬ`` reads ``CANCEL``), then
traditional → simplified Chinese (:func:`loyalloop.feedback.tokenize.to_simplified`, so 銷卡 and
投訴 match 销卡 and 投诉), then case folding. Phrases are normalised the same way.

Chinese phrases match as substrings (Chinese has no spaces between words). Phrases written in
Latin letters or digits match whole words only (``complain`` does not match inside
``uncomplaining``) and any run of white space or hyphens between their words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from loyalloop.errors import ConfigError

__all__ = ["PhraseList", "PhraseMatch", "match_phrases", "normalize"]

_WORD = re.compile(r"[a-z0-9]")


def normalize(text: object) -> str:
    """The text as phrases are matched against it (see the module docstring).

    >>> normalize("我要ＣＡＮＣＥＬ  My Card，銷卡！")
    '我要cancel my card,销卡!'
    """
    from loyalloop.feedback.clean import clean_text
    from loyalloop.feedback.tokenize import to_simplified

    return to_simplified(clean_text(text)).casefold()


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    norm = normalize(phrase)
    if not norm:
        raise ConfigError(f"phrase {phrase!r} is empty after normalisation")
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", norm) if p]
    body = r"[\s\-]+".join(parts)
    if _WORD.match(norm[0]):
        body = r"(?<![a-z0-9])" + body
    if _WORD.match(norm[-1]):
        body = body + r"(?![a-z0-9])"
    return re.compile(body)


@dataclass(frozen=True)
class PhraseMatch:
    """A phrase of a list found in a text: the phrase as written in the list, and where."""

    list_name: str
    phrase: str
    start: int
    end: int


@dataclass(frozen=True)
class PhraseList:
    """A named list of phrases with its severity and exclusions (all editable in the rules)."""

    name: str
    phrases: tuple[str, ...]
    severity: float = 0.8
    exclusions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.phrases:
            raise ConfigError(f"phrase list {self.name!r} is empty")
        for phrase in (*self.phrases, *self.exclusions):
            _pattern(phrase)  # refuses phrases that normalise to nothing

    def find(self, normalized: str) -> list[PhraseMatch]:
        """Matches in already :func:`normalize`-d text, exclusions removed, in text order."""
        blocked = [
            (m.start(), m.end())
            for ex in self.exclusions
            for m in _pattern(ex).finditer(normalized)
        ]
        found: list[PhraseMatch] = []
        for phrase in self.phrases:
            for m in _pattern(phrase).finditer(normalized):
                if any(s <= m.start() and m.end() <= e for s, e in blocked):
                    continue
                found.append(PhraseMatch(self.name, phrase, m.start(), m.end()))
        return sorted(found, key=lambda p: (p.start, -p.end))


def match_phrases(text: object, lists: tuple[PhraseList, ...]) -> list[PhraseMatch]:
    """Every list's matches in ``text`` (normalised once).

    >>> lists = (PhraseList("complaint", ("投诉", "complaint"), exclusions=("不投诉",)),)
    >>> [m.phrase for m in match_phrases("我要投訴！", lists)]
    ['投诉']
    >>> match_phrases("我不投诉，只是建议", lists)
    []
    """
    norm = normalize(text)
    if not norm:
        return []
    return [m for pl in lists for m in pl.find(norm)]
