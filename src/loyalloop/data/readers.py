"""Read input files in bounded chunks of text columns (pandas frames), for tables that other
packages read on their own (experiment and uplift tables, bring-your-own churn tables).

Ingest does not use this module: it stages files in the engine (:mod:`loyalloop.data.sources`).
Both read values the same way where it matters: only empty cells are missing (``NA``, ``NULL``
and ``N/A`` are data), quoted fields may span lines, and the encoding is decided from the whole
file (:mod:`loyalloop.data.encoding`).

Formats (by extension): ``.csv``/``.txt``/``.tsv`` (delimiter sniffed: comma, tab, semicolon,
pipe), ``.parquet``, ``.jsonl``/``.ndjson``, ``.xlsx``/``.xlsm``. Every value is read as text;
typing happens in validation, so one bad cell never fails a whole file.

CSV encodings: see :func:`detect_encoding`. ``encoding=`` overrides.

Rows are numbered from 1 for the first data row; ``line`` is the physical line in the file
(``row + 1`` for a CSV with a header, exact unless a quoted field spans lines).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from loyalloop.data.encoding import scan_text
from loyalloop.errors import IngestError

__all__ = ["Chunk", "RejectedRow", "detect_encoding", "read_chunks"]

CHUNK_ROWS = 25_000


@dataclass
class RejectedRow:
    """A row the reader itself could not split into the header's columns."""

    row_number: int
    line: int | None
    reason: str
    raw: str


@dataclass
class Chunk:
    """A batch of rows, all values as text (``None`` for empty).

    ``rows`` and ``lines`` give each row's number and physical line (``lines`` is missing for
    Parquet, which has none).
    """

    frame: pd.DataFrame
    rows: pd.Series
    lines: pd.Series | None
    rejected: list[RejectedRow] = field(default_factory=list)


def detect_encoding(path: Path) -> str:
    """A text file's encoding, decided on evidence from the whole file
    (:func:`loyalloop.data.encoding.scan_text`); refuses to guess when no reading is clearly
    right. A file that mixes encodings gets the encoding of most of its lines."""
    return scan_text(path).encoding


def read_chunks(
    path: Path, *, encoding: str | None = None, chunk_rows: int = CHUNK_ROWS
) -> Iterator[Chunk]:
    """Yield the file's rows in chunks of at most ``chunk_rows`` rows."""
    if not path.exists():
        raise IngestError("file not found", file=str(path))
    suffix = "".join(path.suffixes[-1:]).lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        yield from _read_csv(path, encoding, chunk_rows)
    elif suffix == ".parquet":
        yield from _read_parquet(path, chunk_rows)
    elif suffix in {".jsonl", ".ndjson"}:
        yield from _read_jsonl(path, encoding, chunk_rows)
    elif suffix in {".xlsx", ".xlsm"}:
        yield from _read_excel(path, chunk_rows)
    else:
        raise IngestError(
            f"unsupported file type {suffix or '(none)'}; "
            "use .csv, .tsv, .parquet, .jsonl or .xlsx",
            file=str(path),
        )


