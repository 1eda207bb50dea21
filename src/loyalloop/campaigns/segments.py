"""Segments: a typed, declarative spec over the audience view, compiled to Ibis.

A segment is a list of conditions combined with ``all`` (and) or ``any`` (or); a condition is
a field, an operator and a value, or a nested ``all`` / ``any`` / ``not``. In YAML::

    name: fee_complainers_at_risk
    description: card holders who complained about the annual fee and may leave
    match: all
    conditions:
      - {field: churn_probability, op: ">=", value: 0.5}
      - {field: complained_aspects, op: contains, value: annual_fee}
      - any:
          - {field: clv, op: ">=", value: 5000}
          - {field: tier, op: in, value: [brand, emotional]}
      - not: {field: lifecycle_stage, op: "==", value: lost}

Operators: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` (numbers, dates as ``YYYY-MM-DD``,
strings for ``==`` / ``!=``), ``in`` and ``not in`` (a list), ``between`` (``[low, high]``,
both included), ``is null`` and ``is not null`` (no value), ``contains`` and ``contains any``
(list fields such as ``complained_aspects``), ``within last days`` and ``more than days ago``
(dates and timestamps, relative to the run's as-of day; a whole number of days).

Missing values: a condition on a missing value is false, so ``not`` of it is true (a customer
with no NPS answer is *not* a detractor). Test for missing values with ``is null``.

The spec is checked against the view's schema before anything runs; every error names the
field path as written (``conditions[2].any[0].field: unknown field 'clvv'; did you mean
'clv'?``). It compiles to an Ibis predicate (never SQL text), so it runs unchanged on DuckDB
and Spark.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Union

import ibis
import ibis.expr.types as ir
import pandas as pd
import yaml

from loyalloop.campaigns.audience import AudienceSchema, FieldType, audience_schema
from loyalloop.errors import SpecError

__all__ = [
    "Condition",
    "Group",
    "Match",
    "Not",
    "Op",
    "SegmentNode",
    "SegmentPreview",
    "SegmentSpec",
    "compile_segment",
    "load_segment",
    "parse_segment",
    "preview_segment",
    "select_segment",
    "validate_segment",
]


class Match(StrEnum):
    """How a list of conditions combines."""

    all = "all"
    any = "any"


class Op(StrEnum):
    """Condition operators (written as in the spec)."""

    eq = "=="
    ne = "!="
    lt = "<"
    le = "<="
    gt = ">"
    ge = ">="
    in_ = "in"
    not_in = "not in"
    between = "between"
    is_null = "is null"
    not_null = "is not null"
    contains = "contains"
    contains_any = "contains any"
    within_last_days = "within last days"
    more_than_days_ago = "more than days ago"


_OP_ALIASES = {
    "=": Op.eq,
    "eq": Op.eq,
    "ne": Op.ne,
    "<>": Op.ne,
    "lt": Op.lt,
    "le": Op.le,
    "gt": Op.gt,
    "ge": Op.ge,
    "not_in": Op.not_in,
    "is_null": Op.is_null,
    "not_null": Op.not_null,
    "is_not_null": Op.not_null,
    "contains_any": Op.contains_any,
    "within_last_days": Op.within_last_days,
    "more_than_days_ago": Op.more_than_days_ago,
}
_COMPARE = (Op.lt, Op.le, Op.gt, Op.ge)
_NO_VALUE = (Op.is_null, Op.not_null)


@dataclass(frozen=True)
class Condition:
    """``field op value``."""

    field: str
    op: Op
    value: Any = None


@dataclass(frozen=True)
class Group:
    """Several conditions combined with ``all`` or ``any``."""

    match: Match
    conditions: tuple[SegmentNode, ...]


@dataclass(frozen=True)
class Not:
    """The negation of one condition or group."""

    condition: SegmentNode


SegmentNode = Union[Condition, Group, Not]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class SegmentSpec:
    """A named segment: conditions over the audience view."""

    name: str
    conditions: tuple[SegmentNode, ...]
    match: Match = Match.all
    description: str = ""

    @property
    def root(self) -> Group:
        return Group(self.match, self.conditions)

    def fields(self) -> set[str]:
        """Every field the spec reads."""
        out: set[str] = set()

        def walk(node: SegmentNode) -> None:
            if isinstance(node, Condition):
                out.add(node.field)
            elif isinstance(node, Group):
                for c in node.conditions:
                    walk(c)
            else:
                walk(node.condition)

        walk(self.root)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain dict (round-trips through :func:`parse_segment`)."""
        return {
            "name": self.name,
            "description": self.description,
            "match": self.match.value,
            "conditions": [_node_dict(c) for c in self.conditions],
        }


