"""``loyalloop campaigns …``: campaign results from a published run.

Thin. ``results`` reads the run's ``campaign_results`` table and typed summary (the
``campaign_results`` stage, docs/measurement.md). The store-backed commands (``create``,
``launch``, ``status``, ``list``, ``pause``, ``resume``; docs/campaigns.md) call
:mod:`loyalloop.services.campaigns`. Each helper's commands sit in their own block.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, Lang, LangOpt, lang_of, settings
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
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Each arm against its holdout, with intervals, cost and ROI. 各组与对照组比较的效果。

    A figure whose interval crosses 0 is shown as "inconclusive" with its interval only; none
    is shown for a holdout or arm under 30 customers; ROI only over a material spend (the note
    says why). Amounts are in the project's currency (the run's). --json keeps every number and
    adds verdict, reason and explanation per row.
    区间跨越 0 的数字显示为"不确定"；对照组或触达组不足 30 人时不显示；花费过小时不报告 ROI。
    金额以项目币种计。
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
        rows: list[dict[str, Any]] = []
        if c.error is None:  # a campaign not measured has no rows (the run may have no table)
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
        from loyalloop.report.i18n import t
        from loyalloop.report.parts import currency_name

        one = lang_of(ctx, lang)

        def say(key: str, **kw: Any) -> str:
            return t(key, one, **kw)

        title = c.name if c.name == c.campaign_id else f"{c.name} ({c.campaign_id})"
        head = t("cli_cr_head", one, title=f"[bold]{escape(title)}[/bold]", n=r.number)
        out.print(head)
        if c.error:
            msg = escape(c.message or c.error)  # the library's words: English
            out.print(t("cli_cr_not_measured", one, message=t("library_note", one, message=msg)))
            return
        headers = [
            say("cli_cr_arm"),
            *([say("cli_cr_segment")] if segments else []),
            say("cli_cr_n"),
            say("cli_cr_held_out"),
            say("cli_cr_response_lift"),
            say("cli_cr_inc_revenue"),
            say("cli_cr_inc_margin"),
            say("cli_cr_cost"),
            say("cli_cr_net"),
            say("cli_cr_roi"),
            say("cli_cr_note"),
        ]
        footnotes: dict[str, int] = {}  # each remark once, numbered in order of appearance
        table_rows: list[list[str]] = []
        for (level, arm, segment), metrics in by.items():
            aq = quotes[(level, arm, segment)]
            resp = metrics.get("response_rate", {})
            roi = metrics.get("roi", {})
            label = {
                "campaign": say("cli_cr_all"),
                "group": say("cli_cr_group", arm=arm),
            }.get(level, arm)
            marks = [
                footnotes.setdefault(explain(x, one), len(footnotes) + 1)
                for x in (aq.response, aq.revenue, aq.margin, aq.net, aq.roi)
                if not x.quoted
            ]
            table_rows.append(
                [
                    escape(str(label)),
                    *([escape(str(segment))] if segments else []),
                    f"{int(resp.get('n') or 0):,}",
                    f"{int(resp.get('control_n') or 0):,}",
                    cell(aq.response, fmt_points, one),
                    cell(aq.revenue, fmt_money, one),
                    cell(aq.margin, fmt_money, one),
                    f"{roi.get('total') or 0:,.0f}",
                    cell(aq.net, fmt_money, one),
                    cell(aq.roi, fmt_ratio, one),
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
                for head_, value in zip(headers[1:], cells[1:], strict=True):
                    if value:
                        block.add_row(head_, value)
                out.print(f"[bold]{cells[0]}[/bold]")
                out.print(block)
        # long remarks wrap at the terminal's width (soft_wrap=False)
        for remark, number in footnotes.items():
            out.print(f"{number}. {escape(remark)}", soft_wrap=False)
        out.print(say("cli_cr_intervals", level=f"{1 - summary.alpha:.0%}"), soft_wrap=False)
        currency = r.manifest.kpis.currency if r.manifest.kpis is not None else None
        if currency:  # the money columns carry no unit of their own
            named = t("cp_currency", one, currency=currency_name(currency, one))
            out.print(escape(named), soft_wrap=False)
        for n in c.notes:  # in the language (coded notes); uncoded ones are the library's English
            line = note_text(n, one) if isinstance(n, Note) else say("library_note", message=n)
            out.print(escape(line), soft_wrap=False)


NameArg = Annotated[str, typer.Argument(help="Campaign name. 活动名称。")]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="The clock to act on (default: now): ISO 8601 with its offset, e.g. "
        "2026-07-01T09:00+08:00; without one, the project's timezone. 按指定时间执行（默认现在；"
        "ISO 8601，不带时区偏移时按项目时区）。",
    ),
]


# --- campaigns on the service (campsvc): create, launch, status, list, pause, resume -------


@app.command()
def create(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Campaign YAML file. 活动 YAML 文件。")],
    at: AtOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a campaign (or a new version) from YAML. 从 YAML 创建活动（或新版本）。

    The file is a campaign spec with its templates, offers and policy (docs/campaigns.md).
    --at creates it on a stated clock (a back-dated campaign, launched with the same --at or
    later).
    """
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.campaigns import create_campaign, load_campaign_file, parse_clock
        from loyalloop.services.cases import project_currency

        raw = load_campaign_file(file)
        store = open_service_store(ctx)
        try:
            when = parse_clock(at, store.settings.timezone) if at is not None else None
            project = project_currency(store.analytics)
            with store.session() as session:
                c, new = create_campaign(session, raw, Actor.cli(), now=when, project=project)
                result: dict[str, Any] = {
                    "id": c.id,
                    "name": c.name,
                    "campaign_id": c.campaign_key,
                    "status": c.status,
                    "version": c.current_version,
                    "currency": c.currency,
                    "new": new,
                    "created_at": c.created_at.isoformat(),
                }
        finally:
            store.close()
        if as_json:
            emit_json(result)
            return
        from loyalloop.cli.talk import code_name, t
        from loyalloop.report.parts import currency_name

        lg = lang_of(ctx, lang)
        cur = result["currency"]
        money = t("cli_cp_money", lg, currency=currency_name(cur, lg)) if cur else ""
        out.print(
            t(
                "cli_cp_created" if result["new"] else "cli_cp_updated",
                lg,
                name=result["name"],
                version=result["version"],
                status=code_name("campaign_status_", result["status"], lg),
                money=money,
            ),
            markup=False,
        )


