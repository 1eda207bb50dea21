"""One writing command at a time on a project home.

DuckDB lets one process open the warehouse file for writing; a second ``ingest`` or ``run``
would fail with a lock traceback. Commands that write take :func:`home_lock` first: if another
command holds the home, the second one says so and waits (up to ``LOYALLOOP_LOCK_TIMEOUT``
seconds, default 60), then either goes ahead or raises :class:`~loyalloop.errors.BusyError`
naming the command that holds it.

The lock is an operating-system file lock (``filelock``) on ``<home>/.loyalloop.lock``: it is
released when the holding process ends, however it ends (``kill -9`` included), so a crashed
command never leaves the home locked. Who holds it (process id, command, since when) is written
beside it, in ``.loyalloop.lock.json``, for the message only.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from loyalloop.core.export import write_text_atomic
from loyalloop.errors import BusyError

__all__ = ["LOCK_FILE", "home_lock", "process_alive"]

log = logging.getLogger(__name__)

LOCK_FILE = ".loyalloop.lock"
_INFO_FILE = ".loyalloop.lock.json"


def _holder(home: Path) -> str:
    try:
        info = json.loads((home / _INFO_FILE).read_text(encoding="utf-8"))
        return f"'{info['command']}' (process {info['pid']}, since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another command"


@contextmanager
def home_lock(
    home: Path,
    command: str,
    *,
    timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the project home ``home`` for ``command`` (see the module docstring).

    ``on_wait`` is told, once, that the command is waiting and for whom.
    """
    home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(home / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder(home)
        message = f"waiting for {holder} to finish with {home} (up to {timeout:g} s)"
        log.info(message)
        if on_wait is not None:
            on_wait(message)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise BusyError(
                f"another command holds the project home {home}: {holder}, still running "
                f"after {timeout:g} s; try again when it has finished"
            ) from None
    info = home / _INFO_FILE
    try:
        write_text_atomic(
            info,
            json.dumps(
                {
                    "pid": os.getpid(),
                    "command": command,
                    "since": datetime.now().isoformat(timespec="seconds"),
                }
            ),
        )
        yield
    finally:
        info.unlink(missing_ok=True)
        lock.release()


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
