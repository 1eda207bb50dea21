"""Runs: publish, read, delete and prune (atomic, numbers never reused), and the as-of bounds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.pipeline.test_runs import load

from loyalloop.core import Settings
from loyalloop.core.results import RunManifest
from loyalloop.core.runs import RunStore
from loyalloop.errors import ConfigError, NoRunError, RunFormatError
from loyalloop.pipeline import RunConfig, run_pipeline


def _manifest() -> RunManifest:
    return RunManifest(
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        as_of=date(2025, 12, 31),
        version="test",
        timezone="UTC",
        config={},
        inputs={},
        quarantined={},
        stage_seconds={},
        seconds=0.0,
    )


def _publish(store: RunStore) -> int:
    with store.writer() as w:
        (w.path / "t.parquet").write_bytes(b"")
        w.registered("t", 0)
        return store.publish(w, _manifest()).number


def test_delete_is_atomic_and_numbers_are_not_reused(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    assert [_publish(store) for _ in range(3)] == [1, 2, 3]
    store.delete(3)
    assert store.numbers() == [1, 2]
    assert not list(store.dir.glob(".deleting-*"))
    assert _publish(store) == 4  # "run 3" stays the deleted one
    assert store.latest().number == 4
    with pytest.raises(NoRunError, match="no run 3"):
        store.delete(3)
    with pytest.raises(NoRunError, match="no run 3"):
        store.get(3)


def test_interrupted_delete_is_invisible_and_cleaned(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    _publish(store)
    _publish(store)
    # what a crash between the rename and the removal leaves behind
    (store.dir / "000002").rename(store.dir / ".deleting-000002-deadbeef")
    assert store.numbers() == [1] and store.latest().number == 1
    _publish(store)
    assert not list(store.dir.glob(".deleting-*"))


def test_prune_keeps_the_latest(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    for _ in range(5):
        _publish(store)
    assert store.prune(keep_last=2) == [1, 2, 3]
    assert store.numbers() == [4, 5]
    assert store.prune(keep_last=2) == []
    with pytest.raises(ConfigError, match="keep_last"):
        store.prune(keep_last=-1)
    assert store.prune(keep_last=0) == [4, 5] and store.numbers() == []


def test_old_manifest_gives_a_clear_error_but_other_runs_stay_readable(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    _publish(store)
    _publish(store)
    old = store.dir / "000001" / "manifest.json"
    data = json.loads(old.read_text("utf-8"))
    del data["format_version"]
    old.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RunFormatError, match="run 1 has manifest format version 0"):
        store.get(1)
    assert store.latest().number == 2
    assert [r.number for r in store.previous_readable()] == [2]


def test_as_of_outside_the_data_is_refused_with_the_range(
    settings: Settings, tmp_path: Path
) -> None:
    load(settings, tmp_path)
    with pytest.raises(
        ConfigError, match="after the last transaction: the data cover 2024-01-05 to 2024-03-09"
    ):
        run_pipeline(settings, RunConfig(as_of=date(2030, 1, 1)))
    with pytest.raises(ConfigError, match="before the first transaction"):
        run_pipeline(settings, RunConfig(as_of=date(2023, 12, 31)))
    assert RunStore(settings.runs_dir).numbers() == []
    first_day = run_pipeline(settings, RunConfig(as_of=date(2024, 1, 5)))
    assert first_day.number == 1
    # no refund by then: the refunds are zero (an engine sum over no rows), not missing
    assert first_day.manifest.kpis is not None and first_day.manifest.kpis.refunds == 0.0
