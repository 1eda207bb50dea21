"""``loyalloop demo``: sample data → ingest → run → report, in one go.

Thin: calls the demo composition and prints what it found. Heavy modules are imported inside
the command.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loyalloop.cli.common import JsonOpt, Lang, settings, status
from loyalloop.cli.data import Business, ingest_json, print_ingest
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.cli.runs import describe_run, run_summary

__all__ = ["app", "loop_summary"]

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
        from loyalloop.pipeline.demo import run_demo

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
        for line in loop_summary(result.run.number, result.run.manifest):
            out.print(line, markup=False)
        for line in describe_run(result.run)[1:]:
            out.print(line, markup=False)
        out.print(f"report: {result.report}", markup=False)


def loop_summary(number: int, m: dict[str, Any]) -> list[str]:
    """A few lines on what the run found, from its manifest (numbers computed by the stages)."""
    k, nps = m.get("kpis", {}), m.get("nps", {})
    lines = [
        f"run {number}: {k.get('customers', 0):,} customers, "
        f"{k.get('active_customers', 0):,} active in the last {k.get('active_days')} days, "
        f"repurchase rate {100 * (k.get('repurchase_rate') or 0):.1f}%"
        + (f", NPS {nps['nps']:.1f}" if nps.get("nps") is not None else "")
    ]
    if clv := m.get("clv"):
        lines.append(
            f"value: CLV next {clv['horizon_months']} months "
            f"{clv['total_clv'] / 1e6:,.1f} million, "
            f"top 10% of customers hold {100 * clv['top_decile_share']:.1f}%"
        )
    if churn := m.get("churn"):
        auc = churn.get("metrics", {}).get("model", {}).get("roc_auc")
        lines.append(
            f"churn risk: {churn['high_risk']:,} customers at 50% or more"
            + (f" (model ROC AUC {auc:.3f} on the backtest)" if auc else "")
        )
    if (fb := m.get("feedback")) and fb.get("top_negative_aspects"):
        top = fb["top_negative_aspects"][0]
        lines.append(
            f"feedback: {fb['comments']:,} comments, {100 * fb['share_negative']:.1f}% negative; "
            f"most complained about: {top['aspect']} ({top['negative']:,} negative mentions)"
        )
    return lines
