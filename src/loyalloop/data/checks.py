"""The contract checks as SQL: typing and validating every staged value inside the engine.

:func:`typed_view` builds one view over the staging table (all text) that types every column
and says, per cell, what is wrong with it — vectorised, one pass of the engine, no Python per
row. For each input column ``x`` the view has:

* ``x`` — the typed value, missing when the cell is empty or bad;
* ``__t_x`` — the cell's text as read (trimmed);
* ``__e_x`` — a problem code, or NULL: ``unreadable``, ``decimal_comma`` (a number written
  with a decimal comma in a file read with a decimal point), ``not_allowed``, ``out_of_range``
  (a date outside 1678–2261), ``bad_offset`` (a UTC offset such as ``+99:99``), ``too_large``
  (money beyond ±10¹²), ``missing`` (required and empty), ``derived`` (an empty
  ``transaction_id`` replaced by one derived from the row's content).

and ``__quarantine`` (a required field or a rule across fields is broken), ``__fields`` and
``__reason`` (every problem of the row, in words). A bad *optional* field does not quarantine
its row: its value is missing in ``x`` and ingest logs the repair.

Parsing rules (the formats of docs/data.md):

Dates and times
    ``2024-01-31``, ``2024/1/31``, ``2024.1.31``, ``2024年1月31日``, ``20240131``, each with an
    optional time (``10:30``, ``10:30:15``, ``10:30:15.123``) after a space or ``T`` and an
    optional UTC offset (``Z``, ``+08``, ``+0800``, ``+08:00``; at most ±14:00). Values with an
    offset are converted to the business time zone; others are taken to be in it. Impossible
    dates (``2024-02-30``) are unreadable. The common ``%Y-%m-%d %H:%M:%S`` shapes take a fast
    path (``try_strptime``); the rest one regular expression.
Numbers
    With a decimal point: ``1234.5``, ``1,234.5``; with a decimal comma: ``1234,5``,
    ``1.234,5``; either with currency signs or codes (¥ ￥ $ € £, CNY, RMB …), spaces or
    apostrophes as thousands separators, and ``(12.50)`` for -12.50. ``inf``, ``nan`` and money
    of ±10¹² or more are refused.
Yes/no
    true/false, t/f, yes/no, y/n, 1/0, 是/否, 同意/不同意, opt-in/opt-out (any case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from loyalloop.data.contracts import MAX_MONEY, SCORE_RANGES, TIMESTAMP_RANGE, Column, Contract
from loyalloop.data.mapping import DecimalMark
from loyalloop.data.sql import ident, literal

__all__ = [
    "COMMA_GRAMMAR",
    "DOT_GRAMMAR",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "ViewSpec",
    "clean_row_sql",
    "clean_sql",
    "fast_view",
    "number_text_sql",
    "quote_macro_sql",
    "staged_sql",
    "typed_view",
]

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "同意", "opt-in", "optin", "1.0")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "不同意", "opt-out", "optout", "0.0")

_TYPE_WORDS = {
    "timestamp": "a date/time",
    "date": "a date",
    "float": "a number",
    "int": "a whole number",
    "bool": "yes/no",
}
#: Full match of a number with a decimal point (after currency signs and spaces are removed).
DOT_GRAMMAR = r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
#: … and with a decimal comma.
COMMA_GRAMMAR = r"[+-]?(?:(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|,\d+)"
_CURRENCY = r"[¥￥$€£'\s\p{Z}]|(?i:cny|rmb|usd|eur|gbp|hkd|jpy)|元"
_DT = (
    r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))"
    r"(?:(?:[ T]+|日\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DT_NAMES = "['y', 'm1', 'd1', 'm2', 'd2', 'H', 'M', 'S', 'f', 'tz']"
_FAST_FORMATS = (
    "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M', "
    "'%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d']"
)
QUOTE = "_ll_q"
#: Ids needing no normalisation: printable ASCII without surrounding spaces (as
#: :data:`loyalloop.data.identifiers.PLAIN_ID_REGEX`, which data.identifiers owns).
_PLAIN_ID = r"[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?"


def quote_macro_sql() -> str:
    """A temporary macro that quotes a value for a message like Python's ``repr`` (at most 60
    characters: ``'2024-02-30'``)."""
    short = "CASE WHEN length(x) > 60 THEN left(x, 59) || '…' ELSE x END"
    return (
        f"CREATE OR REPLACE TEMP MACRO {QUOTE}(x) AS CASE WHEN contains(x, '''') "
        f"THEN '\"' || ({short}) || '\"' ELSE '''' || ({short}) || '''' END"
    )


def fast_timestamp_sql(x: str) -> str:
    """The fast parse of common date/time shapes. Only text starting with a digit is tried:
    DuckDB's ``strptime`` reads the words ``epoch`` and ``infinity`` as 1900-01-01."""
    return f"CASE WHEN {x} >= '0' AND {x} < ':' THEN try_strptime({x}, {_FAST_FORMATS}) END"


