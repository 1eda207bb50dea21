"""The unmerge list: records that identity resolution must keep apart.

A CSV file (UTF-8, header required) with the columns ``customer_id`` and ``other_customer_id``
and optionally ``note``:

.. code-block:: text

    customer_id,other_customer_id,note
    C0001234,C0005678,two brothers sharing a phone (checked by M. Li 2026-07-02)
    C0009999,,shared staff test account: never merge

A row with both ids keeps those two records in different profiles; a row with an empty
``other_customer_id`` keeps the record in a profile of its own. The next run respects every
row: a merge that an exact key or a match weight would make is refused and listed in the
review table with the reason. Order of the two ids does not matter; repeated rows are fine.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from loyalloop.errors import IngestError

__all__ = ["KeepApart", "read_keep_apart"]

_COLUMNS = ("customer_id", "other_customer_id")


@dataclass(frozen=True)
class KeepApart:
    """Pairs of records never merged, and records kept alone.

    Attributes
    ----------
    pairs
        ``(smaller id, larger id)`` pairs.
    alone
        Records kept in a profile of their own.
    """

    pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    alone: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.pairs and not self.alone

    def pairs_table(self) -> pa.Table:
        """The pairs as ``customer_id_l, customer_id_r`` (l < r)."""
        ordered = sorted(self.pairs)
        return pa.table(
            {
                "customer_id_l": pa.array([p[0] for p in ordered], pa.string()),
                "customer_id_r": pa.array([p[1] for p in ordered], pa.string()),
            }
        )

    @classmethod
    def of(cls, pairs: list[tuple[str, str]] = (), alone: list[str] = ()) -> KeepApart:  # type: ignore[assignment]
        """Build from Python values (pairs in any order)."""
        return cls(
            pairs=frozenset((min(a, b), max(a, b)) for a, b in pairs if a != b),
            alone=frozenset(alone),
        )


def read_keep_apart(path: Path | str | None) -> KeepApart:
    """Read the unmerge list; a missing file (or ``None``) is an empty list.

    Raises
    ------
    IngestError
        When the file lacks a required column or a row has no ``customer_id`` (names the line).
    """
    if path is None:
        return KeepApart()
    p = Path(path)
    if not p.exists():
        return KeepApart()
    pairs: list[tuple[str, str]] = []
    alone: list[str] = []
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in _COLUMNS if c not in header]
            if missing:
                raise IngestError(
                    f"the unmerge list needs the columns {', '.join(_COLUMNS)}; "
                    f"missing {', '.join(missing)}",
                    file=str(p),
                    line=1,
                )
            for line, row in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
                a, b = row.get("customer_id", ""), row.get("other_customer_id", "")
                if not a:
                    if not b and not any(row.values()):
                        continue  # blank line
                    raise IngestError(
                        "customer_id is empty", file=str(p), line=line, column="customer_id"
                    )
                if b and b != a:
                    pairs.append((a, b))
                else:
                    alone.append(a)
    except UnicodeDecodeError as exc:
        raise IngestError(f"the unmerge list is not UTF-8 ({exc.reason})", file=str(p)) from exc
    return KeepApart.of(pairs, alone)