@app.command()
def launch(
    ctx: typer.Context,
    name: NameArg,
    run: Annotated[
        int | None, typer.Option(help="Run number (default: the latest). 运行编号（默认最新）。")
    ] = None,
    at: AtOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Assign the audience (holdout, arms) and queue the messages, in one transaction.
    分配受众（对照组、各组）并写入发件箱（同一事务）。

    --at launches on a stated clock (a back-dated or a scheduled launch): the assignments carry
    that time, the messages are sent from it on and their delivery events follow it; it may not
    be before the campaign's creation. 指定时间不得早于活动创建时间。"""
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.campaigns import launch_from_run, parse_clock

        store = open_service_store(ctx)
        try:
            when = parse_clock(at, store.settings.timezone) if at is not None else None
            result = launch_from_run(store, name, Actor.cli(), run=run, now=when)
        finally:
            store.close()
        if as_json:
            emit_json({**result.to_dict(), "at": when.isoformat() if when is not None else None})
            return
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
    c = result.counts
    arms = ", ".join(f"{k} {v:,}" for k, v in c["arms"].items())  # the arms the user named
    lines = [
        t(
            "cli_cp_launched",
            lg,
            name=result.campaign,
            run=result.run,
            clock=t("cli_cp_clock", lg, at=when.isoformat()) if when is not None else "",
            audience=f"{c['audience']:,}",
            no_consent=f"{c['no_consent']:,}",
            unsubscribed=f"{c['unsubscribed']:,}",
            cap=f"{c['frequency_cap']:,}",
            already=f"{c['already_assigned']:,}",
            over_budget=f"{c['over_budget']:,}",
        ),
        t(
            "cli_cp_assigned",
            lg,
            assigned=f"{c['assigned']:,}",
            global_control=f"{c['global_control']:,}",
            holdout=f"{c['holdout']:,}",
            arms=arms,
        ),
        t(
            "cli_cp_queued",
            lg,
            queued=f"{result.queued:,}",
            failed=f"{result.failed:,}",
            cost=f"{result.expected_cost:,.2f}",
            currency=result.currency,
            budget=t("cli_cp_of_budget", lg, budget=f"{result.budget:,.2f}")
            if result.budget is not None
            else "",
        ),
    ]
    if "triggered" in c:
        lines.append(
            t(
                "cli_cp_triggered",
                lg,
                triggered=f"{c['triggered']:,}",
                cooldown=f"{c['cooldown']:,}",
                re_entered=f"{c.get('re_entered', 0):,}",
            )
        )
    for f in result.failures[:5]:
        lines.append(t("cli_cp_failed", lg, customer=f["customer_id"], error=f["error"]))
    lines.append(t("cli_cp_deliver", lg))
    for line in lines:
        out.print(line, markup=False)


# --- triggered campaigns after a run (camptrig) ---


def campaigns_after_run(
    ctx: typer.Context, number: int, *, quiet: bool, lang: Literal["en", "zh"] = "en"
) -> None:
    """The hook at the end of ``loyalloop run``: with an operational store, every active
    triggered campaign is evaluated on the new run. The run is published whatever happens
    here; a failure is reported and ``loyalloop campaigns launch NAME`` evaluates again."""
    from loyalloop.cli._service import analytics_settings
    from loyalloop.cli.output import err
    from loyalloop.cli.sync import store_in_use
    from loyalloop.cli.talk import t
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
        err.print(t("cli_cp_after_run_failed", lang, number=number, error=exc), markup=False)
        return
    for name, why in r.errors:
        err.print(t("cli_cp_after_run_warning", lang, name=name, why=why), markup=False)
    if not quiet and r.results:
        parts = t("cli_list_sep", lang).join(
            t(
                "cli_cp_after_run_one",
                lang,
                name=x.campaign,
                entered=f"{int(x.counts.get('assigned', 0)):,}",
                queued=f"{x.queued:,}",
            )
            for x in r.results
        )
        out.print(t("cli_cp_after_run", lang, number=number, parts=parts), markup=False)


@app.command()
def status(
    ctx: typer.Context, name: NameArg, lang: LangOpt = None, as_json: JsonOpt = False
) -> None:
    """A campaign's assignments, outbox and delivery events. 活动分配、发件箱和投递情况。"""
    with handle_errors(as_json):
        from loyalloop.services.campaigns import campaign_status
        from loyalloop.services.cases import project_currency

        store = open_service_store(ctx)
        try:
            with store.session() as session:
                result = campaign_status(session, name, project=project_currency(store.analytics))
        finally:
            store.close()
        if as_json:
            emit_json(result)
            return
        from loyalloop.cli.talk import code_name, t
        from loyalloop.report.parts import currency_name

        lg = lang_of(ctx, lang)
    sep = t("cli_list_sep", lg)

    def items(counts: dict[str, int], prefix: str) -> str:
        return sep.join(f"{code_name(prefix, k, lg)} {v:,}" for k, v in counts.items())

    cur = result["currency"]
    lines = [
        t(
            "cli_cp_head",
            lg,
            name=result["name"],
            goal=code_name("cli_cp_goal_", result["goal"], lg),
            channel=code_name("cli_cp_channel_", result["channel"], lg),
            status=code_name("campaign_status_", result["status"], lg),
            version=result["version"],
            run=result["run"],
            ends=result["ends_at"],
        ),
        t("cli_cp_assignments", lg, items=items(result["assignments"], "cli_cp_arm_")),
        t(
            "cli_cp_expected_cost",
            lg,
            cost=f"{result['expected_cost']:,.2f}",
            currency=currency_name(cur, lg) if cur else t("cli_cp_currency_unknown", lg),
        ),
        t("cli_cp_outbox", lg, items=items(result["outbox"], "cli_cp_outbox_")),
    ]
    if result["events"]:
        lines.append(t("cli_cp_events", lg, items=items(result["events"], "cli_cp_event_")))
    for reason, n in result["problems"].items():
        lines.append(t("cli_cp_problem", lg, n=f"{n:,}", reason=reason))
    for line in lines:
        out.print(line, markup=False)


@app.command("list")
def list_cmd(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
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
        from loyalloop.cli.talk import code_name, t

        lg = lang_of(ctx, lang)
    if not rows:
        out.print(t("cli_cp_none", lg), markup=False)
    for r in rows:
        out.print(
            f"{r['name']}  {code_name('cli_cp_goal_', r['goal'], lg)}  "
            f"{code_name('cli_cp_channel_', r['channel'], lg)}  "
            f"{code_name('campaign_status_', r['status'], lg)}  v{r['version']}  "
            f"{r['launched_at'] or '-'}",
            markup=False,
        )


def _set(ctx: typer.Context, name: str, to: str, lang: Lang | None, as_json: bool) -> None:
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
            return
        from loyalloop.cli.talk import code_name, t

        lg = lang_of(ctx, lang)
    status_ = code_name("campaign_status_", result["status"], lg)
    out.print(t("cli_cp_set", lg, name=result["name"], status=status_), markup=False)


@app.command()
def pause(
    ctx: typer.Context, name: NameArg, lang: LangOpt = None, as_json: JsonOpt = False
) -> None:
    """Stop sending a campaign's messages (they stay queued). 暂停发送（消息保留）。"""
    _set(ctx, name, "paused", lang, as_json)


@app.command()
def resume(
    ctx: typer.Context, name: NameArg, lang: LangOpt = None, as_json: JsonOpt = False
) -> None:
    """Resume a paused campaign. 恢复已暂停的活动。"""
    _set(ctx, name, "launched", lang, as_json)


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
    lang: LangOpt = None,
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
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
    who = (
        t("cli_cp_call_who_campaign", lg, name=r.campaign)
        if r.campaign
        else t("cli_cp_call_who_all", lg)
    )
    lines = [
        t(
            "cli_cp_call_list",
            lg,
            run=r.run,
            who=who,
            n=f"{r.customers:,}",
            value=f"{r.value_saved:,.0f}",
            path=r.path,
        )
    ]
    if r.withdrawn:
        lines.append(t("cli_cp_call_withdrawn", lg, n=f"{r.withdrawn:,}"))
    if r.call_attempts:
        lines.append(t("cli_cp_call_learnt", lg, n=f"{r.call_attempts:,}"))
    else:
        lines.append(t("cli_cp_call_none", lg))
    for line in lines:
        out.print(line, markup=False)