def number_text_sql(t: str) -> str:
    """A number's text with currency signs, spaces and apostrophes removed."""
    return f"regexp_replace({t}, {literal(_CURRENCY)}, '', 'g')"


#: Whitespace trimmed from values: ASCII, Unicode separators (no-break, ideographic), BOM.
_SPACE = r"[\s\p{Z}\x{FEFF}]"


def clean_sql(expr: str, nulls: Sequence[str] = ()) -> str:
    """SQL for a value as text: trimmed (Unicode whitespace too), empty or a null word → NULL."""
    # Cheap tests first (a leading control or space, a trailing space, tab or line break, any
    # non-ASCII character); only values they catch meet the regular expression.
    maybe = (
        f"{expr} < '!' OR ends_with({expr}, ' ') OR ends_with({expr}, chr(9)) "
        f"OR ends_with({expr}, chr(10)) OR ends_with({expr}, chr(12)) "
        f"OR ends_with({expr}, chr(13)) OR strlen({expr}) <> length({expr})"
    )
    trimmed = (
        f"CASE WHEN ({maybe}) AND regexp_matches({expr}, '^{_SPACE}|{_SPACE}$') "
        f"THEN regexp_replace({expr}, '^{_SPACE}+|{_SPACE}+$', '', 'g') ELSE {expr} END"
    )
    out = f"nullif({trimmed}, '')"
    if nulls:
        words = ", ".join(literal(w) for w in nulls)
        out = f"CASE WHEN {out} IN ({words}) THEN NULL ELSE {out} END"
    return out


def staged_sql(col: Column, expr: str, nulls: Sequence[str]) -> str:
    """How a column's text is staged. Free text is trimmed once, here. Typed values are staged
    as read: their fast parsers refuse surrounding spaces and the slow path trims (so the
    common clean value is never scanned twice); ids that are not plain ASCII, spaces included,
    are normalised later from their distinct values."""
    if col.type == "string" and col.allowed is None and not col.identifier:
        return clean_sql(expr, nulls)
    if nulls and col.identifier:
        words = ", ".join(literal(w) for w in nulls)
        return f"CASE WHEN trim({expr}) IN ({words}) THEN NULL ELSE {expr} END"
    return expr


def _is_staged_raw(col: Column) -> bool:
    return not (col.type == "string" and col.allowed is None)


def clean_row_sql(c: Contract, present: set[str], has_nulls: bool) -> str:
    """SQL, on the staged columns of one file, that is true only for rows certain to pass every
    check of :func:`typed_view` untouched (plain ids, dates and numbers that the fast parsers
    read within range, known words, required values present). Those rows — nearly all of a
    clean file — skip the slow checks; every other row takes them. Conservative: a row that
    is not certainly clean is simply checked. Tables with rules across fields, mappings with
    null words and decimal commas (see :mod:`loyalloop.data.ingest`) check every row."""
    if _rules(c) or has_nulls:
        return "false"
    lo, hi = TIMESTAMP_RANGE
    conds = []
    for col in c.input_columns:
        x = ident(col.name)
        if col.name not in present:
            if col.required:
                return "false"
            continue
        if col.type in ("timestamp", "date"):
            p = fast_timestamp_sql(x)
            ok = f"({p} >= TIMESTAMP {literal(lo)} AND {p} < TIMESTAMP {literal(hi)})"
        elif col.type in ("float", "int"):
            v = f"TRY_CAST({x} AS DOUBLE)"
            limit = MAX_MONEY if col.money else 1e300
            ok = f"(abs({v}) < {limit!r}" + (
                f" AND {v} = round({v}))" if col.type == "int" else ")"
            )
        elif col.type == "bool":
            words = ", ".join(literal(w) for w in (*TRUE_WORDS, *FALSE_WORDS))
            ok = f"lower({x}) IN ({words})"
        elif col.allowed is not None:
            ok = f"lower({x}) IN ({', '.join(literal(a) for a in col.allowed)})"
        elif col.identifier:
            ok = f"regexp_full_match({x}, {literal(_PLAIN_ID)})"
        else:
            if col.required:
                conds.append(f"{x} IS NOT NULL")
            continue
        must = col.required or col.derive_if_missing  # an empty id to derive is a repair
        conds.append(
            f"coalesce({ok}, false)" if must else f"({x} IS NULL OR coalesce({ok}, false))"
        )
    return "(" + (" AND ".join(conds) or "true") + ")"


