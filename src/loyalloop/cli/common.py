"""What every command module shares: the project settings, common options, closed choices,
and the checks on the files a command reads and writes.

Like every module of :mod:`loyalloop.cli`, this one imports nothing heavy at import time:
the settings (and with them the project's storage code) are built on first use, inside a
command.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from loyalloop.cli.output import err
from loyalloop.errors import ConfigError, IngestError, PermissionDeniedError

if TYPE_CHECKING:
    from loyalloop.core.config import Settings

__all__ = [
    "JsonOpt",
    "Lang",
    "LangOpt",
    "State",
    "input_file",
    "lang_of",
    "output_file",
    "settings",
    "status",
]


class Lang(StrEnum):
    """Language of a report or of messages meant for customers."""

    en = "en"
    zh = "zh"


LangOpt = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        help="Language of what the command prints (default: the project's, $LOYALLOOP_LANG, "
        "else en); --json is the same in both. 输出语言（默认为项目语言 $LOYALLOOP_LANG，"
        "未设置时为 en；JSON 不受影响）。",
    ),
]


JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one strict JSON object on standard output; errors too. 输出 JSON（错误亦然）。",
    ),
]


@dataclass
class State:
    """What the root options decided, for the commands (``ctx.obj`` of the root context)."""

    home: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The project settings (environment, then ``--home``), built on first use."""
        if self._settings is None:
            from loyalloop.core.config import Settings

            self._settings = Settings().with_home(self.home)
        return self._settings


def settings(ctx: typer.Context) -> Settings:
    """The settings of the command's project (a sub-app invoked alone uses the environment)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj.settings()


def lang_of(ctx: typer.Context, given: Lang | None) -> Literal["en", "zh"]:
    """The language a command prints in: ``--lang`` when given, else the project's
    (``LOYALLOOP_LANG``, :attr:`loyalloop.core.config.Settings.lang`, default ``en``).
    The one resolver every command with ``--lang`` uses."""
    chosen = given.value if given is not None else settings(ctx).lang
    return "zh" if chosen == "zh" else "en"


#: Suffixes of text formats: a file with one of these should not contain binary data.
_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".text", ".jsonl", ".ndjson", ".json"})
#: Text tables whose first line is a header.
_TABLE_SUFFIXES = frozenset({".csv", ".tsv"})
#: Signatures of binary formats, to name what a mislabelled file really is.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook or a zipped export?)"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "a program"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls or .doc)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def input_file(path: Path, *, what: str = "file", encoding: str | None = None) -> Path:
    """Check that ``path`` is a readable, non-empty regular file before a reader opens it.

    Raises
    ------
    ConfigError
        No such file, a directory, or not a regular file (a named pipe would block forever,
        a device never ends) — exit code 2.
    PermissionDeniedError
        The file is not readable — exit code 7.
    IngestError
        The file is empty, a CSV holds only its header line, or the file is binary although
        its name says text (NUL bytes, or the signature of a known binary format) — exit code
        1, naming the file (and line).
    """
    if not path.exists():
        hint = " (a broken symbolic link)" if path.is_symlink() else ""
        raise ConfigError(f"{what} not found: {path} (no such file or directory){hint}")
    if path.is_dir():
        raise ConfigError(
            f"{what} {path} is a directory; give a file (for example {path / '*.csv'})"
        )
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(
            f"{what} {path} is not a regular file (a named pipe, socket or device); "
            "copy the data to a file first"
        )
    if not os.access(path, os.R_OK):
        raise PermissionDeniedError(f"{what} {path} is not readable (permission denied)")
    if st.st_size == 0:
        raise IngestError("the file is empty (0 bytes)", file=str(path))
    if path.suffix.lower() in _TEXT_SUFFIXES:
        _check_text(path, encoding)
    return path


def _check_has_rows(path: Path, head: bytes, size: int) -> None:
    """A small CSV whose only non-blank line is its header has no data rows."""
    if path.suffix.lower() not in _TABLE_SUFFIXES or size > len(head):
        return
    lines = [line for line in head.splitlines() if line.strip(b" \t\r\xef\xbb\xbf")]
    if len(lines) <= 1:
        raise IngestError(
            "no data rows (the file has a header line and nothing else)", file=str(path), line=1
        )


def _check_text(path: Path, encoding: str | None) -> None:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
        size = os.fstat(fh.fileno()).st_size
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise IngestError(
                f"this is {kind}, not a {path.suffix.lower()} text file; "
                "check the file or give it its real extension",
                file=str(path),
            )
    wide = head.startswith(_WIDE_BOMS) or (encoding or "").lower().startswith(("utf-16", "utf-32"))
    if not wide and (nul := head.find(b"\x00")) >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise IngestError(
            "looks like a binary file, not text (it contains NUL bytes; UTF-16 text needs "
            "a byte-order mark, or --encoding utf-16 when ingesting)",
            file=str(path),
            line=line,
        )
    if not wide:
        _check_has_rows(path, head, size)


def output_file(
    ctx: typer.Context, path: Path, *, what: str = "--out", suffixes: Sequence[str] = ()
) -> Path:
    """Vet a path the command will write (see :func:`loyalloop.core.export.check_output_path`):
    its directory exists, it is not a directory or a device, and it is not part of the
    project home's warehouse or runs."""
    from loyalloop.core.export import check_output_path

    return check_output_path(path, settings(ctx), suffixes=suffixes, what=what)


def hold_home(ctx: typer.Context, command: str) -> contextlib.AbstractContextManager[None]:
    """The project home, held while a writing command (``ingest``, ``run``) works: a second
    one says it is waiting and for whom, and gives up after ``LOYALLOOP_LOCK_TIMEOUT`` seconds
    with :class:`~loyalloop.errors.BusyError` (exit code 5)."""
    from loyalloop.core.lock import home_lock

    st = settings(ctx)
    return home_lock(
        st.home, command, timeout=st.lock_timeout, on_wait=lambda m: err.print(m, markup=False)
    )


@contextlib.contextmanager
def status(text: str) -> Iterator[Callable[[str], None]]:
    """A spinner with a line of text on standard error while a long step runs; yields a
    function that updates the text. Silent when standard error is not a terminal (scripts,
    ``--json`` piped to a file, tests)."""
    if not err.is_terminal:
        yield lambda _text: None
        return
    with err.status(text) as spinner:
        yield lambda new: spinner.update(new)
