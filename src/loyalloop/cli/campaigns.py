"""``loyalloop campaigns``: campaigns on the service (create, launch, status, list) and their
results (the measurement block).

Each helper keeps its commands in its own block below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.output import emit_json, handle_errors, out

__all__ = ["app"]

PANEL = "Service 服务"

app = typer.Typer(
    help="Campaigns: create, launch, status, results. 营销活动：创建、启动、状态、效果。",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON object.")]
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
    for f in result.failures[:5]:
        out.print(f"  failed: {f['customer_id']}: {f['error']}", markup=False)
    out.print("deliver with `loyalloop worker`", markup=False)


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
