"""Mappings: how to read a source system's files — column names and reading options.

One YAML file can describe every table, with a section per table::

    # exports of the core banking system
    customers:
      columns:
        客户号: customer_id
        开户日期: created_at
      nulls: ["NA", "-"]        # words that mean "no value" in these files
    transactions:
      columns:
        交易流水号: transaction_id
        客户号: customer_id
        交易日期: timestamp
        金额: amount
      decimal: ","              # 1.234,56 means one thousand two hundred …
      encoding: gb18030         # skip detection
    accounts: {}                # canonical column names already

The older single-table format is still accepted: a ``columns:`` block with the options beside
it, or a flat ``source: canonical`` mapping.

Options (per section, or at the top of a single-table mapping):

``columns``
    source column name → canonical name. Columns the mapping does not name keep their names;
    canonical names match case-insensitively; other columns are ignored and reported.
``decimal``
    ``"."`` (``1,234.56``), ``","`` (``1.234,56``) or ``auto`` (the default): detected per file
    and column — a column whose values are written with a decimal comma (``1,50``) is read that
    way only when none of its values could mean something else; when a column mixes the two
    conventions, or ``1,500`` could be 1500 or 1.5, the file is refused and the message says
    which option to set. Write the value in quotes in YAML.
``nulls``
    words that mean "no value" (compared after trimming, case-sensitively). Without it, only
    empty cells are missing: ``NA``, ``NULL``, ``N/A``, ``nan`` and ``#N/A`` are data (a
    customer may be called "NA"). Write each word in quotes (YAML reads a bare ``NULL`` as
    nothing and ``#`` as a comment).
``encoding``
    the files' text encoding (skips detection).
``sheet``
    which sheet of a workbook to read (``"*"``: every sheet).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import yaml

from loyalloop.data.contracts import CONTRACTS, Contract
from loyalloop.errors import ConfigError, IngestError

__all__ = ["ColumnPlan", "DecimalMark", "TableMapping", "load_mapping", "plan_columns"]

_OPTIONS = ("columns", "decimal", "nulls", "encoding", "sheet")


class DecimalMark(StrEnum):
    """How numbers write their decimal part."""

    AUTO = "auto"
    POINT = "."
    COMMA = ","


@dataclass(frozen=True)
class TableMapping:
    """How to read one table's files (see the module docstring)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    decimal: DecimalMark = DecimalMark.AUTO
    nulls: tuple[str, ...] = ()
    encoding: str | None = None
    sheet: str | None = None

    def with_options(
        self,
        *,
        decimal: DecimalMark | str | None = None,
        nulls: tuple[str, ...] | list[str] | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
    ) -> TableMapping:
        """These options overridden by the ones given (command-line options win)."""
        return replace(
            self,
            decimal=_decimal(decimal, "decimal") if decimal is not None else self.decimal,
            nulls=tuple(nulls) if nulls is not None else self.nulls,
            encoding=encoding or self.encoding,
            sheet=sheet or self.sheet,
        )


def load_mapping(
    source: Path | str | Mapping[str, object] | TableMapping | None, table: str | None = None
) -> TableMapping:
    """Load the mapping for ``table`` from a YAML file or a dict; ``None`` gives the defaults.

    A file with sections must have one for ``table``.
    """
    if source is None:
        return TableMapping()
    if isinstance(source, TableMapping):
        return source
    where = "mapping"
    if isinstance(source, Mapping):
        raw: object = dict(source)
    else:
        path = Path(source)
        where = f"mapping file {path}"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{where} not found") from None
        except IsADirectoryError:
            raise ConfigError(f"{where} is a directory, not a YAML file") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{where} is not UTF-8 text") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{where} is not valid YAML: {exc}") from None
    if raw is None:
        return TableMapping()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping of column names or of table sections")
    if _is_sectioned(raw):
        unknown = sorted(str(k) for k in raw if k not in CONTRACTS)
        if unknown:
            raise ConfigError(
                f"{where}: {', '.join(unknown)} is not a table; sections are named after "
                f"tables ({', '.join(CONTRACTS)})"
            )
        if table is None:
            raise ConfigError(f"{where} has a section per table; say which table")
        if table not in raw:
            raise ConfigError(
                f"{where} has no section for {table} (its sections: {', '.join(map(str, raw))}); "
                f"add '{table}: {{}}' if its files use the canonical column names"
            )
        section = raw[table] if raw[table] is not None else {}
        return _section(section, f"{where}, section {table}")
    return _section(raw, where)