@dataclass(frozen=True)
class ViewSpec:
    """What the typed view needs besides the contract."""

    stage: str
    timezone: str
    #: Per file index: the decimal mark each float column is read with.
    decimals: Mapping[int, Mapping[str, DecimalMark]] = field(default_factory=dict)
    #: Identifier columns that have a normalisation map (name of the map table).
    id_maps: Mapping[str, str] = field(default_factory=dict)
    #: Name of the table mapping phone text to E.164 (customers), if any.
    phone_map: str | None = None
    #: File indexes whose files have each column (for "derived" codes).
    files_with: Mapping[str, Sequence[int]] = field(default_factory=dict)
    #: Words meaning "no value" (the mapping's ``nulls``).
    nulls: Sequence[str] = ()
    #: Columns with ids to derive (some staged row lacks one).
    derive: Sequence[str] = ()


def _levels(col: Column, spec: ViewSpec) -> list[list[str]]:
    """Columns this column adds at each of the view's levels 1–5, each level reading only the
    previous one's columns, so no expression is repeated. Typed columns: 1 fast parse of the
    raw text; 2 the cleaned text ``__t`` (cleaned only where the fast parse failed); 3–4 the
    general parse; 5 the candidate value ``__p`` and the bad-offset flag ``__o``."""
    n = col.name
    r, t = f"__r_{n}", f"__t_{n}"
    clean = f"CASE WHEN __f_{n} IS NOT NULL THEN {r} ELSE {clean_sql(r, spec.nulls)} END AS {t}"
    levels = _typed_levels(col, spec, r, t, clean)
    if spec.nulls and levels[0]:
        # A null word never takes the fast path (``nulls: ["0"]`` must not read as zero).
        words = ", ".join(literal(w) for w in spec.nulls)
        expr, alias = levels[0][0].rsplit(" AS ", 1)
        levels[0] = [f"CASE WHEN trim({r}) IN ({words}) THEN NULL ELSE {expr} END AS {alias}"]
    return levels


