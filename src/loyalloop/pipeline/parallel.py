"""A stage run beside the others, in a worker process (the run's critical path on two cores).

The ``feedback`` stage reads only the canonical ``feedback`` table (and ``kano_answers`` when
the warehouse has one) and two early outputs of the run, ``profile_map`` and ``rfm``; nothing
after it reads what it writes. Most of its work is Python (reading the comments), so a thread
beside the customer stages would queue with them for the interpreter lock (measured:
benchmarks/results/run.md, "Tried and dropped"). It runs instead in a **worker process**:

* the worker (``python -c …serve()``: a fresh interpreter, nothing inherited but the
  environment) is started when the run starts and imports the stage's modules while the first
  stages run;
* at the start of the run, before the first stage, the runner exports the stage's canonical
  input tables to Parquet files in the run's private directory (DuckDB lets one process open
  the warehouse file) and hands the worker the run settings; the worker opens an in-memory
  DuckDB on those files and runs the **same stage function**, writing its tables into the
  run's directory;
* the run outputs the stage reads (``profile_map``, ``rfm``) are written by earlier stages in
  the runner: when the stage first asks for one (``ctx.output``), the worker waits until the
  runner has run the stages that produce them and sends their names (the feedback stage reads
  and analyses the comments first, while the runner resolves the profiles);
* the runner goes on with the next stages and collects the worker's tables, summary, log
  records and warnings before a stage that reads them, or at the end of the run. A worker that
  fails or dies is not trusted: the stage then runs again in the runner's process, in order
  (where an error is raised as it would have been).

The outputs do not depend on the schedule: the stage computes the same expressions on the same
rows (tested: ``tests/pipeline/test_parallel.py`` compares every output of a run in order and a
run with the worker). Spark runs stay in order (the Spark session is the engine there).

``LOYALLOOP_PARALLEL_STAGES``: ``auto`` (default) uses the worker on DuckDB when the process may
use at least two CPUs and the feedback table has at least :data:`MIN_ROWS` rows (below that
starting a process costs more than it saves); ``on`` uses it whenever the engine allows; ``off``
runs every stage in order.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loyalloop.core.config import Engine, Settings
from loyalloop.core.cpus import available_cpus
from loyalloop.errors import ConfigError

if TYPE_CHECKING:  # the runner's side imports no engine library (the CLI starts it first)
    from loyalloop.core.runs import TableInfo
    from loyalloop.pipeline.config import RunConfig
    from loyalloop.pipeline.context import RunContext
    from loyalloop.pipeline.stage import Stage

__all__ = [
    "ENV_VAR",
    "MIN_ROWS",
    "WORKER_FUNCTIONS",
    "WORKER_STAGES",
    "Parallel",
    "StageWorker",
    "drop_early_worker",
    "in_stage_order",
    "parallel_setting",
    "producers",
    "use_worker",
    "worker_started",
]

log = logging.getLogger(__name__)

#: The environment variable that chooses the schedule.
ENV_VAR = "LOYALLOOP_PARALLEL_STAGES"
#: Stages that may run in the worker, with the canonical tables each reads.
WORKER_STAGES: dict[str, tuple[str, ...]] = {"feedback": ("feedback", "kano_answers")}
#: The function of each of :data:`WORKER_STAGES` (``module:function``, as in
#: :data:`loyalloop.pipeline.stages.STAGES`): the worker imports only these modules.
WORKER_FUNCTIONS: dict[str, str] = {"feedback": "loyalloop.pipeline.feedback_stage:stage_feedback"}
#: Scheduling priority of the worker below the runner's (``os.nice``): on two busy cores the
#: runner's chain of stages, the longer one, gets the CPU first.
WORKER_NICE = 5
#: ``auto``: fewest rows of the stage's first input for the worker to pay off.
MIN_ROWS = 2_000
#: The worker process's program (:func:`loyalloop.pipeline.worker.serve`).
WORKER_COMMAND = "from loyalloop.pipeline.worker import serve; raise SystemExit(serve())"


class Parallel(StrEnum):
    """Values of ``LOYALLOOP_PARALLEL_STAGES``."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


def parallel_setting() -> Parallel:
    """The schedule chosen by the environment.

    Raises
    ------
    ConfigError
        For a value that is not ``auto``, ``on`` or ``off``.
    """
    value = os.environ.get(ENV_VAR, Parallel.AUTO.value).strip().lower()
    try:
        return Parallel(value)
    except ValueError:
        raise ConfigError(
            f"{ENV_VAR}={value!r}: use one of {', '.join(p.value for p in Parallel)}"
        ) from None


