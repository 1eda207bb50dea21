"""Write tables for people: CSV that is safe to open in a spreadsheet, or Parquet.

CSV cells holding text that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return
are prefixed with a single quote, so a spreadsheet shows them instead of running them as
formulas (customer text is untrusted). Numbers are written as numbers. CSV is UTF-8 with a
byte-order mark so that Excel shows Chinese text correctly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from loyalloop.errors import ConfigError

__all__ = ["safe_cell", "safe_text_columns", "write_table"]

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def safe_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with formula-like text cells neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    return out


def write_table(data: pd.DataFrame | pa.Table, out: Path) -> Path:
    """Write ``data`` as CSV or Parquet, chosen by the file's extension."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        table = (
            data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        )
        pq.write_table(table, out)
    elif suffix == ".csv":
        frame = data.to_pandas() if isinstance(data, pa.Table) else data
        safe_text_columns(frame).to_csv(out, index=False, encoding="utf-8-sig")
    else:
        raise ConfigError(f"cannot write {out.name}: use a .csv or .parquet file name")
    return out
