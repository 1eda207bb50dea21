"""Numbered, immutable pipeline runs, published atomically; listed, read, deleted and pruned.

A run is a directory ``<home>/runs/<NNNNNN>/`` holding one Parquet file per output table and a
``manifest.json`` (:class:`~loyalloop.core.results.RunManifest`). A run is built in a private
``.tmp-*`` directory and becomes visible with a single ``rename``, which POSIX makes atomic:
readers see either the previous complete run or the new complete one, never a half-written one.
A crash leaves only a ``.tmp-*`` directory, removed by the next run. Published runs are never
modified.

Deleting is atomic too: the run directory is renamed to ``.deleting-*`` (from then on no reader
sees it) and then removed; a crash in between leaves a ``.deleting-*`` directory that the next
writer removes. Run numbers are never reused: ``.last-run`` keeps the highest number issued, so
"run 7" names one run for the life of the project even after run 7 is deleted.

Both the pipeline (which writes runs) and the report, the CLI and the service (which read them)
import this module; it sits below all of them.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from loyalloop.core.export import write_text_atomic
from loyalloop.core.lock import process_alive
from loyalloop.core.results import RunManifest, TableInfo
from loyalloop.errors import ConfigError, NoRunError, RunFormatError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["MANIFEST_FILE", "Run", "RunStore", "RunWriter"]

log = logging.getLogger(__name__)

_RUN_DIR = re.compile(r"^\d{6}$")
MANIFEST_FILE = "manifest.json"
_LAST = ".last-run"


@dataclass(frozen=True)
class Run:
    """A published run: its number, directory and typed manifest."""

    number: int
    path: Path
    manifest: RunManifest

    @property
    def tables(self) -> list[str]:
        """Names of the run's output tables, sorted."""
        return sorted(self.manifest.tables)

    def has_table(self, name: str) -> bool:
        return name in self.manifest.tables

    def table_path(self, name: str) -> Path:
        if name not in self.manifest.tables:
            raise NoRunError(
                f"run {self.number} has no table {name!r}; it has: {', '.join(self.tables)}"
            )
        return self.path / self.manifest.tables[name].file

    def read(self, name: str) -> pa.Table:
        """An output table as Arrow."""
        import pyarrow.parquet as pq

        return pq.read_table(self.table_path(name))


