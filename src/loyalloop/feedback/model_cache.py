"""The shipped text models, parsed once and kept in the user's cache folder.

Every ``loyalloop feedback analyze`` used to parse the shipped models from their text files
before it read a comment: the mention sentiment model (0.115 CPU s), the aspect detector
(0.090) and the Chinese review model (0.060) (best of five, load 15) — start-up in which the
second CPU idles. Unpickling the parsed objects takes 0.055 s; with the hashing and reading of
the files, loading all three took 0.35–0.38 CPU s and takes 0.10–0.13 (three fresh processes
each, load 29). The intent model (:mod:`~loyalloop.feedback.intent_model`, session 34) took
0.58 CPU s to parse and takes 0.07 to read back.

:func:`load_parsed` keeps the parsed object as a pickle in :func:`cache_dir`, named by the
model's file stem, the parsed class's layout version (its ``PARSED_LAYOUT``), and the SHA-256 of
the model's text file, of the class's name and layout version, of the source file of the class's
module and of the Python version, so an edited or retrained model, an edited parser, a changed
layout or another interpreter never meets an old file (it is parsed again). Up to :data:`KEEP`
files are kept per model (the most recently written), so a few checkouts, model texts or layouts
in use side by side (an ``--old-src`` benchmark, parallel worktrees) do not evict each other;
older ones are removed. ``tests/feedback/test_model_cache.py`` records each shipped class's
attributes with its layout version and fails when one changes without the other. Files of the
oldest naming (``<stem>-<hash>.pickle``) are never read and are left to the code that wrote them.

Nothing is downloaded or committed; a missing, damaged or unreadable file is parsed again, an
unwritable folder is harmless. The folder is the user's own (like the segmenter's prebuilt
dictionary, :mod:`~loyalloop.feedback.tokenize`): whoever can write there can already run code
as the user.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

__all__ = ["KEEP", "cache_dir", "layout_version", "load_parsed"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_MAGIC = b"loyalloop parsed model 1\n"
#: How many parsed files are kept per model (the most recently written).
KEEP = 4


def cache_dir() -> Path | None:
    """Where prebuilt files are kept: ``$LOYALLOOP_CACHE_DIR`` (set but empty: nowhere),
    else ``$XDG_CACHE_HOME/loyalloop`` or ``~/.cache/loyalloop``."""
    env = os.environ.get("LOYALLOOP_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    try:
        return Path(xdg) / "loyalloop" if xdg else Path.home() / ".cache" / "loyalloop"
    except RuntimeError:  # no home directory
        return None


def layout_version(kind: type) -> int:
    """The parsed layout version of ``kind`` (its ``PARSED_LAYOUT``; a class without one: 0)."""
    return int(getattr(kind, "PARSED_LAYOUT", 0))


def _cache_path(folder: Path, data_file: str, kind: type) -> Path:
    ref = resources.files("loyalloop.feedback").joinpath("data", data_file)
    version = layout_version(kind)
    digest = hashlib.sha256(ref.read_bytes())
    digest.update(f"\0{kind.__module__}.{kind.__qualname__}\0{version}\0".encode())
    digest.update(_module_source(kind))
    digest.update(f"\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
    return folder / f"{Path(data_file).stem}.layout{version}-{digest.hexdigest()[:32]}.pickle"


def _module_source(kind: type) -> bytes:
    """The bytes of the source file of ``kind``'s module (empty when it has none to read)."""
    source = getattr(sys.modules.get(kind.__module__), "__file__", None)
    try:
        return Path(source).read_bytes() if source else b""
    except OSError:
        return b""


def _read(path: Path, kind: type[T]) -> T | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    try:
        found = pickle.loads(data[len(_MAGIC) :])
    except Exception as exc:  # a damaged file can fail in many ways: parse the model again
        log.debug("parsed model %s unreadable (%s): parsed again", path, exc)
        return None
    return found if type(found) is kind else None


def _write(path: Path, model: object) -> None:
    try:
        from loyalloop.core.export import write_bytes_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, _MAGIC + pickle.dumps(model, pickle.HIGHEST_PROTOCOL))
        stem = path.name.split(".layout", 1)[0]
        kept = sorted(path.parent.glob(f"{stem}.layout*-*.pickle"), key=_written, reverse=True)
        for old in [p for p in kept if p != path][KEEP - 1 :]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk: parse it again next time
        log.debug("parsed model not kept in %s: %s", path.parent, exc)


def _written(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile
        return 0.0


def load_parsed(data_file: str, parse: Callable[[], T], kind: type[T]) -> T:
    """``parse()`` — which parses the shipped ``data/<data_file>`` into a ``kind`` — or the
    object it returned in an earlier process, from the cache folder (see the module docs)."""
    folder = cache_dir()
    if folder is None:
        return parse()
    path = _cache_path(folder, data_file, kind)
    found = _read(path, kind)
    if found is not None:
        return found
    model = parse()
    _write(path, model)
    return model