def _typed_levels(col: Column, spec: ViewSpec, r: str, t: str, clean: str) -> list[list[str]]:
    n = col.name
    if col.type in ("timestamp", "date"):
        g = f"__g_{n}"
        month = f"coalesce(nullif({g}.m1, ''), {g}.m2)"
        day = f"coalesce(nullif({g}.d1, ''), {g}.d2)"
        text = (
            f"{g}.y || '-' || lpad({month}, 2, '0') || '-' || lpad({day}, 2, '0') || ' ' || "
            f"lpad(coalesce(nullif({g}.H, ''), '0'), 2, '0') || ':' || "
            f"coalesce(nullif({g}.M, ''), '00') || ':' || coalesce(nullif({g}.S, ''), '00') || "
            f"CASE WHEN {g}.f <> '' THEN '.' || left({g}.f, 6) ELSE '' END"
        )
        tz = f"__tz_{n}"
        hh = f"TRY_CAST(substr({tz}, 2, 2) AS INTEGER)"
        mm = (
            f"CASE WHEN length(replace({tz}, ':', '')) > 3 "
            f"THEN TRY_CAST(right(replace({tz}, ':', ''), 2) AS INTEGER) ELSE 0 END"
        )
        sign = f"CASE WHEN starts_with({tz}, '-') THEN -1 ELSE 1 END"
        offset = f"CASE WHEN {tz} = 'Z' THEN 0 ELSE {sign} * ({hh} * 60 + {mm}) END"
        utc = f"(__n_{n} - to_minutes(CAST({offset} AS BIGINT)))"
        if spec.timezone.upper() == "UTC":
            local = utc
        else:
            local = f"(({utc}) AT TIME ZONE 'UTC') AT TIME ZONE {literal(spec.timezone)}"
        bad_offset = f"coalesce({tz} NOT IN ('', 'Z') AND ({hh} > 14 OR {mm} > 59), false)"
        return [
            [f"{fast_timestamp_sql(r)} AS __f_{n}"],
            [clean],
            [
                f"CASE WHEN __f_{n} IS NULL AND {t} IS NOT NULL THEN "
                f"regexp_extract({t}, {literal(_DT)}, {_DT_NAMES}) END AS {g}"
            ],
            [f"TRY_CAST({text} AS TIMESTAMP) AS __n_{n}", f"{g}.tz AS {tz}"],
            [
                f"CASE WHEN __f_{n} IS NOT NULL THEN __f_{n} WHEN {bad_offset} THEN NULL "
                f"WHEN {tz} = '' THEN __n_{n} ELSE {local} END AS __p_{n}",
                f"{bad_offset} AS __o_{n}",
            ],
        ]
    if col.type in ("float", "int"):
        per_file = {i: marks.get(n, DecimalMark.POINT) for i, marks in spec.decimals.items()}
        modes = set(per_file.values()) or {DecimalMark.POINT}

        def by_mode(sql: dict[DecimalMark, str]) -> str:
            if len(modes) == 1:
                return sql[next(iter(modes))]
            whens = " ".join(f"WHEN {i} THEN {sql[m]}" for i, m in sorted(per_file.items()))
            return f"CASE __file__ {whens} END"

        b = f"__b_{n}"
        grammar = by_mode(
            {
                DecimalMark.POINT: f"regexp_full_match({b}, {literal(DOT_GRAMMAR)})",
                DecimalMark.COMMA: f"regexp_full_match({b}, {literal(COMMA_GRAMMAR)})",
            }
        )
        cast = by_mode(
            {
                DecimalMark.POINT: f"TRY_CAST(replace({b}, ',', '') AS DOUBLE)",
                DecimalMark.COMMA: f"TRY_CAST(replace(replace({b}, '.', ''), ',', '.') AS DOUBLE)",
            }
        )
        # A plain number casts directly (no commas: nothing to misread) — the fast path.
        fast = by_mode(
            {DecimalMark.POINT: f"TRY_CAST({r} AS DOUBLE)", DecimalMark.COMMA: "NULL::DOUBLE"}
        )
        s_ = f"__s_{n}"
        return [
            [f"{fast} AS __f_{n}"],
            [clean],
            [
                f"CASE WHEN __f_{n} IS NULL AND {t} IS NOT NULL THEN {number_text_sql(t)} END "
                f"AS {s_}"
            ],
            [
                rf"coalesce(regexp_full_match({s_}, '\(.+\)'), false) AS __neg_{n}",
                rf"regexp_replace({s_}, '^\((.+)\)$', '\1') AS {b}",
            ],
            [
                f"CASE WHEN __f_{n} IS NOT NULL THEN __f_{n} WHEN {grammar} THEN {cast} * "
                f"CASE WHEN __neg_{n} THEN -1 ELSE 1 END END AS __p_{n}",
                f"false AS __o_{n}",
            ],
        ]
    if col.type == "bool" or col.allowed is not None:
        if col.type == "bool":
            true = ", ".join(literal(w) for w in TRUE_WORDS)
            false = ", ".join(literal(w) for w in FALSE_WORDS)

            def word(x: str) -> str:
                return (
                    f"CASE WHEN lower({x}) IN ({true}) THEN true "
                    f"WHEN lower({x}) IN ({false}) THEN false END"
                )
        else:
            allowed = ", ".join(literal(a) for a in col.allowed or ())

            def word(x: str) -> str:
                return f"CASE WHEN lower({x}) IN ({allowed}) THEN lower({x}) END"

        return [
            [f"{word(r)} AS __f_{n}"],
            [clean],
            [],
            [],
            [f"coalesce(__f_{n}, {word(t)}) AS __p_{n}", f"false AS __o_{n}"],
        ]
    if col.identifier and n in spec.id_maps:
        value = f"CASE WHEN __mraw_{n} IS NOT NULL THEN __mnorm_{n} ELSE {t} END"
        return [[], [], [], [], [f"{value} AS __p_{n}", f"false AS __o_{n}"]]
    return [[], [], [], [], [f"{t} AS __p_{n}", f"false AS __o_{n}"]]


