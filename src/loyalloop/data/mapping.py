"""Column mappings: rename a file's columns to the canonical names.

A mapping is a YAML file (or a dict) from source column names to canonical names::

    # transactions exported by the core banking system
    columns:
      客户号: customer_id
      交易流水号: transaction_id
      交易日期: timestamp
      金额: amount

The top-level ``columns:`` key is optional (a flat mapping works too). Columns the mapping does
not name keep their names; canonical names match case-insensitively. Columns that are not part
of the contract are ignored and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from loyalloop.data.contracts import Contract
from loyalloop.errors import ConfigError, IngestError

__all__ = ["ColumnPlan", "load_mapping", "plan_columns"]


def load_mapping(source: Path | str | Mapping[str, str] | None) -> dict[str, str]:
    """Load a mapping from a YAML file or a dict; ``None`` gives an empty mapping."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        raw: object = dict(source)
    else:
        path = Path(source)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"mapping file {path} not found") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"mapping file {path} is not valid YAML: {exc}") from None
    if isinstance(raw, dict) and "columns" in raw:
        raw = raw["columns"]
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ConfigError(
            f"mapping {source} must map source column names to canonical names (text: text)"
        )
    return {k.strip(): v.strip() for k, v in raw.items()}


class ColumnPlan:
    """How a file's header maps onto a contract."""

    def __init__(self, rename: dict[str, str], ignored: list[str]) -> None:
        self.rename = rename  # source name -> canonical name
        self.ignored = ignored


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