def _node_dict(node: SegmentNode) -> dict[str, Any]:
    if isinstance(node, Condition):
        out: dict[str, Any] = {"field": node.field, "op": node.op.value}
        if node.op not in _NO_VALUE:
            out["value"] = list(node.value) if isinstance(node.value, tuple) else node.value
        return out
    if isinstance(node, Group):
        return {node.match.value: [_node_dict(c) for c in node.conditions]}
    return {"not": _node_dict(node.condition)}


# ------------------------------------------------------------------ parsing


def _suggest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _parse_node(raw: Any, path: str) -> SegmentNode:
    if not isinstance(raw, Mapping):
        raise SpecError(
            f"expected a condition (field/op/value) or all/any/not, got {raw!r}", path=path
        )
    keys = set(raw)
    groups = keys & {"all", "any", "not"}
    if groups:
        if len(keys) != 1:
            raise SpecError(
                f"a group is one key ({', '.join(sorted(groups))}) with nothing beside it; "
                f"found {', '.join(sorted(map(str, keys)))}",
                path=path,
            )
        key = next(iter(groups))
        inner = raw[key]
        if key == "not":
            return Not(_parse_node(inner, f"{path}.not"))
        if not isinstance(inner, list) or not inner:
            raise SpecError(f"{key} needs a non-empty list of conditions", path=f"{path}.{key}")
        return Group(
            Match(key), tuple(_parse_node(c, f"{path}.{key}[{i}]") for i, c in enumerate(inner))
        )
    unknown = keys - {"field", "op", "value"}
    if unknown:
        bad = sorted(map(str, unknown))[0]
        raise SpecError(
            f"unknown key {bad!r}{_suggest(bad, ['field', 'op', 'value', 'all', 'any', 'not'])}",
            path=f"{path}.{bad}",
        )
    if "field" not in raw or not isinstance(raw["field"], str) or not raw["field"].strip():
        raise SpecError("a condition needs a field name", path=f"{path}.field")
    if "op" not in raw:
        raise SpecError("a condition needs an operator", path=f"{path}.op")
    op_text = str(raw["op"]).strip().lower()
    op = _OP_ALIASES.get(op_text) or next((o for o in Op if o.value == op_text), None)
    if op is None:
        options = [o.value for o in Op]
        raise SpecError(
            f"unknown operator {raw['op']!r}{_suggest(op_text, options)} "
            f"(operators: {', '.join(options)})",
            path=f"{path}.op",
        )
    if op in _NO_VALUE:
        if raw.get("value") is not None:
            raise SpecError(f"{op.value} takes no value", path=f"{path}.value")
        return Condition(raw["field"].strip(), op)
    if "value" not in raw or raw["value"] is None:
        raise SpecError(f"{op.value} needs a value", path=f"{path}.value")
    value = raw["value"]
    if isinstance(value, list):
        value = tuple(value)
    return Condition(raw["field"].strip(), op, value)


