"""Model files: one JSON document per fitted model, written atomically, with a checksum.

A churn or uplift model carries LightGBM boosters as text. LightGBM's parser trusts that text:
a file damaged on disk (a changed digit, a truncated tree) can make it abort the whole process
rather than raise. So every model file carries a SHA-256 of its canonical content, checked
before any field reaches a model library; a mismatch is a :class:`~loyalloop.errors.ModelError`
naming the file. Files written before checksums existed (no ``checksum`` key) are read as
before, each with a warning in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from loyalloop.core.export import write_text_atomic
from loyalloop.errors import ModelError

__all__ = ["CHECKSUM_KEY", "content_checksum", "read_model_file", "write_model_file"]

log = logging.getLogger(__name__)

#: The key that holds the checksum in a model file.
CHECKSUM_KEY = "checksum"


def content_checksum(payload: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``payload`` (without its checksum key)."""
    body = {k: v for k, v in payload.items() if k != CHECKSUM_KEY}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_model_file(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` with its checksum to ``path`` atomically; return the path.

    ``payload`` must hold JSON values only (convert dates and paths before).
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    document = {**payload, CHECKSUM_KEY: content_checksum(payload)}
    return write_text_atomic(p, json.dumps(document, ensure_ascii=False))


def read_model_file(path: str | Path, *, what: str) -> dict[str, Any]:
    """The JSON object of a model file, its checksum verified.

    Parameters
    ----------
    path
        The model file.
    what
        What the file should be, for messages (e.g. ``"churn model"``).

    Raises
    ------
    ModelError
        The file is missing, is not a JSON object, or its content does not match its checksum.
    """
    p = Path(path)
    try:
        document = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model file {p} does not exist") from None
    except IsADirectoryError:
        raise ModelError(f"{p} is a directory, not a Loyalloop {what} file") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{p} is not a Loyalloop {what} (not a JSON model file)") from None
    if not isinstance(document, dict):
        raise ModelError(f"{p} is not a Loyalloop {what} (not a JSON object)")
    stored = document.get(CHECKSUM_KEY)
    if stored is None:
        log.warning("%s has no checksum (written by an older Loyalloop); read unchecked", p)
    elif stored != content_checksum(document):
        raise ModelError(
            f"{p} is damaged: its content does not match its checksum (the file was changed "
            f"or corrupted after it was written); retrain or restore the {what}"
        )
    return document
