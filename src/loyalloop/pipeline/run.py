"""Execute the stages and publish one run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from loyalloop import __version__
from loyalloop.core.config import Settings
from loyalloop.core.warehouse import QUARANTINE_TABLE, Warehouse
from loyalloop.errors import LoyalloopError
from loyalloop.pipeline.context import RunConfig, RunContext
from loyalloop.pipeline.runs import Run, RunStore
from loyalloop.pipeline.stages import STAGES

__all__ = ["default_as_of", "run_pipeline"]

log = logging.getLogger(__name__)

INPUT_TABLES = ("customers", "transactions", "accounts", "feedback", "interactions")


def default_as_of(wh: Warehouse) -> date:
    """The day of the last transaction (the natural end of the observation period)."""
    last = wh.table("transactions").timestamp.max().execute()
    if last is None or last != last:
        raise LoyalloopError("no transactions loaded yet; run `loyalloop ingest transactions …`")
    return last.date() if isinstance(last, datetime) else date.fromisoformat(str(last)[:10])


def run_pipeline(
    settings: Settings,
    config: RunConfig | None = None,
    *,
    on_stage: Callable[[str], None] | None = None,
) -> Run:
    """Run every stage on the warehouse and publish the outputs as a new run."""
    config = config or RunConfig()
    store = RunStore(settings.runs_dir)
    started = time.perf_counter()
    with Warehouse(settings) as wh:
        as_of = config.as_of or default_as_of(wh)
        inputs = {name: wh.count(name) for name in INPUT_TABLES}
        q = wh.table(QUARANTINE_TABLE)
        quarantined = dict(q.group_by("table_name").aggregate(n=q.count()).execute().values)
        with store.writer() as writer:
            ctx = RunContext(wh=wh, writer=writer, as_of=as_of, config=config)
            timings: dict[str, float] = {}
            for name, stage in STAGES:
                if on_stage:
                    on_stage(name)
                t0 = time.perf_counter()
                stage(ctx)
                timings[name] = round(time.perf_counter() - t0, 3)
                log.info("stage %s done in %.2fs", name, timings[name])
            manifest: dict[str, Any] = {
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "as_of": as_of.isoformat(),
                "version": __version__,
                "timezone": settings.timezone,
                "config": config.to_dict(),
                "inputs": inputs,
                "quarantined": {k: int(v) for k, v in quarantined.items()},
                "stage_seconds": timings,
                "seconds": round(time.perf_counter() - started, 3),
                **ctx.summary,
            }
            return store.publish(writer, manifest)
