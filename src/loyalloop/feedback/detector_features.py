"""The aspect detector's features of one clause: the shared n-grams, and optional English extras.

:func:`detector_features` is :func:`~loyalloop.feedback.aspect_model.clause_ngrams` (prefix
``t``) plus the extras a detector file names in its ``features`` metadata (none by default, the
detectors before session 18). The extras read only English words of the normalised clause:

``skip``
    Pairs of content words (stop words dropped) within three content words of each other,
    in order: "agent … rude" as ``tk agent_rude`` whatever stands between them.
``subject``
    When a clause names a person (an agent, a rep, she, the cashier …), each of its other
    content words crossed with that fact: ``tp rude`` for "she was so rude" and "the rep was
    rude" alike — who the clause is about, which the words alone do not carry.
``stem``
    The Snowball (Porter 2) stem of each content word (``snowballstemmer``, pure Python, no
    data): ``ts charg`` for "charge", "charged", "charges"; ``ts fee`` for "fee" and "fees".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_model import clause_ngrams

__all__ = ["FEATURE_KINDS", "detector_features", "parse_kinds"]

#: The optional extras (see the module docs).
FEATURE_KINDS = ("skip", "stem", "subject")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
#: Function words left out of the extras (the n-grams keep them).
_STOP_WORDS = (
    "a an the and or but so to of in on at for with from by as is are was were be been being am "
    "it its it's this that these those i me my we our us you your i'm i've i'd just very really "
    "had has have do does did there their then than too also if when while about into out up "
    "all any some again still ever even get got go went"
)
_STOP = frozenset(_STOP_WORDS.split())
#: Words that make a clause about a person serving the customer.
_PERSON_WORDS = (
    "agent agents rep reps representative representatives staff staffer employee employees she "
    "he her him guy lady girl woman man cashier cashiers clerk clerks manager associate "
    "associates operator operators advisor adviser supervisor person worker workers csr "
    "someone nobody salesperson salesman assistant teller tellers officer"
)
_PERSON = frozenset(_PERSON_WORDS.split())


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import snowballstemmer  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError(
            "the aspect detector's stem features need snowballstemmer: pip install snowballstemmer"
        ) from exc
    return snowballstemmer.stemmer("english")


def parse_kinds(text: str) -> frozenset[str]:
    """The extras named in a detector's ``features`` metadata (``""`` or ``"ngrams"``: none)."""
    kinds = frozenset(k for k in text.replace("+", " ").split() if k != "ngrams")
    unknown = kinds - set(FEATURE_KINDS)
    if unknown:
        raise ValueError(f"unknown detector feature kinds {sorted(unknown)}")
    return kinds


def detector_features(clause: str, kinds: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Feature names of a normalised clause for the detector (see the module docs).

    >>> detector_features("the rep was so rude", frozenset({"subject"}))[-1]
    'tprude'
    >>> "tkagent_rude" in detector_features("agent on the phone rude", frozenset({"skip"}))
    True
    """
    base = clause_ngrams(clause, "t")
    if not kinds:
        return base
    content = [w for w in _WORD.findall(clause.replace("’", "'")) if w not in _STOP]
    extra: list[str] = []
    if "skip" in kinds:
        for i, a in enumerate(content):
            extra += ["tk" + a + "_" + b for b in content[i + 1 : i + 4]]
    if "stem" in kinds:
        extra += ["ts" + _stem(w) for w in content]
    if "subject" in kinds and any(w in _PERSON for w in content):
        extra += ["tp" + w for w in content if w not in _PERSON]
    if not extra:  # a clause without English content words: the n-grams, already distinct
        return base
    return tuple(dict.fromkeys([*base, *extra]))
