"""``loyalloop run | runs … | report``: run the pipeline, manage its runs, write the report.

Thin: parse, call :mod:`loyalloop.pipeline` / :mod:`loyalloop.report`, print. Heavy modules are
imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalloop.cli.common import JsonOpt, Lang, input_file, output_file, settings, status
from loyalloop.cli.output import emit_json, handle_errors, out

if TYPE_CHECKING:
    from loyalloop.pipeline.runs import Run

__all__ = ["app", "run_summary"]

PANEL = "Runs 运行"

app = typer.Typer()
runs_app = typer.Typer(
    help="List, show, delete and prune published runs (no sub-command: list). "
    "查看、删除、清理历次运行（无子命令时列出）。",
    no_args_is_help=False,
)
app.add_typer(runs_app, name="runs", rich_help_panel=PANEL)

RunOpt = Annotated[
    int | None,
    typer.Option("--run", min=1, help="Run number (default: the latest). 运行编号（默认最新）。"),
]


def run_summary(run: Run) -> dict[str, Any]:
    """A run's headline figures for listings (``runs --json``)."""
    m = run.manifest
    return {
        "run": run.number,
        "as_of": m.get("as_of"),
        "created_at": m.get("created_at"),
        "seconds": m.get("seconds"),
        "kpis": m.get("kpis"),
        "nps": m.get("nps"),
        "csat": m.get("csat"),
        "profiles": m.get("profiles"),
        "tables": m.get("tables"),
        "not_computed": m.get("errors", {}),
    }


def run_json(run: Run) -> dict[str, Any]:
    """Everything a run recorded (``run --json``, ``runs show --json``)."""
    return {"run": run.number, "path": str(run.path), **run.manifest}


@app.command(rich_help_panel=PANEL)
def run(
    ctx: typer.Context,
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
        str,
        typer.Option(
            help="Feedback aspects: default, banking, retail, or a YAML file. 反馈关注点分类。"
        ),
    ] = "default",
    as_json: JsonOpt = False,
) -> None:
    """Run every stage and publish a new numbered run. 运行分析流程并发布新的运行结果。

    Prints what was computed, what was not and why, and each stage's time.
    """
    with handle_errors(as_json):
        from datetime import date

        from loyalloop.errors import ConfigError
        from loyalloop.feedback.aspects import load_taxonomy
        from loyalloop.insight.rfm import load_segment_rules
        from loyalloop.pipeline.context import RunConfig
        from loyalloop.pipeline.run import run_pipeline

        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise ConfigError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        if segments is not None:
            input_file(segments, what="segment rules file")
        config = RunConfig(as_of=day, segment_rules=load_segment_rules(segments), taxonomy=taxonomy)
        load_taxonomy(config.taxonomy)  # fail now, not in the middle of a run
        with status("running") as step:
            result = run_pipeline(settings(ctx), config, on_stage=lambda s: step(f"stage {s}"))
        if as_json:
            emit_json(run_json(result))
            return
        for line in describe_run(result):
            out.print(line, markup=False)


def describe_run(run: Run) -> list[str]:
    """What a run computed, what it did not and why, and its stage times, as lines of text."""
    m = run.manifest
    k = m.get("kpis", {})
    lines = [
        f"run {run.number} published (as of {m.get('as_of')}, {m.get('seconds')} s): "
        f"{k.get('customers', 0):,} customers, {k.get('active_customers', 0):,} active"
    ]
    for name, reason in m.get("errors", {}).items():
        lines.append(f"not computed: {name}: {reason}")
    return lines


@runs_app.callback(invoke_without_command=True)
def runs_main(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the published runs. 列出历次运行。"""
    if ctx.invoked_subcommand is None:
        _list_runs(ctx, as_json)


@runs_app.command("list")
def runs_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the published runs. 列出历次运行。"""
    _list_runs(ctx, as_json)


def _list_runs(ctx: typer.Context, as_json: bool) -> None:
    with handle_errors(as_json):
        from rich.table import Table

        from loyalloop.pipeline.runs import RunStore

        all_runs = RunStore(settings(ctx).runs_dir).list()
        if as_json:
            emit_json([run_summary(r) for r in all_runs])
            return
        if not all_runs:
            out.print("no runs yet; use `loyalloop run`", markup=False)
            return
        table = Table("run", "as of", "created", "customers", "NPS", "tables", "not computed")
        for r in all_runs:
            s = run_summary(r)
            nps = (s["nps"] or {}).get("nps")
            table.add_row(
                str(r.number),
                str(s["as_of"]),
                str(s["created_at"]),
                f"{(s['kpis'] or {}).get('customers', 0):,}",
                "—" if nps is None else f"{nps:.1f}",
                str(len(r.tables)),
                str(len(s["not_computed"])),
            )
        out.print(table)


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    number: Annotated[
        int | None, typer.Argument(min=1, help="Run number (default: latest).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What one run computed, what it did not and why. 查看某次运行的结果摘要。"""
    with handle_errors(as_json):
        from loyalloop.pipeline.runs import RunStore

        r = RunStore(settings(ctx).runs_dir).get(number)
        if as_json:
            emit_json(run_json(r))
            return
        for line in describe_run(r):
            out.print(line, markup=False)


@app.command(rich_help_panel=PANEL)
def report(
    ctx: typer.Context,
    lang: Annotated[Lang, typer.Option(help="Report language. 报告语言。")] = Lang.en,
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
        from loyalloop.pipeline.runs import RunStore
        from loyalloop.report.html import write_report

        st = settings(ctx)
        if out_file is not None:
            output_file(ctx, out_file)
        r = RunStore(st.runs_dir).get(run_number)
        if out_file is None:
            st.reports_dir.mkdir(parents=True, exist_ok=True)
            target = st.reports_dir / f"report-run{r.number:06d}-{lang}.html"
        else:
            target = out_file
        with atomic_output(target) as tmp:
            write_report(r, tmp, lang.value)
        if as_json:
            emit_json({"run": r.number, "lang": lang.value, "report": str(target)})
            return
        out.print(f"report: {target}", markup=False)
