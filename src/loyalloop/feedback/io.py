"""Read comments from CSV, Parquet, JSON Lines, Excel or plain text files.

Plain text (``.txt`` or any unrecognised extension) is one comment per line; each line is
decoded on its own (UTF-8, then GB18030, then Big5), so a file mixing encodings still reads.
CSV is read as UTF-8 (with or without BOM) and falls back to GB18030. Blank lines of a text file
are kept as empty comments so output rows line up with input lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loyalloop.errors import DataValidationError, IngestError
from loyalloop.feedback.clean import _decode

__all__ = ["TEXT_COLUMN_CANDIDATES", "read_comments"]

#: Column names tried, in order, when no text column is given.
TEXT_COLUMN_CANDIDATES = ("text", "comment", "comments", "content", "review", "feedback")


def _read_table(path: Path) -> pd.DataFrame | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True, dtype=False)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, dtype=str)
    return None


def read_comments(path: str | Path, text_column: str | None = None) -> pd.DataFrame:
    """Read a file of comments into a frame with a ``text`` column (other columns kept).

    Parameters
    ----------
    path
        CSV, Parquet, JSONL, Excel, or a plain text file with one comment per line.
    text_column
        The column holding the comments; by default the first of
        :data:`TEXT_COLUMN_CANDIDATES` present (ignored for plain text).

    Raises
    ------
    IngestError
        The file is missing or cannot be parsed.
    DataValidationError
        No text column can be found.
    """
    p = Path(path)
    if not p.is_file():
        raise IngestError("no such file", file=str(p))
    try:
        table = _read_table(p)
    except (ValueError, OSError, ImportError) as exc:
        raise IngestError(f"cannot read: {exc}", file=str(p)) from exc
    if table is None:
        raw = p.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        return pd.DataFrame({"text": [_decode(line.rstrip(b"\r")) for line in lines]})
    lowered = {str(c).lower(): c for c in table.columns}
    if text_column is not None:
        if text_column not in table.columns:
            raise DataValidationError(
                f"column {text_column!r} not found; columns are {[str(c) for c in table.columns]}"
            )
        col = text_column
    else:
        found = [lowered[c] for c in TEXT_COLUMN_CANDIDATES if c in lowered]
        if not found:
            raise DataValidationError(
                "no text column found (tried "
                f"{', '.join(TEXT_COLUMN_CANDIDATES)}); pass --text-column; columns are "
                f"{[str(c) for c in table.columns]}"
            )
        col = found[0]
    out = table.rename(columns={col: "text"}) if col != "text" else table.copy()
    if "text" in table.columns and col != "text":
        out = table.drop(columns=["text"]).rename(columns={col: "text"})
    return out.reset_index(drop=True)
