"""``loyalloop`` — the command line. Thin: parse, call the library, format.

Every command that reports numbers accepts ``--json`` and then prints one JSON object on
standard output. Errors go to standard error with a non-zero exit status.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from loyalloop import __version__
from loyalloop.apps.demo import load_sample, run_demo
from loyalloop.core.config import Settings
from loyalloop.core.export import write_table
from loyalloop.core.results import RunManifest
from loyalloop.core.runs import RunStore
from loyalloop.core.warehouse import QUARANTINE_TABLE
from loyalloop.data.contracts import CONTRACTS
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import LoyalloopError
from loyalloop.pipeline.config import run_config
from loyalloop.pipeline.run import run_pipeline
from loyalloop.report.html import write_report

__all__ = ["app"]

app = typer.Typer(
    name="loyalloop",
    help="Close the customer loop: ingest customer data, run loyalty analytics, report.\n\n"
    "闭环客户运营：导入客户数据、运行忠诚度分析、生成报告。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


@dataclass
class State:
    settings: Settings


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"loyalloop {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(help="Project home (default $LOYALLOOP_HOME or ./loyalloop-data). 项目目录。"),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    # ibis 12 reads pandas' deprecated future.infer_string option; not the user's concern.
    warnings.filterwarnings("ignore", message="The 'future.infer_string' option is deprecated")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings().with_home(home)
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    ctx.obj = State(settings)


def _progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=True,
    )


def _print_ingest(result: IngestResult) -> None:
    names = ", ".join(Path(f).name for f in result.files)
    out.print(
        f"{result.table} ({names}): read {result.read:,} · loaded {result.loaded:,} · "
        f"already loaded {result.already_loaded:,} · quarantined {result.quarantined:,}",
        highlight=False,
    )
    if result.first_problem:
        p = result.first_problem
        where = f"{p.file}, row {p.row}" + (f" (line {p.line})" if p.line else "")
        out.print(f"  first quarantined row: {where}: {p.reason}", highlight=False, markup=False)
    for name in result.ignored_columns:
        out.print(f"  ignored column {name}", highlight=False, markup=False)


@app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help=f"Canonical table: {', '.join(CONTRACTS)}.")],
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet, JSON Lines or Excel files.")],
    mapping: Annotated[
        Path | None, typer.Option(help="YAML file mapping your column names to canonical ones.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding (default: detected; e.g. gbk, utf-8).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Validate and load files into a canonical table; bad rows go to quarantine.

    校验并导入数据文件；有问题的行进入隔离表。
    """
    st = _state(ctx)
    try:
        with open_warehouse(st.settings) as wh, _progress(not as_json) as progress:
            task = progress.add_task(f"ingest {table}", total=None)
            result = ingest(
                wh,
                table,
                files,
                mapping=mapping,
                encoding=encoding,
                progress=lambda n: progress.advance(task, n),
            )
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    if as_json:
        _emit_json(
            {
                "read": result.read,
                "loaded": result.loaded,
                "quarantined": result.quarantined,
                **{
                    k: v
                    for k, v in result.to_dict().items()
                    if k not in {"read", "loaded", "quarantined"}
                },
            }
        )
    else:
        _print_ingest(result)
    if result.nothing_loaded:
        p = result.first_problem
        if p is None:
            raise _fail(f"{', '.join(result.files)}: no data rows", 1)
        line = f", line {p.line}" if p.line else ""
        raise _fail(
            f"nothing loaded: file {p.file}, row {p.row}{line}, "
            f"column {p.fields or '-'}: {p.reason}",
            1,
        )


