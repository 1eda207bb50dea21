"""One error root for Loyalloop.

Every error the library raises on purpose derives from :class:`LoyalloopError` and, where one
fits, also from the built-in exception it means, so callers can catch either.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataValidationError",
    "IngestError",
    "LoyalloopError",
    "ModelError",
    "NoRunError",
    "NotFittedError",
]


class LoyalloopError(Exception):
    """Root of all Loyalloop errors."""


class ConfigError(LoyalloopError, ValueError):
    """A setting, mapping or spec is invalid."""


class DataValidationError(LoyalloopError, ValueError):
    """Input data does not satisfy a contract (names the column and the offending values)."""


class IngestError(LoyalloopError, ValueError):
    """A file cannot be read or nothing in it could be loaded.

    Carries the file, line and column where known, so the CLI can name them.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        where = ", ".join(
            part
            for part in (
                f"file {file}" if file else "",
                f"line {line}" if line is not None else "",
                f"column {column}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class NoRunError(LoyalloopError, LookupError):
    """No complete pipeline run exists yet (run `loyalloop run` first)."""


class ModelError(LoyalloopError, RuntimeError):
    """A model cannot be fitted or used (degenerate data, no convergence, version mismatch)."""


class NotFittedError(ModelError, AttributeError):
    """A model method needs `fit` to have been called first."""
