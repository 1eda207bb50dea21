"""Write files for people safely: where (:func:`check_output_path`), how (:func:`atomic_output`)
and what (:func:`write_table`: CSV that is safe to open in a spreadsheet, or Parquet).

Every file a command writes at a user's request (``--out``, ``--model-out`` …) goes through
:func:`check_output_path` and :func:`atomic_output`:

* the directory must exist: a mistyped ``--out /nonexistent/dir/x.csv`` is an error, not a new
  directory tree;
* the target may not be a directory or a special file (``/dev/null``, a named pipe);
* nothing the project home manages is ever written: the warehouse file and its write-ahead
  log, and anything under ``runs/`` (published runs, their manifests and Parquet files, runs
  being built) — symbolic links are followed before the check;
* an existing file is replaced atomically: the data goes to a temporary file in the same
  directory, which is renamed over the target only once it is complete, so a failure or a
  kill leaves the old file as it was (and no partial new one).

CSV goes through :mod:`loyalloop.core.csvsafe` (formula-like text is neutralised; customer text
is untrusted) as UTF-8 with a byte-order mark, so that Excel shows Chinese text correctly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from loyalloop.errors import ConfigError, PermissionDeniedError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from loyalloop.core.config import Settings

__all__ = [
    "TABLE_SUFFIXES",
    "atomic_output",
    "check_output_path",
    "protected_reason",
    "write_bytes_atomic",
    "write_table",
    "write_text_atomic",
]

#: File name suffixes :func:`write_table` writes.
TABLE_SUFFIXES = (".csv", ".parquet")


def protected_reason(path: Path | str, settings: Settings) -> str | None:
    """What in the project home ``path`` would overwrite, or ``None`` when it is free to write.

    Protected: the warehouse file and every file beside it whose name starts with it (the
    write-ahead log, DuckDB's temporary files), everything under ``runs/``, and the home's
    lock file. Symbolic links are followed first.
    """
    target = Path(path).resolve()
    home = settings.home.resolve()
    warehouse = settings.warehouse_path.resolve()
    runs = settings.runs_dir.resolve()
    if target == runs or runs in target.parents:
        return f"inside the project's runs directory {runs}, and published runs are never modified"
    if target == warehouse:
        return "the project's warehouse"
    if target.parent == warehouse.parent and target.name.startswith(warehouse.name):
        return "a file of the project's warehouse (its write-ahead log or temporary data)"
    if target == home / ".lock":
        return "the project's lock file"
    return None


def check_output_path(
    path: Path | str,
    settings: Settings | None = None,
    *,
    suffixes: Sequence[str] = (),
    what: str = "output",
) -> Path:
    """Vet a path a command is asked to write; return it (as given).

    Parameters
    ----------
    path
        The file to write.
    settings
        The project whose home is protected (warehouse, WAL, runs); ``None`` checks only the
        file system.
    suffixes
        Allowed file name suffixes (lower case, with the dot); empty allows any.
    what
        The option's name for messages (e.g. ``--out``).

    Raises
    ------
    ConfigError
        The directory does not exist, the path is a directory or a special file, the suffix
        is not allowed, or the path is inside what the project home manages.
    PermissionDeniedError
        The directory is not writable.
    """
    p = Path(path)
    if p.name in ("", ".", ".."):
        raise ConfigError(f"{what} {p} names a directory; give a file name")
    parent = p.parent
    if not parent.exists():
        raise ConfigError(
            f"{what} {p}: directory {parent} does not exist (create it first; "
            "Loyalloop does not create directories for output files)"
        )
    if not parent.is_dir():
        raise ConfigError(f"{what} {p}: {parent} is not a directory")
    if settings is not None:
        reason = protected_reason(p, settings)
        if reason is not None:
            raise ConfigError(
                f"refusing to write {what} {p}: it is {reason}; write the file somewhere else"
            )
    if p.is_dir():
        raise ConfigError(f"{what} {p} is a directory; give a file name")
    if p.exists() and not stat.S_ISREG(p.stat().st_mode):
        raise ConfigError(f"{what} {p} is not a regular file (a device or a named pipe)")
    if suffixes and p.suffix.lower() not in suffixes:
        raise ConfigError(f"{what} {p}: use a {' or '.join(suffixes)} file name")
    if not os.access(parent, os.W_OK):
        raise PermissionDeniedError(f"{what} {p}: directory {parent} is not writable")
    return p


@contextlib.contextmanager
def atomic_output(path: Path | str, *, keep_suffix: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over ``path`` when the block succeeds.

    The temporary file keeps ``path``'s suffix (writers that choose a format by suffix still
    work); with ``keep_suffix=False`` it ends in ``.tmp`` instead, so that a reader watching
    the folder for ``*.jsonl`` or ``*.eml`` never picks up a half-written file. If the block
    raises, the temporary file is removed and ``path`` is untouched. An existing target keeps
    its permission bits.
    """
    p = Path(path)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = p.with_name(
        f".{p.stem}.{token}.tmp{p.suffix}" if keep_suffix else f".{p.name}.{token}.tmp"
    )
    try:
        yield tmp
        if not tmp.exists():  # the block wrote nothing: an empty file, as `> file` would
            tmp.touch()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        if p.exists():
            shutil.copymode(p, tmp)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # durability of the rename; not possible everywhere
        fd = os.open(p.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text_atomic(path: Path | str, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through :func:`atomic_output`: readers see the old file or
    the new one, never half of one. The one writer of text documents (model files, registries,
    rankings, reports, manifests, sync files); the directory must exist. No newline
    translation: the file holds exactly ``text.encode(encoding)``."""
    return write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (as :func:`write_text_atomic`); the temporary file
    ends in ``.tmp`` so folder watchers never see it under the final suffix."""
    p = Path(path)
    with atomic_output(p, keep_suffix=False) as tmp:
        tmp.write_bytes(data)
    return p


def write_table(data: pd.DataFrame | pa.Table, out: Path, settings: Settings | None = None) -> Path:
    """Write ``data`` as CSV or Parquet, chosen by the file's extension, atomically.

    The path is vetted by :func:`check_output_path` (against ``settings``' project home).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from loyalloop.core.csvsafe import write_safe_csv

    check_output_path(out, settings, suffixes=TABLE_SUFFIXES, what="--out")
    with atomic_output(out) as tmp:
        if out.suffix.lower() == ".parquet":
            table = (
                data
                if isinstance(data, pa.Table)
                else pa.Table.from_pandas(data, preserve_index=False)
            )
            pq.write_table(table, tmp)
        else:
            write_safe_csv(data.to_pandas() if isinstance(data, pa.Table) else data, tmp)
    return out
