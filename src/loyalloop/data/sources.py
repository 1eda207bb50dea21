"""Read input files into the engine's staging table, every value as text.

Formats (by extension): CSV/TSV/TXT (delimiter sniffed: comma, tab, semicolon, pipe), Parquet,
JSON Lines, Excel (``.xlsx``/``.xlsm``). CSV and Parquet are read by DuckDB itself
(``read_csv``, ``read_parquet``), straight into the staging table; JSON Lines and Excel are read
in Python in chunks. Every value is staged as text, trimmed, empty → missing (and the mapping's
``nulls`` words → missing): typing happens in the engine afterwards, so one bad cell never fails
a whole file.

Before anything is read, a path must be a regular file: a directory, a named pipe (which would
block for ever) or a device is refused with a message naming it.

CSV specifics:

* The encoding is decided from the whole file (:mod:`loyalloop.data.encoding`); files that are
  not UTF-8 are transcoded to a temporary UTF-8 copy, line for line.
* Quoted fields may span lines, in files of any size.
* Rows the reader cannot use — a wrong number of columns, an odd line in another encoding, a
  stray quote — are *rejected* rows: quarantined with the reason and the raw line.
* Rows are numbered from 1 for the first data row (rejected rows included). ``line`` is the
  physical line where the row starts: exact. When every row is one line the line is the row
  plus one; when quoted fields span lines or blank lines occur, the lines of the rows that are
  reported are found by one more pass over the file (only then).

Workbooks: a workbook with several sheets holding data is refused unless ``sheet`` says which
(``"*"`` reads them all, each numbered on its own).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from loyalloop.core.warehouse import Warehouse
from loyalloop.data.checks import clean_row_sql, staged_sql
from loyalloop.data.contracts import Contract
from loyalloop.data.encoding import ODD_LINE_MARKER, OddLine, describe, scan_text
from loyalloop.data.encoding import transcode as transcode_file
from loyalloop.data.mapping import ColumnPlan, TableMapping, plan_columns
from loyalloop.data.sql import ident, literal
from loyalloop.errors import EngineError, IngestError

__all__ = ["Reject", "StagedFile", "check_path", "stage_file"]

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
MAX_LINE_BYTES = 2 << 20  # DuckDB's default; its read buffer is 16 times this
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
JSON_SUFFIXES = {".jsonl", ".ndjson"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Reject:
    """A row the reader itself could not use."""

    row: int
    line: int | None
    reason: str
    raw: str


@dataclass
class StagedFile:
    """One file (or sheet) in the staging table: rows ``base`` … ``base + staged - 1``."""

    index: int
    source: str
    sha256: str
    plan: ColumnPlan
    base: int
    staged: int
    rejects: list[Reject]
    #: Position steps ``(k_from, drow, dline)``: staged row ``k`` (0-based) is data row
    #: ``k + 1 + drow`` at line ``k + 2 + dline`` (``dline`` None: the format has no lines).
    steps: list[tuple[int, int, int | None]] | None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Computes ``steps`` and the rejects' rows when they need a pass over the file.
    locate: Callable[[], tuple[list[tuple[int, int, int | None]], list[Reject]]] | None = None

    @property
    def read(self) -> int:
        return self.staged + len(self.rejects)

    def positions(self) -> list[tuple[int, int, int | None]]:
        if self.steps is None:
            assert self.locate is not None
            self.steps, self.rejects = self.locate()
        return self.steps


def check_path(path: Path) -> None:
    """Refuse anything that is not a readable regular file, without opening it."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise IngestError("file not found", file=str(path)) from None
    except PermissionError:
        raise IngestError("permission denied", file=str(path)) from None
    if stat.S_ISDIR(mode):
        raise IngestError("is a directory, not a file; name the files in it", file=str(path))
    if stat.S_ISFIFO(mode):
        raise IngestError(
            "is a named pipe, not a regular file (reading it could wait for ever); "
            "write its contents to a file first",
            file=str(path),
        )
    if not stat.S_ISREG(mode):
        raise IngestError("is not a regular file (a device or socket)", file=str(path))
    if not os.access(path, os.R_OK):
        raise IngestError("permission denied", file=str(path))
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | JSON_SUFFIXES | EXCEL_SUFFIXES | {".parquet"}:
        raise IngestError(
            f"unsupported file type {suffix or '(none)'}; "
            "use .csv, .tsv, .txt, .parquet, .jsonl or .xlsx",
            file=str(path),
        )


