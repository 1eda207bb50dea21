"""One voice for every command: strict JSON output, error messages and exit codes.

Every ``loyalloop`` command prints through this module:

* :func:`emit_json` writes strict JSON (RFC 8259): ``NaN`` and infinities become ``null``,
  NumPy scalars become numbers, dates become ISO strings. Strict parsers (``jq``,
  JavaScript's ``JSON.parse``) accept everything a command prints.
* :func:`handle_errors` turns a :class:`~loyalloop.errors.LoyalloopError` into a message on
  standard error (``error: …``, ``错误：…`` when the project's language, ``LOYALLOOP_LANG``, is
  Chinese — as are this module's own messages, "interrupted", "internal error" …; the library's
  messages are English, so in Chinese their line names the error's kind and says the text is
  English: ``错误（输入文件有误；说明为英文）：customers.csv row 5 …``; Rich markup
  in the message is escaped, because messages quote customer values) — or, with ``--json``,
  into ``{"error": {"code": …, "message": …}}`` on standard output (the codes are never
  translated) — and exits with the error's ``exit_code`` (table in :mod:`loyalloop.errors`).
  An error of the operating system (disk full, read-only file system) exits with 74 (7 for
  a permission error); any other exception is an internal error: exit code 70, a one-line
  message, and the traceback only with ``--debug``.
* :func:`confirm` asks before a destructive change (``runs delete``, ``erase`` …). ``--yes``
  skips the question; with ``--json`` nothing is asked (``--yes`` is required, exit 2); a
  declined question raises :class:`~loyalloop.errors.Cancelled`: exit code 9, ``cancelled:
  …`` (or ``{"error": {"code": "cancelled", …}}``), and nothing was changed. Both messages
  are in the command's language (``已取消：…`` in Chinese); the JSON error codes are not.

This module imports nothing heavy (no pandas, NumPy, Ibis): ``loyalloop --help`` stays fast.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from loyalloop.errors import Cancelled, ConfigError, LoyalloopError, PermissionDeniedError

if TYPE_CHECKING:
    from loyalloop.report.i18n import Lang

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OS",
    "EXIT_USAGE",
    "confirm",
    "emit_json",
    "err",
    "fail",
    "handle_errors",
    "one_line",
    "out",
    "set_debug",
    "strict",
    "to_json",
]

#: Exit code of an unexpected exception (a bug).
EXIT_INTERNAL = 70
#: Exit code of a usage error (bad option or argument).
EXIT_USAGE = 2
#: Exit code when the operating system refuses (disk full, read-only file system, I/O error).
EXIT_OS = 74

# No highlighting and no :emoji: codes: printed text often quotes customer values.
err = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
out = Console(soft_wrap=True, highlight=False, emoji=False)

_debug = False


def one_line(text: object, limit: int = 100) -> str:
    """Customer text made safe for one terminal line: control and format characters (escape
    sequences, bidirectional overrides, zero-width characters) dropped, line breaks and runs
    of white space made one space, cut after ``limit`` characters with "…".

    >>> one_line("bad\\x1b[31m red\\nline\\u202e", 12)
    'bad[31m red…'
    """
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in str(text or "")
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    flat = " ".join(kept.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def set_debug(value: bool) -> None:
    """Print tracebacks of errors (``loyalloop --debug``)."""
    global _debug
    _debug = value


def strict(value: Any) -> Any:
    """``value`` made JSON-safe: non-finite floats → ``None``; NumPy, dates, paths → plain."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return strict(float(value))
    if isinstance(value, Enum):
        return strict(value.value)
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [strict(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return strict(to_dict())
    tolist = getattr(value, "tolist", None)  # NumPy scalars and arrays, without importing NumPy
    if callable(tolist):
        return strict(tolist())
    return str(value)


def to_json(data: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``data`` (see :func:`strict`)."""
    return json.dumps(strict(data), ensure_ascii=False, indent=indent, allow_nan=False)


def emit_json(data: Any) -> None:
    """Print ``data`` as strict JSON on standard output."""
    sys.stdout.write(to_json(data) + "\n")
    sys.stdout.flush()


def _project_lang() -> Lang:
    """The project's language (``LOYALLOOP_LANG``), read as errors are printed: an error may
    come before the settings could be built (an invalid ``LOYALLOOP_LANG`` among them), so
    this never raises — anything but ``zh`` is English."""
    return "zh" if os.environ.get("LOYALLOOP_LANG", "").strip().lower() == "zh" else "en"


def _t(key: str, **kw: object) -> str:
    from loyalloop.cli.talk import t

    return t(key, _project_lang(), **kw)


def _print_error(code: str, message: str, as_json: bool, *, prefix: str | None = None) -> None:
    """The error line on standard error (``error: …`` / ``错误：…`` in the project's language,
    or ``prefix``), or with ``--json`` ``{"error": {"code": …, "message": …}}`` (codes never
    translated)."""
    if as_json:
        emit_json({"error": {"code": code, "message": message}})
    else:
        head = _t("cli_error_prefix") if prefix is None else prefix
        err.print(f"[bold red]{escape(head)}[/]{escape(message)}")


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _library_prefix(exc: LoyalloopError) -> str | None:
    """In Chinese, the prefix of a library message written in English: ``错误（输入文件有误；说明
    为英文）：`` — the error's kind by its code (or its nearest parent class's), so a reader
    who does not read the English still knows what went wrong and where to look; ``None``
    (the plain ``错误：``) for a message in Chinese or a project in English."""
    if _project_lang() != "zh" or _has_chinese(str(exc)):
        return None
    from loyalloop.cli.talk import code_name

    for cls in type(exc).__mro__:
        code = getattr(cls, "code", None)
        if isinstance(code, str):
            kind = code_name("cli_error_kind_", code, "zh")
            if kind != code:
                return _t("cli_error_english", kind=kind)
    return None


def fail(
    message: str, code: int = EXIT_USAGE, *, as_json: bool = False, kind: str = "usage"
) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``."""
    _print_error(kind, message, as_json)
    raise typer.Exit(code)


def confirm(question: str, *, yes: bool, as_json: bool, declined: str, lang: Lang = "en") -> None:
    """Return when the change may go ahead: ``--yes`` was given or the person answered yes.

    ``lang`` is the command's language (``--lang`` or the project's,
    :func:`loyalloop.cli.common.lang_of`): the refusal and the ``cancelled: …`` line are in it;
    with ``--json`` only the message is, the error's code is not.

    Raises
    ------
    ConfigError
        With ``--json`` (nothing is asked of a script): add ``--yes``.
    Cancelled
        The person answered no, or closed the input (Ctrl-D / Ctrl-C at the prompt);
        ``declined`` says what was left unchanged.
    """
    from loyalloop.cli.talk import t

    if yes:
        return
    if as_json:
        raise ConfigError(t("cli_json_needs_yes", lang))
    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        agreed = False
    if not agreed:
        raise Cancelled(t("cli_cancelled", lang, what=declined))


@contextmanager
def handle_errors(as_json: bool = False) -> Iterator[None]:
    """Translate errors raised inside the block into a message and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except LoyalloopError as exc:
        if _debug:
            err.print_exception()
        _print_error(exc.code, str(exc), as_json, prefix=_library_prefix(exc))
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        _print_error("interrupted", _t("cli_error_interrupted"), as_json)
        raise typer.Exit(130) from None
    except OSError as exc:  # the system refused: disk full, read-only, permissions (not a bug)
        if _debug:
            err.print_exception()
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror or exc}{where}"
        if isinstance(exc, PermissionError):
            _print_error("permission_denied", _t("cli_error_permission", text=text), as_json)
            raise typer.Exit(PermissionDeniedError.exit_code) from None
        _print_error("os_error", _t("cli_error_os", text=text), as_json)
        raise typer.Exit(EXIT_OS) from None
    except Exception as exc:
        if _debug:
            err.print_exception()
        message = _t("cli_error_internal", kind=type(exc).__name__, exc=exc)
        if not _debug:
            message += _t("cli_error_debug_hint")
        _print_error("internal", message, as_json)
        raise typer.Exit(EXIT_INTERNAL) from None
