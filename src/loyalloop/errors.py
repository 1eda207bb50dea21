"""One error root for Loyalloop.

Every error the library raises on purpose derives from :class:`LoyalloopError` and, where one
fits, also from the built-in exception it means, so callers can catch either.

Each class carries the command-line exit code of its kind (``exit_code``); the CLI maps errors
to exit codes through this attribute only (see :mod:`loyalloop.cli.output`):

====  ==========================================================================
code  meaning
====  ==========================================================================
0     success
1     bad input data (a file or table that breaks its contract)
2     usage or configuration (a bad option, setting, mapping, spec or file name)
3     something named does not exist (a run, a table, a survey, a customer …)
4     a model cannot be fitted or used (degenerate data, version mismatch …)
5     the project home is busy (another command holds it)
6     the analytics engine failed (the SQL that failed is in the message with --debug)
7     permission denied (role, token, signature)
8     a conflicting change: someone else changed it first (reload and try again)
9     cancelled: the person at the terminal declined a confirmation; nothing was changed
70    an internal error (a bug: the traceback is printed with --debug)
74    the operating system refused (disk full, read-only file system, I/O error)
====  ==========================================================================
"""

from __future__ import annotations

__all__ = [
    "BudgetExceededError",
    "BusyError",
    "Cancelled",
    "CaseRuleError",
    "CaseTransitionError",
    "ConfigError",
    "ConflictError",
    "CurrencyMismatchError",
    "DataValidationError",
    "EngineError",
    "IngestError",
    "LoyalloopError",
    "ModelError",
    "NoRunError",
    "NotFittedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RunFormatError",
    "SignatureError",
    "SpecError",
]


class LoyalloopError(Exception):
    """Root of all Loyalloop errors."""

    #: Exit code of the command line for this kind of error.
    exit_code: int = 1
    #: Stable machine-readable code (``--json`` errors, API problem details).
    code: str = "error"


class ConfigError(LoyalloopError, ValueError):
    """A setting, mapping, option or spec is invalid."""

    exit_code = 2
    code = "config"


class CurrencyMismatchError(ConfigError):
    """Amounts in one currency were to be compared with or added to amounts in another (or the
    currency is not known at all). ``reason`` says which: for compensation ``mismatch``,
    ``unknown`` or ``grants``; for campaigns ``offers`` (the offer catalogue names another
    currency), ``no_builtin`` (no built-in catalogue in the project's currency) or ``campaign``
    (a campaign's money is in another currency than the project's now). ``expected`` is the
    currency the amounts had to be in, ``found`` the other one. The pages say each reason in
    their language (``api.i18n``: ``comp_currency_<reason>``, ``cp_currency_<reason>``)."""

    code = "currency_mismatch"

    def __init__(
        self, message: str, *, reason: str = "mismatch", expected: str = "", found: str = ""
    ) -> None:
        self.reason, self.expected, self.found = reason, expected, found
        super().__init__(message)


class SpecError(ConfigError):
    """A declarative spec (segment, campaign, offer catalogue, template …) is invalid.

    ``path`` names the offending field the way the spec is written, e.g.
    ``conditions[2].field``; the message starts with it.
    """

    code = "bad_spec"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class BudgetExceededError(LoyalloopError, ValueError):
    """Going on would spend more than a campaign's budget; nothing was assigned."""

    exit_code = 2
    code = "budget_exceeded"


class DataValidationError(LoyalloopError, ValueError):
    """Input data does not satisfy a contract (names the column and the offending values)."""

    exit_code = 1
    code = "bad_data"


class RunFormatError(DataValidationError):
    """A published run's manifest is of another format version, or not a manifest at all."""

    code = "run_format"


class IngestError(LoyalloopError, ValueError):
    """A file cannot be read or nothing in it could be loaded.

    Carries the file, line and column where known, so the CLI can name them.
    """

    exit_code = 1
    code = "bad_input"

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


class NotFoundError(LoyalloopError, LookupError):
    """Something named by the user does not exist (a run, a table, a survey, a customer)."""

    exit_code = 3
    code = "not_found"


class NoRunError(NotFoundError):
    """No complete pipeline run exists yet (run `loyalloop run` first), or not that one."""

    code = "no_run"


class ModelError(LoyalloopError, RuntimeError):
    """A model cannot be fitted or used (degenerate data, no convergence, version mismatch)."""

    exit_code = 4
    code = "model"


class NotFittedError(ModelError, AttributeError):
    """A model method needs `fit` to have been called first."""

    code = "not_fitted"


class BusyError(LoyalloopError, RuntimeError):
    """The project home (or a resource in it) is held by another command."""

    exit_code = 5
    code = "busy"


class EngineError(LoyalloopError, RuntimeError):
    """The analytics engine (DuckDB, Spark …) failed; carries the SQL that failed."""

    exit_code = 6
    code = "engine"

    def __init__(self, message: str, *, sql: str | None = None) -> None:
        self.sql = sql
        super().__init__(message)


class PermissionDeniedError(LoyalloopError, PermissionError):
    """The caller may not do this (role, token, signature, consent)."""

    exit_code = 7
    code = "permission_denied"


class SignatureError(PermissionDeniedError):
    """A signed link or token is malformed, forged or altered (``reason`` says which)."""

    code = "bad_signature"

    def __init__(self, reason: str, what: str = "link") -> None:
        self.reason = reason
        super().__init__(f"{what} {reason}")


class CaseRuleError(SpecError):
    """A case configuration (rules, SLA classes, calendar, compensation policy, templates,
    PII registry) is invalid.

    ``line`` is the 1-based line of the YAML text where the problem is (when known) and
    ``field`` (also ``path``) the offending field written as a path, e.g.
    ``rules[2].max_score``; the message starts with the source, the line and the field.
    """

    code = "bad_case_rules"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        source: str | None = None,
    ) -> None:
        self.field = field
        self.path = field
        self.line = line
        self.source = source
        self.reason = message
        where = ", ".join(
            part
            for part in (
                source or "",
                f"line {line}" if line is not None else "",
                field or "",
            )
            if part
        )
        ConfigError.__init__(self, f"{where}: {message}" if where else message)


class CaseTransitionError(LoyalloopError, ValueError):
    """A case cannot make this change (an illegal status transition, a missing resolution code,
    an owner outside the team …); nothing was changed."""

    exit_code = 2
    code = "case_transition"


class ConflictError(LoyalloopError, RuntimeError):
    """Someone else changed the record first (optimistic locking): nothing was changed;
    reload it and try again. ``current`` is the record's version now, when known."""

    exit_code = 8
    code = "conflict"

    def __init__(self, message: str, *, current: int | None = None) -> None:
        self.current = current
        super().__init__(message)


class Cancelled(LoyalloopError):
    """The person at the terminal answered no (or nothing) to a confirmation: nothing was
    changed. Not a failure of the data or the command; its own exit code so that scripts can
    tell it from one."""

    exit_code = 9
    code = "cancelled"
