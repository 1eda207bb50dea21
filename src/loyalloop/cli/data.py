"""``loyalloop ingest | sample | export``: data into the warehouse and tables out of it.

Thin: check the paths, call :mod:`loyalloop.data` / :mod:`loyalloop.core.export`, print.
Heavy modules are imported inside the commands.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalloop.cli.common import (
    JsonOpt,
    LangOpt,
    hold_home,
    input_file,
    lang_of,
    output_file,
    settings,
    status,
)
from loyalloop.cli.output import emit_json, err, handle_errors, out
from loyalloop.errors import IngestError

if TYPE_CHECKING:
    from rich.progress import Progress

    from loyalloop.data.ingest import IngestResult
    from loyalloop.report.i18n import Lang

__all__ = ["Business", "Decimal", "Table", "app", "print_ingest"]

PANEL = "Data 数据"

app = typer.Typer()


class Table(StrEnum):
    """A canonical table (the names of :data:`loyalloop.data.contracts.CONTRACTS`; a test keeps
    them equal — importing the contracts here would load the warehouse code at start-up)."""

    customers = "customers"
    transactions = "transactions"
    accounts = "accounts"
    feedback = "feedback"
    kano_answers = "kano_answers"
    interactions = "interactions"
    campaigns = "campaigns"
    assignments = "assignments"
    outcomes = "outcomes"


class Decimal(StrEnum):
    """How numbers write their decimal part (as ``decimal:`` in a mapping)."""

    point = "."
    comma = ","
    auto = "auto"


class Business(StrEnum):
    """Kind of sample business."""

    card = "card"
    retail = "retail"


def _progress(enabled: bool) -> Progress:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled or not err.is_terminal,
        transient=True,
    )


def print_ingest(result: IngestResult, lang: Lang = "en") -> None:
    """The counts of one ingest, and its first problem, as text."""
    for line in ingest_lines(result, lang):
        out.print(line, markup=False)


def ingest_lines(result: IngestResult, lang: Lang = "en") -> list[str]:
    """:func:`print_ingest`'s lines in ``lang`` (notes and reasons are the library's English)."""
    from loyalloop.cli.talk import t

    names = ", ".join(Path(f).name for f in result.files)
    n = {
        k: f"{getattr(result, k):,}"
        for k in ("read", "loaded", "already_loaded", "quarantined", "repaired", "erased")
    }
    lines = [
        t(
            "cli_ingest",
            lang,
            table=result.table,
            files=names,
            read=n["read"],
            loaded=n["loaded"],
            repaired=t("cli_ingest_repaired", lang, n=n["repaired"]) if result.repaired else "",
            already=n["already_loaded"],
            quarantined=n["quarantined"],
            erased=t("cli_ingest_erased", lang, n=n["erased"]) if result.erased else "",
        )
    ]
    lines += [t("cli_ingest_note", lang, note=note) for note in result.notes]
    if result.first_problem:
        p = result.first_problem
        line = t("cli_ingest_line", lang, line=p.line) if p.line else ""
        lines.append(
            t("cli_ingest_first", lang, file=p.file, row=p.row, line=line, reason=p.reason)
        )
    lines += [t("cli_ingest_ignored", lang, name=name) for name in result.ignored_columns]
    return lines


def ingest_json(result: IngestResult) -> dict[str, Any]:
    """An ingest's result for ``--json`` (the three counts first)."""
    data = result.to_dict()
    return {
        "read": result.read,
        "loaded": result.loaded,
        "quarantined": result.quarantined,
        **{k: v for k, v in data.items() if k not in {"read", "loaded", "quarantined"}},
    }


