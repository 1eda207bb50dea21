"""``loyalloop cases``: case rules, teams, queues and the SLA scheduler."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, LangOpt, lang_of
from loyalloop.cli.output import emit_json, err, fail, handle_errors, one_line, out

__all__ = ["app", "cases_after_run"]

PANEL = "Service 服务"

app = typer.Typer(
    help="Follow-up cases: rules, teams, queues, SLA scheduler. "
    "跟进工单：规则、团队、队列、时限调度。",
    no_args_is_help=True,
)


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    from loyalloop.errors import ConfigError

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now: {value!r} is not an ISO time (2026-06-01T10:00+08:00)") from None
    if moment.tzinfo is None:
        raise ConfigError(f"--now: {value!r} has no time zone (add +08:00 or Z)")
    return moment


@app.command("rules")
def rules(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Case rules YAML (docs/cases.md). 工单规则 YAML。")],
    preview: Annotated[
        bool,
        typer.Option(
            "--preview",
            help="Store nothing: show what these rules would do on a run, next to the rules in "
            "force. 不保存：在一次运行结果上试用这些规则，并与现行规则对比。",
        ),
    ] = False,
    run: Annotated[
        int | None,
        typer.Option(
            "--run", help="With --preview: the run to try (latest). 试用的运行编号（默认最新）。"
        ),
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            help="With --preview: comments of the last N days before the run's as-of day. "
            "试用截至日前 N 天的评论。"
        ),
    ] = 30,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate and store a new version of the case rules (or --preview them on a run).
    校验并保存新版本的工单规则（或用 --preview 在运行结果上试用）。"""
    with handle_errors(as_json):
        from loyalloop.errors import ConfigError
        from loyalloop.services import Actor

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read it ({exc})") from None
        if not preview and run is not None:
            raise ConfigError("--run is for --preview: add --preview, or leave --run out")
        store = open_service_store(ctx)
        try:
            if preview:
                from loyalloop.services.case_preview import preview_rules

                shown = preview_rules(store, text, run, days=days)
            else:
                from loyalloop.services.cases import install_rules

                with store.session() as session:
                    v = install_rules(session, text, Actor.cli())
        finally:
            store.close()
        lg = lang_of(ctx, lang)
    if preview:
        _print_preview(shown, lg, as_json)
        return
    result = {"version": v.version, "content_hash": v.content_hash, "created": v.created}
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import t

        key = "cli_cs_rules_stored" if v.created else "cli_cs_rules_same"
        out.print(t(key, lg, v=v.version), markup=False)


def _print_preview(p: Any, lg: Literal["en", "zh"], as_json: bool) -> None:
    """The preview of :func:`loyalloop.services.case_preview.preview_rules`, as text or JSON."""
    from loyalloop.cli.talk import t
    from loyalloop.core.wording import join_reasons, show_masks
    from loyalloop.services.case_preview import preview_data

    data = preview_data(p, lg)
    if as_json:
        emit_json(data)
        return
    head = t("cli_cs_preview_head", lg, run=data["run"], since=data["since"], as_of=data["as_of"],
             n=data["feedback_signals"], v_now=data["current_version"],
             v_new=data["proposed_version"])  # fmt: skip
    out.print(head, markup=False)
    width = max((len(c["rule_id"]) for c in data["rules"]), default=4)
    out.print(t("cli_cs_preview_cols", lg, rule="".ljust(width)), markup=False)
    off = t("cli_cs_preview_off", lg)
    for c in data["rules"]:
        now = off if c["current"] is None else str(c["current"])
        new = off if c["proposed"] is None else str(c["proposed"])
        line = f"{c['rule_id'].ljust(width)}  {now:>8}  {new:>8}  +{c['gained']:<6} −{c['lost']}"
        out.print(line, markup=False)
    out.print(t("cli_cs_preview_cases", lg, now=data["cases_current"], new=data["cases_proposed"]),
              markup=False)  # fmt: skip
    for c in data["rules"]:
        for key, items, n in (
            ("cli_cs_preview_gained", c["gained_examples"], c["gained"]),
            ("cli_cs_preview_lost", c["lost_examples"], c["lost"]),
        ):
            if not items:
                continue
            out.print(t(key, lg, rule=c["rule_id"], n=n, k=len(items)), markup=False)
            for e in items:
                reasons = join_reasons(e["reasons"], lg)
                out.print(f"  {one_line(e['customer_id'], 40)}: {reasons}", markup=False)
                if e["text"]:
                    out.print(f"    “{one_line(show_masks(e['text'], lg))}”", markup=False)
    if data["comment_confidence_only"]:
        out.print(t("cli_cs_preview_old_run", lg, run=data["run"]), markup=False)
    out.print(t("cli_cs_preview_nothing_stored", lg), markup=False)


