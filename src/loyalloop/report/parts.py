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

from loyalloop.insight.rfm import SEGMENT_LABELS
from loyalloop.report.i18n import Lang

__all__ = [
    "Section",
    "card",
    "cards",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "html_table",
    "note",
    "segment_label",
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
    return "—" if _missing(v) else f"{100 * v:.{digits}f}%"


def fmt_num(v: Any, digits: int = 2) -> str:
    return "—" if _missing(v) else f"{v:,.{digits}f}"


def card(key: str, value: str, sub: str = "") -> Markup:
    return Markup(
        '<div class="card"><div class="v">{}</div><div class="k">{}</div>'
        '<div class="s">{}</div></div>'
    ).format(value, key, sub)


def cards(items: Iterable[Markup]) -> Markup:
    return Markup('<div class="cards">') + Markup("").join(items) + Markup("</div>")


_NUMERIC = re.compile(r"^[-+−]?[\d,.]+\s*%?$|^—$")


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


def note(text: str) -> Markup:
    return Markup('<p class="note">{}</p>').format(text)


def segment_label(name: str, lang: Lang) -> str:
    return SEGMENT_LABELS.get(name, {}).get(lang, name)
