"""Validated, idempotent loading of files into the canonical tables — in the engine.

``ingest(warehouse, "transactions", [path])`` stages each file's values as text in the engine
(DuckDB reads CSV and Parquet itself; see :mod:`loyalloop.data.sources`), types and checks every
cell there with one vectorised view (:mod:`loyalloop.data.checks`), and then, in one
transaction:

1. rows with a bad or missing *required* value, or breaking a rule across fields, are
   quarantined with every problem named; a bad *optional* value is set to missing instead and
   the repair is logged in the ``repairs`` table (the row is loaded);
2. rows whose key repeats within the input are quarantined (the first occurrence is kept);
3. ids that differ from another id only by look-alike characters (Cyrillic ``С`` for Latin
   ``C``) are quarantined, naming the characters;
4. rows whose key is already in the table are skipped when identical ("already loaded",
   compared by a hash of all their values) and quarantined when they differ — re-ingesting a
   file adds nothing;
5. rows that refer to an unknown customer (or campaign) are quarantined — saying so when that
   customer is itself in quarantine, and why;
6. the rest is appended — except rows of customers erased from this project
   (``loyalloop erase``, :mod:`loyalloop.data.erased`): they are dropped and counted as
   ``erased``, and not quarantined, since the quarantine would keep their values.

Python touches only what fails: the reasons of failing rows are built in SQL too, and Python
runs per *distinct* value only for look-alike ids, Unicode normalisation of non-ASCII ids and
phone numbers (``phonenumbers``).

Every row read is counted exactly once:
``read = loaded + already_loaded + quarantined + erased``.
Repaired rows are loaded rows (or already-loaded ones): ``repaired`` counts how many of the
loaded and already-loaded rows had at least one value set to missing, an id normalised or
derived. Quarantined rows land in the ``quarantine`` table with the file, row number, line,
fields and reason; re-ingesting the same file replaces its earlier quarantine and repair
entries. A crash before the final transaction commits leaves the canonical tables untouched.

Ids without a source: when a transactions file has no ``transaction_id`` column (or a row's is
empty), the id is derived from the row's content — ``h`` and 20 hex digits of an MD5 of its
customer, time, amount, currency, channel and category — so it is the same each time the row
is ingested, and two identical rows in one file are still caught as duplicates.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from loyalloop.core.lock import process_alive
from loyalloop.core.warehouse import QUARANTINE_TABLE, REPAIRS_TABLE, Warehouse
from loyalloop.data.checks import (
    COMMA_GRAMMAR,
    DOT_GRAMMAR,
    ViewSpec,
    fast_view,
    number_text_sql,
    quote_macro_sql,
    repair_reason_sql,
    typed_view,
)
from loyalloop.data.contracts import Contract, contract
from loyalloop.data.erased import load_erased
from loyalloop.data.identifiers import PLAIN_ID_REGEX, explain_lookalike, normalize_id, skeleton
from loyalloop.data.mapping import DecimalMark, TableMapping, load_mapping
from loyalloop.data.normalize import normalize_phone
from loyalloop.data.sources import StagedFile, check_path, stage_file
from loyalloop.data.sql import ident, literal
from loyalloop.errors import EngineError, IngestError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["IngestResult", "Problem", "ingest"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]

#: Rows found certainly clean while staging are typed by the fast parsers alone (tests turn
#: this off to check that both paths give the same rows).
_FAST_PATH = True


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
    """What one ingest did. ``read == loaded + already_loaded + quarantined + erased`` always.

    ``erased`` rows belong to customers erased from this project (:mod:`loyalloop.data.erased`):
    neither loaded nor quarantined.

    ``repaired`` rows are among ``loaded + already_loaded`` (see the module docstring).
    """

    table: str
    files: list[str]
    read: int
    loaded: int
    already_loaded: int
    quarantined: int
    erased: int = 0
    repaired: int = 0
    encodings: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # quarantined rows per field
    repairs: dict[str, int] = field(default_factory=dict)  # repaired values per field
    first_problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_loaded(self) -> bool:
        """True when no row is in the table after this ingest (all quarantined or empty)."""
        return self.loaded + self.already_loaded == 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Run:
    """Names of one ingest's temporary objects."""

    tag: str

    def __getattr__(self, item: str) -> str:
        return f"_ingest_{item}_{self.tag}"


