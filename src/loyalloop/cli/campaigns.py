"""``loyalloop campaigns …``: campaign results from a published run.

Thin. ``results`` reads the run's ``campaign_results`` table and typed summary (the
``campaign_results`` stage, docs/measurement.md). The store-backed commands (``create``,
``launch``, ``status``, ``list``, ``pause``, ``resume``; docs/campaigns.md) call
:mod:`loyalloop.services.campaigns`. Each helper's commands sit in their own block.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, settings
from loyalloop.cli.output import emit_json, handle_errors, out

__all__ = ["app", "campaigns_after_run"]

PANEL = "Campaigns 营销活动"

app = typer.Typer(
    help="Campaigns: results against the holdout, cost and ROI. "
    "营销活动：与对照组比较的效果、成本与 ROI。",
    no_args_is_help=True,
)

RunOpt = Annotated[
    int | None,
    typer.Option("--run", min=1, help="Run number (default: the latest). 运行编号（默认最新）。"),
]


def _num(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


@app.command("results", rich_help_panel=PANEL)
def results(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Campaign id or name. 活动编号或名称。")],
    run: RunOpt = None,
    segments: Annotated[
        bool, typer.Option("--segments", help="Also by segment. 同时按客户分群列出。")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Each arm against its holdout, with intervals, cost and ROI. 各组与对照组比较的效果。

    A figure whose interval crosses 0 is shown as "inconclusive" with its interval only; none
    is shown for a holdout or arm under 30 customers; ROI only over a material spend (the note
    says why). --json keeps every number and adds verdict, reason and explanation per row.
    区间跨越 0 的数字显示为"不确定"；对照组或触达组不足 30 人时不显示；花费过小时不报告 ROI。
    """
    with handle_errors(as_json):
        from rich.markup import escape
        from rich.measure import Measurement
        from rich.table import Table

        from loyalloop.core.results import NotComputed, Note
        from loyalloop.core.runs import RunStore
        from loyalloop.errors import NotFoundError
        from loyalloop.measurement.notes import note_text
        from loyalloop.measurement.quoting import (
            cell,
            explain,
            fmt_money,
            fmt_points,
            fmt_ratio,
            quote_rows,
        )

        s = settings(ctx)
        r = RunStore(s.runs_dir).get(run)
        summary = r.manifest.campaigns
        if summary is None:
            raise NotFoundError(
                f"run {r.number} has no campaign results (made before the campaign_results "
                "stage); run `loyalloop run` again"
            )
        if isinstance(summary, NotComputed):
            raise NotFoundError(f"run {r.number}: campaign results not computed: {summary.message}")
        found = [c for c in summary.campaigns if name in (c.campaign_id, c.name)]
        if not found:
            known = ", ".join(c.campaign_id for c in summary.campaigns) or "none"
            raise NotFoundError(f"no campaign {name!r} in run {r.number} (campaigns: {known})")
        c = found[0]
        frame = r.read("campaign_results").to_pandas()
        frame = frame[frame["campaign_id"] == c.campaign_id]
        if not segments:
            frame = frame[frame["segment"].isna()]
        rows = [{k: _num(v) for k, v in rec.items()} for rec in frame.to_dict("records")]
        by: dict[tuple[str, str, Any], dict[str, dict[str, Any]]] = {}
        for row in rows:
            by.setdefault((row["level"], row["arm"], row["segment"]), {})[row["metric"]] = row
        # the shared rule: how each figure may be shown (docs/measurement.md "Quoting")
        quotes = {key: quote_rows(metrics, budget=c.budget) for key, metrics in by.items()}
        for key, metrics in by.items():
            verdicts = quotes[key].by_metric()
            for metric, row in metrics.items():
                v = verdicts.get(metric)
                row["verdict"] = v.verdict.value if v is not None else None
                row["reason"] = v.reason.value if v is not None else None
                row["explanation"] = explain(v) if v is not None else None
        if as_json:
            emit_json(
                {
                    "run": r.number,
                    "campaign_id": c.campaign_id,
                    "name": c.name,
                    "start_at": c.start_at.isoformat() if c.start_at else None,
                    "end_at": c.end_at.isoformat() if c.end_at else None,
                    "window_complete": c.window_complete,
                    "outcome_source": c.outcome_source,
                    "assigned": c.assigned,
                    "margin_rate": c.margin_rate,
                    "budget": c.budget,
                    "alpha": summary.alpha,
                    "error": c.error,
                    "message": c.message,
                    "notes": [str(n) for n in c.notes],
                    "note_codes": [
                        {"code": n.code, "params": n.params} if isinstance(n, Note) else None
                        for n in c.notes
                    ],
                    "rows": rows,
                }
            )
            return
        title = c.name if c.name == c.campaign_id else f"{c.name} ({c.campaign_id})"
        out.print(f"[bold]{escape(title)}[/bold] — run {r.number}")
        if c.error:
            out.print(f"not measured 无法衡量: {escape(c.message or c.error)}")
            return
        headers = [
            "arm 组",
            *(["segment 分群"] if segments else []),
            "n",
            "held out 对照",
            "response lift 响应提升",
            "incr. revenue 增量收入",
            "incr. margin 增量毛利",
            "cost 成本",
            "net value 净值",
            "ROI",
            "note 说明",
        ]
        footnotes: dict[str, int] = {}
        table_rows: list[list[str]] = []
        for (level, arm, segment), metrics in by.items():
            aq = quotes[(level, arm, segment)]
            resp = metrics.get("response_rate", {})
            roi = metrics.get("roi", {})
            label = {"campaign": "all treated 全部", "group": f"group {arm}"}.get(level, arm)
            marks = [
                footnotes.setdefault(f"{explain(x)}\n{explain(x, 'zh')}", len(footnotes) + 1)
                for x in (aq.response, aq.revenue, aq.margin, aq.net, aq.roi)
                if not x.quoted
            ]
            table_rows.append(
                [
                    escape(str(label)),
                    *([escape(str(segment))] if segments else []),
                    f"{int(resp.get('n') or 0):,}",
                    f"{int(resp.get('control_n') or 0):,}",
                    cell(aq.response, fmt_points),
                    cell(aq.revenue, fmt_money),
                    cell(aq.margin, fmt_money),
                    f"{roi.get('total') or 0:,.0f}",
                    cell(aq.net, fmt_money),
                    cell(aq.roi, fmt_ratio),
                    ", ".join(str(m) for m in dict.fromkeys(marks)),
                ]
            )
        table = Table(*headers)
        for cells in table_rows:
            table.add_row(*cells)
        if Measurement.get(out, out.options.update_width(10_000), table).maximum <= out.width:
            out.print(table)
        else:  # the table would wrap its cells: one block per comparison, a figure a line
            for cells in table_rows:
                block = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
                block.add_column(no_wrap=True)
                block.add_column(overflow="fold")
                for head, value in zip(headers[1:], cells[1:], strict=True):
                    if value:
                        block.add_row(head, value)
                out.print(f"[bold]{cells[0]}[/bold]")
                out.print(block)
        # long remarks wrap at the terminal's width (soft_wrap=False)
        for text, number in footnotes.items():
            en, zh = text.split("\n", 1)
            out.print(f"{number}. {escape(en)}", soft_wrap=False)
            out.print(f"   {escape(zh)}", soft_wrap=False)
        out.print(
            f"{1 - summary.alpha:.0%} intervals; totals over the arm's customers "
            f"区间为 {1 - summary.alpha:.0%} 置信区间。",
            soft_wrap=False,
        )
        for n in c.notes:  # in English and, on the next line, Chinese (coded notes)
            out.print(escape(note_text(n)), soft_wrap=False)
            if isinstance(n, Note):
                out.print(f"   {escape(note_text(n, 'zh'))}", soft_wrap=False)