def use_worker(settings: Settings, rows: int) -> bool:
    """Whether this run hands :data:`WORKER_STAGES` to a worker process."""
    mode = parallel_setting()
    if mode is Parallel.OFF or settings.engine is not Engine.DUCKDB:
        return False
    return mode is Parallel.ON or (available_cpus() >= 2 and rows >= MIN_ROWS)


# ------------------------------------------------------------ what the runner sends and gets
@dataclass(frozen=True)
class _Job:
    #: the stage's name (:data:`WORKER_FUNCTIONS`)
    stage: str
    settings: Settings
    config: RunConfig
    as_of: date
    run_dir: Path
    #: canonical table name -> its Parquet export
    inputs: dict[str, Path]
    #: run outputs already written (name -> rows)
    outputs: dict[str, int]
    log_level: int
    #: the runner's warning filters (a warning the runner turns into an error does so here)
    filters: list[Any]


@dataclass
class _Done:
    tables: dict[str, TableInfo] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    records: list[logging.LogRecord] = field(default_factory=list)
    warnings: list[tuple[str, type[Warning], str, int]] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def _picklable(value: object) -> bool:
    try:
        pickle.loads(pickle.dumps(value))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError):
        return False
    return True


# ------------------------------------------------------------------- starting the worker early
#: A worker process started before the run (:func:`worker_started`), for the run to take.
_early: subprocess.Popen[bytes] | None = None


def _spawn() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER_COMMAND], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(BrokenPipeError):  # unsent bytes, worker gone
                pipe.close()


def drop_early_worker() -> None:
    """Stop a worker started by :func:`worker_started` that this run does not use."""
    global _early
    process, _early = _early, None
    if process is not None:
        _stop(process)


@contextlib.contextmanager
def worker_started(settings: Settings) -> Iterator[None]:
    """Start the worker process now, before the caller imports the pipeline (the CLI's
    ``run``): its imports then run on the second core while this process imports its own. A
    run inside the block takes it (:class:`StageWorker`); one that does not use it leaves it
    to be stopped on leaving the block. Nothing is started where no run could use it
    (``off``, another engine than DuckDB, one CPU)."""
    global _early
    mode = parallel_setting()
    if mode is Parallel.OFF or settings.engine is not Engine.DUCKDB or available_cpus() < 2:
        yield
        return
    _early = _spawn()
    try:
        yield
    finally:
        drop_early_worker()


# ------------------------------------------------------------------------------- the runner
@dataclass
class _Pending:
    stage: Stage
    exports: Path
    #: whether the worker has been sent the run outputs the stage reads
    delivered: bool = False