def stage_file(
    wh: Warehouse,
    stage: str,
    index: int,
    path: Path,
    c: Contract,
    mapping: TableMapping,
    tmp: Path,
) -> list[StagedFile]:
    """Stage one file (every sheet asked for, for a workbook) into ``stage``."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [_stage_csv(wh, stage, index, path, c, mapping, tmp)]
    if suffix == ".parquet":
        return [_stage_parquet(wh, stage, index, path, c, mapping)]
    sha = _sha256(path)
    if suffix in JSON_SUFFIXES:
        return [_stage_jsonl(wh, stage, index, path, c, mapping, sha)]
    return _stage_excel(wh, stage, index, path, c, mapping, sha)


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _count(wh: Warehouse, stage: str) -> int:
    row = wh.execute(f"SELECT count(*) FROM {ident(stage)}").fetchone()
    return int(row[0]) if row else 0


def _insert(
    wh: Warehouse,
    stage: str,
    index: int,
    c: Contract,
    plan: ColumnPlan,
    source_sql: str,
    mapping: TableMapping,
    names: dict[str, str] | None = None,
) -> None:
    """``INSERT INTO stage SELECT index, clean(source column) … FROM source_sql``.

    ``names`` maps source column names to the names used in ``source_sql`` (default: same).
    """
    by_target = {v: k for k, v in plan.rename.items()}
    cols = []
    for col in c.input_columns:
        src = by_target.get(col.name)
        if src is None:
            cols.append(f"NULL AS {ident(col.name)}")
        else:
            expr = staged_sql(col, ident((names or {}).get(src, src)), mapping.nulls)
            cols.append(f"{expr} AS {ident(col.name)}")
    ok = clean_row_sql(c, set(by_target), bool(mapping.nulls))
    wh.execute(
        f"INSERT INTO {ident(stage)} SELECT {index}, *, {ok} FROM "
        f"(SELECT {', '.join(cols)} FROM {source_sql})"
    )


# --- CSV -------------------------------------------------------------------------------------


def _sniff_delimiter(first_line: str) -> str:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _read_header(path: Path, source: str) -> tuple[list[str], str]:
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        first = fh.readline()
    if not first.strip("\r\n\ufeff \t"):
        raise IngestError(
            "the file is empty or its first line (the header) is blank", file=source, line=1
        )
    delimiter = _sniff_delimiter(first.lstrip("\ufeff"))
    header = next(csv.reader([first.lstrip("\ufeff")], delimiter=delimiter), [])
    names = [h.strip() for h in header]
    if "\ufffd" in "".join(names) or first.startswith(ODD_LINE_MARKER.decode("latin-1")):
        raise IngestError("the header line cannot be decoded", file=source, line=1)
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise IngestError(f"header names column {n!r} twice", file=source, line=1, column=n)
        seen.add(n)
    return names, delimiter


def _stage_csv(
    wh: Warehouse,
    stage: str,
    index: int,
    path: Path,
    c: Contract,
    mapping: TableMapping,
    tmp: Path,
) -> StagedFile:
    source = str(path)
    if path.stat().st_size == 0:
        raise IngestError("the file is empty", file=source, line=1)
    scan = scan_text(path, mapping.encoding)
    read_path, odd = path, scan.odd_lines
    if scan.encoding not in {"utf-8", "utf-8-sig"}:
        tmp.mkdir(parents=True, exist_ok=True)
        read_path = tmp / f"{index}.csv"
        odd = transcode_file(path, scan, read_path)
    names, delimiter = _read_header(read_path, source)
    plan = plan_columns(names, c, mapping.columns, source)
    base = _count(wh, stage)
    positional = {n: f"c{i}" for i, n in enumerate(names)}
    columns = "{" + ", ".join(f"{literal(f'c{i}')}: 'VARCHAR'" for i in range(len(names))) + "}"
    rej, scans = f"{stage}_rej{index}", f"{stage}_rejscan{index}"
    reader = (
        f"read_csv({literal(read_path)}, columns={columns}, header=true, auto_detect=false, "
        f"delim={literal(delimiter)}, quote='\"', escape='\"', max_line_size={MAX_LINE_BYTES}, "
        f"store_rejects=true, rejects_table={literal(rej)}, rejects_scan={literal(scans)})"
    )
    try:
        _insert(wh, stage, index, c, plan, reader, mapping, positional)
    except EngineError as exc:
        raise IngestError(f"cannot read as CSV: {exc}", file=source) from exc
    staged = _count(wh, stage) - base
    errors = wh.execute(
        f"SELECT line, string_agg(DISTINCT error_type, ', '), string_agg(DISTINCT error_message, "
        f"' | '), any_value(csv_line) FROM {ident(rej)} GROUP BY line ORDER BY line"
    ).fetchall()
    wh.execute(f"DROP TABLE IF EXISTS {ident(rej)}")
    wh.execute(f"DROP TABLE IF EXISTS {ident(scans)}")
    odd_by_line = {o.line: o for o in odd}
    notes = []
    if scan.encoding not in {"utf-8"}:
        notes.append(f"{source}: encoding {describe(scan.encoding)} ({scan.evidence})")
    if scan.odd_count or odd:
        notes.append(
            f"{source}: {max(scan.odd_count, len(odd)):,} line(s) not in the file's encoding "
            "were quarantined"
        )
    duck = [(int(line), str(kind), str(msg), str(text or "")) for line, kind, msg, text in errors]
    records = staged + len(duck)
    if scan.lines in (records + 1, records) and staged + len(duck) > 0:
        # Every row is one line (the header is line 1): rows and lines follow directly.
        rejects = [
            _reject(line - 1, line, kind, msg, text, odd_by_line) for line, kind, msg, text in duck
        ]
        steps = _steps_from_rejects([r.row for r in rejects])
        return StagedFile(
            index, source, scan.sha256, plan, base, staged, rejects, steps, scan.encoding, notes
        )

    def locate() -> tuple[list[tuple[int, int, int | None]], list[Reject]]:
        return _locate_csv(read_path, delimiter, staged, duck, odd_by_line, source)

    if not duck:
        steps_or_none: list[tuple[int, int, int | None]] | None = None
        rejects_now: list[Reject] = []
    else:
        steps_or_none, rejects_now = locate()
    sf = StagedFile(
        index,
        source,
        scan.sha256,
        plan,
        base,
        staged,
        rejects_now,
        steps_or_none,
        scan.encoding,
        notes,
        locate,
    )
    if not duck and staged == 0:
        sf.steps = [(0, 0, 0)]
    return sf


def _reject(
    row: int, line: int | None, kind: str, message: str, text: str, odd: dict[int, OddLine]
) -> Reject:
    if line is not None and line in odd:
        o = odd[line]
        return Reject(row, line, o.reason, o.text)
    reasons = []
    for part in message.split(" | "):
        if "Expected Number of Columns" in part:
            nums = [int(s) for s in part.replace(":", " ").split() if s.isdigit()]
            reasons.append(f"expected {nums[0]} columns, got {nums[1]}" if len(nums) >= 2 else part)
        elif "unicode" in part.lower() or "encoding" in part.lower():
            reasons.append("the line is not valid UTF-8 (the file's encoding)")
        elif "quote" in part.lower():
            reasons.append("a quote character inside an unquoted value")
        elif "maximum line size" in part.lower() or "line size" in part.lower():
            reasons.append(f"the line is longer than {MAX_LINE_BYTES >> 20} MB")
        else:
            reasons.append(part.split("\n")[0][:200])
    raw = text.replace(ODD_LINE_MARKER.decode("latin-1"), "").strip("\r\n")
    return Reject(row, line, "; ".join(dict.fromkeys(reasons)) or kind.lower(), raw)


def _steps_from_rejects(rows: list[int]) -> list[tuple[int, int, int | None]]:
    """Steps for a file where row ``r`` is at line ``r + 1`` and ``rows`` were rejected."""
    steps: list[tuple[int, int, int | None]] = [(0, 0, 0)]
    for i, r in enumerate(sorted(rows), start=1):
        k_from = r - i  # the first staged row after the i-th rejected one
        if steps[-1][0] == k_from:
            steps[-1] = (k_from, i, i)
        else:
            steps.append((k_from, i, i))
    return steps


def _locate_csv(
    path: Path,
    delimiter: str,
    staged: int,
    duck: list[tuple[int, str, str, str]],
    odd: dict[int, OddLine],
    source: str,
) -> tuple[list[tuple[int, int, int | None]], list[Reject]]:
    """Rows and lines of a CSV whose rows span lines (or with blank lines): one pass with
    Python's csv reader. DuckDB numbers rejected rows by logical line (header and blank lines
    counted, line breaks inside quotes not); the pass maps those to rows and physical lines."""
    import numpy as np

    starts: list[int] = []  # physical start line of each data row
    logical: list[int] = []  # DuckDB's line number of each data row
    blanks = 0
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True)
        prev = 0
        try:
            for i, rec in enumerate(reader):
                start = prev + 1
                prev = reader.line_num
                if i == 0:
                    continue
                if not rec:
                    blanks += 1
                    continue
                starts.append(start)
                logical.append(len(starts) + 1 + blanks)
        except csv.Error as exc:
            log.warning("%s: cannot number lines past line %d (%s)", source, prev, exc)
            starts = []
    rejected_logical = {line for line, *_ in duck}
    if len(starts) != staged + len(duck):
        log.warning("%s: line numbers unknown (rows counted differently); rows are exact", source)
        rows = sorted(line - 1 for line in rejected_logical)
        rejects = [_reject(line - 1, None, kind, msg, text, {}) for line, kind, msg, text in duck]
        return [(k, d, None) for k, d, _ in _steps_from_rejects(rows)], rejects
    by_logical = {lg: j for j, lg in enumerate(logical)}
    rejects = []
    rejected_rows = set()
    for line, kind, msg, text in duck:
        j = by_logical.get(line)
        if j is None:
            rejects.append(_reject(line - 1, None, kind, msg, text, {}))
            continue
        rejected_rows.add(j)
        rejects.append(_reject(j + 1, starts[j], kind, msg, text, odd))
    good = np.array([j for j in range(len(starts)) if j not in rejected_rows], dtype=np.int64)
    k = np.arange(len(good), dtype=np.int64)
    drow = good - k
    dline = np.asarray(starts, dtype=np.int64)[good] - k - 2 if len(good) else good
    return _compress_steps(drow, dline), rejects


def _compress_steps(
    drow: np.ndarray, dline: np.ndarray | None
) -> list[tuple[int, int, int | None]]:
    """Steps where ``(drow, dline)`` changes along the staged rows."""
    import numpy as np

    if len(drow) == 0:
        return [(0, 0, 0 if dline is not None else None)]
    if dline is None:
        change = np.flatnonzero(np.diff(drow)) + 1
        idx = np.concatenate([[0], change])
        return [(int(i), int(drow[i]), None) for i in idx]
    change = np.flatnonzero((np.diff(drow) != 0) | (np.diff(dline) != 0)) + 1
    idx = np.concatenate([[0], change])
    return [(int(i), int(drow[i]), int(dline[i])) for i in idx]


# --- Parquet ---------------------------------------------------------------------------------


def _stage_parquet(
    wh: Warehouse, stage: str, index: int, path: Path, c: Contract, mapping: TableMapping
) -> StagedFile:
    source = str(path)
    reader = f"read_parquet({literal(path)})"
    try:
        schema = wh.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except EngineError as exc:
        raise IngestError(f"cannot read as Parquet: {exc}", file=source) from exc
    types = {str(name): str(kind) for name, kind, *_ in schema}
    plan = plan_columns(list(types), c, mapping.columns, source)
    for src, target in plan.rename.items():
        kind = types[src]
        if kind.startswith(("STRUCT", "MAP", "UNION")) or kind.endswith("]"):
            raise IngestError(
                f"is a nested column ({kind.split('(')[0].lower()}); {target} takes one value "
                "per row — flatten it, or map one of its fields to its own column first",
                file=source,
                column=src,
            )
    base = _count(wh, stage)
    as_text = ", ".join(f"CAST({ident(s)} AS VARCHAR) AS {ident(s)}" for s in plan.rename)
    cast = f"(SELECT {as_text or '1 AS x'} FROM {reader})"
    try:
        _insert(wh, stage, index, c, plan, cast, mapping)
    except EngineError as exc:
        raise IngestError(f"cannot read as Parquet: {exc}", file=source) from exc
    staged = _count(wh, stage) - base
    return StagedFile(index, source, _sha256(path), plan, base, staged, [], [(0, 0, None)])


# --- Python-read formats: JSON Lines and Excel -----------------------------------------------


def _stage_frames(
    wh: Warehouse,
    stage: str,
    index: int,
    source: str,
    sha: str,
    c: Contract,
    mapping: TableMapping,
    batches: Iterator[tuple[list[str], list[list[Any]], list[int]]],
    rejects: list[Reject],
    has_lines: bool,
) -> StagedFile:
    """Stage batches of ``(header, rows, lines)`` read in Python."""
    import numpy as np
    import pyarrow as pa

    base = _count(wh, stage)
    plan: ColumnPlan | None = None
    lines_seen: list[int] = []
    known: list[str] = []
    for header, rows, lines in batches:
        new = [h for h in header if h not in known]
        if new or plan is None:
            # JSON objects may bring new keys later in the file: the plan grows with them.
            known += new
            plan = plan_columns(known, c, mapping.columns, source)
        pos = {h: i for i, h in enumerate(header)}
        arrays = {}
        for src in plan.rename:
            i = pos.get(src)
            arrays[src] = pa.array(
                [_text(r[i]) if i is not None and i < len(r) else None for r in rows],
                type=pa.string(),
            )
        if not arrays:
            arrays["__none__"] = pa.nulls(len(rows), pa.string())
        batch = pa.table(arrays)
        name = f"{stage}_batch"
        wh.raw.register(name, batch)
        try:
            _insert(wh, stage, index, c, plan, ident(name), mapping)
        finally:
            wh.raw.unregister(name)
        lines_seen += lines
    if plan is None:
        raise IngestError("the file has no header row", file=source, line=1)
    staged = _count(wh, stage) - base
    # Rows are numbered among rows read (rejected ones included), in file order.
    good_lines = np.asarray(lines_seen, dtype=np.int64)
    rejected_lines = np.asarray(sorted(r.line or 0 for r in rejects), dtype=np.int64)
    before = np.searchsorted(rejected_lines, good_lines)
    k = np.arange(staged, dtype=np.int64)
    drow = before.astype(np.int64)
    dline = good_lines - k - 2 if has_lines else None
    return StagedFile(index, source, sha, plan, base, staged, rejects, _compress_steps(drow, dline))


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat())  # type: ignore[attr-defined]
    return str(value)


def _stage_jsonl(
    wh: Warehouse,
    stage: str,
    index: int,
    path: Path,
    c: Contract,
    mapping: TableMapping,
    sha: str,
) -> StagedFile:
    source = str(path)
    scan = scan_text(path, mapping.encoding)
    if scan.odd_count:
        raise IngestError(
            f"{scan.odd_count} line(s) are not in the file's encoding ({describe(scan.encoding)}); "
            f"first at line {scan.odd_lines[0].line}",
            file=source,
            line=scan.odd_lines[0].line if scan.odd_lines else None,
        )
    rejects: list[Reject] = []
    counter = {"row": 0, "yielded": 0}

    def batches() -> Iterator[tuple[list[str], list[list[Any]], list[int]]]:
        objs: list[dict[str, Any]] = []
        lines: list[int] = []

        def batch() -> tuple[list[str], list[list[Any]], list[int]]:
            header = list(dict.fromkeys(k for o in objs for k in o))
            return header, [[o.get(h) for h in header] for o in objs], lines

        with path.open("r", encoding=scan.encoding, errors="strict") as fh:
            try:
                for line_no, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    counter["row"] += 1
                    try:
                        obj = json.loads(line)
                        if not isinstance(obj, dict):
                            raise ValueError("not a JSON object")
                    except ValueError as exc:
                        rejects.append(
                            Reject(
                                counter["row"], line_no, f"invalid JSON: {exc}", line.rstrip("\r\n")
                            )
                        )
                        continue
                    objs.append({str(k): v for k, v in obj.items()})
                    lines.append(line_no)
                    if len(objs) >= CHUNK_ROWS:
                        counter["yielded"] = 1
                        yield batch()
                        objs, lines = [], []
            except UnicodeDecodeError as exc:
                raise IngestError(f"cannot decode as {scan.encoding}: {exc}", file=source) from None
        if objs:
            yield batch()
        elif not counter["yielded"]:
            first = rejects[0] if rejects else None
            raise IngestError(
                f"no line is a JSON object ({first.reason})" if first else "the file is empty",
                file=source,
                line=first.line if first else 1,
            )

    return _stage_frames(wh, stage, index, source, sha, c, mapping, batches(), rejects, True)


def _stage_excel(
    wh: Warehouse,
    stage: str,
    index: int,
    path: Path,
    c: Contract,
    mapping: TableMapping,
    sha: str,
) -> list[StagedFile]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    source = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise IngestError(f"cannot read as Excel: {exc}", file=source) from None
    try:
        with_data = [name for name in wb.sheetnames if _sheet_has_data(wb[name])]
        if mapping.sheet in (None, "") and len(with_data) > 1:
            raise IngestError(
                f"the workbook has {len(with_data)} sheets with data ({', '.join(with_data)}); "
                "say which with --sheet NAME, or --sheet '*' to read them all",
                file=source,
            )
        if mapping.sheet == "*":
            names = with_data
        elif mapping.sheet:
            if mapping.sheet not in wb.sheetnames:
                raise IngestError(
                    f"the workbook has no sheet {mapping.sheet!r} (its sheets: "
                    f"{', '.join(wb.sheetnames)})",
                    file=source,
                )
            names = [mapping.sheet]
        else:
            names = with_data[:1] or wb.sheetnames[:1]
        out = []
        for i, name in enumerate(names):
            label = source if len(wb.sheetnames) == 1 else f"{source}[{name}]"
            out.append(
                _stage_frames(
                    wh,
                    stage,
                    index * 1000 + i,
                    label,
                    sha if len(names) == 1 else f"{sha}:{name}",
                    c,
                    mapping,
                    _sheet_batches(wb[name]),
                    [],
                    True,
                )
            )
        return out
    finally:
        wb.close()


def _sheet_has_data(ws: Any) -> bool:
    for row in ws.iter_rows(values_only=True):
        if any(v is not None and str(v).strip() for v in row):
            return True
    return False


def _sheet_batches(ws: Any) -> Iterator[tuple[list[str], list[list[Any]], list[int]]]:
    header: list[str] = []
    rows: list[list[Any]] = []
    lines: list[int] = []
    for line_no, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if not any(v is not None and str(v).strip() for v in row):
            continue
        if not header:
            header = [
                str(v).strip() if v is not None else f"column {i + 1}" for i, v in enumerate(row)
            ]
            continue
        rows.append(list(row))
        lines.append(line_no)
        if len(rows) >= CHUNK_ROWS:
            yield header, rows, lines
            rows, lines = [], []
    if rows or not header:
        yield header or ["__empty__"], rows, lines