def _to_text_frame(table: pa.Table) -> pd.DataFrame:
    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            series = col.to_pandas().astype("string")
        elif not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            series = col.cast(pa.string()).to_pandas()
        else:
            series = col.to_pandas()
        cols[name] = series.astype(object).where(series.notna(), None)
    return pd.DataFrame(cols)


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        head = fh.read(64 * 1024)
    first = head.splitlines()[0] if head else ""
    try:
        return csv.Sniffer().sniff(first, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _read_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    try:
        with path.open("r", encoding=encoding, newline="") as fh:
            header = next(csv.reader(fh, delimiter=delimiter), None)
    except UnicodeDecodeError as exc:
        raise IngestError(f"cannot decode as {encoding}: {exc}", file=str(path), line=1) from None
    if not header or not any(h.strip() for h in header):
        raise IngestError("the file is empty or has no header row", file=str(path), line=1)
    names = [h.strip().lstrip("\ufeff") for h in header]
    _check_header(names, path)
    return names


def _read_csv(path: Path, encoding: str | None, chunk_rows: int) -> Iterator[Chunk]:
    enc = encoding or detect_encoding(path)
    try:
        codecs.lookup(enc)
    except LookupError:
        raise IngestError(f"unknown encoding {enc!r}", file=str(path)) from None
    delimiter = _sniff_delimiter(path, enc)
    names = _read_header(path, enc, delimiter)
    rejected: list[RejectedRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        line = row.number
        rejected.append(
            RejectedRow(
                row_number=(line - 1) if line is not None else -1,
                line=line,
                reason=f"expected {row.expected_columns} columns, got {row.actual_columns}",
                raw=row.text,
            )
        )
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if enc in {"utf-8", "utf-8-sig"} else enc,
                block_size=1 << 20,
                use_threads=False,
                skip_rows=1,
                column_names=names,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=on_invalid, newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                null_values=[""],  # only empty cells: NA, NULL, N/A are data
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read as CSV ({enc}): {exc}", file=str(path)) from None
    next_line = 2  # line 1 is the header
    pending: list[pd.DataFrame] = []
    pending_rows = 0
    try:
        for batch in reader:
            frame = _to_text_frame(pa.Table.from_batches([batch]))
            # Number the rows, stepping over the lines the parser rejected in this batch.
            lines = np.arange(next_line, next_line + len(frame), dtype="int64")
            for r in sorted(x.line for x in rejected if x.line is not None):
                lines[lines >= r] += 1
            skipped = _take(rejected)
            next_line = int(lines[-1]) + 1 if len(lines) else next_line + len(skipped)
            frame["__line__"] = lines
            if skipped:
                yield _chunk(frame.iloc[:0], skipped)
            pending.append(frame)
            pending_rows += len(frame)
            while pending_rows >= chunk_rows:
                allrows = pd.concat(pending, ignore_index=True)
                out, rest = allrows.iloc[:chunk_rows], allrows.iloc[chunk_rows:]
                yield _chunk(out, [])
                pending, pending_rows = [rest], len(rest)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IngestError(
            f"cannot read as CSV ({enc}) after line {next_line - 1}: {exc}", file=str(path)
        ) from None
    tail = _take(rejected)
    if pending_rows or tail:
        allrows = pd.concat(pending, ignore_index=True) if pending else pd.DataFrame()
        yield _chunk(allrows, tail)


def _chunk(frame: pd.DataFrame, rejected: list[RejectedRow]) -> Chunk:
    frame = frame.reset_index(drop=True)
    lines = frame.pop("__line__").astype("int64") if "__line__" in frame else None
    rows = lines - 1 if lines is not None else pd.Series(dtype="int64")
    return Chunk(frame, rows, lines, rejected)


def _take(rejected: list[RejectedRow]) -> list[RejectedRow]:
    out = list(rejected)
    rejected.clear()
    return out


def _check_header(names: list[str], path: Path) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise IngestError(f"header names column {n!r} twice", file=str(path), line=1, column=n)
        seen.add(n)


def _read_parquet(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(f"cannot read as Parquet: {exc}", file=str(path)) from None
    next_row = 1
    for batch in pf.iter_batches(batch_size=chunk_rows):
        try:
            frame = _to_text_frame(pa.Table.from_batches([batch]))
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid) as exc:
            raise IngestError(
                f"a column is nested (struct or list); flatten it first: {exc}", file=str(path)
            ) from None
        rows = pd.Series(range(next_row, next_row + len(frame)), dtype="int64")
        yield Chunk(frame, rows, None)
        next_row += len(frame)


def _read_jsonl(path: Path, encoding: str | None, chunk_rows: int) -> Iterator[Chunk]:
    enc = encoding or detect_encoding(path)
    records: list[dict[str, object]] = []
    numbers: list[int] = []
    rejected: list[RejectedRow] = []
    with path.open("r", encoding=enc, errors="strict") as fh:
        try:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("not a JSON object")
                except ValueError as exc:
                    rejected.append(RejectedRow(line_no, line_no, f"invalid JSON: {exc}", line))
                    continue
                records.append(obj)
                numbers.append(line_no)
                if len(records) >= chunk_rows:
                    yield _json_chunk(records, numbers, _take(rejected))
                    records, numbers = [], []
        except UnicodeDecodeError as exc:
            raise IngestError(f"cannot decode as {enc}: {exc}", file=str(path)) from None
    if records or rejected:
        yield _json_chunk(records, numbers, _take(rejected))


def _json_chunk(
    records: list[dict[str, object]], numbers: list[int], rejected: list[RejectedRow]
) -> Chunk:
    frame = pd.DataFrame.from_records(records)
    for col in frame.columns:
        frame[col] = frame[col].map(_json_text).astype(object)
    lines = pd.Series(numbers, dtype="int64")
    return Chunk(frame, lines.copy(), lines, rejected)


def _json_text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _read_excel(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    try:
        frame = pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
        frame = frame.replace("", None)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise IngestError(f"cannot read as Excel: {exc}", file=str(path)) from exc
    frame = frame.astype(object).where(frame.notna(), None)
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start : start + chunk_rows].reset_index(drop=True)
        rows = pd.Series(range(start + 1, start + 1 + len(part)), dtype="int64")
        yield Chunk(part, rows, rows + 1)
