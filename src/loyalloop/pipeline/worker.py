"""The worker process of :mod:`loyalloop.pipeline.parallel`: runs the stage handed to it on
Parquet copies of its inputs, waiting for the run outputs the runner has still to write.

Started as ``python -c "from loyalloop.pipeline.worker import serve; …"``; it imports only
what the stages it may take need (:data:`~loyalloop.pipeline.parallel.WORKER_FUNCTIONS`), not
every stage's libraries.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from loyalloop.core.config import Settings
from loyalloop.core.runs import RunWriter
from loyalloop.core.warehouse import Warehouse
from loyalloop.errors import LoyalloopError
from loyalloop.pipeline.context import RunContext
from loyalloop.pipeline.parallel import WORKER_FUNCTIONS, WORKER_NICE, _Done, _Job, _picklable

__all__ = ["serve"]


class _ScratchWarehouse(Warehouse):
    """An in-memory DuckDB with the project's settings (home, time zone, memory cap)."""

    def __init__(self, settings: Settings) -> None:  # not the parent's: no file to open
        import ibis

        self.settings = settings
        self.read_only = False
        self.ibis = ibis.duckdb.connect()
        self.execute(f"SET memory_limit = '{settings.memory_limit}'")
        self.execute("SET preserve_insertion_order = false")


class _Abandoned(Exception):
    """The runner took the stage back (an input it waited for was not written)."""


@dataclass
class _WorkerContext(RunContext):
    """The stage's context in the worker: a run output the stage asks for that the runner has
    not written yet is waited for (:meth:`StageWorker.deliver`)."""

    #: reads the runner's message: the run's outputs by name (rows), or ``None`` (abandoned)
    arrivals: Callable[[], dict[str, int] | None] | None = None
    #: run outputs written by the runner (not the stage's own)
    received: set[str] = field(default_factory=set)
    #: seconds spent waiting for them
    waited: float = 0.0

    def _arrive(self) -> None:
        if self.arrivals is None:
            return
        arrivals, self.arrivals = self.arrivals, None
        t0 = time.perf_counter()
        got = arrivals()
        self.waited += time.perf_counter() - t0
        if got is None:
            raise _Abandoned
        for name, rows in got.items():
            if name not in self.writer.tables:
                self.writer.registered(name, rows)
                self.received.add(name)

    def output(self, name: str) -> Any:
        if name not in self.writer.tables:
            self._arrive()
        return super().output(name)

    def has_output(self, name: str) -> bool:
        if name not in self.writer.tables:
            self._arrive()
        return super().has_output(name)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


def _run_job(job: _Job, arrivals: Callable[[], dict[str, int] | None] | None = None) -> _Done:
    """Run one stage on Parquet copies of its inputs (in the worker process); ``arrivals``
    waits for the run outputs the runner has still to write."""
    started, cpu = time.perf_counter(), time.process_time()
    done = _Done()
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(job.log_level)
    stage = _function(job.stage)
    wh = _ScratchWarehouse(job.settings)
    try:
        for name, path in job.inputs.items():
            source = str(path).replace("'", "''")
            wh.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{source}')")
        writer = RunWriter(job.run_dir)
        for name, rows in job.outputs.items():
            writer.registered(name, rows)
        ctx = _WorkerContext(
            wh=wh, writer=writer, as_of=job.as_of, config=job.config, arrivals=arrivals
        )
        with warnings.catch_warnings(record=True) as caught:
            filters = cast(list[Any], warnings.filters)
            filters[:] = job.filters
            mutated = getattr(warnings, "_filters_mutated", None)
            if mutated is not None:  # the warnings module's cache of filter decisions
                mutated()
            stage(ctx)
        done.warnings = [
            (str(w.message), w.category, w.filename, w.lineno)
            for w in caught
            if _picklable(w.category)
        ]
        known = {*job.outputs, *ctx.received}
        done.tables = {k: v for k, v in writer.tables.items() if k not in known}
        done.results = ctx.results
    finally:
        wh.close()
        root.removeHandler(handler)
    done.records = handler.records
    # the stage's own time: not the wait for the runner's outputs
    done.seconds = round(time.perf_counter() - started - ctx.waited, 3)
    done.cpu_seconds = round(time.process_time() - cpu, 3)
    return done


def _function(stage: str) -> Callable[[RunContext], None]:
    module, name = WORKER_FUNCTIONS[stage].split(":")
    return cast(Callable[[RunContext], None], getattr(importlib.import_module(module), name))


def serve() -> int:
    """The worker process: import the stages while the runner starts, then read one job
    (pickled, on standard input), run it and write what it did (pickled, on the standard
    output it was started with; the stage's own output goes to standard error).

    A stage that fails exits with status 3 (:class:`~loyalloop.errors.LoyalloopError`) or
    with Python's traceback and status 1; the runner then runs it again in its own process,
    where it fails as it would in order."""
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    if hasattr(os, "nice"):  # the runner's own stages are the longer chain: they go first
        os.nice(WORKER_NICE)
    for name in WORKER_FUNCTIONS:  # imported while the runner starts
        _function(name)

    source = sys.stdin.buffer

    def arrivals() -> dict[str, int] | None:
        try:
            return cast(dict[str, int] | None, pickle.load(source))
        except EOFError:  # the runner is gone
            return None

    try:
        job = pickle.load(source)
    except EOFError:  # the runner did not hand a stage over
        return 0
    try:
        done = _run_job(job, arrivals)
    except _Abandoned:
        return 4
    except LoyalloopError:
        return 3
    pickle.dump(done, result, protocol=pickle.HIGHEST_PROTOCOL)
    result.close()
    return 0
