"""Building blocks of report sections: the Section record, number formats, cards and tables.

Everything here returns ``Markup`` built with ``Markup.format``, which escapes every argument,
so untrusted text can be passed straight in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from loyalloop.core.results import NotComputed
from loyalloop.core.wording import item_separator
from loyalloop.insight.definitions import status_label
from loyalloop.insight.rfm import SEGMENT_LABELS
from loyalloop.report.i18n import Lang, t

__all__ = [
    "Section",
    "card",
    "cards",
    "channel_label",
    "currency_name",
    "fmt_int",
    "fmt_money",
    "fmt_num",
    "fmt_pct",
    "html_table",
    "join_list",
    "library_note",
    "not_computed",
    "note",
    "scorer_label",
    "segment_label",
    "sentences",
    "status_name",
    "wording",
]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: Markup


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt_int(v: Any) -> str:
    return "—" if _missing(v) else f"{int(v):,}"


def fmt_pct(v: Any, digits: int = 1) -> str:
    """A share as a percentage; a share that is not 0 (or 1) never reads as 0 (or 100): one
    comment in 4,465 is "<0.1%", not "0.0%"."""
    if _missing(v):
        return "—"
    step = 10.0**-digits
    shown = f"{100 * v:.{digits}f}"
    if 0 < v < 1 and float(shown) == 0:
        return f"<{step:.{digits}f}%"
    if 0 < v < 1 and float(shown) == 100:
        return f">{100 - step:.{digits}f}%"
    return f"{shown}%"


def fmt_num(v: Any, digits: int = 2) -> str:
    return "—" if _missing(v) else f"{v:,.{digits}f}"


#: Chinese names of the currencies a report is most likely to show (else the ISO code).
_ZH_CURRENCY = {
    "CNY": "元",
    "RMB": "元",
    "USD": "美元",
    "EUR": "欧元",
    "HKD": "港元",
    "GBP": "英镑",
}


def fmt_money(v: Any, currency: str | None, lang: Lang, *, compact: bool = False) -> str:
    """An amount with its currency: ``CNY 1,234,567`` / ``1,234,567 元``; ``compact`` rounds
    to millions/thousands (English) or 亿/万 (Chinese): ``CNY 1.42M`` / ``142.3万 元``.

    Examples
    --------
    >>> fmt_money(1_423_456.7, "CNY", "en", compact=True), fmt_money(1_423_456.7, "CNY", "zh",
    ...     compact=True)
    ('CNY 1.42M', '142.3万 元')
    >>> fmt_money(950.4, "USD", "en"), fmt_money(None, "USD", "en")
    ('USD 950', '—')
    """
    if _missing(v):
        return "—"
    x = float(v)
    if not compact:
        number = f"{x:,.0f}"
    elif lang == "zh":
        a = abs(x)
        number = (
            f"{x / 1e8:,.2f}亿" if a >= 1e8 else f"{x / 1e4:,.1f}万" if a >= 1e4 else f"{x:,.0f}"
        )
    else:
        a = abs(x)
        number = (
            f"{x / 1e9:,.2f}bn"
            if a >= 1e9
            else f"{x / 1e6:,.2f}M"
            if a >= 1e6
            else f"{x / 1e3:,.1f}K"
            if a >= 1e4
            else f"{x:,.0f}"
        )
    if not currency:
        return number
    if lang == "zh":
        return f"{number} {_ZH_CURRENCY.get(currency, currency)}"
    return f"{currency} {number}"


def currency_name(currency: str, lang: Lang) -> str:
    """``CNY`` / ``元（CNY）``."""
    if lang == "zh" and currency in _ZH_CURRENCY:
        return f"{_ZH_CURRENCY[currency]}（{currency}）"
    return currency


def channel_label(channel: str, lang: Lang) -> str:
    """A feedback channel's name (``review`` → "Review" / "评论"); others as they are."""
    try:
        return t(f"chn_{channel}", lang)
    except KeyError:  # a channel outside the canonical ones: data, shown as it is
        return channel


def status_name(status: str, lang: Lang) -> str:
    """The display name of a status (one definition per word: the glossary's name)."""
    return status_label(status, lang)