def ingest(
    wh: Warehouse,
    table: str,
    files: Sequence[Path | str],
    *,
    mapping: Path | str | Mapping[str, object] | TableMapping | None = None,
    encoding: str | None = None,
    decimal: DecimalMark | str | None = None,
    sheet: str | None = None,
    nulls: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
) -> IngestResult:
    """Load ``files`` into canonical table ``table``; see the module docstring.

    ``encoding``, ``decimal``, ``sheet`` and ``nulls`` override the mapping's options.
    """
    c = contract(table)
    opts = load_mapping(mapping, table).with_options(
        decimal=decimal,
        nulls=list(nulls) if nulls is not None else None,
        encoding=encoding,
        sheet=sheet,
    )
    paths = [Path(f) for f in files]
    if not paths:
        raise IngestError("no files given")
    for p in paths:
        check_path(p)
    run = _Run(uuid.uuid4().hex[:12])
    _remove_orphans(wh.settings.home / "tmp")
    tmp = wh.settings.home / "tmp" / f"ingest-{os.getpid()}-{run.tag}"
    wh.execute(f"SET memory_limit = '{wh.settings.ingest_memory_limit}'")
    # Staged rows keep the files' order, so a row's position in the stage is its row number.
    wh.execute("SET preserve_insertion_order = true")
    cols_sql = ", ".join(f"{ident(col.name)} VARCHAR" for col in c.input_columns)
    wh.execute(f"CREATE TEMP TABLE {ident(run.stage)} (__file__ INTEGER, {cols_sql}, __ok BOOLEAN)")
    wh.execute(quote_macro_sql())
    try:
        staged: list[StagedFile] = []
        for i, path in enumerate(paths):
            for sf in stage_file(wh, run.stage, i, path, c, opts, tmp):
                staged.append(sf)
                if progress:
                    progress(sf.read)
        # Row order is fixed now; keeping it costs a slow checkpoint of the loaded table.
        wh.execute("SET preserve_insertion_order = false")
        import duckdb

        try:
            return _finalize(wh, c, opts, staged, run, paths)
        except (EngineError, duckdb.OutOfMemoryException) as exc:
            cause = exc.__cause__ if isinstance(exc, EngineError) else exc
            if not isinstance(cause, duckdb.OutOfMemoryException):
                raise
            # The small cap suits staging; checking against a very large table may need more.
            log.warning("ingest: retrying the load with memory_limit=%s", wh.settings.memory_limit)
            wh.execute(f"SET memory_limit = '{wh.settings.memory_limit}'")
            _drop_work_tables(wh, run)
            return _finalize(wh, c, opts, staged, run, paths)
    finally:
        _drop_work_tables(wh, run)
        wh.execute(f"DROP TABLE IF EXISTS {ident(run.stage)}")
        wh.execute(f"SET memory_limit = '{wh.settings.memory_limit}'")
        wh.execute("SET preserve_insertion_order = false")
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_orphans(tmp: Path) -> None:
    """Remove transcoded copies left by an ingest whose process died (``kill -9``)."""
    if not tmp.is_dir():
        return
    for d in tmp.glob("ingest-*-*"):
        pid = d.name.split("-")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _drop_work_tables(wh: Warehouse, run: _Run) -> None:
    for name in (
        "bad", "rep", "already", "twins", "hints", "pos", "files", "phones", "flagged", "erased",
        "erased_digests",
    ):  # fmt: skip
        wh.execute(f"DROP TABLE IF EXISTS {ident(getattr(run, name))}")
    for name in [
        r[0]
        for r in wh.execute(
            "SELECT table_name FROM information_schema.tables WHERE starts_with(table_name, ?)",
            [f"_ingest_ids_{run.tag}"],
        ).fetchall()
    ]:
        wh.execute(f"DROP TABLE IF EXISTS {ident(name)}")
    wh.execute(f"DROP VIEW IF EXISTS {ident(run.view)}")
    for name in ("rows", "fast", "unsure"):
        wh.execute(f"DROP VIEW IF EXISTS {ident(getattr(run, name))}")


# --- preparation: decimal marks, id normalisation, phones ----------------------------------


def _decimals(
    wh: Warehouse, c: Contract, opts: TableMapping, staged: list[StagedFile], stage: str
) -> tuple[dict[int, dict[str, DecimalMark]], list[str]]:
    """The decimal mark of each float column of each file (see mapping's ``decimal``)."""
    floats = [col.name for col in c.input_columns if col.type in ("float", "int")]
    marks: dict[int, dict[str, DecimalMark]] = {sf.index: {} for sf in staged}
    notes: list[str] = []
    if not floats:
        return marks, notes
    if opts.decimal != DecimalMark.AUTO:
        return {sf.index: dict.fromkeys(floats, opts.decimal) for sf in staged}, notes
    for name in floats:
        t = ident(name)
        s = number_text_sql(t)
        s = f"regexp_replace({s}, '^\\((.*)\\)$', '\\1')"
        comma = f"regexp_full_match({s}, {literal(COMMA_GRAMMAR)})"
        dot = f"regexp_full_match({s}, {literal(DOT_GRAMMAR)})"
        rows = wh.execute(
            f"SELECT __file__, count(*) FROM {ident(stage)} WHERE contains({t}, ',') "
            f"AND {comma} AND NOT {dot} GROUP BY 1"
        ).fetchall()
        for file_index, n_comma in rows:
            sf = next(s_ for s_ in staged if s_.index == file_index)
            stats = wh.execute(
                f"""SELECT
                    count(*) FILTER (WHERE {dot} AND NOT {comma} AND contains({t}, '.')),
                    count(*) FILTER (WHERE {dot} AND {comma}
                        AND (contains({t}, ',') OR contains({t}, '.'))),
                    min({t}) FILTER (WHERE contains({t}, ',') AND {comma} AND NOT {dot}),
                    min({t}) FILTER (WHERE {dot} AND NOT {comma} AND contains({t}, '.')),
                    min({t}) FILTER (WHERE {dot} AND {comma}
                        AND (contains({t}, ',') OR contains({t}, '.')))
                FROM {ident(stage)} WHERE __file__ = ?""",
                [file_index],
            ).fetchone()
            assert stats is not None
            n_dot, n_ambiguous, ex_comma, ex_dot, ex_amb = stats
            if n_dot or n_ambiguous:
                other = (
                    f"{n_dot:,} with a decimal point (e.g. {ex_dot!r})"
                    if n_dot
                    else f"{n_ambiguous:,} that read differently either way (e.g. {ex_amb!r}: "
                    "a thousand or a fraction?)"
                )
                raise IngestError(
                    f"numbers are written two ways: {_values(n_comma)} with a decimal comma "
                    f'(e.g. {ex_comma!r}) and {other}; say which with decimal: "," or '
                    'decimal: "." in the mapping (or --decimal)',
                    file=sf.source,
                    column=name,
                )
            marks[file_index][name] = DecimalMark.COMMA
            notes.append(
                f"{sf.source}: {name} is written with a decimal comma ({_values(n_comma)} such "
                f"as {ex_comma!r}, none that could mean otherwise); read as such"
            )
        # Nothing decides: every number with a comma reads both ways ('1,234': a thousand or
        # 1.234?) and none is written only one way. Refuse rather than guess (issue 11).
        undecided = wh.execute(
            f"""SELECT __file__, count(*), min({t}) FROM {ident(stage)}
                WHERE contains({t}, ',') AND {dot} AND {comma}
                GROUP BY 1""",
        ).fetchall()
        for file_index, n_amb, ex_amb in undecided:
            if marks[file_index].get(name) is DecimalMark.COMMA:
                continue
            decided = wh.execute(
                f"""SELECT count(*) FROM {ident(stage)} WHERE __file__ = ?
                    AND (contains({t}, ',') OR contains({t}, '.')) AND ({dot}) <> ({comma})""",
                [file_index],
            ).fetchone()
            if decided is not None and decided[0]:
                continue
            sf = next(s_ for s_ in staged if s_.index == file_index)
            raise IngestError(
                f"{_values(n_amb)} such as {ex_amb!r} read differently with a decimal comma "
                "and with a decimal point (a thousand or a fraction?), and no value in the "
                'column decides; say which with decimal: "," or decimal: "." in the mapping '
                "(or --decimal)",
                file=sf.source,
                column=name,
            )
    return marks, notes


