"""``loyalloop demo``: sample data → ingest → run → report, in one go.

Thin: calls the demo composition and prints what it found. Heavy modules are imported inside
the command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from loyalloop.cli.common import JsonOpt, Lang, settings, status
from loyalloop.cli.data import Business, ingest_json, print_ingest
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.cli.talk import describe_run, run_summary

__all__ = ["app"]

app = typer.Typer()


@app.command(rich_help_panel="Start here 从这里开始")
def demo(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option(min=100, help="Number of sample customers. 示例客户数。")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed. 随机种子。")] = 0,
    business: Annotated[
        Business, typer.Option(help="card (bank credit cards) or retail. 业务类型。")
    ] = Business.card,
    lang: Annotated[Lang, typer.Option(help="Report language. 报告语言。")] = Lang.en,
    as_json: JsonOpt = False,
) -> None:
    """Sample data → run → report, in one go. 一键演示：示例数据、分析、报告。"""
    with handle_errors(as_json):
        from loyalloop.apps.demo import run_demo

        with status("demo") as step:
            result = run_demo(
                settings(ctx),
                customers=customers,
                seed=seed,
                business=str(business),
                lang=lang.value,  # type: ignore[arg-type]
                on_step=step,
            )
        if as_json:
            emit_json(
                {
                    **run_summary(result.run),
                    "ingested": {name: ingest_json(r) for name, r in result.ingested.items()},
                    "report": str(result.report),
                }
            )
            return
        for r in result.ingested.values():
            print_ingest(r)
        out.print("", markup=False)
        for line in describe_run(result.run):
            out.print(line, markup=False)
        out.print(f"report: {result.report}", markup=False)
