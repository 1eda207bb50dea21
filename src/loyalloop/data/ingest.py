"""Validated, idempotent loading of files into the canonical tables.

``ingest(warehouse, "transactions", [path])`` reads each file in chunks (bounded memory),
types and checks every row against the table's contract, and then, in one transaction:

1. rows whose key repeats within the input are quarantined (the first occurrence is kept);
2. rows whose key is already in the table are skipped when identical ("already loaded",
   compared by a 64-bit hash of all their values) and quarantined when they differ —
   re-ingesting a file adds nothing;
3. rows that refer to an unknown customer (or campaign) are quarantined;
4. the rest is appended.

Every row read is counted exactly once: ``read = loaded + already_loaded + quarantined``.
Quarantined rows land in the ``quarantine`` table with the file, row number, line, fields and
reason; re-ingesting the same file replaces its earlier quarantine entries. A crash before the
final transaction commits leaves the canonical tables untouched.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from loyalloop.core.warehouse import QUARANTINE_TABLE, SQL_TYPES, Warehouse
from loyalloop.data.contracts import Contract, contract
from loyalloop.data.mapping import load_mapping, plan_columns
from loyalloop.data.readers import Chunk, detect_encoding, read_chunks
from loyalloop.data.validate import validate_chunk
from loyalloop.errors import IngestError

__all__ = ["IngestResult", "ingest"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """The first quarantined row, for pointing a person at the file."""

    file: str
    row: int
    line: int | None
    fields: str
    reason: str


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did. ``read == loaded + already_loaded + quarantined`` always."""

    table: str
    files: list[str]
    read: int
    loaded: int
    already_loaded: int
    quarantined: int
    encodings: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # quarantined rows per field
    first_problem: Problem | None = None

    @property
    def nothing_loaded(self) -> bool:
        """True when no row is in the table after this ingest (all quarantined or empty)."""
        return self.loaded + self.already_loaded == 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ingest(
    wh: Warehouse,
    table: str,
    files: Sequence[Path | str],
    *,
    mapping: Path | str | Mapping[str, str] | None = None,
    encoding: str | None = None,
    progress: ProgressFn | None = None,
    chunk_rows: int | None = None,
) -> IngestResult:
    """Load ``files`` into canonical table ``table``; see the module docstring."""
    c = contract(table)
    columns = load_mapping(mapping)
    paths = [Path(f) for f in files]
    if not paths:
        raise IngestError("no files given")
    tag = uuid.uuid4().hex[:12]
    stage, qstage = f"_staging_{tag}", f"_staging_q_{tag}"
    raw = wh.raw
    # Staging spills to disk beyond a small cap: same speed, far lower peak (see Settings).
    raw.execute(f"SET memory_limit = '{wh.settings.ingest_memory_limit}'")
    cols_sql = ", ".join(f'"{col.name}" {SQL_TYPES[col.type]}' for col in c.columns)
    raw.execute(
        f'CREATE TEMP TABLE "{stage}" ({cols_sql}, "__seq__" BIGINT, "__row__" BIGINT, '
        '"__line__" BIGINT, "__source__" VARCHAR, "__sha__" VARCHAR)'
    )
    raw.execute(
        f'CREATE TEMP TABLE "{qstage}" ("__row__" BIGINT, "__line__" BIGINT, "fields" VARCHAR, '
        '"reason" VARCHAR, "raw" VARCHAR, "__source__" VARCHAR, "__sha__" VARCHAR)'
    )
    try:
        encodings: dict[str, str] = {}
        ignored: list[str] = []
        read = 0
        seq = 0
        for path in paths:
            source, sha = str(path), _sha256(path) if path.exists() else ""
            enc = encoding
            if path.suffix.lower() in {".csv", ".tsv", ".txt", ".jsonl", ".ndjson"}:
                enc = encoding or (detect_encoding(path) if path.exists() else None)
                if enc:
                    encodings[source] = enc
            plan = None
            kwargs = {"chunk_rows": chunk_rows} if chunk_rows else {}
            for chunk in read_chunks(path, encoding=enc, **kwargs):
                if plan is None:
                    plan = plan_columns(list(chunk.frame.columns), c, columns, source)
                    ignored += [f"{source}:{n}" for n in plan.ignored]
                read += len(chunk.frame) + len(chunk.rejected)
                seq = _stage_chunk(wh, c, chunk, plan.rename, stage, qstage, source, sha, seq)
                if progress:
                    progress(len(chunk.frame) + len(chunk.rejected))
            if plan is None:
                raise IngestError("the file has no header row", file=source, line=1)
        try:
            counts = _finalize(wh, c, stage, qstage)
        except duckdb.OutOfMemoryException:
            # The small cap suits staging; checking against a very large table may need more.
            log.warning("ingest: retrying the load with memory_limit=%s", wh.settings.memory_limit)
            raw.execute(f"SET memory_limit = '{wh.settings.memory_limit}'")
            counts = _finalize(wh, c, stage, qstage)
    finally:
        raw.execute(f'DROP TABLE IF EXISTS "{stage}"')
        raw.execute(f'DROP TABLE IF EXISTS "{qstage}"')
        raw.execute(f"SET memory_limit = '{wh.settings.memory_limit}'")
    loaded, already, quarantined, reasons, first = counts
    if loaded + already + quarantined != read:  # an internal invariant, never user error
        raise AssertionError(f"ingest lost rows: {read} read, {loaded + already + quarantined}")
    result = IngestResult(
        table=table,
        files=[str(p) for p in paths],
        read=read,
        loaded=loaded,
        already_loaded=already,
        quarantined=quarantined,
        encodings=encodings,
        ignored_columns=ignored,
        reasons=reasons,
        first_problem=first,
    )
    log.info("ingest %s: %s", table, result)
    return result