@app.command("team")
def team(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Team name, as the rules name it. 团队名。")],
    manager: Annotated[
        str | None, typer.Option(help="Manager's e-mail (escalations). 经理邮箱（升级通知）。")
    ] = None,
    agent: Annotated[
        list[str] | None,
        typer.Option(help="An agent's e-mail, in round-robin order; repeat. 坐席邮箱，可重复。"),
    ] = None,
    away: Annotated[
        list[str] | None, typer.Option(help="An agent who gets no new cases. 暂停分配的坐席。")
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create or update a team: manager and roster. 创建或更新团队：经理与坐席名单。"""
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.cases import set_team

        store = open_service_store(ctx)
        with store.session() as session:
            set_team(
                session, name, actor=Actor.cli(), manager_email=manager, agents=agent,
                away=away or (),
            )  # fmt: skip
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json({"team": name, "manager": manager, "agents": agent})
    else:
        from loyalloop.cli.talk import t

        out.print(t("cli_cs_team_saved", lg, name=name), markup=False)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    team_name: Annotated[
        str | None, typer.Option("--team", help="A team's queue. 团队队列。")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="An agent's queue. 坐席队列。")] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open cases, the nearest SLA deadline first. 未结工单，按时限排序。"""
    with handle_errors(as_json):
        from loyalloop.services.cases import queue

        store = open_service_store(ctx)
        with store.session() as session:
            rows: list[dict[str, Any]] = [
                {
                    "id": r.id,
                    "customer_id": r.customer_id,
                    "topic": r.topic,
                    "team": r.team,
                    "priority": r.priority,
                    "status": r.status,
                    "owner": r.owner,
                    "sla_due_at": r.sla_due_at.isoformat() if r.sla_due_at else None,
                    "escalated": r.escalated_at is not None,
                    "version": r.version,
                }
                for r in queue(session, owner=owner, team=team_name)
            ]
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(rows)
        return
    from loyalloop.cli.talk import code_name, t

    if not rows:
        out.print(t("cli_cs_none", lg), markup=False)
    for r in rows:
        tail = t(
            "cli_cs_row",
            lg,
            due=r["sla_due_at"] or "—",
            owner=r["owner"] or t("cli_cs_unassigned", lg),
            escalated=t("cli_cs_escalated", lg) if r["escalated"] else "",
        )
        out.print(
            f"{r['id']:>6}  {code_name('priority_', r['priority'], lg):<10}  "
            f"{code_name('case_status_', r['status'], lg):<20} "
            f"{code_name('team_', r['team'], lg):<12} {code_name('topic_', r['topic'], lg):<16} "
            f"{tail}",
            markup=False,
        )


@app.command("tick")
def tick(
    ctx: typer.Context,
    every: Annotated[
        float,
        typer.Option(
            help="Keep running, one tick every this many seconds (0: one tick). "
            "持续运行的间隔秒数（0 为只运行一次）。"
        ),
    ] = 0.0,
    now: Annotated[
        str | None,
        typer.Option(help="Act as if it were this time (ISO, with zone). 模拟当前时间。"),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the SLA scheduler: evaluate new responses, warn, escalate, e-mail.
    运行时限调度：评估新回复、预警、升级并发邮件。

    Safe to run in several processes and to kill at any moment: each breach is escalated once.
    """
    if every < 0:
        fail("--every must be 0 or more seconds", as_json=as_json)
    stop = {"now": False}

    def _stop(_sig: int, _frame: Any) -> None:
        stop["now"] = True

    with handle_errors(as_json):
        from loyalloop.cli.talk import t
        from loyalloop.services.sla_scheduler import tick as run_tick

        lg = lang_of(ctx, lang)
        moment = _now(now)
        store = open_service_store(ctx)
        if every:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        try:
            while True:
                result = run_tick(store, moment)
                if not as_json:
                    r = result
                    out.print(
                        t(
                            "cli_cs_tick",
                            lg,
                            checked=r.checked,
                            warnings=r.warnings,
                            breaches=r.breaches,
                            sent=r.sent,
                            failed=r.failed,
                            pending=r.pending,
                        ),
                        markup=False,
                    )
                    if r.followups_invited or r.followups_sent:
                        out.print(
                            t(
                                "cli_cs_followups",
                                lg,
                                invited=r.followups_invited,
                                sent=r.followups_sent,
                            ),
                            markup=False,
                        )
                    if r.followup_error:
                        err.print(
                            t("cli_cs_followup_error", lg, error=r.followup_error), markup=False
                        )
                if not every or stop["now"]:
                    break
                time.sleep(every)
                if stop["now"]:
                    break
        finally:
            store.close()
    if as_json:
        emit_json(result.to_dict())


def cases_after_run(
    ctx: typer.Context, number: int, *, quiet: bool, lang: Literal["en", "zh"] = "en"
) -> None:
    """The hook at the end of ``loyalloop run``: when the home has an operational store, the
    case rules run on the new run's outputs. The run is published whatever happens here; a
    failure is reported and ``loyalloop cases from-run`` tries again."""
    from loyalloop.cli._service import analytics_settings
    from loyalloop.cli.sync import store_in_use
    from loyalloop.cli.talk import t
    from loyalloop.errors import LoyalloopError

    if not store_in_use(analytics_settings(ctx)):
        return
    from loyalloop.services.cases import cases_from_run

    try:
        store = open_service_store(ctx)
        try:
            r = cases_from_run(store, number)
        finally:
            store.close()
    except LoyalloopError as exc:
        err.print(t("cli_cs_after_run_failed", lang, number=number, error=exc), markup=False)
        return
    if not quiet:
        out.print(
            t(
                "cli_cs_after_run",
                lang,
                opened=len(r.opened),
                updated=len(r.added),
                number=number,
                signals=f"{r.signals:,}",
            ),
            markup=False,
        )


@app.command("from-run")
def from_run(
    ctx: typer.Context,
    number: Annotated[
        int | None, typer.Argument(help="Run number (default: the latest). 运行编号。")
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open cases from a run's outputs (also done by every `loyalloop run`).
    根据运行结果开立工单（每次 run 也会自动执行）。"""
    with handle_errors(as_json):
        from loyalloop.services.cases import cases_from_run

        store = open_service_store(ctx)
        try:
            r = cases_from_run(store, number)
        finally:
            store.close()
        lg = lang_of(ctx, lang)
    result = {"opened": list(r.opened), "updated": list(r.added), "signals": r.signals,
              "matched": r.matched}  # fmt: skip
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import t

        n = {"opened": len(r.opened), "updated": len(r.added), "signals": f"{r.signals:,}"}
        out.print(t("cli_cs_from_run", lg, **n), markup=False)
