"""``loyalloop demo``: sample data → ingest → run → report, in one go.

Thin: calls the demo composition and prints what it found. Heavy modules are imported inside
the command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalloop.cli.common import JsonOpt, Lang, hold_home, lang_of, settings, status
from loyalloop.cli.data import Business, ingest_json, ingest_lines
from loyalloop.cli.demo_text import campaign_lines, learning_lines
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.cli.talk import describe_run, run_summary

if TYPE_CHECKING:
    from loyalloop.report.i18n import Lang as ReportLang

__all__ = ["app", "demo_lines"]

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
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            help="Language of the report and of what the demo prints (default: the project's, "
            "$LOYALLOOP_LANG, else en). 报告与输出的语言（默认为项目语言 $LOYALLOOP_LANG，"
            "未设置时为 en）。",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sample data → run → report, in one go. 一键演示：示例数据、分析、报告。"""
    with handle_errors(as_json):
        from loyalloop.apps.demo import run_demo

        lg = lang_of(ctx, lang)
        with hold_home(ctx, "demo"), status("demo") as step:
            result = run_demo(
                settings(ctx),
                customers=customers,
                seed=seed,
                business=str(business),
                lang=lg,
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
                    "run_settings": {
                        "file": None if result.settings_file is None else str(result.settings_file),
                        "saved": result.settings_saved,
                    },
                    "learning_skipped": result.learning_skipped or None,
                    "campaign_skipped": result.campaign_skipped or None,
                    "learning": None
                    if result.learning is None
                    else {
                        "lines": learning_lines(result.learning, "en"),
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
        for line in demo_lines(result, lg):
            out.print(line, markup=False)


def demo_lines(result: Any, lang: ReportLang) -> list[str]:
    """Everything the demo prints after its work, in ``lang`` (:mod:`loyalloop.cli.demo_text`,
    :func:`~loyalloop.cli.talk.describe_run`)."""
    from loyalloop.apps.demo import DEMO_CAMPAIGN
    from loyalloop.cli.talk import t

    lines: list[str] = []
    for r in result.ingested.values():
        lines += ingest_lines(r, lang)
    first = result.acted_on
    if first is not None and first.number != result.run.number:
        day = f"{first.manifest.as_of:%Y-%m-%d}"
        lines += ["", t("demo_run_acted", lang, n=first.number, day=day)]
    if result.campaign is not None:
        lines.append("")
        lines += campaign_lines(
            result.campaign,
            lang,
            budget=float(str(DEMO_CAMPAIGN["budget"])),
            window_days=int(str(DEMO_CAMPAIGN["window_days"])),
        )
    if result.campaign_skipped:
        lines.append(t("demo_campaign_skipped", lang, why=result.campaign_skipped))
    if result.learning_skipped:
        lines.append(t("demo_learning_skipped", lang, why=result.learning_skipped))
    if result.learning is not None:
        lines += ["", t("demo_learning_head", lang)]
        lines += [f"  {line}" for line in learning_lines(result.learning, lang)]
    lines.append("")
    lines += describe_run(result.run, lang)
    if result.settings_file is not None:
        key = "demo_settings_saved" if result.settings_saved else "demo_settings_kept"
        lines.append(t(key, lang, path=result.settings_file))
    lines.append(t("demo_report", lang, path=result.report))
    return lines