def scorer_label(name: str, lang: Lang, *, title: bool = False) -> str:
    """A churn scorer's name in running text (``the churn model``) or as a ``title``."""
    key = f"sc_name_{name}" if title else f"sc_{name}"
    try:
        return t(key, lang)
    except KeyError:  # a scorer this version has no wording for
        return name


def wording(key: str, lang: Lang, **values: str | Markup) -> Markup:
    """The wording ``key`` in ``lang``, escaped, with ``values`` filled in: plain strings
    escaped like the rest, :class:`~markupsafe.Markup` (a ``<code>`` or ``<span lang="en">``)
    kept as markup.

    Examples
    --------
    >>> str(wording("library_note", "zh", message=Markup("<code>x</code>")))
    '说明（英文）：<code>x</code>'
    """
    slots = {k: f"\ufffc{i}\ufffc" for i, k in enumerate(values)}  # stand-ins while escaped
    out = str(Markup.escape(t(key, lang, **slots)))
    for k, slot in slots.items():
        out = out.replace(slot, str(Markup.escape(values[k])))
    return Markup(out)


def _english(message: str) -> Markup:
    return Markup('<span lang="en">{}</span>').format(message)


def not_computed(info: NotComputed, lang: Lang) -> Markup:
    """Why something was not computed: the reason in the report's language and the stage's
    own message as the technical detail, marked ``lang="en"`` (the messages of the library
    are English; the Chinese wording says the detail is in English)."""
    reason = t(f"nc_{info.status}", lang)
    sentence = wording("nc_detail", lang, reason=reason, message=_english(info.message))
    return Markup('<p class="note">{}</p>').format(sentence)


def library_note(message: str, lang: Lang) -> Markup:
    """A note the library wrote (in English) shown as it is in an English report, and in a
    Chinese one introduced as English and marked ``lang="en"``, as :func:`not_computed`'s
    detail is."""
    sentence = wording("library_note", lang, message=_english(message))
    return Markup('<p class="note">{}</p>').format(sentence)


def card(key: str, value: str, sub: str = "") -> Markup:
    return Markup(
        '<div class="card"><div class="v">{}</div><div class="k">{}</div>'
        '<div class="s">{}</div></div>'
    ).format(value, key, sub)


def cards(items: Iterable[Markup]) -> Markup:
    return Markup('<div class="cards">') + Markup("").join(items) + Markup("</div>")


_NUMERIC = re.compile(r"^[<>≤≥]?[-+−]?[\d,.]+\s*%?$|^—$")


def _cell(v: Any) -> Markup:
    """A table cell; numbers (and the missing-value dash) are right-aligned, text left."""
    if isinstance(v, int | float) or _NUMERIC.match(str(v)):
        return Markup('<td class="n">{}</td>').format(v)
    return Markup("<td>{}</td>").format(v)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Markup:
    head = Markup("").join(Markup("<th>{}</th>").format(h) for h in headers)
    body = Markup("").join(
        Markup("<tr>") + Markup("").join(_cell(v) for v in row) + Markup("</tr>") for row in rows
    )
    return Markup("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(head, body)


_FULL_WIDTH_END = ("。", "！", "？", "；", "：", "）", "」", "”")


def join_list(items: Iterable[str], lang: Lang) -> str:
    """Items of a list in running text: ``a, b`` in English, ``a、b`` (the enumeration comma)
    in Chinese (:func:`loyalloop.core.wording.item_separator`).

    Examples
    --------
    >>> join_list(["NPS", "CSAT"], "en"), join_list(["NPS", "CSAT"], "zh")
    ('NPS, CSAT', 'NPS、CSAT')
    """
    return item_separator(lang).join(items)


def sentences(parts: Iterable[str]) -> str:
    """Sentences one after the other: a space after an English sentence, none after a Chinese
    full-width stop (``。 90 天前`` reads as a typo).

    Examples
    --------
    >>> sentences(["One.", "Two."]), sentences(["一。", "二。", "Three."])
    ('One. Two.', '一。二。Three.')
    """
    out = ""
    for p in (p.strip() for p in parts):
        if p:
            out += p if not out or out.endswith(_FULL_WIDTH_END) else " " + p
    return out


def note(text: str) -> Markup:
    return Markup('<p class="note">{}</p>').format(text)


def segment_label(name: str, lang: Lang) -> str:
    return SEGMENT_LABELS.get(name, {}).get(lang, name)
