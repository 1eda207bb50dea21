"""Execute the stages and publish one run.

Stages run in their declared order, except that a stage declared ``background``
(:class:`~loyalloop.pipeline.stage.Stage`; the feedback stage) starts on a second thread as
soon as the stages that provide its inputs are done, and the run waits for it at its own place
in the order. It works on its own warehouse handle
(:meth:`~loyalloop.core.warehouse.WarehouseAdapter.concurrent`: a DuckDB cursor, with its own
temporary views) and records its tables and summary apart; they join the run's when the run
reaches its place, so the manifest is the same as when the stages run one after another. On an
engine that offers no second handle (Spark) every stage runs in order.

Why: the feedback stage reads every comment in Python, while the stages before it mostly wait
on DuckDB, LightGBM and NumPy, which release the interpreter lock — on two cores the two
overlap (benchmarks/results/run.md has the figures).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from loyalloop import __version__
from loyalloop.core.config import Settings
from loyalloop.core.results import OPTIONAL_SLOTS, NotComputed, RunManifest
from loyalloop.core.runs import Run, RunStore, RunWriter
from loyalloop.core.warehouse import QUARANTINE_TABLE, WarehouseAdapter
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError, LoyalloopError
from loyalloop.pipeline.config import RunConfig
from loyalloop.pipeline.context import RunContext
from loyalloop.pipeline.stage import Stage, check_plan
from loyalloop.pipeline.stages import INPUT_TABLES, STAGES

__all__ = ["background_starts", "check_as_of", "data_range", "default_as_of", "run_pipeline"]

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


class _Background:
    """One ``background`` stage running on its own thread, warehouse handle and writer view."""

    def __init__(self, stage: Stage, ctx: RunContext, wh: WarehouseAdapter) -> None:
        self.stage = stage
        self.before = set(ctx.writer.tables)
        writer = RunWriter(ctx.writer.path)
        writer.tables = dict(ctx.writer.tables)
        self.ctx = RunContext(wh=wh, writer=writer, as_of=ctx.as_of, config=ctx.config)
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, name=f"stage-{stage.name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.stage(self.ctx)
        except BaseException as exc:  # handed to the main thread by join()
            self.error = exc
        finally:
            self.seconds = round(time.perf_counter() - t0, 3)
            self.ctx.wh.close()

    def join(self, ctx: RunContext) -> float:
        """Wait for the stage; its tables and summary join the run's (its error is raised)."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        for name, info in self.ctx.writer.tables.items():
            if name not in self.before:
                ctx.writer.tables[name] = info
        ctx.results.update(self.ctx.results)
        return self.seconds


def background_starts(stages: list[Stage]) -> dict[int, list[int]]:
    """Where each ``background`` stage may start: ``{index of the stage it starts before:
    [indices of the background stages]}`` — right after the last stage that produces one of its
    inputs (a stage whose inputs are all in the warehouse starts first)."""
    starts: dict[int, list[int]] = {}
    for pos, stage in enumerate(stages):
        if not stage.background:
            continue
        reads = set(stage.requires) | set(stage.optional)
        start = 0
        for i, earlier in enumerate(stages[:pos]):
            if reads & set(earlier.produces) or earlier.background:
                start = i + 1
        if start < pos:
            starts.setdefault(start, []).append(pos)
    return starts


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
    with open_warehouse(settings) as wh:
        check_plan(STAGES, wh.list_tables())
        first, last = data_range(wh)
        as_of = config.as_of or last
        check_as_of(as_of, first, last)
        inputs = {name: wh.count(name) for name in INPUT_TABLES}
        q = wh.table(QUARANTINE_TABLE)
        quarantined = dict(q.group_by("table_name").aggregate(n=q.count()).execute().values)
        with store.writer() as writer:
            ctx = RunContext(wh=wh, writer=writer, as_of=as_of, config=config)
            timings: dict[str, float] = {}
            starts = background_starts(STAGES)
            running: dict[int, _Background] = {}
            try:
                for i, stage in enumerate(STAGES):
                    for pos in starts.get(i, []):
                        other = STAGES[pos]
                        if _missing_inputs(other, ctx) or (handle := wh.concurrent()) is None:
                            continue  # runs (or is skipped) at its own place
                        if on_stage:
                            on_stage(other.name)
                        running[pos] = _Background(other, ctx, handle)
                    if i in running:
                        timings[stage.name] = running.pop(i).join(ctx)
                        log.info("stage %s done in %.2fs", stage.name, timings[stage.name])
                        continue
                    if missing := _missing_inputs(stage, ctx):
                        _skip(stage, missing, ctx)
                        continue
                    if on_stage:
                        on_stage(stage.name)
                    t0 = time.perf_counter()
                    stage(ctx)
                    timings[stage.name] = round(time.perf_counter() - t0, 3)
                    log.info("stage %s done in %.2fs", stage.name, timings[stage.name])
            finally:
                for bg in running.values():  # a stage failed: let the others end first
                    bg.thread.join()
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
                **ctx.results,
            )
            return store.publish(writer, manifest)
