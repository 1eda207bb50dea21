"""Clauses of a comment, as written and in the normalised form that is analysed.

A comment is split into sentences at sentence punctuation (``。！？!?…``, a full stop that is not a
decimal point, line breaks) and each sentence into clauses at clause punctuation (commas that
are not thousands separators, ``；：、`` and brackets), before the English contrast words *but,
however, although, though* and before the Chinese contrast words 但是 / 但 / 不过 / 可是 / 然而 /
可惜 inside a clause (``年费有点贵但还能接受`` gives two clauses; 不但 does not split). The
contrast word opens the clause it introduces, in both languages, so the readers see it
("The app is fine but slow" gives "The app is fine" and "but slow"; until session 12 the English
word was dropped and every English contrast cue was blind). A contrast word with nothing after
it ("It works though.") is dropped, and a comma right after one does not split ("However, the
app is fine" is one clause).

Each :class:`Clause` keeps its text **as written** (for examples shown to people) and its
``norm`` form — NFKC, traditional → simplified, agent-note shorthand spelled out, lower case —
which the lexicon, the taxonomy and the models read. ``asks`` is true for the last clause of a
sentence that ends in a question mark.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from loyalloop.feedback.script import to_simplified
from loyalloop.feedback.shorthand import expand_shorthand
from loyalloop.feedback.typos import correct_typos

__all__ = ["Clause", "normalize", "segment"]

_SENTENCE = re.compile(r"([。！？!?…\n\r]+|(?<!\d)\.+|\.+(?!\d)|[~～]{2,})")
_CLAUSE = re.compile(
    r"(?<!however)(?<!but)(?<!though)(?:(?<!\d),|,(?!\d))|"
    r"[，;；、()（）\[\]【】「」\t]+|(?<!\d):|:(?!\d)|：|\s+-\s+|"
    r"(?=\b(?:but|however|although|though)\b)|(?<=[\u3400-\u9fff])(?<!不)(?=但是|但|不过|可是|然而|可惜)",
    re.IGNORECASE,
)
#: A piece that is only a contrast word ("It works though.", "…, but."): nothing to keep.
_BARE_CONTRAST = re.compile(r"(?:but|however|although|though)\W*", re.IGNORECASE)
_QUESTION = re.compile(r"[?？]")


@dataclass(frozen=True)
class Clause:
    """One clause: ``text`` as written, ``norm`` as analysed, its sentence number, and whether
    it closes a sentence ending in a question mark."""

    text: str
    norm: str
    sentence: int
    asks: bool


@lru_cache(maxsize=131072)
def normalize(text: str) -> str:
    """NFKC, traditional → simplified, agent-note shorthand spelled out
    (:mod:`~loyalloop.feedback.shorthand`, before lower case: "AF" but not "af"), lower case,
    known typing slips put right (:mod:`~loyalloop.feedback.typos`): the form every analysis
    reads."""
    nfkc = expand_shorthand(unicodedata.normalize("NFKC", text))
    return correct_typos(to_simplified(nfkc).lower())


def segment(text: str) -> list[Clause]:
    """Clauses of (cleaned) ``text`` in order; empty clauses are dropped.

    Examples
    --------
    >>> [c.text for c in segment("年费太贵，但是服务很好。The app is fine but slow")]
    ['年费太贵', '但是服务很好', 'The app is fine', 'but slow']
    >>> [(c.norm, c.asks) for c in segment("利率是多少？手續費呢")]
    [('利率是多少', True), ('手续费呢', False)]
    """
    out: list[Clause] = []
    parts = _SENTENCE.split(text)
    sentence = 0
    for i in range(0, len(parts), 2):
        body = parts[i]
        end = parts[i + 1] if i + 1 < len(parts) else ""
        pieces = [
            p.strip()
            for p in _CLAUSE.split(body)
            if p and p.strip() and not _BARE_CONTRAST.fullmatch(p.strip())
        ]
        if not pieces:
            continue
        asks = bool(_QUESTION.search(end))
        for j, piece in enumerate(pieces):
            out.append(Clause(piece, normalize(piece), sentence, asks and j == len(pieces) - 1))
        sentence += 1
    return out