def _is_sectioned(raw: dict[object, object]) -> bool:
    return (
        any(k in CONTRACTS and isinstance(v, dict | None) for k, v in raw.items())
        and "columns" not in raw
    )


def _section(raw: object, where: str) -> TableMapping:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    if "columns" not in raw and all(isinstance(v, str) for v in raw.values()):
        if any(k in _OPTIONS for k in raw):
            raise ConfigError(
                f"{where}: put the column names under 'columns:' when options are given"
            )
        return TableMapping(columns=_columns(raw, where))
    unknown = sorted(str(k) for k in raw if k not in _OPTIONS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown option(s) {', '.join(unknown)}; options: {', '.join(_OPTIONS)}"
        )
    return TableMapping(
        columns=_columns(raw.get("columns") or {}, where),
        decimal=_decimal(raw.get("decimal", DecimalMark.AUTO.value), where),
        nulls=_nulls(raw.get("nulls") or [], where),
        encoding=_text(raw.get("encoding"), "encoding", where),
        sheet=_text(raw.get("sheet"), "sheet", where),
    )


def _columns(raw: object, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ConfigError(f"{where} must map source column names to canonical names (text: text)")
    return {k.strip(): v.strip() for k, v in raw.items()}


def _decimal(value: object, where: str) -> DecimalMark:
    if isinstance(value, DecimalMark):
        return value
    try:
        return DecimalMark(str(value).strip())
    except ValueError:
        raise ConfigError(
            f'{where}: decimal must be ".", "," or auto (in quotes), not {value!r}'
        ) from None


def _nulls(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f'{where}: nulls must be a list of words in quotes, e.g. nulls: ["NA", "NULL"] '
            "(YAML reads a bare NULL or ~ as nothing, and # starts a comment)"
        )
    return tuple(v.strip() for v in value)


def _text(value: object, name: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ConfigError(f"{where}: {name} must be text")
    return str(value)


@dataclass(frozen=True)
class ColumnPlan:
    """How a file's header maps onto a contract."""

    rename: dict[str, str]  # source name -> canonical name
    ignored: list[str]


def plan_columns(
    header: list[str], c: Contract, mapping: Mapping[str, str], file: str
) -> ColumnPlan:
    """Match a header against a contract, failing clearly on unknown or missing columns."""
    canonical = {col.name.lower(): col.name for col in c.input_columns}
    bad_targets = sorted(v for v in mapping.values() if v.lower() not in canonical)
    if bad_targets:
        raise ConfigError(
            f"mapping names {', '.join(bad_targets)}, not columns of table {c.name} "
            f"(its columns: {', '.join(col.name for col in c.input_columns)})"
        )
    rename: dict[str, str] = {}
    ignored: list[str] = []
    for name in header:
        target = mapping.get(name, name)
        key = target.lower()
        if key in canonical:
            if canonical[key] in rename.values():
                raise IngestError(
                    f"two columns map to {canonical[key]}", file=file, line=1, column=name
                )
            rename[name] = canonical[key]
        else:
            ignored.append(name)
    missing = [
        col.name for col in c.input_columns if col.required and col.name not in rename.values()
    ]
    if missing:
        raise IngestError(
            f"required column(s) {', '.join(missing)} not found in the header "
            f"(header: {', '.join(header)}); use --mapping to map your column names",
            file=file,
            line=1,
            column=missing[0],
        )
    return ColumnPlan(rename, ignored)