def _code(col: Column, spec: ViewSpec) -> str:
    """The problem code of a cell (level 5), from its text and parsed candidate."""
    n = col.name
    t, p = f"__t_{n}", f"__p_{n}"
    if col.type in ("timestamp", "date"):
        lo, hi = TIMESTAMP_RANGE
        code = (
            f"CASE WHEN {t} IS NULL THEN NULL WHEN __o_{n} THEN 'bad_offset' "
            f"WHEN {p} IS NULL THEN 'unreadable' "
            f"WHEN {p} < TIMESTAMP {literal(lo)} OR {p} >= TIMESTAMP {literal(hi)} "
            "THEN 'out_of_range' END"
        )
    elif col.type in ("float", "int"):
        hint = _decimal_comma_hint_sql(t)
        limit = (
            f"WHEN isnan({p}) THEN 'unreadable' "
            f"WHEN NOT isfinite({p}) OR abs({p}) >= {MAX_MONEY!r} THEN 'too_large' "
            if col.money
            else f"WHEN NOT isfinite({p}) THEN 'unreadable' "
        )
        integral = f"WHEN {p} <> round({p}) THEN 'unreadable' " if col.type == "int" else ""
        code = (
            f"CASE WHEN {t} IS NULL THEN NULL WHEN {p} IS NULL AND {hint} THEN 'decimal_comma' "
            f"WHEN {p} IS NULL THEN 'unreadable' {limit}{integral}END"
        )
    elif col.type == "bool":
        code = f"CASE WHEN {t} IS NOT NULL AND {p} IS NULL THEN 'unreadable' END"
    elif col.allowed is not None:
        code = f"CASE WHEN {t} IS NOT NULL AND {p} IS NULL THEN 'not_allowed' END"
    else:
        code = "NULL"
    if col.derive_if_missing:
        files = ", ".join(str(i) for i in spec.files_with.get(n, ())) or "NULL"
        return f"CASE WHEN {p} IS NULL AND __file__ IN ({files}) THEN 'derived' END"
    if col.required:
        return f"coalesce({code}, CASE WHEN {p} IS NULL THEN 'missing' END)"
    return code


def _decimal_comma_hint_sql(t: str) -> str:
    s = number_text_sql(t)
    return rf"regexp_full_match({s}, '\(?[+-]?(\d{{1,3}}(\.\d{{3}})+|\d+),\d+\)?')"


def _reason_sql(col: Column, code: str) -> str:
    """The words for a cell's problem code."""
    n = col.name
    q = f"{QUOTE}(__t_{n})"
    words = _TYPE_WORDS.get(col.type, "text")
    lo, hi = TIMESTAMP_RANGE
    allowed = ", ".join(col.allowed or ())
    return (
        f"CASE {code} "
        f"WHEN 'unreadable' THEN '{n}: cannot read ' || {q} || ' as {words}' "
        f"WHEN 'decimal_comma' THEN '{n}: cannot read ' || {q} || ' as a number with a decimal "
        f'point: it looks like a decimal comma (set decimal: "," for this file)\' '
        f"WHEN 'not_allowed' THEN '{n}: ' || {q} || ' is not one of {allowed}' "
        f"WHEN 'out_of_range' THEN '{n}: ' || {q} || ' is outside the dates that can be held "
        f"({lo} to {int(hi[:4]) - 1}-12-31)' "
        f"WHEN 'bad_offset' THEN '{n}: ' || {q} || ' has an impossible UTC offset (offsets run "
        f"from -12:00 to +14:00)' "
        f"WHEN 'too_large' THEN '{n}: ' || {q} || ' is beyond the sane range for money "
        f"(±{MAX_MONEY:,.0f})' "
        f"WHEN 'missing' THEN '{n}: required value is missing' "
        f"WHEN 'derived' THEN '{n}: missing; derived from the row''s content as ' || {n} "
        "END"
    )


