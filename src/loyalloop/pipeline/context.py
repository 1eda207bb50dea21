"""What a pipeline stage gets: the warehouse, the run being written, the as-of date, settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from loyalloop.core.results import STAGE_SLOTS
from loyalloop.core.runs import RunWriter
from loyalloop.core.warehouse import WarehouseAdapter
from loyalloop.pipeline.config import RunConfig

__all__ = ["EXACT_MONEY", "PROFILE_TX", "RunContext", "exact_amounts"]

#: Temporary warehouse table of a run: transactions re-keyed by unified profile id.
PROFILE_TX = "_profile_transactions"
#: Amounts are summed as exact decimals (4 places, 14 integer digits), as the churn features do.
EXACT_MONEY = dt.Decimal(18, 4)


def exact_amounts(transactions: ir.Table) -> ir.Table:
    """``transactions`` with ``amount`` as an exact decimal.

    An engine sums floating-point numbers in whatever order its threads finish, so a float sum
    can differ in the last bit from one run to the next on the same data — enough to move a
    fitted model's parameters. Decimal sums do not depend on the order: the same data and
    settings give byte-identical outputs. Results are cast back to floating point after
    summing.
    """
    return transactions.mutate(amount=transactions.amount.cast(EXACT_MONEY))


def _in_fixed_order(data: ir.Table) -> ir.Table:
    """``data`` as it is when it ends in an ordering (possibly followed by column
    selections, which keep the order), else ordered by every column."""
    op = data.op()
    while isinstance(op, ops.Project | ops.DropColumns):
        op = op.parent
    if isinstance(op, ops.Sort):
        return data
    return data.order_by(list(data.columns))


@dataclass
class RunContext:
    wh: WarehouseAdapter
    writer: RunWriter
    as_of: date
    config: RunConfig
    #: Stage results by manifest slot (see :data:`loyalloop.core.results.STAGE_SLOTS`).
    results: dict[str, Any] = field(default_factory=dict)

    def record(self, slot: str, result: object) -> None:
        """Record a stage's summary (or its :class:`~loyalloop.core.results.NotComputed`)."""
        if slot not in STAGE_SLOTS:
            raise KeyError(f"{slot!r} is not a manifest slot; add it to core/results.py")
        self.results[slot] = result

    def save(self, name: str, data: ir.Table | pd.DataFrame | pa.Table) -> None:
        """Write an output table of this run (Ibis expressions stream from the engine).

        An expression that does not end in an ``order_by`` (and column selections) is written
        ordered by all its columns: an engine returns rows in whatever order its threads
        finish, and the same data must give the same files (frames are written in their own
        order)."""
        if isinstance(data, pd.DataFrame):
            self.writer.add_arrow(name, pa.Table.from_pandas(data, preserve_index=False))
        elif isinstance(data, pa.Table):
            self.writer.add_arrow(name, data)
        else:
            rows = self.wh.to_parquet(_in_fixed_order(data), self.writer.file_for(name))
            self.writer.registered(name, rows)

    def save_batches(self, name: str, batches: Iterable[pd.DataFrame | pa.Table]) -> int:
        """Write an output table streamed batch by batch (never all in memory); its rows."""
        return self.writer.add_batches(name, batches)

    def has_output(self, name: str) -> bool:
        """Whether this run saved ``name`` (an optional input of a stage, see
        :attr:`~loyalloop.pipeline.stage.Stage.optional`)."""
        return name in self.writer.tables

    def output(self, name: str) -> ir.Table:
        """A table this run already saved, as an Ibis expression."""
        return self.wh.read_parquet(self.writer.file_for(name), f"_run_{name}")
