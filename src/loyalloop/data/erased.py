"""The customers erased from this project, so that ingesting an old export again does not bring
them back.

``loyalloop erase`` forgets a person everywhere; the source systems it cannot reach still hold
them, and their next export would load them again. So the erasure also adds the person's
customer ids to a suppression list, ``<home>/erased_ids.txt``, and
:func:`~loyalloop.data.ingest.ingest` drops every row whose ``customer_id`` is on it: not
loaded, and not quarantined either (the quarantine keeps a row's values, which is what the
erasure removed). They are counted as ``erased`` in the ingest's result
(``read = loaded + already_loaded + quarantined + erased``).

The list holds no customer id in clear: each line is the SHA-256 of a random per-home salt
(the file's first line) and the id. Anyone holding the file and a candidate id can still test
it — that is what a suppression list is for — but the file alone names nobody.

Not covered (said in the docs): the same person arriving under a *new* customer id (their name,
phone and e-mail are not kept, so nothing could recognise them), and rows a source file
delivers with a malformed id (quarantined as malformed, values kept, like any bad row).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from loyalloop.errors import DataValidationError

__all__ = ["ERASED_FILE", "ErasedIds", "add_erased", "erased_digest", "load_erased"]

#: The suppression list's file name under the project home.
ERASED_FILE = "erased_ids.txt"
_HEADER = "# loyalloop erased customer ids v1 salt="


def erased_digest(salt: str, customer_id: str) -> str:
    """The list's entry for ``customer_id`` (hex SHA-256 of ``salt || customer_id``).

    The engine computes the same digest with ``sha256(salt || customer_id)``.
    """
    return hashlib.sha256((salt + customer_id).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ErasedIds:
    """The suppression list as read: its salt and its digests."""

    salt: str
    digests: frozenset[str]

    def __contains__(self, customer_id: object) -> bool:
        if not isinstance(customer_id, str):
            return False
        return erased_digest(self.salt, customer_id) in self.digests

    def __len__(self) -> int:
        return len(self.digests)


def load_erased(home: Path) -> ErasedIds | None:
    """The home's suppression list, or ``None`` when nobody was ever erased."""
    path = Path(home) / ERASED_FILE
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"{path}: cannot read the erased-customers list: {exc}") from exc
    if not lines or not lines[0].startswith(_HEADER):
        raise DataValidationError(
            f"{path}, line 1: not an erased-customers list (expected {_HEADER!r}…); "
            "it is written by `loyalloop erase` only"
        )
    salt = lines[0][len(_HEADER) :].strip()
    digests: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        line = line.strip()
        if not line:
            continue
        if len(line) != 64 or any(ch not in "0123456789abcdef" for ch in line):
            raise DataValidationError(f"{path}, line {number}: not a SHA-256 digest: {line[:80]!r}")
        digests.add(line)
    return ErasedIds(salt, frozenset(digests))


def add_erased(home: Path, customer_ids: Iterable[str]) -> int:
    """Add ``customer_ids`` to the home's suppression list (created with a new salt when
    absent); the file is replaced atomically. Returns how many ids were new to it.

    The caller holds the home lock (``loyalloop erase`` does), so no ingest reads meanwhile.
    """
    home = Path(home)
    current = load_erased(home)
    salt = current.salt if current is not None else secrets.token_hex(16)
    digests = set(current.digests) if current is not None else set()
    before = len(digests)
    digests.update(erased_digest(salt, c) for c in customer_ids if c)
    text = _HEADER + salt + "\n" + "".join(d + "\n" for d in sorted(digests))
    home.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=home, prefix=".erased-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, home / ERASED_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(digests) - before
