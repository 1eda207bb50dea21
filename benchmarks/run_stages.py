"""Time ``loyalloop run`` stage by stage: wall and CPU seconds of each stage, load average.

CPU seconds are this process's user + system time (``time.process_time``), DuckDB's and
LightGBM's threads included, so they stay meaningful on a machine shared with other work,
where wall time does not. "main" is the CPU of the thread that runs the stages
(``time.thread_time``: Python, and the engine calls made on that thread); the rest of a stage's
CPU is DuckDB's and OpenMP's worker threads. The run is the real one (``run_pipeline`` on a
home made by ``loyalloop sample``); the script only wraps each declared stage to read the
clocks.

    loyalloop --home /tmp/h10k sample                      # 10,000 customers, seed 0
    python benchmarks/run_stages.py /tmp/h10k              # a table of stage times
    python benchmarks/run_stages.py /tmp/h10k --json t.json  # also the figures as JSON

Peak memory of the whole process is read from ``/usr/bin/time -v`` around this script.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="a Loyalloop home made by `loyalloop sample`")
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    parser.add_argument("--config", type=Path, help="run settings (YAML, as `loyalloop run`)")
    args = parser.parse_args(argv)

    from contextlib import ExitStack

    from loyalloop.core.config import Settings

    stack = ExitStack()
    try:  # as `loyalloop run` does: the worker process imports while this one does
        from loyalloop.pipeline.parallel import worker_started
    except ImportError:  # code from before it existed
        pass
    else:
        stack.enter_context(worker_started(Settings().with_home(args.home)))
    from loyalloop.pipeline import run as run_module
    from loyalloop.pipeline.config import run_config
    from loyalloop.pipeline.stages import STAGES

    figures: dict[str, dict[str, float]] = {}

    def timed(stage):  # type: ignore[no-untyped-def]
        def function(ctx):  # type: ignore[no-untyped-def]
            w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
            stage.function(ctx)
            figures[stage.name] = {
                "wall": round(time.perf_counter() - w, 2),
                "cpu": round(time.process_time() - c, 2),
                "main": round(time.thread_time() - m, 2),
            }
            f = figures[stage.name]  # as it finishes: a long run shows how far it got
            print(f"  {stage.name} done: {f['wall']} s wall, {f['cpu']} s CPU", flush=True)

        return replace(stage, function=function)

    run_module.STAGES = [timed(s) for s in STAGES]  # type: ignore[attr-defined]

    class WorkerFigures(logging.Handler):
        """A stage run in the worker process (loyalloop.pipeline.parallel) is not wrapped
        here: its wall and CPU seconds (in the worker) come from the runner's log record."""

        def emit(self, record: logging.LogRecord) -> None:
            if "worker process" in str(record.msg) and record.args:
                name, wall, cpu = record.args  # type: ignore[misc]
                figures[str(name)] = {"wall": round(wall, 2), "cpu": round(cpu, 2), "main": 0.0}
                figures[str(name)]["worker"] = 1.0

    runner_log = logging.getLogger(run_module.__name__)
    runner_log.addHandler(WorkerFigures())
    runner_log.setLevel(logging.INFO)
    load_before = os.getloadavg()[0]
    w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
    config = run_config(args.config)
    with stack:
        run = run_module.run_pipeline(Settings().with_home(args.home), config)
    total = {
        "wall": round(time.perf_counter() - w, 2),
        "cpu": round(time.process_time() - c, 2),
        "main": round(time.thread_time() - m, 2),
    }
    load_after = os.getloadavg()[0]
    print(
        f"run {run.number}: {args.home}  load average (1 min) {load_before:.1f} → {load_after:.1f}"
    )
    print(f"{'stage':<18}{'wall s':>9}{'cpu s':>9}{'main s':>9}")
    for name, f in [*figures.items(), ("run (in process)", total)]:
        note = "  (worker process: its own CPU)" if f.get("worker") else ""
        print(f"{name:<18}{f['wall']:>9.2f}{f['cpu']:>9.2f}{f['main']:>9.2f}{note}")
    if args.json:
        out = {"stages": figures, "run": total, "load": [load_before, load_after]}
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