def _values(n: int) -> str:
    return f"{n:,} value" if n == 1 else f"{n:,} values"


def _id_maps(wh: Warehouse, c: Contract, run: _Run) -> dict[str, str]:
    """For each identifier column: a table mapping ids that are not plain ASCII to their
    normal form (Python on the distinct values only)."""
    maps: dict[str, str] = {}
    for name in c.identifier_columns:
        if name not in {col.name for col in c.input_columns}:
            continue
        rows = wh.execute(
            f"SELECT DISTINCT {ident(name)} FROM {ident(run.stage)} WHERE NOT __ok "
            f"AND {ident(name)} IS NOT NULL "
            f"AND NOT regexp_full_match({ident(name)}, {literal(PLAIN_ID_REGEX)})"
        ).fetchall()
        if not rows:
            continue
        raw = [r[0] for r in rows]
        table = f"_ingest_ids_{run.tag}_{name}"
        data = _arrow(
            {"raw": list(raw), "norm": [normalize_id(v) for v in raw]},
            {"raw": "VARCHAR", "norm": "VARCHAR"},
        )
        _materialize(wh, table, data)
        maps[name] = table
    return maps


def _phones(wh: Warehouse, c: Contract, run: _Run) -> str | None:
    if c.name != "customers":
        return None
    rows = wh.execute(
        f"SELECT DISTINCT phone FROM {ident(run.stage)} WHERE phone IS NOT NULL"
    ).fetchall()
    if not rows:
        return None
    region = wh.settings.phone_region
    raw = [r[0] for r in rows]
    e164 = [normalize_phone(v, region) for v in raw]
    table = _arrow({"raw": list(raw), "e164": list(e164)}, {"raw": "VARCHAR", "e164": "VARCHAR"})
    _materialize(wh, run.phones, table)
    return run.phones


def _materialize(wh: Warehouse, name: str, data: pa.Table) -> None:
    reg = f"{name}_arrow"
    wh.raw.register(reg, data)
    try:
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT * FROM {ident(reg)}")
    finally:
        wh.raw.unregister(reg)


def _arrow(columns: Mapping[str, Sequence[object]], types: dict[str, str]) -> pa.Table:
    """An Arrow table (pyarrow loads only when one is needed)."""
    import pyarrow as pa

    kinds = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32()}
    return pa.table({k: pa.array(v, kinds[types[k]]) for k, v in columns.items()})


def _small_table(
    wh: Warehouse, name: str, types: dict[str, str], rows: Sequence[tuple[object, ...]]
) -> None:
    """A small temporary table from Python values, written as SQL literals."""
    cols = ", ".join(f"{ident(k)} {v}" for k, v in types.items())
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} ({cols})")
    for start in range(0, len(rows), 1000):
        values = ", ".join(
            "(" + ", ".join(_sql_value(v) for v in row) + ")" for row in rows[start : start + 1000]
        )
        if values:
            wh.execute(f"INSERT INTO {ident(name)} VALUES {values}")


def _sql_value(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool | int):
        return str(int(v))
    return literal(str(v))


# --- classification and loading -------------------------------------------------------------


