"""Spreadsheet-safe CSV output for untrusted text (formula / CSV injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be run
as a formula by Excel, LibreOffice or Google Sheets. :func:`escape_formula` prefixes such a cell
with a single quote, which spreadsheets show as text. Numbers are left alone (``-0.5`` stays a
number); only strings are escaped.

Every CSV the project writes for people goes through here (exports, scores, analysed comments).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "escape_formula", "spreadsheet_safe", "write_safe_csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def escape_formula(value: object) -> object:
    """Prefix a string that a spreadsheet would treat as a formula with ``'``.

    Examples
    --------
    >>> escape_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("年费太贵")
    '年费太贵'
    >>> escape_formula(-0.5)
    -0.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every string cell passed through :func:`escape_formula`."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(escape_formula)
    out.columns = [str(escape_formula(str(c))) for c in out.columns]
    return out


def write_safe_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as UTF-8 CSV (with BOM, so Excel detects UTF-8) after escaping."""
    spreadsheet_safe(frame).to_csv(path, index=False, encoding="utf-8-sig")
