"""The same data and settings give byte-identical run outputs: two whole runs, compared.

Two project homes load the same sample (same seed) and run the whole pipeline; every Parquet
table's data, every model file and the manifest (but for when it was written and how long it
took) must be identical. The first home is the test run's shared one (``sample_homes``: loaded
and run once with every stage in order, also the in-order run of test_parallel.py, maybe in
another worker process); the second loads the sample and runs here (800 customers: the
feedback stage runs in order by default too, ``pipeline.parallel.MIN_ROWS``). Engines sum
floating-point numbers in whatever order their threads finish; the pipeline sums money as
exact decimals and fits models on rows in one order, so nothing depends on it
(pipeline.context.exact_amounts).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from loyalloop.apps.demo import load_sample
from loyalloop.core import Settings
from loyalloop.core.runs import Run, RunStore
from loyalloop.pipeline.run import run_pipeline

pytestmark = pytest.mark.slow

#: Written anew by every run.
_WHEN = ("created_at", "stage_seconds", "seconds")


def _settings(home: Path) -> Settings:
    return Settings(home=home, timezone="UTC", phone_region="CN")


def _run(home: Path) -> Run:
    settings = _settings(home)
    load_sample(settings, customers=800, seed=3)
    return run_pipeline(settings)


def _manifest(run: Run) -> dict[str, object]:
    data = json.loads((run.path / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in _WHEN}


def test_two_runs_on_the_same_data_are_identical(tmp_path: Path, sample_homes: Any) -> None:
    shared = sample_homes.run_once(_settings(tmp_path), customers=800, seed=3)
    first, second = RunStore(shared / "runs").latest(), _run(tmp_path / "b")
    files = sorted(p.name for p in first.path.iterdir())
    assert files == sorted(p.name for p in second.path.iterdir())
    parquet = [f for f in files if f.endswith(".parquet")]
    # the whole pipeline ran: both lists and the churn ranking are among the outputs
    assert {"early_warning.parquet", "win_back.parquet", "churn_scores.parquet"} <= set(parquet)
    different = [
        f
        for f in parquet
        if not pq.read_table(first.path / f).equals(pq.read_table(second.path / f))
    ]
    assert different == []
    for f in files:
        if f.endswith(".json") and f != "manifest.json":
            assert (first.path / f).read_bytes() == (second.path / f).read_bytes(), f
    assert _manifest(first) == _manifest(second)
    # and the runs did not just agree on nothing: the lists have customers
    assert pq.read_table(first.path / "early_warning.parquet").num_rows > 0
    assert os.path.getsize(first.path / "churn_ranking.json") > 0
