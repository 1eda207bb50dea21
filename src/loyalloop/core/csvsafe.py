"""Spreadsheet-safe CSV output for untrusted text (formula / CSV injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
full-width forms) can be run as a formula by Excel, LibreOffice or Google Sheets: ``=HYPERLINK``
sends data away, ``=cmd|' /C calc'!A0`` runs a program through DDE. :func:`escape_formula`
prefixes such a cell with a single quote, which spreadsheets show as text. Numbers are left
alone (``-0.5`` stays a number); only strings are escaped.

Values that only *look* like formulas
-------------------------------------
Two shapes of text start with ``+`` or ``-`` but are data that programs reading the CSV need
as written, and are left **unchanged**:

* international phone numbers: ``+`` then digits, optionally grouped by spaces, hyphens, dots
  or parentheses (E.164 ``+8613800138000``, ``+86 138-0013-8000``, ``+1 (555) 123-4567``);
* signed numbers stored as text: ``-12.5``, ``+3``, ``-1,234.50``, ``-1e-3``.

The technique is an allow-list of inert shapes, not an escape: such a cell has no letters, so
a spreadsheet that evaluates it finds no function name, no cell or sheet reference and no
DDE target (``cmd|…`` needs letters) — the worst it can do is arithmetic on the digits. Excel
may therefore *display* a phone as a number (``8.61E+12``), but it cannot execute anything,
and the file's text stays exactly as in the data, so a CRM import, ``pandas.read_csv`` or a
dialler gets ``+8613800138000`` and not ``'+8613800138000``. To see phones as written in
Excel, import the CSV with *Data → From Text/CSV* and set the column's type to *Text*, or
export Parquet. Anything else after the sign — a letter, ``=``, ``@``, ``!``, ``|``, ``%``,
quotes — is escaped as before (``+1+cmd|' /C calc'!A0`` → ``'+1+cmd|…``). Full-width signs
(``＋``, ``－``) are always escaped.

Every CSV the project writes for people goes through here (exports, scores, analysed comments).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "INERT_SIGNED",
    "escape_formula",
    "spreadsheet_safe",
    "write_safe_csv",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

_PREFIX_CLASS = "[" + re.escape("".join(FORMULA_PREFIXES)) + "]"

#: Text that starts with ``+``/``-`` but cannot execute: a phone number or a signed number.
INERT_SIGNED = re.compile(
    r"\+\d[\d ().-]{2,24}\d"  # international phone: +, digits, grouping; ends with a digit
    r"|[+-](?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"  # signed number
)


def escape_formula(value: object) -> object:
    """Prefix a string that a spreadsheet would treat as a formula with ``'``.

    Phone numbers and signed numbers written as text are inert and stay as they are (see the
    module docstring).

    Examples
    --------
    >>> escape_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("+8613800138000")
    '+8613800138000'
    >>> escape_formula("-12.50")
    '-12.50'
    >>> escape_formula("+1+cmd|' /C calc'!A0")
    "'+1+cmd|' /C calc'!A0"
    >>> escape_formula("年费太贵")
    '年费太贵'
    >>> escape_formula(-0.5)
    -0.5
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not INERT_SIGNED.fullmatch(value)
    ):
        return "'" + value
    return value


def _escape_column(column: pd.Series) -> pd.Series:
    import pandas as pd

    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind == "empty" or pd.api.types.is_bool_dtype(column):
        return column
    if pd.api.types.is_numeric_dtype(column) or kind in ("datetime", "date", "timedelta"):
        return column
    if kind != "string":  # mixed types in one object column: per value
        return column.map(escape_formula)
    text = column.astype("string")
    risky = text.str.match(_PREFIX_CLASS) & ~text.str.fullmatch(INERT_SIGNED.pattern)
    risky = risky.fillna(False).astype(bool)
    if not risky.any():
        return column
    out = column.astype(object).copy()
    out[risky.to_numpy()] = "'" + text[risky].astype(object)
    return out


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every string cell passed through :func:`escape_formula`.

    Column by column with vectorised string matching (a column of mixed types falls back to
    value by value); column names are escaped too.
    """
    out = frame.copy()
    for col in out.columns:
        out[col] = _escape_column(out[col])
    out.columns = [str(escape_formula(str(c))) for c in out.columns]
    return out


def write_safe_csv(frame: pd.DataFrame, path: str | Path, *, mode: Literal["w", "a"] = "w") -> None:
    """Write ``frame`` as UTF-8 CSV (with BOM, so Excel detects UTF-8) after escaping.

    ``mode="a"`` appends rows without a header or BOM (for streaming in batches).
    """
    header = mode == "w"
    spreadsheet_safe(frame).to_csv(
        path, index=False, mode=mode, header=header, encoding="utf-8-sig" if header else "utf-8"
    )