def _key_text(c: Contract, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return " || '/' || ".join(f"coalesce(CAST({a}{ident(k)} AS VARCHAR), '')" for k in c.key)


def _raw_json(c: Contract, alias: str) -> str:
    """The staged text of a row's columns as a JSON object (``alias``: the staging table)."""
    return (
        "to_json(struct_pack("
        + ", ".join(f"{ident(col.name)} := {alias}.{ident(col.name)}" for col in c.input_columns)
        + "))::VARCHAR"
    )


def _repair_sql(c: Contract, spec: ViewSpec) -> tuple[str, str]:
    """(does a row need a repair, the list of its repairs) as SQL over the typed view."""
    conds, items = [], []
    for col in c.input_columns:
        if col.required:
            continue
        cond = f"__e_{col.name} IS NOT NULL"
        conds.append(cond)
        items.append(
            f"CASE WHEN {cond} THEN {{'field': '{col.name}', 'reason': {repair_reason_sql(col)}, "
            f"'raw_value': __t_{col.name}}} END"
        )
    for name in spec.id_maps:
        cond = f"({ident(name)} IS DISTINCT FROM __t_{name} AND {ident(name)} IS NOT NULL)"
        conds.append(cond)
        items.append(
            f"CASE WHEN {cond} THEN {{'field': '{name}', 'reason': '{name}: ' || "
            f"_ll_q(__t_{name}) || ' normalised to ' || _ll_q({ident(name)}) || "
            f"' (Unicode NFKC, invisible characters removed)', 'raw_value': __t_{name}}} END"
        )
    if not items:  # a table with nothing to repair: an empty list of the repairs' type
        return "false", "NULL::STRUCT(field VARCHAR, reason VARCHAR, raw_value VARCHAR)[]"
    return (
        "(" + " OR ".join(conds) + ")",
        f"list_filter([{', '.join(items)}], x -> x IS NOT NULL)",
    )


def _finalize(
    wh: Warehouse,
    c: Contract,
    opts: TableMapping,
    staged: list[StagedFile],
    run: _Run,
    paths: list[Path],
) -> IngestResult:
    notes = [n for sf in staged for n in sf.notes]
    marks, decimal_notes = _decimals(wh, c, opts, staged, run.stage)
    notes += decimal_notes
    files_with = {
        col.name: [sf.index for sf in staged if col.name in sf.plan.rename.values()]
        for col in c.input_columns
    }
    for col in c.input_columns:
        if col.derive_if_missing:
            lacking = [sf.source for sf in staged if sf.index not in files_with[col.name]]
            notes += [
                f"{src}: no {col.name} column; each row's id is derived from its content"
                for src in lacking
            ]
    derive = []
    for col in c.input_columns:
        if col.derive_if_missing:
            row = wh.execute(
                f"SELECT count(*) FROM {ident(run.stage)} WHERE {ident(col.name)} IS NULL"
            ).fetchone()
            if row and row[0]:
                derive.append(col.name)
    spec = ViewSpec(
        stage=run.stage,
        timezone=wh.settings.timezone,
        decimals=marks,
        id_maps=_id_maps(wh, c, run),
        phone_map=_phones(wh, c, run),
        files_with=files_with,
        nulls=opts.nulls,
        derive=derive,
    )
    view = run.view
    wh.execute(typed_view(c, spec, view))
    cols = [col.name for col in c.columns]
    col_list = ", ".join(ident(n) for n in cols)
    nokey = [col.name for col in c.input_columns if col.derive_if_missing and col.name in c.key]
    # One pass over every row: the few that are quarantined or repaired, with their words.
    # (Materialising the typed rows instead costs twice as much as typing them twice.)
    repair_flag, repair_items = _repair_sql(c, spec)
    flagged = run.flagged
    # Rows certainly clean at staging skip this (see checks.clean_row_sql) — unless a decimal
    # comma changes how numbers read.
    commas = any(m == DecimalMark.COMMA for marks_ in marks.values() for m in marks_.values())
    unsure = view if commas or not _FAST_PATH else run.unsure
    if unsure != view:
        wh.execute(typed_view(c, spec, unsure, where="NOT s.__ok"))
        wh.execute(fast_view(c, spec, run.fast))
        out = ", ".join(["__seq__", "__file__", *(ident(n) for n in cols)])
        out += "".join(f", __t_{col.name}" for col in c.input_columns)
        wh.execute(
            f"CREATE OR REPLACE TEMP VIEW {ident(run.rows)} AS SELECT {out} FROM {ident(run.fast)} "
            f"UNION ALL BY NAME SELECT {out} FROM {ident(unsure)}"
        )
        view = run.rows
    wh.execute(
        f"""CREATE TEMP TABLE {ident(flagged)} AS
        SELECT __seq__, __file__, __quarantine, __fields, __reason, {_key_text(c)} AS key,
            CASE WHEN NOT __quarantine THEN {repair_items} END AS repairs
        FROM {ident(unsure)} WHERE __quarantine OR {repair_flag}"""
    )
    bad, already = run.bad, run.already
    wh.execute(
        f"""CREATE TEMP TABLE {ident(bad)} AS SELECT __seq__ AS seq, __file__ AS file,
            __fields AS fields, __reason AS reason, key, NULL::VARCHAR AS raw,
            NULL::BIGINT AS ref_seq, NULL::INTEGER AS ref_file
        FROM {ident(flagged)} WHERE __quarantine"""
    )
    # 1b. customers erased from this project (loyalloop erase): counted apart, never kept
    n_erased = _erased(wh, c, run, view)
    n_field_bad = _count(wh, bad)
    key_cols = ", ".join(ident(k) for k in c.key)
    good = (
        f"(SELECT __seq__, __file__, {key_cols}"
        + "".join(f", __t_{n}" for n in nokey[:1])
        + f" FROM {ident(view)}"
        + (f" WHERE __seq__ NOT IN (SELECT seq FROM {ident(bad)}))" if n_field_bad else ")")
    )
    # 2. keys repeated within the input: the first is kept (candidates found by a 64-bit hash
    # of the key, then compared exactly)
    keyname = "/".join(c.key)
    key = ", ".join(ident(k) for k in c.key)
    same = " AND ".join(f"g.{ident(k)} IS NOT DISTINCT FROM d.{ident(k)}" for k in c.key)
    note = "''"
    if nokey:
        note = (
            f"CASE WHEN g.__t_{nokey[0]} IS NULL THEN ' — no {nokey[0]} in the source, and "
            "this row''s content is identical to the first''s: give the file ids if both are "
            "real' ELSE '' END"
        )
    wh.execute(
        f"""INSERT INTO {ident(bad)}
        WITH g AS {good},
        h AS (SELECT hash({key}) AS h FROM g GROUP BY 1 HAVING count(*) > 1),
        c AS (SELECT * FROM g WHERE hash({key}) IN (SELECT h FROM h)),
        d AS (
            SELECT {key}, min(__seq__) AS __first__, arg_min(__file__, __seq__) AS __ffile__
            FROM c GROUP BY {key} HAVING count(*) > 1
        )
        SELECT g.__seq__, g.__file__, '{keyname}',
            '{keyname}: duplicate ' || to_json({_key_text(c, "g")}) || {note},
            {_key_text(c, "g")}, NULL, d.__first__, d.__ffile__
        FROM c g JOIN d ON {same} WHERE g.__seq__ > d.__first__"""
    )
    # 3. look-alike ids
    _lookalikes(wh, c, run, spec, view)
    # 4. already loaded: identical → skipped; different → quarantined
    h_stage = "hash(" + ", ".join(f"v.{ident(n)}" for n in cols) + ")"
    h_table = "hash(" + ", ".join(f"t.{ident(n)}" for n in cols) + ")"
    same_t = " AND ".join(f"t.{ident(k)} IS NOT DISTINCT FROM v.{ident(k)}" for k in c.key)
    # Keys first (only the id columns are typed for this), whole rows for the matches only.
    wh.execute(
        f"""CREATE TEMP TABLE {ident(already)} AS
        SELECT v.__seq__ AS seq, NULL::BOOLEAN AS same, v.__file__ AS file,
            {_key_text(c, "v")} AS key
        FROM (SELECT __seq__, __file__, {key} FROM {ident(view)}) v
        SEMI JOIN {ident(c.name)} t ON {same_t}
        WHERE v.__seq__ NOT IN (SELECT seq FROM {ident(bad)})"""
    )
    if _count(wh, already):
        wh.execute(
            f"""UPDATE {ident(already)} a SET same = m.same FROM (
                SELECT v.__seq__ AS seq, {h_stage} = {h_table} AS same
                FROM {ident(view)} v JOIN {ident(c.name)} t ON {same_t}
                WHERE v.__seq__ IN (SELECT seq FROM {ident(already)})) m
            WHERE m.seq = a.seq"""
        )
    wh.execute(
        f"""INSERT INTO {ident(bad)} SELECT seq, file, '{keyname}',
            '{keyname}: ' || to_json(key) || ' already loaded with different values', key,
            NULL, NULL, NULL
        FROM {ident(already)} WHERE NOT same"""
    )
    wh.execute(f"DELETE FROM {ident(already)} WHERE NOT same")
    # 5. references to unknown customers / campaigns
    for ref, target in c.references.items():
        _references(wh, c, run, view, ref, target)
    # 6. repairs of the rows that are loaded (or already loaded)
    wh.execute(
        f"""CREATE TEMP TABLE {ident(run.rep)} AS
        SELECT __seq__ AS seq, __file__ AS file, key, r.field, r.reason, r.raw_value FROM (
            SELECT __seq__, __file__, key, unnest(repairs) AS r FROM {ident(flagged)}
            WHERE NOT __quarantine AND __seq__ NOT IN (SELECT seq FROM {ident(bad)}))"""
    )
    if n_erased:  # out of the quarantine: it would keep the values the erasure removed
        wh.execute(
            f"CREATE TEMP TABLE {ident(run.erased)} AS "
            f"SELECT seq FROM {ident(bad)} WHERE fields = '{_ERASED}'"
        )
        wh.execute(f"DELETE FROM {ident(bad)} WHERE fields = '{_ERASED}'")
    # The raw values of every quarantined row, as read.
    wh.execute(
        f"""UPDATE {ident(bad)} SET raw = s.__raw FROM (
            SELECT rowid AS __r, {_raw_json(c, "st")} AS __raw FROM {ident(run.stage)} st
            WHERE rowid IN (SELECT seq FROM {ident(bad)})) s WHERE s.__r = seq"""
    )
    n_bad = _count(wh, bad)
    n_already = _count(wh, already)
    _positions(wh, staged, run)
    rejects = [(sf, r) for sf in staged for r in sf.rejects]
    read = sum(sf.staged for sf in staged) + len(rejects)
    # The load, in one transaction.
    excluded = []
    if n_bad:
        excluded.append(f"__seq__ NOT IN (SELECT seq FROM {ident(bad)})")
    if n_already:
        excluded.append(f"__seq__ NOT IN (SELECT seq FROM {ident(already)})")
    if n_erased:
        excluded.append(f"__seq__ NOT IN (SELECT seq FROM {ident(run.erased)})")
    where = " AND ".join(excluded) or "true"
    shas = sorted({sf.sha256 for sf in staged})
    sha_list = ", ".join(literal(s) for s in shas) or "NULL"
    wh.execute("BEGIN TRANSACTION")
    try:
        inserted = wh.execute(
            # columns named: a column added to an older home's table sits after the lineage
            # columns (schema.ensure_schema)
            f"INSERT INTO {ident(c.name)} ({col_list}, _source, _loaded_at) SELECT {col_list}, "
            f"{_source_sql(staged)}, now()::TIMESTAMP FROM {ident(view)} WHERE {where}"
        ).fetchone()
        loaded = int(inserted[0]) if inserted else 0
        for name in (QUARANTINE_TABLE, REPAIRS_TABLE):
            wh.execute(
                f"DELETE FROM {name} WHERE table_name = ? AND source_sha256 IN ({sha_list})",
                [c.name],
            )
        _insert_quarantine(wh, c, run, staged, rejects)
        _insert_repairs(wh, c, run)
        wh.execute("COMMIT")
    except BaseException:
        wh.execute("ROLLBACK")
        raise
    quarantined = n_bad + len(rejects)
    if loaded + n_already + quarantined + n_erased != read:  # an internal invariant
        raise AssertionError(
            f"ingest lost rows: {read} read, {loaded + n_already + quarantined + n_erased}"
        )
    if n_erased:
        notes.append(
            f"{n_erased} row(s) of customers erased from this project were not loaded "
            "(loyalloop erase; the values are not kept)"
        )
    reasons = dict(
        wh.execute(
            f"SELECT fields, count(*) FROM (SELECT fields FROM {ident(bad)} UNION ALL "
            f"SELECT '(row shape)' FROM range({len(rejects)})) GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    )
    repairs = dict(
        wh.execute(
            f"SELECT field, count(*) FROM {ident(run.rep)} GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    )
    repaired_row = wh.execute(f"SELECT count(DISTINCT seq) FROM {ident(run.rep)}").fetchone()
    first = wh.execute(
        f"""SELECT source, row_number, line, fields, reason FROM {QUARANTINE_TABLE}
        WHERE table_name = ? AND source_sha256 IN ({sha_list})
        ORDER BY source, row_number LIMIT 1""",
        [c.name],
    ).fetchone()
    problem = Problem(str(first[0]), int(first[1]), first[2], first[3], first[4]) if first else None
    result = IngestResult(
        table=c.name,
        files=[str(p) for p in paths],
        read=read,
        loaded=loaded,
        already_loaded=n_already,
        quarantined=quarantined,
        erased=n_erased,
        repaired=int(repaired_row[0]) if repaired_row else 0,
        encodings={sf.source: sf.encoding for sf in staged if sf.encoding},
        ignored_columns=[f"{sf.source}:{n}" for sf in staged for n in sf.plan.ignored],
        reasons={str(k): int(v) for k, v in reasons.items()},
        repairs={str(k): int(v) for k, v in repairs.items()},
        first_problem=problem,
        notes=notes,
    )
    log.info("ingest %s: %s", c.name, result)
    return result


_ERASED = "(erased)"


def _erased(wh: Warehouse, c: Contract, run: _Run, view: str) -> int:
    """Mark the rows of erased customers in the ``bad`` table under the field ``(erased)``
    (so every later step leaves them out), replacing any other problem they had; their count.

    Digests are computed for the distinct ids only, and only when the home has a list.
    """
    if "customer_id" not in {col.name for col in c.columns}:
        return 0
    listed = load_erased(wh.settings.home)
    if listed is None or not listed.digests:
        return 0
    digests = run.erased_digests
    _small_table(wh, digests, {"d": "VARCHAR"}, [(d,) for d in sorted(listed.digests)])
    hit = f"""SELECT v.__seq__ AS seq, v.__file__ AS file, {_key_text(c, "v")} AS key
        FROM {ident(view)} v
        SEMI JOIN (
            SELECT customer_id FROM (SELECT DISTINCT customer_id FROM {ident(view)}
                                     WHERE customer_id IS NOT NULL)
            WHERE sha256({literal(listed.salt)} || customer_id) IN (SELECT d FROM {ident(digests)})
        ) e ON e.customer_id = v.customer_id"""
    wh.execute(f"CREATE TEMP TABLE {ident(run.erased)} AS {hit}")
    n = _count(wh, run.erased)
    if n:
        wh.execute(
            f"DELETE FROM {ident(run.bad)} WHERE seq IN (SELECT seq FROM {ident(run.erased)})"
        )
        wh.execute(
            f"""INSERT INTO {ident(run.bad)} SELECT seq, file, '{_ERASED}', '{_ERASED}', key,
                NULL, NULL, NULL FROM {ident(run.erased)}"""
        )
    wh.execute(f"DROP TABLE {ident(run.erased)}")
    return n


def _count(wh: Warehouse, table: str) -> int:
    row = wh.execute(f"SELECT count(*) FROM {ident(table)}").fetchone()
    return int(row[0]) if row else 0


def _source_sql(staged: list[StagedFile]) -> str:
    whens = " ".join(f"WHEN {sf.index} THEN {literal(sf.source)}" for sf in staged)
    return f"CASE __file__ {whens} END"


def _lookalikes(wh: Warehouse, c: Contract, run: _Run, spec: ViewSpec, view: str) -> None:
    """Quarantine new ids that differ from another id only by look-alike characters.

    Only ids that are not plain ASCII can hold look-alikes: the new ones are the normalised
    values of the id map, the loaded ones are found by one pattern scan of the key column.
    """
    if len(c.key) != 1 or c.key[0] not in c.identifier_columns:
        return
    name = c.key[0]
    col = ident(name)
    plain = literal(PLAIN_ID_REGEX)
    new_ids: list[str] = []
    if name in spec.id_maps:
        new_ids = [
            r[0]
            for r in wh.execute(
                f"SELECT DISTINCT norm FROM {ident(spec.id_maps[name])} WHERE norm IS NOT NULL"
            ).fetchall()
        ]
    old_ids = [
        r[0]
        for r in wh.execute(
            f"SELECT DISTINCT {col} FROM {ident(c.name)} WHERE {col} IS NOT NULL "
            f"AND NOT regexp_full_match({col}, {plain})"
        ).fetchall()
    ]
    skel = {v: skeleton(v) for v in {*new_ids, *old_ids}}
    lookalike = {v: s for v, s in skel.items() if s != v}
    if not lookalike:
        return
    # The typed ids concerned (few): their first row in this input, and which are loaded.
    concerned = sorted({*lookalike, *lookalike.values()})
    values = ", ".join(literal(v) for v in concerned)
    first_new = dict(
        wh.execute(
            f"SELECT {col}, min(__seq__) FROM (SELECT __seq__, {col} FROM {ident(view)}) "
            f"WHERE {col} IN ({values}) GROUP BY 1"
        ).fetchall()
    )
    loaded_ids = {
        r[0]
        for r in wh.execute(
            f"SELECT DISTINCT {col} FROM {ident(c.name)} WHERE {col} IN ({values})"
        ).fetchall()
    }
    groups: dict[str, list[str]] = {}
    for v in {*first_new, *loaded_ids}:
        groups.setdefault(skel.get(v, skeleton(v)), []).append(v)
    twins: list[tuple[str, str]] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # The loaded ids are kept, else the earliest new one; every other new id is refused.
        loaded = sorted(m for m in members if m in loaded_ids)
        new = sorted((m for m in members if m not in loaded_ids), key=lambda m: first_new[m])
        keep = loaded or new[:1]
        for m in new:
            if m in keep:
                continue
            other = keep[0]
            chars = explain_lookalike(m) or explain_lookalike(other)
            where = "already loaded" if other in loaded_ids else "earlier in this input"
            twins.append(
                (
                    m,
                    f"{name}: {m!r} differs from {other!r} ({where}) only by look-alike "
                    f"characters: {chars}; correct the id at its source",
                )
            )
    if not twins:
        return
    _small_table(wh, run.twins, {"key": "VARCHAR", "reason": "VARCHAR"}, twins)
    wh.execute(
        f"""INSERT INTO {ident(run.bad)} SELECT v.__seq__, v.__file__, '{name}', w.reason,
            v.{col}, NULL, NULL, NULL
        FROM (SELECT __seq__, __file__, {col} FROM {ident(view)}) v
        JOIN {ident(run.twins)} w ON w.key = v.{col}
        WHERE v.__seq__ NOT IN (SELECT seq FROM {ident(run.bad)})"""
    )


def _references(wh: Warehouse, c: Contract, run: _Run, view: str, col: str, target: str) -> None:
    target_key = contract(target).key[0]
    v_col = f"v.{ident(col)}"
    unknown = f"""FROM (SELECT __seq__, __file__, {", ".join(ident(k) for k in {*c.key, col})}
            FROM {ident(view)}) v
        ANTI JOIN {ident(target)} r ON r.{ident(target_key)} = {v_col}
        WHERE {v_col} IS NOT NULL
          AND v.__seq__ NOT IN (SELECT seq FROM {ident(run.bad)})
          AND v.__seq__ NOT IN (SELECT seq FROM {ident(run.already)})"""
    values = [r[0] for r in wh.execute(f"SELECT DISTINCT {v_col} {unknown}").fetchall()]
    if not values:
        return
    hints = _reference_hints(wh, values, target, target_key)
    hint_table = f"{run.hints}"
    _small_table(wh, hint_table, {"value": "VARCHAR", "hint": "VARCHAR"}, list(hints.items()))
    wh.execute(
        f"""INSERT INTO {ident(run.bad)}
        SELECT v.__seq__, v.__file__, '{col}',
            CASE WHEN q.reason IS NOT NULL THEN
                '{col}: {col} ' || to_json({v_col}) || ' is in quarantine (' || q.source_name
                || ', row ' || q.row_number || '): ' || q.reason
            ELSE '{col}: unknown {col} ' || to_json({v_col}) || ' (not in {target})'
                || coalesce('; ' || h.hint, '') END,
            {_key_text(c, "v")}, NULL, NULL, NULL
        {
            unknown.replace(
                "WHERE",
                f'''LEFT JOIN (
            SELECT key, arg_max(reason, quarantined_at) AS reason,
                   arg_max(row_number, quarantined_at) AS row_number,
                   arg_max(parse_filename(source), quarantined_at) AS source_name
            FROM {QUARANTINE_TABLE} WHERE table_name = {literal(target)} GROUP BY key
        ) q ON q.key = {v_col}
        LEFT JOIN {ident(hint_table)} h ON h.value = {v_col}
        WHERE''',
                1,
            )
        }"""
    )
    wh.execute(f"DROP TABLE IF EXISTS {ident(hint_table)}")


def _reference_hints(wh: Warehouse, values: list[str], target: str, key: str) -> dict[str, str]:
    """For unknown ids that look like a known one: which, and by which characters."""
    plain = literal(PLAIN_ID_REGEX)
    hints: dict[str, str] = {}
    fancy = {v: skeleton(v) for v in values if skeleton(v) != v}
    if fancy:
        targets = ", ".join(literal(s) for s in set(fancy.values()))
        known = {
            r[0]
            for r in wh.execute(
                f"SELECT DISTINCT {ident(key)} FROM {ident(target)} "
                f"WHERE {ident(key)} IN ({targets})"
            ).fetchall()
        }
        for v, s in fancy.items():
            if s in known:
                hints[v] = f"it looks like the known {s!r} but has {explain_lookalike(v)}"
    known_fancy = [
        r[0]
        for r in wh.execute(
            f"SELECT DISTINCT {ident(key)} FROM {ident(target)} WHERE {ident(key)} IS NOT NULL "
            f"AND NOT regexp_full_match({ident(key)}, {plain}) LIMIT 100000"
        ).fetchall()
    ]
    by_skeleton = {skeleton(k): k for k in known_fancy if skeleton(k) != k}
    for v in values:
        if v in by_skeleton and v not in hints:
            k = by_skeleton[v]
            hints[v] = f"it looks like the known {k!r}, which has {explain_lookalike(k)}"
    return hints


def _positions(wh: Warehouse, staged: list[StagedFile], run: _Run) -> None:
    """A table of position steps per file, and the first row of each file in the stage."""
    need = {
        int(f)
        for (f,) in wh.execute(
            f"SELECT DISTINCT file FROM {ident(run.bad)} UNION "
            f"SELECT DISTINCT file FROM {ident(run.rep)}"
        ).fetchall()
    }
    files: list[int] = []
    k_from: list[int] = []
    drow: list[int] = []
    dline: list[int | None] = []
    for sf in staged:
        steps = sf.positions() if sf.index in need or sf.steps is not None else [(0, 0, 0)]
        for k, r, ln in steps:
            files.append(sf.index)
            k_from.append(k)
            drow.append(r)
            dline.append(ln)
    types = {"file": "INTEGER", "k_from": "BIGINT", "drow": "BIGINT", "dline": "BIGINT"}
    columns: dict[str, Sequence[object]] = {
        "file": files,
        "k_from": k_from,
        "drow": drow,
        "dline": dline,
    }
    if len(files) > 1000:  # many steps (rows spanning lines): Arrow, not SQL text
        _materialize(wh, run.pos, _arrow(columns, types))
    else:
        _small_table(wh, run.pos, types, list(zip(files, k_from, drow, dline, strict=True)))
    _small_table(
        wh,
        run.files,
        {"file": "INTEGER", "base": "BIGINT", "source": "VARCHAR", "sha": "VARCHAR"},
        [(sf.index, sf.base, sf.source, sf.sha256) for sf in staged],
    )


def _located(run: _Run, table: str, seq: str = "seq") -> str:
    """``table`` with ``row_number``, ``line``, ``source`` and ``sha`` for each of its rows."""
    return f"""(SELECT x.*, x.__k + 1 + p.drow AS row_number, x.__k + 2 + p.dline AS line
        FROM (SELECT t.*, t.{seq} - f.base AS __k, f.source, f.sha
              FROM {ident(table)} t JOIN {ident(run.files)} f ON f.file = t.file) x
        ASOF JOIN {ident(run.pos)} p ON p.file = x.file AND x.__k >= p.k_from)"""


def _insert_quarantine(
    wh: Warehouse, c: Contract, run: _Run, staged: list[StagedFile], rejects: list
) -> None:
    # Duplicates name the row of their first occurrence.
    first = f"""(SELECT x.seq, x.__k + 1 + p.drow AS first_row
        FROM (SELECT b.seq, b.ref_file AS file, b.ref_seq - f.base AS __k
              FROM {ident(run.bad)} b JOIN {ident(run.files)} f ON f.file = b.ref_file
              WHERE b.ref_seq IS NOT NULL) x
        ASOF JOIN {ident(run.pos)} p ON p.file = x.file AND x.__k >= p.k_from)"""
    wh.execute(
        f"""INSERT INTO {QUARANTINE_TABLE} (table_name, source, source_sha256, row_number, line,
            fields, reason, raw, quarantined_at, key)
        SELECT {literal(c.name)}, l.source, l.sha, l.row_number, l.line, l.fields,
            l.reason || CASE WHEN d.first_row IS NOT NULL
                THEN ' (first at row ' || d.first_row || ')' ELSE '' END,
            l.raw, now()::TIMESTAMP, l.key
        FROM {_located(run, run.bad)} l LEFT JOIN {first} d ON d.seq = l.seq"""
    )
    if rejects:
        data = _arrow(
            {
                "source": [sf.source for sf, _ in rejects],
                "sha": [sf.sha256 for sf, _ in rejects],
                "row_number": [r.row for _, r in rejects],
                "line": [r.line for _, r in rejects],
                "reason": [r.reason for _, r in rejects],
                "raw": [r.raw for _, r in rejects],
            },
            {
                "source": "VARCHAR",
                "sha": "VARCHAR",
                "row_number": "BIGINT",
                "line": "BIGINT",
                "reason": "VARCHAR",
                "raw": "VARCHAR",
            },
        )
        reg = run.rejects + "_arrow"
        wh.raw.register(reg, data)
        try:
            wh.execute(
                f"""INSERT INTO {QUARANTINE_TABLE} (table_name, source, source_sha256, row_number,
                    line, fields, reason, raw, quarantined_at, key)
                SELECT {literal(c.name)}, source, sha, row_number, line, '', reason, raw,
                    now()::TIMESTAMP, NULL FROM {ident(reg)}"""
            )
        finally:
            wh.raw.unregister(reg)


def _insert_repairs(wh: Warehouse, c: Contract, run: _Run) -> None:
    wh.execute(
        f"""INSERT INTO {REPAIRS_TABLE} (table_name, source, source_sha256, row_number, line, key,
            field, reason, raw_value, repaired_at)
        SELECT {literal(c.name)}, source, sha, row_number, line, key, field, reason, raw_value,
            now()::TIMESTAMP FROM {_located(run, run.rep)}"""
    )
