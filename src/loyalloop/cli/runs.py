"""``loyalloop run | runs … | report``: run the pipeline, manage its runs, write the report.

Thin: parse, call :mod:`loyalloop.pipeline` / :mod:`loyalloop.report`, print. Heavy modules are
imported inside the commands.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from loyalloop.cli.common import (
    JsonOpt,
    Lang,
    LangOpt,
    hold_home,
    input_file,
    lang_of,
    output_file,
    settings,
    status,
)
from loyalloop.cli.output import confirm, emit_json, err, handle_errors, out
from loyalloop.cli.talk import describe_run, run_json, run_summary, t

__all__ = ["app"]

PANEL = "Runs 运行"

app = typer.Typer()
runs_app = typer.Typer(
    help="List, show, delete and prune published runs (no sub-command: list). "
    "查看、删除、清理历次运行（无子命令时列出）。",
    no_args_is_help=False,
)
app.add_typer(runs_app, name="runs", rich_help_panel=PANEL)


class EngineChoice(StrEnum):
    """``--engine`` (mirrors :class:`loyalloop.core.config.Engine`, which is not imported
    before a command runs)."""

    DUCKDB = "duckdb"
    SPARK = "spark"


YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation. 不再确认。")
]
RunOpt = Annotated[
    int | None,
    typer.Option("--run", min=1, help="Run number (default: the latest). 运行编号（默认最新）。"),
]


@app.command(rich_help_panel=PANEL)
def run(
    ctx: typer.Context,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="YAML file of run settings (docs/configuration.md; default: <home>/run.yaml "
            "when it exists); the options below override it. 运行参数文件（默认：项目目录下的 "
            "run.yaml，如存在）。",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Observation end YYYY-MM-DD (default: the last transaction day). 观察截止日。"
        ),
    ] = None,
    segments: Annotated[
        Path | None, typer.Option(help="YAML file of RFM segment rules. RFM 分群规则文件。")
    ] = None,
    taxonomy: Annotated[
        str | None,
        typer.Option(
            help="Feedback aspects: default, banking, retail, or a YAML file. 反馈关注点分类。"
        ),
    ] = None,
    engine: Annotated[
        EngineChoice | None,
        typer.Option(
            help="Engine of the warehouse work (default: LOYALLOOP_ENGINE, else duckdb; "
            "docs/scale-out.md). 计算引擎（默认 LOYALLOOP_ENGINE，否则 duckdb）。",
            case_sensitive=False,
        ),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every stage and publish a new numbered run. 运行分析流程并发布新的运行结果。

    Prints what was computed, what was not and why, and each stage's time.
    """
    with handle_errors(as_json), ExitStack() as stack:
        from loyalloop.core.config import Engine
        from loyalloop.pipeline.parallel import worker_started

        early = settings(ctx)  # the worker process imports while this one does (below)
        lg = lang_of(ctx, lang)
        if engine is not None:
            early = replace(early, engine=Engine(engine.value))
        stack.enter_context(worker_started(early))
        from loyalloop.pipeline.config import project_run_settings, run_config
        from loyalloop.pipeline.run import run_pipeline

        if config_file is not None:
            input_file(config_file, what="run settings file")
        if segments is not None:
            input_file(segments, what="segment rules file")
        home = settings(ctx).home
        config = run_config(
            config_file, as_of=as_of, segments=segments, taxonomy=taxonomy, home=home
        )
        from loyalloop.cli.sync import sync_before_run

        with hold_home(ctx, "run"):  # the sync writes survey answers into the warehouse too
            sync_before_run(ctx, quiet=as_json, as_of=config.as_of, lang=lg)  # answers first
            run_settings = settings(ctx)
            if engine is not None:
                run_settings = replace(run_settings, engine=Engine(engine.value))
            with status("running") as step:
                result = run_pipeline(run_settings, config, on_stage=lambda s: step(f"stage {s}"))
        from loyalloop.cli.cases import cases_after_run

        cases_after_run(ctx, result.number, quiet=as_json, lang=lg)  # case rules on the outputs
        from loyalloop.cli.campaigns import campaigns_after_run

        campaigns_after_run(ctx, result.number, quiet=as_json, lang=lg)  # triggered campaigns
        if as_json:
            emit_json(run_json(result))
            return
        project = project_run_settings(home)
        if config_file is None and project.is_file():
            out.print(t("cli_run_settings_file", lg, path=project), markup=False)
        for line in describe_run(result, lg):
            out.print(line, markup=False)


