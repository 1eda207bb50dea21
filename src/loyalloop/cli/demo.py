"""``loyalloop demo``: sample data → ingest → run → report, in one go.

Thin: calls the demo composition and prints what it found. Heavy modules are imported inside
the command.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loyalloop.cli.common import JsonOpt, Lang, hold_home, settings, status
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

        with hold_home(ctx, "demo"), status("demo") as step:
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
                    "acted_on_run": None if result.acted_on is None else result.acted_on.number,
                    "campaign": None
                    if result.campaign is None
                    else {
                        "launch": result.campaign.launch,
                        "delivered": result.campaign.delivered,
                        "outcomes": result.campaign.outcomes,
                        "arms": result.campaign.arms,
                    },
                    "learning_skipped": result.learning_skipped or None,
                    "learning": None
                    if result.learning is None
                    else {
                        "lines": result.learning.lines(),
                        "model": None
                        if result.learning.entry is None
                        else result.learning.entry.model_id,
                        "decision": result.learning.decision,
                        "round_2_minus_round_1": {
                            "estimate": result.learning.difference.estimate,
                            "low": result.learning.difference.low,
                            "high": result.learning.difference.high,
                        },
                        "improved": result.learning.improved,
                    },
                }
            )
            return
        for r in result.ingested.values():
            print_ingest(r)
        first = result.acted_on
        if first is not None and first.number != result.run.number:
            out.print("", markup=False)
            out.print(
                f"run {first.number} published: as of {first.manifest.as_of:%Y-%m-%d}; the "
                f"campaign below acts on its findings 第 {first.number} 次运行：活动据此选择客户",
                markup=False,
            )
        if result.campaign is not None:
            _print_campaign(result.campaign)
        if result.learning_skipped:
            out.print(f"learning rounds not run: {result.learning_skipped}", markup=False)
        if result.learning is not None:
            out.print("", markup=False)
            out.print(
                "learning: two targeting rounds on the sample's campaign truth "
                "学习闭环：两轮定向，第二轮用第一轮的结果",
                markup=False,
            )
            for line in result.learning.lines():
                out.print(f"  {line}", markup=False)
        out.print("", markup=False)
        for line in describe_run(result.run):
            out.print(line, markup=False)
        out.print(f"report: {result.report}", markup=False)


# --- campsvc: what the demo's campaign did ----------------------------------------------------
def _print_campaign(c: Any) -> None:
    launch, counts = c.launch, c.launch["counts"]
    arms = ", ".join(f"{k} {v:,}" for k, v in counts["arms"].items())
    out.print("", markup=False)
    out.print(
        f"campaign {launch['campaign']} (win-back, e-mail) on run {launch['run']} "
        f"挽回活动: audience {counts['audience']:,}, without consent or address "
        f"{counts['no_consent']:,}; assigned {counts['assigned']:,} = global control "
        f"{counts['global_control']:,} + holdout {counts['holdout']:,} + {arms}; expected "
        f"cost {launch['expected_cost']:,.2f} {launch['currency']}",
        markup=False,
    )
    d = c.delivered
    out.print(
        f"worker: {d['sent']:,} e-mails written to {c.sink} (no network), {d['dead']:,} dead, "
        f"{launch['failed']:,} failed to render",
        markup=False,
    )
    out.print("simulated outcomes over 30 days (sample truth) 模拟结果:", markup=False)
    for a in c.arms:
        out.print(
            f"  {a['arm']:<15} {a['customers']:>6,} customers  {a['buyers']:>5,} bought  "
            f"response {a['response_rate']:6.1%}  "
            f"revenue per customer {a['revenue_per_customer']:,.0f}",
            markup=False,
        )
    out.print(
        f"  the next run measures each arm against the holdout (the report's campaigns section; "
        f"`loyalloop campaigns results {launch['campaign']}`) 下一次运行衡量各组与对照组的差异",
        markup=False,
    )