def _stage_chunk(
    wh: Warehouse,
    c: Contract,
    chunk: Chunk,
    rename: dict[str, str],
    stage: str,
    qstage: str,
    source: str,
    sha: str,
    seq: int,
) -> int:
    frame = chunk.frame[[k for k in rename if k in chunk.frame.columns]].rename(columns=rename)
    v = validate_chunk(
        frame,
        c,
        rows=chunk.rows,
        lines=chunk.lines,
        timezone=wh.settings.timezone,
        phone_region=wh.settings.phone_region,
    )
    good = v.good
    good.insert(len(good.columns), "__seq__", range(seq, seq + len(good)))
    good = good[[*c.column_names, "__seq__", "__row__", "__line__"]]
    good = good.assign(__source__=source, __sha__=sha)
    bad = v.bad.assign(__source__=source, __sha__=sha)
    if chunk.rejected:
        rej = pd.DataFrame(
            {
                "__row__": [r.row_number for r in chunk.rejected],
                "__line__": [r.line for r in chunk.rejected],
                "fields": "",
                "reason": [r.reason for r in chunk.rejected],
                "raw": [r.raw for r in chunk.rejected],
                "__source__": source,
                "__sha__": sha,
            }
        )
        bad = pd.concat([bad, rej], ignore_index=True) if len(bad) else rej
    raw = wh.raw
    if len(good):
        raw.register("_chunk_good", pa.Table.from_pandas(good, preserve_index=False))
        raw.execute(f'INSERT INTO "{stage}" SELECT * FROM _chunk_good')
        raw.unregister("_chunk_good")
    if len(bad):
        bad = bad[["__row__", "__line__", "fields", "reason", "raw", "__source__", "__sha__"]]
        raw.register("_chunk_bad", bad)
        raw.execute(f'INSERT INTO "{qstage}" SELECT * FROM _chunk_bad')
        raw.unregister("_chunk_bad")
    return seq + len(good)