def parse_segment(raw: Mapping[str, Any] | SegmentSpec) -> SegmentSpec:
    """A :class:`SegmentSpec` from a dict (e.g. parsed YAML or JSON); a spec is returned as is.

    Raises
    ------
    SpecError
        Naming the path of the first invalid entry.
    """
    if isinstance(raw, SegmentSpec):
        return raw
    if not isinstance(raw, Mapping):
        raise SpecError(f"a segment spec is a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {"name", "description", "match", "conditions"}
    if unknown:
        bad = sorted(map(str, unknown))[0]
        options = ["name", "description", "match", "conditions"]
        raise SpecError(f"unknown key {bad!r}{_suggest(bad, options)}", path=bad)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SpecError("a segment needs a name", path="name")
    match_text = str(raw.get("match", "all")).strip().lower()
    if match_text not in ("all", "any"):
        raise SpecError(f"match is all or any, got {raw.get('match')!r}", path="match")
    conditions = raw.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise SpecError("a segment needs a non-empty list of conditions", path="conditions")
    nodes = tuple(_parse_node(c, f"conditions[{i}]") for i, c in enumerate(conditions))
    description = raw.get("description") or ""
    return SegmentSpec(name.strip(), nodes, Match(match_text), str(description))


def load_segment(path: Path | str) -> SegmentSpec:
    """Read a segment spec from a YAML or JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read segment spec {p}: {exc}") from None
    try:
        raw = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(
            f"{p} is not valid {p.suffix.lstrip('.').upper() or 'YAML'}: {exc}"
        ) from None
    try:
        return parse_segment(raw)
    except SpecError as exc:
        raise SpecError(f"{p}: {exc.reason}", path=exc.path) from None


# ------------------------------------------------------------------ validation


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _as_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip()[:10])
        except ValueError:
            return None
    return None


def _check_scalar(
    value: Any, ftype: FieldType, path: str, name: str, known: Sequence[str] | None
) -> None:
    if ftype.numeric:
        if not _is_number(value):
            raise SpecError(f"{name} is a number; got {value!r}", path=path)
    elif ftype.temporal:
        if _as_date(value) is None:
            raise SpecError(f"{name} is a date; write it as YYYY-MM-DD, got {value!r}", path=path)
    elif ftype is FieldType.bool:
        if not isinstance(value, bool):
            raise SpecError(f"{name} is true or false; got {value!r}", path=path)
    elif ftype in (FieldType.string, FieldType.string_list):
        if not isinstance(value, str):
            raise SpecError(f"{name} holds text; got {value!r}", path=path)
        if known is not None and value not in known:
            shown = ", ".join(sorted(known)[:20])
            raise SpecError(
                f"unknown value {value!r} for {name}{_suggest(value, known)} (known: {shown})",
                path=path,
            )


def _validate_node(
    node: SegmentNode,
    path: str,
    schema: AudienceSchema,
    values: Mapping[str, Sequence[str]],
) -> None:
    if isinstance(node, Group):
        for i, c in enumerate(node.conditions):
            _validate_node(
                c, f"{path}.{node.match.value}[{i}]" if path else f"[{i}]", schema, values
            )
        return
    if isinstance(node, Not):
        _validate_node(node.condition, f"{path}.not", schema, values)
        return
    fpath, vpath = f"{path}.field", f"{path}.value"
    f = schema.field(node.field)
    if f is None:
        source = schema.missing_source(node.field)
        if source is not None:
            raise SpecError(
                f"field {node.field!r} is not available: this run has no {source!r} table",
                path=fpath,
            )
        raise SpecError(
            f"unknown field {node.field!r}{_suggest(node.field, schema.names)}", path=fpath
        )
    op, t, value, name = node.op, f.type, node.value, f.name
    known = values.get(name)
    if op in _NO_VALUE:
        return
    if t is FieldType.string_list:
        if op is Op.contains:
            _check_scalar(value, t, vpath, name, known)
        elif op is Op.contains_any:
            if not isinstance(value, tuple) or not value:
                raise SpecError(f"{op.value} needs a non-empty list", path=vpath)
            for i, v in enumerate(value):
                _check_scalar(v, t, f"{vpath}[{i}]", name, known)
        else:
            raise SpecError(
                f"{name} is a list; use contains, contains any, is null or is not null "
                f"(not {op.value})",
                path=f"{path}.op",
            )
        return
    if op in (Op.contains, Op.contains_any):
        raise SpecError(f"{op.value} works on list fields; {name} is {t.value}", path=f"{path}.op")
    if op in (Op.within_last_days, Op.more_than_days_ago):
        if not t.temporal:
            raise SpecError(f"{op.value} works on dates; {name} is {t.value}", path=f"{path}.op")
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            raise SpecError(f"{op.value} needs a whole number of days >= 0", path=vpath)
        return
    if op in _COMPARE and not (t.numeric or t.temporal):
        raise SpecError(
            f"{op.value} compares numbers or dates; {name} is {t.value}", path=f"{path}.op"
        )
    if op in (Op.in_, Op.not_in):
        if not isinstance(value, tuple) or not value:
            raise SpecError(f"{op.value} needs a non-empty list", path=vpath)
        for i, v in enumerate(value):
            _check_scalar(v, t, f"{vpath}[{i}]", name, known)
        return
    if op is Op.between:
        if not isinstance(value, tuple) or len(value) != 2:
            raise SpecError("between needs [low, high]", path=vpath)
        if not (t.numeric or t.temporal):
            raise SpecError(f"between works on numbers or dates; {name} is {t.value}", path=vpath)
        for i, v in enumerate(value):
            _check_scalar(v, t, f"{vpath}[{i}]", name, None)
        lo: Any = value[0] if t.numeric else _as_date(value[0])
        hi: Any = value[1] if t.numeric else _as_date(value[1])
        if lo > hi:
            raise SpecError(f"between needs low <= high, got {list(value)}", path=vpath)
        return
    if isinstance(value, tuple):
        raise SpecError(f"{op.value} takes one value, not a list (use in)", path=vpath)
    _check_scalar(value, t, vpath, name, known if op in (Op.eq, Op.ne) else None)


def validate_segment(
    spec: SegmentSpec,
    schema: AudienceSchema | ir.Table,
    *,
    values: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Check ``spec`` against an audience view's schema; raise :class:`SpecError` if wrong.

    Parameters
    ----------
    spec
        The segment.
    schema
        The view's :class:`AudienceSchema` or the view itself.
    values
        Known values of text fields (e.g. the RFM segment names of the run); a value outside
        them is refused with a suggestion. Fields not listed accept any text.
    """
    s = audience_schema(schema) if isinstance(schema, ir.Table) else schema
    for i, node in enumerate(spec.conditions):
        _validate_node(node, f"conditions[{i}]", s, values or {})


# ------------------------------------------------------------------ compiling


def _literal(value: Any, t: FieldType) -> Any:
    if t.temporal:
        d = _as_date(value)
        assert d is not None  # validated
        return ibis.date(d) if t is FieldType.date else ibis.timestamp(d.isoformat())
    if t is FieldType.float:
        return float(value)
    return value


def _compile_node(
    node: SegmentNode, view: ir.Table, schema: AudienceSchema, as_of: date
) -> ir.BooleanValue:
    if isinstance(node, Group):
        parts = [_compile_node(c, view, schema, as_of) for c in node.conditions]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if node.match is Match.all else (out | p)
        return out
    if isinstance(node, Not):
        return ~_compile_node(node.condition, view, schema, as_of)
    f = schema.field(node.field)
    assert f is not None  # validated
    col = view[node.field]
    t, v = f.type, node.value
    op = node.op
    expr: ir.BooleanValue
    if op is Op.is_null:
        return col.isnull()
    if op is Op.not_null:
        return col.notnull()
    if op is Op.contains:
        expr = col.contains(v)
    elif op is Op.contains_any:
        parts = [col.contains(x) for x in v]
        expr = parts[0]
        for p in parts[1:]:
            expr = expr | p
    elif op in (Op.within_last_days, Op.more_than_days_ago):
        day = col.cast("date")
        cutoff = ibis.date(as_of) - ibis.interval(days=int(v))
        expr = (day >= cutoff) if op is Op.within_last_days else (day < cutoff)
    elif op is Op.in_:
        expr = col.isin([_literal(x, t) for x in v])
    elif op is Op.not_in:
        expr = col.notin([_literal(x, t) for x in v])
    elif op is Op.between:
        expr = col.between(_literal(v[0], t), _literal(v[1], t))
    else:
        lit = _literal(v, t)
        expr = {
            Op.eq: lambda: col == lit,
            Op.ne: lambda: col != lit,
            Op.lt: lambda: col < lit,
            Op.le: lambda: col <= lit,
            Op.gt: lambda: col > lit,
            Op.ge: lambda: col >= lit,
        }[op]()
    # a condition on a missing value is false (so that `not` of it is true)
    return expr.fill_null(False)


def compile_segment(
    spec: SegmentSpec,
    view: ir.Table,
    as_of: date,
    *,
    values: Mapping[str, Sequence[str]] | None = None,
) -> ir.BooleanValue:
    """The Ibis predicate of ``spec`` over ``view`` (validated first)."""
    schema = audience_schema(view)
    validate_segment(spec, schema, values=values)
    return _compile_node(spec.root, view, schema, as_of)


def select_segment(
    spec: SegmentSpec,
    view: ir.Table,
    as_of: date,
    *,
    values: Mapping[str, Sequence[str]] | None = None,
) -> ir.Table:
    """The rows of ``view`` in the segment."""
    return view.filter(compile_segment(spec, view, as_of, values=values))


@dataclass(frozen=True)
class SegmentPreview:
    """How many customers a segment holds, and a few of them."""

    name: str
    count: int
    total: int
    sample: pd.DataFrame = field(compare=False)

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else float("nan")


def preview_segment(
    spec: SegmentSpec,
    view: ir.Table,
    as_of: date,
    *,
    n: int = 10,
    columns: Sequence[str] | None = None,
    include_pii: bool = False,
) -> SegmentPreview:
    """Count the segment and return ``n`` of its customers (highest CLV first when known).

    Personal data (name, e-mail, phone, birth date) is left out of the sample unless
    ``include_pii``.
    """
    seg = select_segment(spec, view, as_of)
    schema = audience_schema(view)
    pii = {f.name for f in schema.fields if f.pii}
    wanted = list(columns) if columns else ["customer_id", *sorted(spec.fields())]
    for extra in ("clv", "churn_probability"):
        if extra in view.columns and extra not in wanted and not columns:
            wanted.append(extra)
    cols = [c for c in dict.fromkeys(wanted) if c in view.columns and (include_pii or c not in pii)]
    order = [ibis.desc("clv"), "customer_id"] if "clv" in view.columns else ["customer_id"]
    sample = seg.order_by(order).select(*cols).limit(n).execute()
    count = int(seg.count().execute())
    total = int(view.count().execute())
    return SegmentPreview(spec.name, count, total, sample)