def _rules(c: Contract) -> list[tuple[str, str, str]]:
    """Rules across fields: (field, violated SQL, reason SQL) on typed values."""
    rules: list[tuple[str, str, str]] = []
    if c.name == "feedback":
        for kind, (lo, hi) in SCORE_RANGES.items():
            rules.append(
                (
                    "score",
                    f"(score_type = '{kind}' AND score IS NOT NULL "
                    f"AND NOT score BETWEEN {lo} AND {hi})",
                    f"'score: ' || __t_score || ' is outside {lo:g}–{hi:g} for {kind}'",
                )
            )
        rules.append(
            (
                "score_type",
                "(score IS NOT NULL AND score_type IS NULL)",
                "'score_type: a score needs a score_type (nps, csat, …)'",
            )
        )
    if c.name == "assignments":
        rules.append(
            (
                "propensity",
                "coalesce(NOT (propensity > 0 AND propensity <= 1), false)",
                "'propensity: ' || __t_propensity || ' is not a chance above 0 and at most 1'",
            )
        )
    if c.name == "campaigns":  # its money's currency: an ISO 4217 code, as the service writes it
        rules.append(
            (
                "currency",
                "coalesce(NOT regexp_full_match(currency, '[A-Z]{3}'), false)",
                f"'currency: ' || {QUOTE}(__t_currency) || ' is not a three-letter "
                "upper-case ISO 4217 code (e.g. CNY, USD)'",
            )
        )
    if c.name == "accounts":
        rules.append(
            ("closed_at", "coalesce(closed_at < opened_at, false)", "'closed_at: before opened_at'")
        )
    return rules


def _derived(c: Contract, spec: ViewSpec) -> list[str]:
    """Derived columns on typed values (level 4)."""
    out: list[str] = []
    if c.name == "transactions":
        out.append(
            "CASE WHEN amount > 0 THEN 'purchase' WHEN amount < 0 THEN 'refund' "
            "WHEN amount = 0 THEN 'zero' END AS kind"
        )
    if c.name == "customers":
        e = r"lower(regexp_replace(email, '\s+', '', 'g'))"
        out.append(
            rf"CASE WHEN regexp_full_match({e}, '[^@\s]+@[^@\s]+\.[^@\s]+') THEN {e} END "
            "AS email_normalized"
        )
        if spec.phone_map:
            out.append("__phone_e164 AS phone_e164")
        else:
            out.append("CAST(NULL AS VARCHAR) AS phone_e164")
    return out


def content_id_sql(c: Contract) -> str:
    """A stable id from a row's typed content: ``h`` + 20 hex digits of an MD5 (80 bits) of
    the input columns but the id, as text, joined by U+001F."""
    parts = []
    for col in c.input_columns:
        if col.derive_if_missing:
            continue
        if col.type in ("timestamp", "date"):
            text = f"strftime({col.name}, '%Y-%m-%d %H:%M:%S.%f')"
        else:
            text = f"CAST({col.name} AS VARCHAR)"
        parts.append(f"coalesce({text}, '')")
    return f"'h' || left(md5(concat_ws(chr(31), {', '.join(parts)})), 20)"


def fast_view(c: Contract, spec: ViewSpec, name: str) -> str:
    """``CREATE TEMP VIEW name AS …`` typing the rows that :func:`clean_row_sql` found certainly
    clean, by the fast parsers alone — the same values :func:`typed_view` gives them, at half
    its cost (a test checks the two agree)."""
    sel = ["s.rowid AS __seq__", "s.__file__"]
    joins = []
    for col in c.input_columns:
        x = f"s.{ident(col.name)}"
        sel.append(f"{x} AS __t_{col.name}")
        if col.type in ("timestamp", "date"):
            v = fast_timestamp_sql(x)
            v = v if col.type == "timestamp" else f"CAST({v} AS DATE)"
        elif col.type in ("float", "int"):
            v = f"TRY_CAST({x} AS DOUBLE)"
        elif col.type == "bool":
            true = ", ".join(literal(w) for w in TRUE_WORDS)
            v = f"CASE WHEN {x} IS NULL THEN NULL ELSE lower({x}) IN ({true}) END"
        elif col.allowed is not None:
            v = f"lower({x})"
        else:
            v = x
        sel.append(f"{v} AS {ident(col.name)}")
    if spec.phone_map and c.name == "customers":
        sel.append("__ph.e164 AS __phone_e164")
        joins.append(f"LEFT JOIN {ident(spec.phone_map)} __ph ON __ph.raw = s.phone")
    sql = f"SELECT {', '.join(sel)} FROM {ident(spec.stage)} s {' '.join(joins)} WHERE s.__ok"
    return f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {_with_derived(c, spec, sql)}"