class StageWorker:
    """The runner's side: starts the worker, hands it a stage, merges what it did.

    Use as a context manager around the stages; :meth:`finish` before a stage reads what the
    handed stage produces, and at the end. The worker process takes one stage.
    """

    def __init__(self, settings: Settings) -> None:
        global _early
        self.settings = settings
        self.process, _early = (_early or _spawn()), None
        self.pending: _Pending | None = None
        #: the stages the worker ran: (wall, CPU seconds in the worker)
        self.figures: dict[str, tuple[float, float]] = {}

    def __enter__(self) -> StageWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        _stop(self.process)
        if self.pending is not None:
            shutil.rmtree(self.pending.exports, ignore_errors=True)

    def takes(self, stage: Stage) -> bool:
        """Whether ``stage`` goes to the worker (one of :data:`WORKER_STAGES`, and the worker
        has no stage yet). It may be handed over before the stages that produce the run
        outputs it reads have run (:meth:`waiting`, :meth:`deliver`)."""
        return stage.name in WORKER_STAGES and self.pending is None and not self.figures

    def start(self, stage: Stage, ctx: RunContext) -> None:
        """Export the stage's canonical inputs and hand it to the worker."""
        exports = Path(tempfile.mkdtemp(prefix=".worker-", dir=ctx.writer.path))
        self.pending = _Pending(stage, exports)
        inputs: dict[str, Path] = {}
        for name in WORKER_STAGES[stage.name]:
            if ctx.wh.has_table(name):
                inputs[name] = exports / f"{name}.parquet"
                ctx.wh.to_parquet(ctx.wh.table(name), inputs[name])
        job = _Job(
            stage=stage.name,
            settings=self.settings,
            config=ctx.config,
            as_of=ctx.as_of,
            run_dir=ctx.writer.path,
            inputs=inputs,
            outputs={k: v.rows for k, v in ctx.writer.tables.items()},
            log_level=logging.getLogger().getEffectiveLevel(),
            filters=[f for f in warnings.filters if _picklable(f)],
        )
        self._send(job)
        log.info("stage %s handed to the worker process", stage.name)

    def _send(self, message: object, *, last: bool = False) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
            self.process.stdin.flush()
            if last:
                self.process.stdin.close()
        except BrokenPipeError:
            assert self.pending is not None
            log.warning(
                "the worker process is gone; stage %s will run in order", self.pending.stage.name
            )

    def waiting(self) -> Stage | None:
        """The handed stage, while the worker has not been sent the run outputs it reads."""
        if self.pending is None or self.pending.delivered:
            return None
        return self.pending.stage

    def deliver(self, ctx: RunContext) -> None:
        """Tell the worker that the run outputs its stage reads are written (call once the
        stages that produce them have run)."""
        if self.pending is None or self.pending.delivered:
            return
        self.pending.delivered = True
        self._send({k: v.rows for k, v in ctx.writer.tables.items()}, last=True)

    def abandon(self, ctx: RunContext) -> Stage | None:
        """Take the handed stage back (the worker is stopped; nothing it wrote is kept): the
        stage, to run in order."""
        if self.pending is None:
            return None
        stage, exports, self.pending = self.pending.stage, self.pending.exports, None
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(exports, ignore_errors=True)
        for name in stage.produces:
            if name not in ctx.writer.tables:
                ctx.writer.file_for(name).unlink(missing_ok=True)
        log.info("stage %s taken back from the worker process; it runs in order", stage.name)
        return stage

    def needed_by(self, stage: Stage) -> bool:
        """Whether ``stage`` reads something the stage in the worker produces."""
        if self.pending is None:
            return False
        return bool({*stage.requires, *stage.optional} & set(self.pending.stage.produces))

    def finish(self, ctx: RunContext) -> None:
        """Wait for the worker's stage; add its tables, summary, logs and warnings to the run.
        A worker that failed or died is not trusted: the stage runs again here, in order
        (and fails here as it would have in order)."""
        if self.pending is None:
            return
        self.deliver(ctx)
        stage, exports, self.pending = self.pending.stage, self.pending.exports, None
        waited = time.perf_counter()
        assert self.process.stdout is not None
        data = self.process.stdout.read()
        status = self.process.wait()
        shutil.rmtree(exports, ignore_errors=True)
        log.info(
            "waited %.2fs for stage %s (worker process)", time.perf_counter() - waited, stage.name
        )
        if status != 0 or not data:
            log.warning(
                "the worker process ended with status %d; stage %s runs again in order",
                status,
                stage.name,
            )
            for name in stage.produces:  # nothing half-written by the worker is kept
                ctx.writer.file_for(name).unlink(missing_ok=True)
            t0, c0 = time.perf_counter(), time.process_time()
            stage(ctx)
            self.figures[stage.name] = (time.perf_counter() - t0, time.process_time() - c0)
            return
        done: _Done = pickle.loads(data)
        for record in done.records:
            logging.getLogger(record.name).handle(record)
        for message, category, filename, lineno in done.warnings:
            warnings.warn_explicit(message, category, filename, lineno)
        for name, info in done.tables.items():
            ctx.writer.tables[name] = info
        for slot, result in done.results.items():
            ctx.record(slot, result)
        self.figures[stage.name] = (done.seconds, done.cpu_seconds)


def producers(stage: Stage, stages: Sequence[Stage]) -> set[str]:
    """Names of the stages before ``stage`` that produce something it reads: once they have
    run, ``stage`` may start."""
    reads = {*stage.requires, *stage.optional}
    before = stages[: [s.name for s in stages].index(stage.name)]
    return {s.name for s in before if reads & set(s.produces)}


def in_stage_order(tables: dict[str, Any], stages: Sequence[Stage]) -> dict[str, Any]:
    """``tables`` in the order of the stages that produce them, each stage's in the order it
    wrote them (as a run in order lists them)."""
    rank = {name: i for i, s in enumerate(stages) for name in s.produces}
    return dict(sorted(tables.items(), key=lambda kv: rank.get(kv[0], len(stages))))
