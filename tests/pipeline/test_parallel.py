"""The feedback stage in a worker process gives the same run as every stage in order.

Two copies of one loaded sample; the first runs every stage in order
(``LOYALLOOP_PARALLEL_STAGES=off``; the test run's shared one, ``sample_homes``, also the first
run of test_determinism.py), the second hands the feedback stage to the worker process
(``on``). Every Parquet table, every model file and the manifest (but for when it was written
and how long it took) must be identical, the manifest's tables listed in the same order.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from loyalloop.core import Settings
from loyalloop.core.runs import Run, RunStore
from loyalloop.errors import ConfigError
from loyalloop.pipeline.parallel import ENV_VAR, Parallel, parallel_setting, use_worker
from loyalloop.pipeline.run import run_pipeline
from loyalloop.pipeline.stage import Deferred

_WHEN = ("created_at", "stage_seconds", "seconds")


def _settings(home: Path) -> Settings:
    return Settings(home=home, timezone="UTC", phone_region="CN")


def _manifest(run: Run) -> dict[str, object]:
    data = json.loads((run.path / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in _WHEN}


@pytest.mark.slow
def test_worker_run_equals_run_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_homes: Any
) -> None:
    monkeypatch.setenv(ENV_VAR, "off")
    assert not use_worker(_settings(tmp_path / "a"), 10**9)
    # the shared home ran with ENV_VAR=off (every stage in order in its process)
    shared = sample_homes.run_once(_settings(tmp_path / "a"), customers=800, seed=3)
    in_order = RunStore(shared / "runs").latest()
    sample_homes.load(_settings(tmp_path / "b"), customers=800, seed=3)
    monkeypatch.setenv(ENV_VAR, "on")
    assert use_worker(_settings(tmp_path / "b"), 0)
    beside = run_pipeline(_settings(tmp_path / "b"))

    files = sorted(p.name for p in in_order.path.iterdir())
    assert files == sorted(p.name for p in beside.path.iterdir())  # no worker leftovers
    feedback_tables = {"feedback_analysis.parquet", "feedback_aspects.parquet", "topics.parquet"}
    assert feedback_tables <= set(files)
    for f in files:
        if f.endswith(".parquet"):
            assert pq.read_table(in_order.path / f).equals(pq.read_table(beside.path / f)), f
        elif f != "manifest.json":
            assert (in_order.path / f).read_bytes() == (beside.path / f).read_bytes(), f
    first, second = _manifest(in_order), _manifest(beside)
    assert first == second
    assert list(first["tables"]) == list(second["tables"])  # type: ignore[call-overload]
    assert first["feedback"]["comments"] > 0  # type: ignore[index]
    # the worker's stage time is recorded like the others, in the stages' order
    assert list(in_order.manifest.stage_seconds) == list(beside.manifest.stage_seconds)


def test_setting_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert parallel_setting() is Parallel.AUTO
    monkeypatch.setenv(ENV_VAR, " OFF ")
    assert parallel_setting() is Parallel.OFF
    monkeypatch.setenv(ENV_VAR, "sometimes")
    with pytest.raises(ConfigError, match=ENV_VAR):
        parallel_setting()


def test_spark_runs_in_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, "on")
    spark = Settings(home=tmp_path, engine="spark")
    assert not use_worker(spark, 10**9)


def test_a_dead_worker_means_the_stage_runs_in_order(tmp_path: Path) -> None:
    from datetime import date

    from loyalloop.core.runs import RunWriter
    from loyalloop.data.schema import open_warehouse
    from loyalloop.pipeline.config import RunConfig
    from loyalloop.pipeline.context import RunContext
    from loyalloop.pipeline.parallel import StageWorker
    from loyalloop.pipeline.stage import Stage

    calls: list[str] = []

    def here(ctx: RunContext) -> None:
        calls.append("in order")
        ctx.save("marker", ctx.wh.table("feedback").limit(0))

    stage = Stage("feedback", here, produces=("marker",))
    settings = _settings(tmp_path / "home")
    (tmp_path / "run").mkdir()
    with open_warehouse(settings) as wh, StageWorker(settings) as worker:
        ctx = RunContext(wh=wh, writer=RunWriter(tmp_path / "run"), as_of=date(2025, 1, 1),
                         config=RunConfig())  # fmt: skip
        worker.process.kill()
        worker.process.wait()
        assert worker.takes(stage)
        worker.start(stage, ctx)
        assert worker.needed_by(Stage("next", here, requires=("marker",)))
        worker.finish(ctx)
    assert calls == ["in order"]
    assert "marker" in ctx.writer.tables
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["marker.parquet"]


def test_worker_functions_are_the_stages_functions() -> None:
    import importlib

    from loyalloop.pipeline.parallel import WORKER_FUNCTIONS, WORKER_STAGES
    from loyalloop.pipeline.stages import STAGES

    assert set(WORKER_FUNCTIONS) == set(WORKER_STAGES)
    by_name = {s.name: s.function for s in STAGES}
    for name, ref in WORKER_FUNCTIONS.items():
        module, function = ref.split(":")
        stage_function = by_name[name]
        if isinstance(stage_function, Deferred):  # imported when first called
            stage_function = stage_function.resolve()
        assert getattr(importlib.import_module(module), function) is stage_function


def test_the_runner_does_not_import_the_worker_stages_modules() -> None:
    """The runner's imports leave out what only the worker process runs (the feedback stage:
    its modules are imported in the worker, or by the runner only when it runs the stage in
    order)."""
    code = (
        "import sys, loyalloop.pipeline.run; "
        "print(sorted(m for m in sys.modules if m.startswith('loyalloop.feedback') "
        "or m == 'loyalloop.pipeline.feedback_stage'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_early_worker_is_taken_by_the_run_or_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loyalloop.pipeline import parallel

    settings = _settings(tmp_path)
    monkeypatch.setenv(ENV_VAR, "off")
    with parallel.worker_started(settings):
        assert parallel._early is None  # nothing started where no run could use it
    monkeypatch.setenv(ENV_VAR, "on")
    with parallel.worker_started(settings):
        early = parallel._early
        assert early is not None
        with parallel.StageWorker(settings) as worker:
            assert worker.process is early  # the run takes the started process
            assert parallel._early is None
        assert early.poll() is not None  # and stops it when done
    with parallel.worker_started(settings):
        unused = parallel._early
        assert unused is not None
    assert unused.poll() is not None  # not taken: stopped on leaving the block
    assert parallel._early is None


def test_a_stage_taken_back_leaves_nothing(tmp_path: Path) -> None:
    from datetime import date

    from loyalloop.core.runs import RunWriter
    from loyalloop.data.schema import open_warehouse
    from loyalloop.pipeline.config import RunConfig
    from loyalloop.pipeline.context import RunContext
    from loyalloop.pipeline.parallel import StageWorker
    from loyalloop.pipeline.stages import STAGES

    (stage,) = [s for s in STAGES if s.name == "feedback"]
    settings = _settings(tmp_path / "home")
    (tmp_path / "run").mkdir()
    with open_warehouse(settings) as wh, StageWorker(settings) as worker:
        ctx = RunContext(wh=wh, writer=RunWriter(tmp_path / "run"), as_of=date(2025, 1, 1),
                         config=RunConfig())  # fmt: skip
        worker.start(stage, ctx)
        assert worker.waiting() is stage  # it waits for profile_map and rfm
        assert worker.abandon(ctx) is stage
        assert worker.waiting() is None and worker.process.poll() is not None
        worker.finish(ctx)  # nothing pending: nothing to do
    assert list((tmp_path / "run").iterdir()) == []
    assert ctx.writer.tables == {}