@runs_app.callback(invoke_without_command=True)
def runs_main(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """List the published runs. 列出历次运行。"""
    if ctx.invoked_subcommand is None:
        _list_runs(ctx, lang, as_json)


@runs_app.command("list")
def runs_list(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """List the published runs. 列出历次运行。"""
    _list_runs(ctx, lang, as_json)


def _list_runs(ctx: typer.Context, lang: Lang | None, as_json: bool) -> None:
    with handle_errors(as_json):
        from rich.table import Table

        from loyalloop.core.runs import RunStore

        all_runs, unreadable = RunStore(settings(ctx).runs_dir).survey()
        if as_json:
            emit_json(
                [run_summary(r) for r in all_runs]
                + [{"run": n, "unreadable": why} for n, why in unreadable]
            )
            return
        lg = lang_of(ctx, lang)
        for n, why in unreadable:
            err.print(t("cli_runs_unreadable", lg, n=n, why=why), markup=False)
        if not all_runs:
            if not unreadable:
                out.print(t("cli_runs_none", lg), markup=False)
            return
        columns = ("run", "as_of", "created", "customers", "active", "nps", "not_computed")
        table = Table(*(t(f"cli_runs_col_{c}", lg) for c in columns))
        for r in all_runs:
            m = r.manifest
            nps = m.nps.nps if m.nps is not None else None
            table.add_row(
                str(r.number),
                f"{m.as_of:%Y-%m-%d}",
                f"{m.created_at:%Y-%m-%d %H:%M}",
                f"{m.kpis.customers:,}" if m.kpis is not None else "—",
                f"{m.kpis.active_customers:,}" if m.kpis is not None else "—",
                "—" if nps is None else f"{nps:.1f}",
                str(len(m.not_computed())),
            )
        out.print(table)


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    number: Annotated[
        int | None,
        typer.Argument(min=1, help="Run number (default: latest). 运行编号（默认最新一次）。"),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What one run computed, what it did not and why. 查看某次运行的结果摘要。"""
    with handle_errors(as_json):
        from loyalloop.core.runs import RunStore

        r = RunStore(settings(ctx).runs_dir).get(number)
        if as_json:
            emit_json(run_json(r))
            return
        for line in describe_run(r, lang_of(ctx, lang)):
            out.print(line, markup=False)


@runs_app.command("delete")
def runs_delete(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(min=1, help="Run number. 运行编号。")],
    yes: YesOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete one run (atomically; its number is never reused). 删除一次运行。"""
    with handle_errors(as_json):
        from loyalloop.core.runs import RunStore
        from loyalloop.errors import RunFormatError

        lg = lang_of(ctx, lang)
        store = RunStore(settings(ctx).runs_dir)
        try:
            run = store.get(number)
            day = f"{run.manifest.as_of:%Y-%m-%d}"
            what = t("cli_runs_what", lg, day=day, tables=len(run.tables))
        except RunFormatError:  # a run of an older format can still be deleted
            if number not in store.numbers():
                raise
            what = t("cli_runs_old_format", lg)
        question = t("cli_runs_delete_q", lg, n=number, what=what)
        declined = t("cli_runs_kept", lg, n=number)
        confirm(question, yes=yes, as_json=as_json, declined=declined, lang=lg)
        with hold_home(ctx, "runs delete"):  # not while a run is being written
            store.delete(number)
        if as_json:
            emit_json({"deleted": [number]})
            return
        out.print(t("cli_runs_deleted", lg, n=number), markup=False)


@runs_app.command("prune")
def runs_prune(
    ctx: typer.Context,
    keep_last: Annotated[
        int,
        typer.Option(
            "--keep-last", min=0, help="How many of the latest runs to keep. 保留最近几次。"
        ),
    ],
    yes: YesOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete every run but the latest K. 只保留最近 K 次运行。"""
    with handle_errors(as_json):
        from loyalloop.core.runs import RunStore

        lg = lang_of(ctx, lang)
        sep = t("cli_list_sep", lg)
        store = RunStore(settings(ctx).runs_dir)
        numbers = store.numbers()
        doomed = numbers[: max(len(numbers) - keep_last, 0)]
        if not doomed:
            if as_json:
                emit_json({"deleted": []})
                return
            out.print(t("cli_runs_prune_nothing", lg, n=len(numbers), keep=keep_last), markup=False)
            return
        question = t("cli_runs_prune_q", lg, listed=sep.join(str(n) for n in doomed))
        confirm(question, yes=yes, as_json=as_json, declined=t("cli_runs_all_kept", lg), lang=lg)
        with hold_home(ctx, "runs prune"):
            deleted = store.prune(keep_last=keep_last)
        if as_json:
            emit_json({"deleted": deleted})
            return
        listed = sep.join(str(n) for n in deleted)
        out.print(t("cli_runs_pruned", lg, listed=listed), markup=False)


@app.command(rich_help_panel=PANEL)
def report(
    ctx: typer.Context,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            help="Report language (default: the project's, $LOYALLOOP_LANG, else en). "
            "报告语言（默认为项目语言 $LOYALLOOP_LANG，未设置时为 en）。",
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output HTML file (default: <home>/reports/report-runNNNNNN-<lang>.html). "
            "输出文件。",
        ),
    ] = None,
    run_number: RunOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the self-contained HTML report of a run. 生成 HTML 报告。"""
    with handle_errors(as_json):
        from loyalloop.core.export import atomic_output
        from loyalloop.core.runs import RunStore
        from loyalloop.report.html import write_report

        st = settings(ctx)
        lg = lang_of(ctx, lang)
        if out_file is not None:
            output_file(ctx, out_file)
        r = RunStore(st.runs_dir).get(run_number)
        if out_file is None:
            st.reports_dir.mkdir(parents=True, exist_ok=True)
            target = st.reports_dir / f"report-run{r.number:06d}-{lg}.html"
        else:
            target = out_file
        with atomic_output(target) as tmp:
            write_report(r, tmp, lg)
        if as_json:
            emit_json({"run": r.number, "lang": lg, "report": str(target)})
            return
        out.print(t("demo_report", lg, path=target), markup=False)
