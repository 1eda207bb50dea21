"""Small helpers for writing DuckDB SQL safely: quoted literals and identifiers.

Paths and names go into SQL only through these (an apostrophe in a project's path, or a quote
in a column name, must not break or change a statement).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ident", "literal"]


def literal(value: str | Path) -> str:
    """A SQL string literal: ``it's`` → ``'it''s'``."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier: ``a"b`` → ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'
