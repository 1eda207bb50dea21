"""Execute the stages and publish one run (on the engine of ``settings.engine``:
:mod:`loyalloop.pipeline.engines`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

from loyalloop import __version__
from loyalloop.core.config import Settings
from loyalloop.core.results import OPTIONAL_SLOTS, NotComputed, RunManifest
from loyalloop.core.runs import Run, RunStore
from loyalloop.core.warehouse import QUARANTINE_TABLE, WarehouseAdapter
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError, LoyalloopError
from loyalloop.pipeline.config import RunConfig
from loyalloop.pipeline.context import RunContext
from loyalloop.pipeline.engines import run_warehouse, stage_errors
from loyalloop.pipeline.parallel import (
    StageWorker,
    drop_early_worker,
    in_stage_order,
    producers,
    use_worker,
)
from loyalloop.pipeline.stage import Stage, check_plan
from loyalloop.pipeline.stages import INPUT_TABLES, STAGE_OUTPUTS, STAGES

__all__ = ["check_as_of", "data_range", "default_as_of", "run_pipeline"]

log = logging.getLogger(__name__)


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def data_range(wh: WarehouseAdapter) -> tuple[date, date]:
    """Days of the first and the last transaction."""
    tx = wh.table("transactions")
    row = tx.aggregate(first=tx.timestamp.min(), last=tx.timestamp.max()).execute().iloc[0]
    first, last = row["first"], row["last"]
    if first is None or last is None or first != first or last != last:
        raise LoyalloopError("no transactions loaded yet; run `loyalloop ingest transactions …`")
    return _day(first), _day(last)


def default_as_of(wh: WarehouseAdapter) -> date:
    """The day of the last transaction (the natural end of the observation period)."""
    return data_range(wh)[1]


def check_as_of(as_of: date, first: date, last: date) -> None:
    """Refuse an as-of day outside the data: after the last transaction every customer looks
    lapsed (and the run would become the latest one), before the first there is nothing."""
    if as_of > last or as_of < first:
        side = "after the last" if as_of > last else "before the first"
        raise ConfigError(
            f"as-of day {as_of:%Y-%m-%d} is {side} transaction: the data cover "
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        )


def feedback_after(wh: WarehouseAdapter, as_of: date) -> int:
    """Feedback rows dated after the as-of day: a run leaves them out (survey answers synced
    today, when the transactions end earlier, are the usual case)."""
    fb = wh.table("feedback")
    cutoff = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    return int(fb.filter(fb.timestamp >= cutoff).count().execute())


def _missing_inputs(stage: Stage, ctx: RunContext) -> list[str]:
    """Declared inputs an earlier stage did not write (it recorded why)."""
    return [
        name
        for name in stage.requires
        if name not in ctx.writer.tables and not ctx.wh.has_table(name)
    ]


def _skip(stage: Stage, missing: list[str], ctx: RunContext) -> None:
    why = f"needs {', '.join(missing)}, which this run did not compute"
    if stage.slot is not None and stage.slot not in OPTIONAL_SLOTS:
        raise LoyalloopError(f"pipeline stage {stage.name!r} cannot run: it {why}")
    log.warning("stage %s skipped: %s", stage.name, why)
    if stage.slot is not None:
        ctx.record(stage.slot, NotComputed("skipped", why))


def _run_stages(
    ctx: RunContext, worker: StageWorker | None, on_stage: Callable[[str], None] | None
) -> dict[str, float]:
    """Run :data:`STAGES` in order, but a stage the worker takes is handed to it at the start
    (its canonical inputs exist) and sent the run outputs it reads as soon as the stages that
    produce them have run; the worker's stage is collected before a stage that reads its
    outputs. The stages' wall seconds (in this process)."""
    timings: dict[str, float] = {}
    ran: set[str] = set()
    handed: set[str] = set()
    if worker is not None:
        for i, later in enumerate(STAGES):
            written_before = {name for s in STAGES[:i] for name in s.produces}
            if worker.takes(later) and not set(_missing_inputs(later, ctx)) - written_before:
                if on_stage:
                    on_stage(later.name)
                worker.start(later, ctx)
                handed.add(later.name)

    def deliver() -> None:
        waiting = worker.waiting() if worker is not None else None
        if worker is None or waiting is None or not producers(waiting, STAGES) <= ran:
            return
        if _missing_inputs(waiting, ctx):  # an earlier stage did not write it: in order
            worker.abandon(ctx)
            handed.discard(waiting.name)
        else:
            worker.deliver(ctx)

    deliver()
    for stage in STAGES:
        if stage.name in handed:
            continue
        if worker is not None and worker.needed_by(stage):
            worker.finish(ctx)
        if missing := _missing_inputs(stage, ctx):
            _skip(stage, missing, ctx)
        else:
            if on_stage:
                on_stage(stage.name)
            t0 = time.perf_counter()
            with stage_errors(ctx.wh, stage.name):
                stage(ctx)
            timings[stage.name] = round(time.perf_counter() - t0, 3)
            log.info("stage %s done in %.2fs", stage.name, timings[stage.name])
        ran.add(stage.name)
        deliver()
    return timings


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
    with open_warehouse(settings) as duck, run_warehouse(settings, duck, INPUT_TABLES) as wh:
        check_plan(STAGES, wh.list_tables(), known=STAGE_OUTPUTS)
        first, last = data_range(wh)
        as_of = config.as_of or last
        check_as_of(as_of, first, last)
        if later := feedback_after(wh, as_of):
            log.warning(
                "%d feedback row(s) are dated after the as-of day %s and are not in this run "
                "(the transactions end on %s; ingest newer transactions, then run with a later "
                "--as-of, to include them)",
                later,
                f"{as_of:%Y-%m-%d}",
                f"{last:%Y-%m-%d}",
            )
        inputs = {name: wh.count(name) for name in INPUT_TABLES}
        q = duck.table(QUARANTINE_TABLE)
        quarantined = dict(q.group_by("table_name").aggregate(n=q.count()).execute().values)
        with store.writer() as writer, ExitStack() as stack:
            ctx = RunContext(wh=wh, writer=writer, as_of=as_of, config=config)
            # the feedback stage beside the customer stages, in a worker process
            # (loyalloop.pipeline.parallel); the outputs are the same either way
            worker = None
            if use_worker(settings, inputs.get("feedback", 0)):
                worker = stack.enter_context(StageWorker(settings))
            else:
                drop_early_worker()  # one the CLI started (its imports) is not needed
            timings = _run_stages(ctx, worker, on_stage)
            if worker is not None:
                worker.finish(ctx)
                for name, (seconds, cpu) in worker.figures.items():
                    timings[name] = round(seconds, 3)
                    log.info(
                        "stage %s done in %.2fs (worker process, %.2fs CPU)", name, seconds, cpu
                    )
                writer.tables = in_stage_order(writer.tables, STAGES)
                timings = {s.name: timings[s.name] for s in STAGES if s.name in timings}
            manifest = RunManifest(
                created_at=datetime.now(UTC).replace(microsecond=0),
                as_of=as_of,
                version=__version__,
                timezone=settings.timezone,
                config=config.to_dict(),
                inputs=inputs,
                quarantined={str(k): int(v) for k, v in quarantined.items()},
                stage_seconds=timings,
                seconds=round(time.perf_counter() - started, 3),
                engine=settings.engine.value,
                **ctx.results,
            )
            return store.publish(writer, manifest)