NameArg = Annotated[str, typer.Argument(help="Campaign name. 活动名称。")]


# --- campaigns on the service (campsvc): create, launch, status, list, pause, resume -------


@app.command()
def create(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Campaign YAML file. 活动 YAML 文件。")],
    as_json: JsonOpt = False,
) -> None:
    """Create a campaign (or a new version) from YAML. 从 YAML 创建活动（或新版本）。

    The file is a campaign spec with its templates, offers and policy (docs/campaigns.md).
    """
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.campaigns import create_campaign, load_campaign_file

        raw = load_campaign_file(file)
        store = open_service_store(ctx)
        try:
            with store.session() as session:
                c, new = create_campaign(session, raw, Actor.cli())
                result: dict[str, Any] = {
                    "id": c.id,
                    "name": c.name,
                    "campaign_id": c.campaign_key,
                    "status": c.status,
                    "version": c.current_version,
                    "new": new,
                }
        finally:
            store.close()
    if as_json:
        emit_json(result)
    else:
        verb = "created" if result["new"] else "updated to version " + str(result["version"])
        out.print(f"campaign {result['name']} {verb} ({result['status']})", markup=False)


@app.command()
def launch(
    ctx: typer.Context,
    name: NameArg,
    run: Annotated[
        int | None, typer.Option(help="Run number (default: the latest). 运行编号（默认最新）。")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Assign the audience (holdout, arms) and queue the messages, in one transaction.
    分配受众（对照组、各组）并写入发件箱（同一事务）。"""
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.campaigns import launch_from_run

        store = open_service_store(ctx)
        try:
            result = launch_from_run(store, name, Actor.cli(), run=run)
        finally:
            store.close()
    if as_json:
        emit_json(result.to_dict())
        return
    c = result.counts
    arms = ", ".join(f"{k} {v:,}" for k, v in c["arms"].items())
    out.print(
        f"campaign {result.campaign} (run {result.run}): audience {c['audience']:,}; skipped: "
        f"no consent or address {c['no_consent']:,}, unsubscribed {c['unsubscribed']:,}, "
        f"frequency cap {c['frequency_cap']:,}, already assigned {c['already_assigned']:,}, "
        f"over budget {c['over_budget']:,}\n"
        f"assigned {c['assigned']:,}: global control {c['global_control']:,}, holdout "
        f"{c['holdout']:,}, {arms}\n"
        f"messages queued {result.queued:,}, failed to render {result.failed:,}; expected cost "
        f"{result.expected_cost:,.2f} {result.currency}"
        + (f" of budget {result.budget:,.2f}" if result.budget is not None else ""),
        markup=False,
    )
    if "triggered" in c:
        out.print(
            f"trigger fired for {c['triggered']:,}; within the cool-down {c['cooldown']:,}; "
            f"re-entered after it {c.get('re_entered', 0):,} (evaluated again after every "
            "`loyalloop run`)",
            markup=False,
        )
    for f in result.failures[:5]:
        out.print(f"  failed: {f['customer_id']}: {f['error']}", markup=False)
    out.print("deliver with `loyalloop worker`", markup=False)


# --- triggered campaigns after a run (camptrig) ---


def campaigns_after_run(ctx: typer.Context, number: int, *, quiet: bool) -> None:
    """The hook at the end of ``loyalloop run``: with an operational store, every active
    triggered campaign is evaluated on the new run. The run is published whatever happens
    here; a failure is reported and ``loyalloop campaigns launch NAME`` evaluates again."""
    from loyalloop.cli._service import analytics_settings
    from loyalloop.cli.output import err
    from loyalloop.cli.sync import store_in_use
    from loyalloop.errors import LoyalloopError

    if not store_in_use(analytics_settings(ctx)):
        return
    from loyalloop.services.campaign_triggers import triggers_after_run

    try:
        store = open_service_store(ctx)
        try:
            r = triggers_after_run(store, number)
        finally:
            store.close()
    except LoyalloopError as exc:
        err.print(
            f"warning: triggered campaigns on run {number} failed ({exc}); the run is "
            "published — evaluate again: loyalloop campaigns launch NAME",
            markup=False,
        )
        return
    for name, why in r.errors:
        err.print(f"warning: triggered campaign {name}: {why}", markup=False)
    if not quiet and r.results:
        parts = ", ".join(
            f"{x.campaign} {int(x.counts.get('assigned', 0)):,} entered / {x.queued:,} queued"
            for x in r.results
        )
        out.print(f"triggered campaigns on run {number}: {parts}", markup=False)


@app.command()
def status(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """A campaign's assignments, outbox and delivery events. 活动分配、发件箱和投递情况。"""
    with handle_errors(as_json):
        from loyalloop.services.campaigns import campaign_status

        store = open_service_store(ctx)
        try:
            with store.session() as session:
                result = campaign_status(session, name)
        finally:
            store.close()
    if as_json:
        emit_json(result)
        return
    out.print(
        f"{result['name']} ({result['goal']}, {result['channel']}): {result['status']}, "
        f"version {result['version']}, run {result['run']}, ends {result['ends_at']}",
        markup=False,
    )
    out.print(
        "assignments: " + ", ".join(f"{k} {v:,}" for k, v in result["assignments"].items()),
        markup=False,
    )
    out.print(
        "outbox: " + ", ".join(f"{k} {v:,}" for k, v in result["outbox"].items()), markup=False
    )
    if result["events"]:
        out.print(
            "events: " + ", ".join(f"{k} {v:,}" for k, v in result["events"].items()),
            markup=False,
        )
    for reason, n in result["problems"].items():
        out.print(f"  {n:,} × {reason}", markup=False)


@app.command("list")
def list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List campaigns. 列出活动。"""
    with handle_errors(as_json):
        from loyalloop.services.campaigns import list_campaigns

        store = open_service_store(ctx)
        try:
            with store.session() as session:
                rows = [
                    {
                        "id": c.id,
                        "name": c.name,
                        "campaign_id": c.campaign_key,
                        "goal": c.goal,
                        "channel": c.channel,
                        "status": c.status,
                        "version": c.current_version,
                        "launched_at": c.launched_at.isoformat() if c.launched_at else None,
                    }
                    for c in list_campaigns(session)
                ]
        finally:
            store.close()
    if as_json:
        emit_json(rows)
        return
    if not rows:
        out.print("no campaigns yet (`loyalloop campaigns create FILE`)", markup=False)
    for r in rows:
        out.print(
            f"{r['name']}  {r['goal']}  {r['channel']}  {r['status']}  v{r['version']}  "
            f"{r['launched_at'] or '-'}",
            markup=False,
        )


def _set(ctx: typer.Context, name: str, to: str, as_json: bool) -> None:
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.campaigns import set_status
        from loyalloop.store.models import CampaignStatus

        store = open_service_store(ctx)
        try:
            with store.session() as session:
                c = set_status(session, name, CampaignStatus(to), Actor.cli())
                result = {"name": c.name, "status": c.status}
        finally:
            store.close()
    if as_json:
        emit_json(result)
    else:
        out.print(f"campaign {result['name']}: {result['status']}", markup=False)


@app.command()
def pause(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """Stop sending a campaign's messages (they stay queued). 暂停发送（消息保留）。"""
    _set(ctx, name, "paused", as_json)


@app.command()
def resume(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """Resume a paused campaign. 恢复已暂停的活动。"""
    _set(ctx, name, "launched", as_json)


# --- end of the campsvc block -------------------------------------------------------------


# --- the call centre's priority list ----------------------------------------------------------


@app.command("call-list")
def call_list_cmd(
    ctx: typer.Context,
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", help="CSV (.csv) or Excel (.xlsx) file to write. 输出文件（CSV 或 Excel）。"
        ),
    ],
    campaign: Annotated[
        str | None,
        typer.Option(
            help="Only the treated customers of this call campaign (default: everyone who may "
            "be called). 仅该电话活动的实验组客户。"
        ),
    ] = None,
    run: RunOpt = None,
    call_effect: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of would-be churners a call keeps. 一次电话挽留住的流失客户比例。",
        ),
    ] = 0.1,
    top: Annotated[
        int | None, typer.Option(min=1, help="Keep the first N customers. 仅保留前 N 位。")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The call centre's priority list: ranked by value saved, with reasons, a call script and
    the best hours to call. 电话外呼优先名单：按可挽回价值排序，附原因、话术与最佳致电时段。"""
    with handle_errors(as_json):
        from loyalloop.cli.common import output_file
        from loyalloop.services.call_lists import write_priority_call_list

        path = output_file(ctx, out_file, suffixes=(".csv", ".xlsx"))
        store = open_service_store(ctx)
        try:
            r = write_priority_call_list(
                store, path, campaign=campaign, run=run, call_effect=call_effect, limit=top
            )
        finally:
            store.close()
    if as_json:
        emit_json(
            {
                "path": str(r.path),
                "customers": r.customers,
                "value_saved": r.value_saved,
                "run": r.run,
                "campaign": r.campaign,
                "call_attempts": r.call_attempts,
                "withdrawn": r.withdrawn,
            }
        )
        return
    who = (
        f"campaign {r.campaign}'s treated customers"
        if r.campaign
        else "customers who may be called"
    )
    out.print(
        f"call list of run {r.run} ({who}): {r.customers:,} customers, expected value saved "
        f"{r.value_saved:,.0f} → {r.path}",
        markup=False,
    )
    if r.withdrawn:
        out.print(
            f"left out {r.withdrawn:,} {'customer' if r.withdrawn == 1 else 'customers'} "
            "who withdrew consent to be called "
            f"(loyalloop consent set). 已排除 {r.withdrawn:,} 位撤回电话联系同意的客户。",
            markup=False,
        )
    if r.call_attempts:
        out.print(
            f"best hours and weekdays learnt from {r.call_attempts:,} past call attempts",
            markup=False,
        )
    else:
        out.print(
            "no past call attempts in the warehouse (interactions with channel 'call'): the "
            "list has no best times to call; load call outcomes with `loyalloop ingest "
            "interactions` and they will",
            markup=False,
        )
