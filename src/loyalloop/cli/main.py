"""``loyalloop`` — the command line: the root app, its options, and the list of command modules.

Each command module under :mod:`loyalloop.cli` holds a ``typer.Typer`` named ``app`` and is
registered by one line of :data:`COMMAND_MODULES`: with a group name its commands sit under
``loyalloop <group> …``; with ``None`` they sit at the top level. A module may set ``PANEL``, the
heading its group is listed under in ``loyalloop --help``. Adding a capability's commands is
one new module and one line here.

Start-up is kept fast: command modules import only Typer, Rich and :mod:`loyalloop.cli.output`
at import time, and everything heavy (pandas, Ibis, DuckDB, the pipeline …) inside the command
that needs it, so ``loyalloop --help`` and ``loyalloop CMD --help`` never load them (a test
checks ``sys.modules``; timings in ``benchmarks/results/cli.md``).

Every command prints through :mod:`loyalloop.cli.output`: ``--json`` output is strict JSON, and
errors — also usage errors when ``--json`` is given — come out as
``{"error": {"code": …, "message": …}}`` with the exit codes listed in :mod:`loyalloop.errors`.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from loyalloop import __version__
from loyalloop.cli.common import State
from loyalloop.cli.output import EXIT_USAGE, emit_json, set_debug
from loyalloop.core.gcpause import skip_final_collection

__all__ = ["COMMAND_MODULES", "app", "entry", "main"]

#: Command modules (under ``loyalloop.cli``) and the group their commands sit in (``None``: at
#: the top level). One line per module.
COMMAND_MODULES: tuple[tuple[str, str | None], ...] = (
    ("demo", None),  # demo
    ("data", None),  # ingest, sample, export
    ("runs", None),  # run, runs list|show|delete|prune, report
    ("churn", "churn"),
    ("clv", "clv"),
    ("feedback", "feedback"),
    ("experiments", "experiments"),
    ("uplift", "uplift"),
    ("campaigns", "campaigns"),
    ("serve", None),  # serve
    ("db", "db"),
    ("users", "users"),
    ("surveys", "surveys"),
    ("sync", None),  # sync
    ("cases", "cases"),
    ("worker", None),  # worker
    ("erase", None),  # erase, export-person
    ("consent", "consent"),
)

app = typer.Typer(
    name="loyalloop",
    help="Close the customer loop: ingest customer data, run loyalty analytics, report.\n\n"
    "闭环客户运营：导入客户数据、运行忠诚度分析、生成报告。\n\n"
    "Exit codes 退出码: 0 ok · 1 bad input data · 2 usage or configuration · 3 not found · "
    "4 model · 5 project busy · 6 engine · 7 permission · 8 conflict · 70 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loyalloop {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            help="Project home (default $LOYALLOOP_HOME or ./loyalloop-data). "
            "项目目录（默认 $LOYALLOOP_HOME 或 ./loyalloop-data）。",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress details. 输出详细日志。")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of errors. 出错时显示调用栈。")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version. 显示版本。"
        ),
    ] = False,
) -> None:
    set_debug(debug)
    # ibis 12 reads pandas' deprecated future.infer_string option; not the user's concern.
    warnings.filterwarnings("ignore", message="The 'future.infer_string' option is deprecated")
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = State(home=home)


def _register() -> None:
    for module_name, group in COMMAND_MODULES:
        module = importlib.import_module(f"loyalloop.cli.{module_name}")
        # a group's place in `loyalloop --help`: the module's PANEL (commands set their own)
        app.add_typer(module.app, name=group, rich_help_panel=getattr(module, "PANEL", None))


_register()

#: Click's base exception (usage errors, bad parameters), found through a class Typer exports
#: so that this works whether Typer vendors Click or depends on it.
_CLICK_EXCEPTION: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``loyalloop`` program; returns the exit code (:func:`entry` is the console entry
    point).

    Sets ``OMP_WAIT_POLICY=PASSIVE`` unless the environment says otherwise: LightGBM's OpenMP
    threads otherwise spin between tasks and slow down everything else on a small machine.
    With ``--json`` anywhere in the arguments, usage errors are printed as JSON too.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    if "--json" not in args:
        try:
            command.main(args=args, prog_name="loyalloop")
        except SystemExit as exc:  # standalone mode always ends with SystemExit
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return 0
    try:
        result = command.main(args=args, prog_name="loyalloop", standalone_mode=False)
    except _CLICK_EXCEPTION as exc:
        emit_json({"error": {"code": "usage", "message": exc.format_message()}})  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except typer.Abort:
        emit_json({"error": {"code": "aborted", "message": "aborted"}})
        return 1
    return result if isinstance(result, int) else 0


def entry() -> int:
    """The ``loyalloop`` program as a process runs it (console script, ``python -m``):
    :func:`main`, then :func:`~loyalloop.core.gcpause.skip_final_collection` as the process
    is about to exit."""
    code = main()
    skip_final_collection()
    return code
