"""The engine seam: the whole run on DuckDB and on Spark (local mode) gives the same outputs.

The sample business (a few hundred customers, with duplicate customer records to unify,
refunds, surveys, feedback, campaigns, a GBK branch export) is loaded into the DuckDB
warehouse by the real ingest. ``run_pipeline`` then runs every stage twice: on DuckDB, and with
``engine=spark`` (the canonical tables copied to Spark through Parquet, as ``loyalloop run
--engine spark`` does). Every output table and every manifest summary must agree: identical
ids, counts, texts and segments; floating-point figures within

* **1e-9 relative** for tables that are arithmetic on the same rows (the engines sum in a
  different order; seen: 1.2e-10 on a segment's average spend);
* **1e-6 relative** for the fitted models (CLV, churn, loyalty's survival curves): each is fit
  in Python on the table collected from the engine, and an optimiser stops within its own
  tolerance of the same optimum if the sums it starts from differ in the last digits (seen:
  2e-7 on P(alive) in an earlier version; equal to 1e-12 today).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from loyalloop.core import Settings
from loyalloop.core.config import Engine
from loyalloop.core.runs import Run, RunStore
from loyalloop.pipeline import RunConfig
from loyalloop.pipeline.engines import FITTED_TABLES
from loyalloop.pipeline.run import run_pipeline

pytestmark = pytest.mark.spark

#: Tables and summaries computed by a fitted model (compared to the optimiser's precision).
FITTED = FITTED_TABLES
#: Summary fields that measure the run itself, not its results.
TIMING_FIELDS = frozenset({"seconds", "stage_seconds", "created_at", "run", "tables", "engine"})


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, sample_homes: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Run, Run]]:
    def build(tmp: Path) -> None:
        spark = request.getfixturevalue("spark")
        settings = Settings(home=tmp / "home", timezone="UTC", phone_region="CN")
        # the DuckDB run is load_sample(settings, customers=300, seed=1) and
        # run_pipeline(settings), the home the customer360 and browser tests copy (made once
        # per test run, by whichever test needs it first); the Spark run starts from another
        # copy of the same loaded home: a run compares itself with the previous one (tier
        # migration, lifecycle transitions), so each engine's run must be the first of its home
        duck = sample_homes.run_once(
            settings, customers=300, seed=1, business="card", config=RunConfig()
        )
        shutil.copytree(duck, settings.home)
        spark_home = tmp / "spark-home"
        loaded = sample_homes.loaded(settings, customers=300, seed=1, business="card")
        shutil.copytree(loaded, spark_home)
        run_pipeline(replace(settings, home=spark_home, engine=Engine.SPARK))
        assert not spark.sparkContext._jsc.sc().isStopped()  # the shared session is not ours

    # both runs are made once per test run (this fixture is made again whenever the module's
    # tests come back to a worker; Spark starts only in the worker that makes them) and copied
    tmp = tmp_path_factory.mktemp("engines")
    shutil.copytree(sample_homes.built("engines-runs", build), tmp, dirs_exist_ok=True)
    duck = RunStore(tmp / "home" / "runs").latest()
    on_spark = RunStore(tmp / "spark-home" / "runs").latest()
    yield duck, on_spark


def _frame(run: Run, name: str) -> pd.DataFrame:
    frame = pq.read_table(run.path / run.manifest.tables[name].file).to_pandas()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            ts = pd.to_datetime(frame[col])
            frame[col] = (ts.dt.tz_convert(None) if ts.dt.tz is not None else ts).astype(
                "datetime64[us]"
            )
        elif frame[col].map(lambda v: isinstance(v, date)).any():
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[us]")
        elif frame[col].map(lambda v: isinstance(v, np.ndarray | list)).any():
            frame[col] = frame[col].map(lambda v: repr(list(v)) if v is not None else None)
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    keys = [c for c in frame.columns if c not in floats]
    return frame.sort_values(keys).reset_index(drop=True) if keys else frame


def test_both_runs_wrote_the_same_tables(runs: tuple[Run, Run]) -> None:
    duck, on_spark = runs
    assert duck.manifest.engine == "duckdb" and on_spark.manifest.engine == "spark"
    assert set(duck.manifest.tables) == set(on_spark.manifest.tables)
    for name, info in duck.manifest.tables.items():
        assert info.rows == on_spark.manifest.tables[name].rows, name
    # the sample exercises every stage: profiles merged, churn and CLV fitted, feedback read
    assert duck.manifest.profiles is not None and duck.manifest.profiles.merged_records > 0
    for name in ("clv", "churn_scores", "loyalty", "feedback_analysis", "win_back"):
        assert duck.manifest.tables[name].rows > 0, name


def _tables() -> list[str]:
    # the run's tables are known only after the run; the names every run writes
    from loyalloop.pipeline.stages import STAGES

    return sorted({n for s in STAGES for n in s.produces if not n.startswith("_")})


@pytest.mark.parametrize("name", _tables())
def test_same_table_on_both_engines(runs: tuple[Run, Run], name: str) -> None:
    duck, on_spark = runs
    if name not in duck.manifest.tables:
        assert name not in on_spark.manifest.tables
        pytest.skip(f"the sample run does not write {name}")
    a, b = _frame(duck, name), _frame(on_spark, name)
    assert len(a) == len(b), name
    assert list(a.columns) == list(b.columns), name
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            np.testing.assert_allclose(
                x.to_numpy(dtype="float64"),
                y.to_numpy(dtype="float64"),
                rtol=1e-6 if name in FITTED else 1e-9,
                atol=1e-12,
                err_msg=f"{name}.{col}",
            )
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), f"{name}.{col}"


def _close(a: Any, b: Any, rtol: float, path: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            if k not in TIMING_FIELDS:
                _close(a[k], b[k], rtol, f"{path}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, rtol, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=rtol, abs_tol=1e-12
        ), (path, a, b)
    else:
        assert a == b, (path, a, b)


def test_same_manifest_on_both_engines(runs: tuple[Run, Run]) -> None:
    duck, on_spark = runs
    a, b = asdict(duck.manifest), asdict(on_spark.manifest)
    assert a.keys() == b.keys()
    for slot in a:
        if slot not in TIMING_FIELDS:
            _close(a[slot], b[slot], 1e-6 if slot in FITTED else 1e-9, slot)


def test_spark_failure_carries_the_sql(spark: Any, settings: Settings) -> None:
    from loyalloop.core.spark import SparkWarehouse
    from loyalloop.errors import EngineError

    sw = SparkWarehouse(spark, settings)
    with pytest.raises(EngineError) as info:
        sw.execute("SELECT * FROM no_such_table")
    assert info.value.sql == "SELECT * FROM no_such_table"
    assert not sw.has_table("no_such_table")
    sw.close()
    assert not spark.sparkContext._jsc.sc().isStopped()  # a session it did not start stays up