@app.command()
def sample(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=100, help="Number of customers.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    business: Annotated[str, typer.Option(help="card (bank credit cards) or retail.")] = "card",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Generate a realistic sample business and load it. 生成并导入示例数据。"""
    st = _state(ctx)
    try:
        with err.status("generating sample data") as status:
            results = load_sample(
                st.settings,
                customers=customers,
                seed=seed,
                business=business,
                on_step=lambda s: status.update(s),
            )
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    if as_json:
        _emit_json({t: r.to_dict() for t, r in results.items()})
    else:
        for r in results.values():
            _print_ingest(r)
        out.print(f"files in {st.settings.home / 'sample'}", highlight=False)


def _run_summary(run_number: int, manifest: RunManifest) -> dict[str, Any]:
    data = manifest.to_dict()
    keys = ("as_of", "created_at", "seconds", "kpis", "nps", "csat", "profiles", "tables")
    return {"run": run_number, **{k: data[k] for k in keys}}


@app.command()
def run(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="Observation end YYYY-MM-DD (default: last transaction day).")
    ] = None,
    segments: Annotated[Path | None, typer.Option(help="YAML file of RFM segment rules.")] = None,
    taxonomy: Annotated[
        str | None,
        typer.Option(help="Feedback aspects: default, banking, retail, or a YAML file."),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="YAML file of run settings (docs/configuration.md); options override it. "
            "运行参数文件。",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Run every stage and publish a new numbered run. 运行分析流程并发布新的运行结果。"""
    st = _state(ctx)
    try:
        config = run_config(config_file, as_of=as_of, segments=segments, taxonomy=taxonomy)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    try:
        with err.status("running") as status:
            result = run_pipeline(
                st.settings, config, on_stage=lambda s: status.update(f"stage {s}")
            )
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    summary = _run_summary(result.number, result.manifest)
    if as_json:
        _emit_json(summary)
        return
    k = result.manifest.kpis
    out.print(
        f"run {result.number} published (as of {summary['as_of']}, {summary['seconds']} s): "
        f"{k.customers if k else 0:,} customers, {k.active_customers if k else 0:,} active",
        highlight=False,
    )


@app.command()
def runs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the published runs. 列出历次运行。"""
    st = _state(ctx)
    all_runs = RunStore(st.settings.runs_dir).list()
    if as_json:
        _emit_json([_run_summary(r.number, r.manifest) for r in all_runs])
        return
    if not all_runs:
        out.print("no runs yet; use `loyalloop run`")
        return
    table = Table("run", "as of", "created", "customers", "NPS", "tables")
    for r in all_runs:
        m = r.manifest
        nps = m.nps.nps if m.nps else None
        table.add_row(
            str(r.number),
            f"{m.as_of:%Y-%m-%d}",
            m.created_at.isoformat(),
            f"{m.kpis.customers if m.kpis else 0:,}",
            "—" if nps is None else f"{nps:.1f}",
            str(len(r.tables)),
        )
    out.print(table)


@app.command()
def export(
    ctx: typer.Context,
    table: Annotated[
        str,
        typer.Argument(help="A canonical table, 'quarantine', or a run table (rfm, segments, …)."),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="Output .csv or .parquet file.")],
    run_number: Annotated[
        int | None, typer.Option("--run", help="Run number (default latest).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Write a table to CSV or Parquet. 导出数据表。"""
    st = _state(ctx)
    try:
        if table in CONTRACTS or table == QUARANTINE_TABLE:
            with open_warehouse(st.settings) as wh:
                data = wh.table(table).to_pyarrow()
        else:
            data = RunStore(st.settings.runs_dir).get(run_number).read(table)
        write_table(data, out_file)
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    if as_json:
        _emit_json({"table": table, "rows": data.num_rows, "out": str(out_file)})
        return
    out.print(f"wrote {data.num_rows:,} rows to {out_file}", highlight=False)


@app.command()
def report(
    ctx: typer.Context,
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    out_file: Annotated[Path | None, typer.Option("--out", help="Output HTML file.")] = None,
    run_number: Annotated[
        int | None, typer.Option("--run", help="Run number (default latest).")
    ] = None,
) -> None:
    """Write the self-contained HTML report of a run. 生成 HTML 报告。"""
    st = _state(ctx)
    if lang not in ("en", "zh"):
        raise _fail("--lang must be en or zh", 2)
    try:
        r = RunStore(st.settings.runs_dir).get(run_number)
        target = out_file or st.settings.reports_dir / f"report-run{r.number:06d}-{lang}.html"
        write_report(r, target, lang)  # type: ignore[arg-type]
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    out.print(f"report: {target}", highlight=False)


@app.command()
def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=100, help="Number of sample customers.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    lang: Annotated[str, typer.Option(help="Report language: en or zh.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Sample data → run → report, in one go. 一键演示：示例数据、分析、报告。"""
    st = _state(ctx)
    if lang not in ("en", "zh"):
        raise _fail("--lang must be en or zh", 2)
    try:
        with err.status("demo") as status:
            result = run_demo(
                st.settings,
                customers=customers,
                seed=seed,
                lang=lang,  # type: ignore[arg-type]
                on_step=lambda s: status.update(s),
            )
    except LoyalloopError as exc:
        raise _fail(str(exc), 2) from None
    summary = _run_summary(result.run.number, result.run.manifest)
    if as_json:
        _emit_json({**summary, "report": str(result.report)})
        return
    for r in result.ingested.values():
        _print_ingest(r)
    for line in _loop_summary(result.run.number, result.run.manifest):
        out.print(line, highlight=False, markup=False)
    out.print(f"report: {result.report}", highlight=False)


def _loop_summary(number: int, m: RunManifest) -> list[str]:
    """A few lines on what the run found, from its manifest (numbers computed by the stages)."""
    from loyalloop.core.results import ChurnSummary, ClvSummary, FeedbackSummary

    k, nps = m.kpis, m.nps
    lines = [
        f"\nrun {number}: {k.customers if k else 0:,} customers, "
        f"{k.active_customers if k else 0:,} active in the last "
        f"{k.active_days if k else None} days, "
        f"repurchase rate {100 * ((k.repurchase_rate if k else None) or 0):.1f}%"
        + (f", NPS {nps.nps:.1f}" if nps is not None and nps.nps is not None else "")
    ]
    if isinstance(clv := m.clv, ClvSummary):
        lines.append(
            f"value: CLV next {clv.horizon_months} months "
            f"{clv.total_clv / 1e6:,.1f} million, "
            f"top 10% of customers hold {100 * (clv.top_decile_share or 0):.1f}%"
        )
    if isinstance(churn := m.churn, ChurnSummary):
        model = churn.metrics.get("model")
        auc = model.roc_auc if model else None
        lines.append(
            f"churn risk: {churn.high_risk:,} customers at 50% or more"
            + (f" (model ROC AUC {auc:.3f} on the backtest)" if auc else "")
        )
    if isinstance(fb := m.feedback, FeedbackSummary) and fb.top_negative_aspects:
        top = fb.top_negative_aspects[0]
        lines.append(
            f"feedback: {fb.comments:,} comments, {100 * (fb.share_negative or 0):.1f}% negative; "
            f"most complained about: {top.aspect} ({top.negative:,} negative mentions)"
        )
    for name, why in m.not_computed():
        lines.append(f"not computed: {name}: {why.message}")
    return lines


def _register_subapps() -> None:
    from loyalloop.cli import churn as churn_cli
    from loyalloop.cli import clv as clv_cli
    from loyalloop.cli import feedback as feedback_cli

    app.add_typer(churn_cli.app, name="churn")
    app.add_typer(clv_cli.app, name="clv")
    app.add_typer(feedback_cli.app, name="feedback")
    app.add_typer(__import__("loyalloop.cli.experiments", fromlist=["app"]).app, name="experiments")
    app.add_typer(__import__("loyalloop.cli.uplift", fromlist=["app"]).app, name="uplift")


_register_subapps()