def _finalize(
    wh: Warehouse, c: Contract, stage: str, qstage: str
) -> tuple[int, int, int, dict[str, int], Problem | None]:
    raw = wh.raw
    key = ", ".join(f'"{k}"' for k in c.key)
    key_text = " || '/' || ".join(f"coalesce(CAST(s.\"{k}\" AS VARCHAR), '')" for k in c.key)
    same_key = " AND ".join(f's."{k}" IS NOT DISTINCT FROM t."{k}"' for k in c.key)
    same_key_d = " AND ".join(f's."{k}" IS NOT DISTINCT FROM d."{k}"' for k in c.key)
    # Identical rows are recognised by a 64-bit hash of all their values, so the hash table
    # over the already-loaded rows holds the key and one number, not every column.
    row_hash = "hash(" + ", ".join(f'"{col.name}"' for col in c.columns) + ")"
    staged_hash = "hash(" + ", ".join(f's."{col.name}"' for col in c.columns) + ")"
    raw_json = (
        "to_json(struct_pack("
        + ", ".join(f'"{col.name}" := s."{col.name}"' for col in c.input_columns)
        + "))::VARCHAR"
    )
    keyname = "/".join(c.key)
    raw.execute("BEGIN TRANSACTION")
    try:
        # Classify every staged row once.
        ref_joins, ref_cases = [], []
        for i, (col, target) in enumerate(c.references.items()):
            target_key = contract(target).key[0]
            ref_joins.append(
                f'LEFT JOIN (SELECT DISTINCT "{target_key}" AS k FROM "{target}") r{i} '
                f'ON r{i}.k = s."{col}"'
            )
            ref_cases.append(
                f'WHEN s."{col}" IS NOT NULL AND r{i}.k IS NULL '
                f"THEN '{col}: unknown {col} ' || to_json(s.\"{col}\") || ' (not in {target})'"
            )
        raw.execute(
            f"""
            CREATE TEMP TABLE _classified AS
            WITH repeated AS (
                SELECT {key}, min("__seq__") AS __first_seq__,
                       arg_min("__row__", "__seq__") AS __first_row__
                FROM "{stage}" GROUP BY {key} HAVING count(*) > 1
            ), ranked AS (
                SELECT s.*, d.__first_row__,
                       coalesce(s."__seq__" > d.__first_seq__, false) AS __dup__
                FROM "{stage}" s LEFT JOIN repeated d ON {same_key_d}
            ), existing AS (
                SELECT {key}, {row_hash} AS __h__, true AS __present__ FROM "{c.name}"
            )
            SELECT s.*,
                CASE
                    WHEN s.__dup__ THEN '{keyname}: duplicate ' || to_json({key_text})
                        || ' (first at row ' || s.__first_row__ || ')'
                    WHEN t.__present__ AND t.__h__ = {staged_hash}
                        THEN 'ALREADY'
                    WHEN t.__present__ THEN '{keyname}: ' || to_json({key_text})
                        || ' already loaded with different values'
                    {" ".join(ref_cases)}
                    ELSE NULL
                END AS __verdict__
            FROM ranked s
            LEFT JOIN existing t ON {same_key}
            {" ".join(ref_joins)}
            """
        )
        cols = ", ".join(f'"{col.name}"' for col in c.columns)
        raw.execute(
            f'INSERT INTO "{c.name}" SELECT {cols}, "__source__", now()::TIMESTAMP '
            'FROM _classified WHERE __verdict__ IS NULL ORDER BY "__seq__"'
        )
        # Re-ingesting a file replaces what its earlier ingest quarantined.
        raw.execute(
            f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ? AND source_sha256 IN "
            f'(SELECT DISTINCT "__sha__" FROM "{stage}" UNION SELECT DISTINCT "__sha__" '
            f'FROM "{qstage}")',
            [c.name],
        )
        raw.execute(
            f"""
            INSERT INTO {QUARANTINE_TABLE}
            SELECT ?, "__source__", "__sha__", "__row__", "__line__", fields, reason, raw,
                   now()::TIMESTAMP FROM "{qstage}"
            UNION ALL
            SELECT ?, "__source__", "__sha__", "__row__", "__line__",
                   split_part(__verdict__, ':', 1), __verdict__, {raw_json}, now()::TIMESTAMP
            FROM _classified s WHERE __verdict__ IS NOT NULL AND __verdict__ <> 'ALREADY'
            """,
            [c.name, c.name],
        )
        row = raw.execute(
            f"""
            SELECT count(*) FILTER (WHERE __verdict__ IS NULL),
                   count(*) FILTER (WHERE __verdict__ = 'ALREADY'),
                   count(*) FILTER (WHERE __verdict__ IS NOT NULL AND __verdict__ <> 'ALREADY')
                       + (SELECT count(*) FROM "{qstage}")
            FROM _classified
            """
        ).fetchone()
        assert row is not None
        loaded, already, quarantined = (int(x) for x in row)
        reasons = dict(
            raw.execute(
                f"""
                SELECT coalesce(nullif(f, ''), '(row shape)'), count(*) FROM (
                    SELECT fields AS f FROM "{qstage}"
                    UNION ALL SELECT split_part(__verdict__, ':', 1) FROM _classified
                    WHERE __verdict__ IS NOT NULL AND __verdict__ <> 'ALREADY'
                ) GROUP BY 1 ORDER BY 2 DESC
                """
            ).fetchall()
        )
        first = raw.execute(
            f"""
            SELECT source, row_number, line, fields, reason FROM {QUARANTINE_TABLE}
            WHERE table_name = ? AND source_sha256 IN (SELECT DISTINCT "__sha__" FROM "{stage}"
                UNION SELECT DISTINCT "__sha__" FROM "{qstage}")
            ORDER BY source, row_number LIMIT 1
            """,
            [c.name],
        ).fetchone()
        raw.execute("DROP TABLE _classified")
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    problem = Problem(str(first[0]), int(first[1]), first[2], first[3], first[4]) if first else None
    return loaded, already, quarantined, {str(k): int(v) for k, v in reasons.items()}, problem