def _with_derived(c: Contract, spec: ViewSpec, sql: str) -> str:
    """``sql`` (typed rows) with the ids to derive filled in and the derived columns added."""
    derived_ids = [col.name for col in c.input_columns if col.derive_if_missing]
    derived_ids = [n for n in derived_ids if n in spec.derive]
    if derived_ids:
        replaced = ", ".join(
            f"coalesce({ident(n)}, {content_id_sql(c)}) AS {ident(n)}" for n in derived_ids
        )
        sql = f"SELECT * REPLACE ({replaced}) FROM ({sql})"
    derived = _derived(c, spec)
    if derived:
        sql = f"SELECT *, {', '.join(derived)} FROM ({sql})"
    return sql


def typed_view(c: Contract, spec: ViewSpec, name: str, where: str = "") -> str:
    """``CREATE TEMP VIEW name AS …`` typing and checking the staged rows of ``c`` (those
    matching ``where``, a condition on the staging table ``s``, if given)."""
    cols = c.input_columns
    joins = []
    base = ["s.rowid AS __seq__", "s.__file__"]
    for col in cols:
        prefix = "__r_" if _is_staged_raw(col) and not col.identifier else "__t_"
        base.append(f"s.{ident(col.name)} AS {prefix}{col.name}")
        if col.name in spec.id_maps:
            m = f"__m_{col.name}"
            base += [f"{m}.raw AS __mraw_{col.name}", f"{m}.norm AS __mnorm_{col.name}"]
            joins.append(
                f"LEFT JOIN {ident(spec.id_maps[col.name])} {m} ON {m}.raw = s.{ident(col.name)}"
            )
    if spec.phone_map and c.name == "customers":
        base.append("__ph.e164 AS __phone_e164")
        joins.append(f"LEFT JOIN {ident(spec.phone_map)} __ph ON __ph.raw = s.phone")
    sql = f"SELECT {', '.join(base)} FROM {ident(spec.stage)} s {' '.join(joins)}"
    if where:
        sql += f" WHERE {where}"
    levels = [_levels(col, spec) for col in cols]
    for i in range(5):
        extra = [x for lv in levels for x in lv[i]]
        if extra:
            sql = f"SELECT *, {', '.join(extra)} FROM ({sql})"
    codes = [f"{_code(col, spec)} AS __e_{col.name}" for col in cols]
    sql = f"SELECT *, {', '.join(codes)} FROM ({sql})"
    values = [
        f"CASE WHEN __e_{col.name} IS NULL OR __e_{col.name} = 'derived' THEN "
        + (f"CAST(__p_{col.name} AS DATE)" if col.type == "date" else f"__p_{col.name}")
        + f" END AS {ident(col.name)}"
        for col in cols
    ]
    sql = _with_derived(c, spec, f"SELECT *, {', '.join(values)} FROM ({sql})")
    rules = _rules(c)
    required = [col for col in cols if col.required]
    quarantine = (
        " OR ".join([f"__e_{col.name} IS NOT NULL" for col in required] + [r for _, r, _ in rules])
        or "false"
    )
    reasons = [
        f"CASE WHEN __e_{col.name} IS NOT NULL AND __e_{col.name} <> 'derived' "
        f"THEN {_reason_sql(col, f'__e_{col.name}')} END"
        for col in cols
    ] + [f"CASE WHEN {r} THEN {text} END" for _, r, text in rules]
    fields = [
        f"CASE WHEN __e_{col.name} IS NOT NULL AND __e_{col.name} <> 'derived' "
        f"THEN '{col.name}' END"
        for col in cols
    ] + [f"CASE WHEN {r} THEN '{f}' END" for f, r, _ in rules]
    summary = [
        f"({quarantine}) AS __quarantine",
        f"CASE WHEN {quarantine} THEN concat_ws(',', {', '.join(fields)}) END AS __fields",
        f"CASE WHEN {quarantine} THEN concat_ws('; ', {', '.join(reasons)}) END AS __reason",
    ]
    sql = f"SELECT *, {', '.join(summary)} FROM ({sql})"
    return f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {sql}"


def repair_reason_sql(col: Column) -> str:
    """The repair log's words for a bad optional field set to missing (or a derived id)."""
    code = f"__e_{col.name}"
    if col.derive_if_missing:
        return _reason_sql(col, code)
    return f"{_reason_sql(col, code)} || '; set to missing'"
