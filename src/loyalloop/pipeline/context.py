"""What a pipeline stage gets: the warehouse, the run being written, the as-of date, settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from loyalloop.core.results import STAGE_SLOTS
from loyalloop.core.runs import RunWriter
from loyalloop.core.warehouse import WarehouseAdapter
from loyalloop.pipeline.config import RunConfig

__all__ = ["PROFILE_TX", "RunContext"]

#: Temporary warehouse table of a run: transactions re-keyed by unified profile id.
PROFILE_TX = "_profile_transactions"


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
        """Write an output table of this run (Ibis expressions stream from the engine)."""
        if isinstance(data, pd.DataFrame):
            self.writer.add_arrow(name, pa.Table.from_pandas(data, preserve_index=False))
        elif isinstance(data, pa.Table):
            self.writer.add_arrow(name, data)
        else:
            rows = self.wh.to_parquet(data, self.writer.file_for(name))
            self.writer.registered(name, rows)

    def save_batches(self, name: str, batches: Iterable[pd.DataFrame | pa.Table]) -> int:
        """Write an output table streamed batch by batch (never all in memory); its rows."""
        return self.writer.add_batches(name, batches)

    def output(self, name: str) -> ir.Table:
        """A table this run already saved, as an Ibis expression."""
        return self.wh.read_parquet(self.writer.file_for(name), f"_run_{name}")
