"""Numbered, immutable pipeline runs, published atomically.

A run is a directory ``<home>/runs/<NNNNNN>/`` holding one Parquet file per output table and a
``manifest.json``. A run is built in a private ``.tmp-*`` directory and becomes visible with
a single ``rename``, which POSIX makes atomic: readers see either the previous complete run or
the new complete one, never a half-written one. A crash leaves only a ``.tmp-*`` directory,
removed by the next run. Published runs are never modified.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from loyalloop.errors import NoRunError

__all__ = ["Run", "RunStore", "RunWriter"]

_RUN_DIR = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Run:
    """A published run."""

    number: int
    path: Path
    manifest: dict[str, Any]

    @property
    def tables(self) -> list[str]:
        return sorted(self.manifest.get("tables", {}))

    def table_path(self, name: str) -> Path:
        if name not in self.manifest.get("tables", {}):
            raise NoRunError(
                f"run {self.number} has no table {name!r}; it has: {', '.join(self.tables)}"
            )
        return self.path / f"{name}.parquet"

    def read(self, name: str) -> pa.Table:
        return pq.read_table(self.table_path(name))


class RunWriter:
    """Collects one run's outputs in a private directory until :meth:`RunStore.publish`."""

    def __init__(self, tmp: Path) -> None:
        self.path = tmp
        self.tables: dict[str, dict[str, Any]] = {}

    def file_for(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def add_arrow(self, name: str, table: pa.Table) -> None:
        pq.write_table(table, self.file_for(name))
        self.registered(name, table.num_rows)

    def registered(self, name: str, rows: int) -> None:
        self.tables[name] = {"file": f"{name}.parquet", "rows": int(rows)}


class RunStore:
    """The runs of one project home."""

    def __init__(self, runs_dir: Path) -> None:
        self.dir = runs_dir

    def list(self) -> list[Run]:
        if not self.dir.exists():
            return []
        runs = []
        for p in sorted(self.dir.iterdir()):
            manifest = p / "manifest.json"
            if _RUN_DIR.match(p.name) and manifest.exists():
                runs.append(Run(int(p.name), p, json.loads(manifest.read_text("utf-8"))))
        return runs

    def latest(self) -> Run:
        runs = self.list()
        if not runs:
            raise NoRunError(f"no complete run in {self.dir}; run `loyalloop run` first")
        return runs[-1]

    def get(self, number: int | None) -> Run:
        if number is None:
            return self.latest()
        for run in self.list():
            if run.number == number:
                return run
        raise NoRunError(f"there is no run {number} in {self.dir}")

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / ".lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _clean_abandoned(self) -> None:
        for p in self.dir.glob(".tmp-*"):
            pid = p.name.split("-")[1]
            if pid.isdigit() and _alive(int(pid)):
                continue
            shutil.rmtree(p, ignore_errors=True)

    @contextlib.contextmanager
    def writer(self) -> Iterator[RunWriter]:
        """A private directory for a new run; removed if the block raises."""
        with self._lock():
            self._clean_abandoned()
        tmp = self.dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            yield RunWriter(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def publish(self, writer: RunWriter, manifest: dict[str, Any]) -> Run:
        """Number the run and make it visible atomically."""
        with self._lock():
            existing = [r.number for r in self.list()]
            number = (max(existing) + 1) if existing else 1
            manifest = {**manifest, "run": number, "tables": writer.tables}
            data = json.dumps(manifest, ensure_ascii=False, indent=2, default=str)
            (writer.path / "manifest.json").write_text(data, encoding="utf-8")
            final = self.dir / f"{number:06d}"
            os.rename(writer.path, final)
            _fsync_dir(self.dir)
        return Run(number, final, manifest)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
