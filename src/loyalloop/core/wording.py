"""Words every interface shows the same way in Chinese and English: how a list is joined, and
how a masked piece of personal data reads.

**Lists.** Reasons (whole clauses: "spend down 60 %", "2 complaints in the last year") are
joined by "; " in English and by the full-width semicolon "；" in Chinese; short items (ids,
names, codes) by ", " and by the enumeration comma "、". One place, so the case page, the
report, the early-warning list and the campaign remarks cannot drift apart.

Run tables store a customer's reasons as one text joined by "; " in both languages (a column
format, like a CSV cell, read back by splitting); :func:`show_reasons` re-joins it in the
reader's language.

**Masks.** :func:`loyalloop.feedback.mask_pii` replaces personal data in customer text by one
canonical token per kind (``[email]``, ``[id]``, ``[card]``, ``[number]``, ``[phone]``), and
that token is what is stored. :func:`show_masks` words the tokens in the reader's language at
display time (``[电话]`` on a Chinese page; English pages show the token as stored); the
stored text never changes. It returns plain
text: pages and the report escape it like any other customer text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "MASK_LABELS",
    "STORED_SEPARATOR",
    "item_separator",
    "join_items",
    "join_reasons",
    "show_masks",
    "show_reasons",
]

#: How a run table joins a customer's reasons (``reasons_en`` / ``reasons_zh``).
STORED_SEPARATOR = "; "

_REASON_SEP = {"en": "; ", "zh": "；"}
_ITEM_SEP = {"en": ", ", "zh": "、"}

#: The masks :func:`loyalloop.feedback.mask_pii` writes (``[kind]``) → (English, Chinese) label.
MASK_LABELS: dict[str, tuple[str, str]] = {
    "email": ("email", "邮箱"),
    "id": ("id", "证件号"),
    "card": ("card", "卡号"),
    "number": ("number", "号码"),
    "phone": ("phone", "电话"),
}
_MASK = re.compile(r"\[(" + "|".join(MASK_LABELS) + r")\]")


def _lang(lang: str) -> str:
    return "zh" if lang.lower().startswith("zh") else "en"


def join_reasons(parts: Iterable[object], lang: str) -> str:
    """Clauses joined in ``lang``: ``"a; b"`` in English, ``"a；b"`` in Chinese (empty parts
    left out).

    >>> join_reasons(["超出平常间隔", "近期投诉"], "zh")
    '超出平常间隔；近期投诉'
    """
    return _REASON_SEP[_lang(lang)].join(str(p) for p in parts if str(p))


def show_reasons(stored: object, lang: str) -> str:
    """Reasons stored joined by :data:`STORED_SEPARATOR`, joined in ``lang`` for display.

    >>> show_reasons("超出平常间隔; 近期投诉", "zh")
    '超出平常间隔；近期投诉'
    """
    if stored is None:
        return ""
    return join_reasons(str(stored).split(STORED_SEPARATOR), lang)


def item_separator(lang: str) -> str:
    """The separator of short items in ``lang`` (", " or "、"), for a page that joins items
    it renders one by one."""
    return _ITEM_SEP[_lang(lang)]


def join_items(parts: Iterable[object], lang: str) -> str:
    """Short items joined in ``lang``: ``"a, b"`` in English, ``"a、b"`` in Chinese.

    >>> join_items(["C001", "C002"], "zh")
    'C001、C002'
    """
    return item_separator(lang).join(str(p) for p in parts if str(p))


def show_masks(text: object, lang: str) -> str:
    """``text`` with each mask token worded in ``lang`` (``None`` stays ``""``).

    >>> show_masks("我的手机[phone]，卡号[card]", "zh")
    '我的手机[电话]，卡号[卡号]'
    >>> show_masks("call me on [phone]", "en")
    'call me on [phone]'
    """
    if text is None:
        return ""
    i = 0 if _lang(lang) == "en" else 1
    return _MASK.sub(lambda m: f"[{MASK_LABELS[m.group(1)][i]}]", str(text))