class RunWriter:
    """Collects one run's outputs in a private directory until :meth:`RunStore.publish`."""

    def __init__(self, tmp: Path) -> None:
        self.path = tmp
        self.tables: dict[str, TableInfo] = {}

    def file_for(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def add_arrow(self, name: str, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        pq.write_table(table, self.file_for(name))
        self.registered(name, table.num_rows)

    def add_batches(
        self,
        name: str,
        batches: Iterable[pa.Table | pd.DataFrame],
        schema: pa.Schema | None = None,
    ) -> int:
        """Stream ``batches`` into one Parquet file (memory holds one batch at a time); rows.

        Every batch is cast to the first batch's schema (or ``schema``), so a batch whose
        columns differ fails loudly instead of writing a mixed file. With no batch at all the
        table is written empty with ``schema`` (required then).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.file_for(name)
        writer: pq.ParquetWriter | None = None
        rows = 0
        try:
            for batch in batches:
                table = (
                    batch
                    if isinstance(batch, pa.Table)
                    else pa.Table.from_pandas(batch, preserve_index=False)
                )
                if writer is None:
                    writer = pq.ParquetWriter(path, schema or table.schema)
                writer.write_table(table.cast(writer.schema))
                rows += table.num_rows
            if writer is None:
                if schema is None:
                    raise ValueError(f"no batch for table {name!r} and no schema to write it empty")
                writer = pq.ParquetWriter(path, schema)
        finally:
            if writer is not None:
                writer.close()
        self.registered(name, rows)
        return rows

    def registered(self, name: str, rows: int) -> None:
        """Record a table whose file :meth:`file_for` was written by someone else."""
        self.tables[name] = TableInfo(file=f"{name}.parquet", rows=int(rows))


class RunStore:
    """The runs of one project home."""

    def __init__(self, runs_dir: Path) -> None:
        self.dir = runs_dir

    # ------------------------------------------------------------------------------- reading
    def numbers(self) -> list[int]:
        """Numbers of the published runs, ascending (no manifest is read)."""
        if not self.dir.exists():
            return []
        return sorted(
            int(p.name)
            for p in self.dir.iterdir()
            if _RUN_DIR.match(p.name) and (p / MANIFEST_FILE).exists()
        )

    def _load(self, number: int) -> Run:
        path = self.dir / f"{number:06d}"
        try:
            data = json.loads((path / MANIFEST_FILE).read_text("utf-8"))
        except FileNotFoundError:
            raise NoRunError(f"there is no run {number} in {self.dir}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RunFormatError(
                f"run {number}: {MANIFEST_FILE} is not valid JSON: {exc}"
            ) from None
        return Run(number, path, RunManifest.from_dict(data, source=f"run {number}"))

    def list(self) -> list[Run]:
        """Every published run, oldest first (a manifest of another format version raises)."""
        return [self._load(n) for n in self.numbers()]

    def survey(self) -> tuple[builtins.list[Run], builtins.list[tuple[int, str]]]:
        """Every published run this version can read, oldest first, and the numbers of those it
        cannot (written by an older version, or damaged) with the reason — so that a listing
        can show them and they can be deleted."""
        readable: builtins.list[Run] = []
        unreadable: builtins.list[tuple[int, str]] = []
        for n in self.numbers():
            try:
                readable.append(self._load(n))
            except RunFormatError as exc:
                unreadable.append((n, str(exc)))
        return readable, unreadable

    def latest(self) -> Run:
        """The latest complete run."""
        numbers = self.numbers()
        if not numbers:
            raise NoRunError(f"no complete run in {self.dir}; run `loyalloop run` first")
        return self._load(numbers[-1])

    def get(self, number: int | None) -> Run:
        """Run ``number``, or the latest when ``None``."""
        if number is None:
            return self.latest()
        return self._load(number)

    def previous_readable(self) -> Iterator[Run]:
        """Published runs newest first, leaving out (with a warning) those this version cannot
        read."""
        for n in reversed(self.numbers()):
            try:
                yield self._load(n)
            except RunFormatError as exc:
                log.warning("%s; left out", exc)

    # ------------------------------------------------------------------------------- writing
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
            if pid.isdigit() and process_alive(int(pid)):
                continue
            shutil.rmtree(p, ignore_errors=True)
        for p in self.dir.glob(".deleting-*"):
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

    def _last_issued(self) -> int:
        try:
            return int((self.dir / _LAST).read_text("ascii").strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def publish(self, writer: RunWriter, manifest: RunManifest) -> Run:
        """Number the run and make it visible atomically."""
        with self._lock():
            existing = self.numbers()
            number = max([self._last_issued(), *existing, 0]) + 1
            manifest = replace(manifest, run=number, tables=dict(writer.tables))
            data = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2, allow_nan=False)
            write_text_atomic(writer.path / MANIFEST_FILE, data)
            final = self.dir / f"{number:06d}"
            os.rename(writer.path, final)
            _write_atomic(self.dir / _LAST, str(number))
            _fsync_dir(self.dir)
        return Run(number, final, manifest)

    def delete(self, number: int) -> None:
        """Remove run ``number``: invisible at once (one rename), then its files are removed.

        Raises
        ------
        NoRunError
            When there is no such run.
        """
        with self._lock():
            path = self.dir / f"{number:06d}"
            if not (path / MANIFEST_FILE).exists():
                raise NoRunError(f"there is no run {number} in {self.dir}")
            gone = self.dir / f".deleting-{number:06d}-{uuid.uuid4().hex[:8]}"
            # Remember the number so it is never issued again, before it disappears.
            _write_atomic(self.dir / _LAST, str(max(self._last_issued(), number)))
            os.rename(path, gone)
            _fsync_dir(self.dir)
        shutil.rmtree(gone, ignore_errors=True)
        log.info("deleted run %d", number)

    def prune(self, *, keep_last: int) -> builtins.list[int]:
        """Delete every run except the ``keep_last`` latest ones; the numbers deleted.

        Raises
        ------
        ConfigError
            When ``keep_last`` is negative.
        """
        if keep_last < 0:
            raise ConfigError(f"keep_last must be 0 or more, not {keep_last}")
        numbers = self.numbers()
        doomed = numbers[: max(len(numbers) - keep_last, 0)]
        for n in doomed:
            self.delete(n)
        return doomed


def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text, encoding="ascii")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