@app.command("ingest", rich_help_panel=PANEL)
def ingest_cmd(
    ctx: typer.Context,
    table: Annotated[
        Table,
        typer.Argument(
            metavar="TABLE",
            help=f"Canonical table: {', '.join(Table)}. 目标标准表。",
            show_choices=False,
        ),
    ],
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="CSV, Parquet, JSON Lines or Excel files. 数据文件。"),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(help="YAML file mapping your column names to canonical ones. 列名映射。"),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding (default: detected; e.g. gbk, utf-8). 文本编码。"),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Workbook sheet to read ('*': every sheet). 读取哪个工作表。"
        ),
    ] = None,
    decimal: Annotated[
        Decimal | None,
        typer.Option(help="Decimal mark of numbers (default: auto). 小数点符号。"),
    ] = None,
    null: Annotated[
        list[str] | None,
        typer.Option(
            "--null", metavar="WORD", help="A word meaning 'no value' (repeatable). 表示空值的词。"
        ),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate and load files into a canonical table; bad rows go to quarantine.
    校验并导入数据文件；有问题的行进入隔离表。
    """
    with handle_errors(as_json):
        for f in files:
            input_file(f, encoding=encoding)
        if mapping is not None:
            input_file(mapping, what="mapping file")
        from loyalloop.data.ingest import ingest
        from loyalloop.data.schema import open_warehouse

        with (
            hold_home(ctx, "ingest"),
            open_warehouse(settings(ctx)) as wh,
            _progress(not as_json) as progress,
        ):
            task = progress.add_task(f"ingest {table}", total=None)
            result = ingest(
                wh,
                str(table),
                files,
                mapping=mapping,
                encoding=encoding,
                sheet=sheet,
                decimal=decimal.value if decimal is not None else None,
                nulls=null,
                progress=lambda n: progress.advance(task, n),
            )
        if result.nothing_loaded and result.read > result.erased:
            p = result.first_problem
            if p is None:
                raise IngestError(
                    "no data rows (the file has a header and nothing else)",
                    file=", ".join(result.files),
                )
            raise IngestError(
                f"nothing loaded: every row was quarantined (see `loyalloop export quarantine`); "
                f"the first, row {p.row}: {p.reason}",
                file=p.file,
                line=p.line,
                column=p.fields or None,
            )
        if as_json:
            emit_json(ingest_json(result))
        else:
            print_ingest(result, lang_of(ctx, lang))


sample_app = typer.Typer(
    help="Generate a realistic sample business and load it. 生成并导入示例数据。",
)
app.add_typer(sample_app, name="sample", rich_help_panel=PANEL)


@sample_app.callback(invoke_without_command=True)
def sample(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=100, help="Number of customers. 客户数。")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed. 随机种子。")] = 0,
    business: Annotated[
        Business, typer.Option(help="card (bank credit cards) or retail. 业务类型。")
    ] = Business.card,
    transactions: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="About this many transactions (default: the business's rate, ~69 per card "
            "customer); e.g. 10000000 for 1M customers. 交易笔数（约）。",
        ),
    ] = None,
    comments: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="About this many comments (default: ~0.5 per card customer). 评论条数（约）。",
        ),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a realistic sample business and load it. 生成并导入示例数据。"""
    if ctx.invoked_subcommand is not None:
        return
    with handle_errors(as_json):
        from loyalloop.apps.demo import load_sample
        from loyalloop.cli.talk import t

        st = settings(ctx)
        with hold_home(ctx, "sample"), status("generating sample data") as step:
            results = load_sample(
                st,
                customers=customers,
                seed=seed,
                business=str(business),
                on_step=step,
                transactions=transactions,
                comments=comments,
            )
        if as_json:
            emit_json({name: ingest_json(r) for name, r in results.items()})
            return
        lg = lang_of(ctx, lang)
        for r in results.values():
            print_ingest(r, lg)
        out.print(t("cli_sample_files", lg, path=st.home / "sample"), markup=False)


# --- campsvc: outcomes of a sent campaign from the sample's truth ---------------------------


@sample_app.command("simulate-outcomes")
def simulate_outcomes_cmd(
    ctx: typer.Context,
    campaign: Annotated[str, typer.Option(help="Campaign name. 活动名称。")],
    seed: Annotated[int, typer.Option(help="Random seed. 随机种子。")] = 0,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Outcomes of a sent campaign from the sample's truth, into the warehouse.
    根据示例数据的真实响应模拟已发送活动的结果并写入数据仓库。

    Customers whose message was sent count as contacted; holdout, global control and unsent
    messages as left alone.
    """
    with handle_errors(as_json):
        from loyalloop.cli._service import open_service_store
        from loyalloop.services.campaigns import simulate_outcomes

        store = open_service_store(ctx)
        try:
            result = simulate_outcomes(store, campaign, seed=seed)
        finally:
            store.close()
    if as_json:
        emit_json(result.to_dict())
        return
    from loyalloop.cli.talk import code_name, t

    lg = lang_of(ctx, lang)
    sep = t("cli_list_sep", lg)
    kinds = sep.join(
        f"{code_name('cli_so_kind_', k, lg)} {v:,}" for k, v in sorted(result.outcomes.items())
    )
    out.print(
        t(
            "cli_so_done",
            lg,
            campaign=result.campaign,
            assigned=f"{result.assigned:,}",
            contacted=f"{result.contacted:,}",
            kinds=kinds or t("cli_so_none", lg),
            loaded=f"{result.ingest['loaded']:,}",
            already=f"{result.ingest['already_loaded']:,}",
            quarantined=f"{result.ingest['quarantined']:,}",
        ),
        markup=False,
    )


@app.command(rich_help_panel=PANEL)
def export(
    ctx: typer.Context,
    table: Annotated[
        str,
        typer.Argument(
            help="A canonical table, 'quarantine', 'repairs', or a run table (rfm, segments, "
            "…). 标准表、quarantine、repairs 或运行结果表。"
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", help="Output .csv or .parquet file. 输出文件。")
    ],
    run_number: Annotated[
        int | None,
        typer.Option("--run", help="Run to export from (default: the latest). 运行编号。"),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a table to CSV (safe to open in a spreadsheet) or Parquet. 导出数据表。

    Canonical tables, the quarantine and the repairs come from the warehouse; anything else is
    a table of a run (``--run N``, default the latest).
    """
    with handle_errors(as_json):
        from loyalloop.core.export import TABLE_SUFFIXES, write_table

        st = settings(ctx)
        output_file(ctx, out_file, suffixes=TABLE_SUFFIXES)
        source = _export_source(table, run_number, st)
        data = source()
        write_table(data, out_file, st)
        if as_json:
            emit_json({"table": table, "rows": data.num_rows, "out": str(out_file)})
            return
        from loyalloop.cli.talk import t

        line = t("cli_export_wrote", lang_of(ctx, lang), rows=f"{data.num_rows:,}", path=out_file)
        out.print(line, markup=False)


def _export_source(table: str, run_number: int | None, st: Any) -> Any:
    """A function returning the Arrow table to export (checks the name first)."""
    from loyalloop.core.warehouse import QUARANTINE_TABLE, REPAIRS_TABLE
    from loyalloop.data.contracts import CONTRACTS

    if table in CONTRACTS or table in (QUARANTINE_TABLE, REPAIRS_TABLE):
        if run_number is not None:
            from loyalloop.errors import ConfigError

            raise ConfigError(
                f"{table} is a warehouse table, not a table of a run; leave out --run"
            )

        def from_warehouse() -> Any:
            from loyalloop.data.schema import open_warehouse

            with open_warehouse(st, read_only=True) as wh:
                return wh.table(table).to_pyarrow()

        return from_warehouse
    from loyalloop.core.runs import RunStore

    run = RunStore(st.runs_dir).get(run_number)
    run.table_path(table)  # fails now, naming the tables the run has
    return lambda: run.read(table)
