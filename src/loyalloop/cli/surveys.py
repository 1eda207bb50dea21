"""``loyalloop surveys``: create surveys from YAML, invite customers, list responses."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, Lang, LangOpt, lang_of, output_file
from loyalloop.cli.output import emit_json, fail, handle_errors, out

__all__ = ["app"]

PANEL = "Service 服务"

app = typer.Typer(
    help="Surveys: create, invite, responses. 问卷：创建、邀请、查看回复。", no_args_is_help=True
)
SurveyArg = Annotated[str, typer.Argument(help="Survey id or key. 问卷编号或标识。")]


class ChannelName(StrEnum):
    link = "link"
    email = "email"
    sms = "sms"


@app.command()
def create(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Survey YAML file. 问卷 YAML 文件。")],
    publish: Annotated[bool, typer.Option(help="Make it live at once. 立即发布。")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a survey from YAML and print its id. 从 YAML 创建问卷并输出编号。"""
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.surveys import create_survey
        from loyalloop.surveys import load_spec

        spec = load_spec(file)
        store = open_service_store(ctx)
        with store.session() as session:
            survey = create_survey(session, spec, Actor.cli(), publish=publish)
            result = {"id": survey.id, "key": survey.key, "status": survey.status, "version": 1}
        store.close()
    if as_json:
        emit_json(result)
    else:
        out.print(str(result["id"]), markup=False)


@app.command()
def update(
    ctx: typer.Context,
    survey: SurveyArg,
    file: Annotated[Path, typer.Argument(help="Survey YAML file. 问卷 YAML 文件。")],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Edit a survey from YAML (a live one gets a new version). 修改问卷（发布后生成新版本）。"""
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.surveys import update_survey
        from loyalloop.surveys import load_spec

        spec = load_spec(file)
        store = open_service_store(ctx)
        with store.session() as session:
            s = update_survey(session, survey, spec, Actor.cli())
            result = {"id": s.id, "key": s.key, "status": s.status, "version": s.current_version}
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import t

        out.print(
            t(
                "cli_sv_updated",
                lg,
                id=result["id"],
                survey=result["key"],
                version=result["version"],
            ),
            markup=False,
        )


def _status(ctx: typer.Context, survey: str, action: str, lang: Lang | None, as_json: bool) -> None:
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.surveys import close_survey, publish_survey

        store = open_service_store(ctx)
        fn = publish_survey if action == "publish" else close_survey
        with store.session() as session:
            s = fn(session, survey, Actor.cli())
            result = {"id": s.id, "key": s.key, "status": s.status}
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import code_name, t

        status = code_name("survey_status_", result["status"], lg)
        out.print(
            t("cli_sv_status", lg, id=result["id"], survey=result["key"], status=status),
            markup=False,
        )


@app.command()
def publish(
    ctx: typer.Context, survey: SurveyArg, lang: LangOpt = None, as_json: JsonOpt = False
) -> None:
    """Make a survey live. 发布问卷。"""
    _status(ctx, survey, "publish", lang, as_json)


@app.command()
def close(
    ctx: typer.Context, survey: SurveyArg, lang: LangOpt = None, as_json: JsonOpt = False
) -> None:
    """Close a survey (no more answers). 关闭问卷。"""
    _status(ctx, survey, "close", lang, as_json)


@app.command("list")
def list_cmd(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """List surveys with live counts. 列出问卷及回复数。"""
    with handle_errors(as_json):
        from dataclasses import asdict

        from loyalloop.services.surveys import list_surveys

        store = open_service_store(ctx)
        with store.session() as session:
            rows = [asdict(s) for s in list_surveys(session)]
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(rows)
        return
    from loyalloop.cli.talk import code_name, t

    if not rows:
        out.print(t("cli_sv_none", lg), markup=False)
    for r in rows:
        line = t(
            "cli_sv_row",
            lg,
            id=f"{r['id']:>4}",
            survey=r["key"],
            status=code_name("survey_status_", r["status"], lg),
            version=r["version"],
            invited=f"{r['invited']:,}",
            responses=f"{r['responses']:,}",
        )
        out.print(line, markup=False)


@app.command()
def invite(
    ctx: typer.Context,
    survey: SurveyArg,
    out_file: Annotated[Path, typer.Option("--out", help="Links CSV to write. 输出链接 CSV。")],
    customers: Annotated[
        Path | None,
        typer.Option(
            help="CSV/Parquet with customer_id (and email, phone, consent_*, language). "
            "含 customer_id 的 CSV/Parquet（可含邮箱、手机、同意状态、语言）。"
        ),
    ] = None,
    segment: Annotated[
        str | None, typer.Option(help="An RFM segment of a run (e.g. at_risk). 客群名称。")
    ] = None,
    run: Annotated[
        int | None, typer.Option(help="Run number (default latest). 运行编号（默认最新）。")
    ] = None,
    channel: Annotated[
        ChannelName, typer.Option(help="link, email or sms. 渠道：链接、邮件或短信。")
    ] = ChannelName.link,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make personal signed links (and queue e-mail/SMS). 生成个人签名链接（并排队发送邮件/短信）。

    Consent, unsubscribes and the frequency cap are applied; skipped customers are counted by
    reason. Send queued e-mail/SMS with `loyalloop surveys send`.
    """
    if (customers is None) == (segment is None):
        fail("give --customers FILE or --segment NAME (one of them)", as_json=as_json)
    with handle_errors(as_json):
        import csv

        from loyalloop.core.csvsafe import escape_formula
        from loyalloop.core.export import atomic_output
        from loyalloop.services import Actor
        from loyalloop.services.invitations import invite as do_invite
        from loyalloop.services.invitations import read_recipients, segment_recipients
        from loyalloop.surveys import Channel

        # vetted before anything is invited: an existing directory, nothing the home manages
        output_file(ctx, out_file, suffixes=(".csv",))
        store = open_service_store(ctx)
        if customers is not None:
            people, source = read_recipients(customers), f"file:{customers.name}"
        else:
            people, source = (
                segment_recipients(store.analytics, str(segment), run),
                f"segment:{segment}",
            )
        with store.session() as session:
            result = do_invite(
                store,
                session,
                survey,
                people,
                Actor.cli(),
                channel=Channel(channel.value),
                source=source,
            )
        store.close()
        with atomic_output(out_file) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["customer_id", "channel", "link", "expires_at", "new"])
            for link in result.links:
                w.writerow(
                    [
                        escape_formula(link.customer_id),
                        link.channel,
                        link.url,
                        link.expires_at.isoformat(),
                        link.new,
                    ]
                )
        lg = lang_of(ctx, lang)
    summary: dict[str, Any] = {**result.to_dict(), "out": str(out_file)}
    if as_json:
        emit_json(summary)
        return
    from loyalloop.cli.talk import counts_text, t

    line = t(
        "cli_sv_invited",
        lg,
        id=result.survey_id,
        created=f"{result.created:,}",
        existing=f"{result.existing:,}",
        skipped=counts_text(result.skipped, "skip_", lg),  # codes by name; JSON keeps the codes
        path=out_file,
    )
    out.print(line, markup=False)


@app.command()
def send(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Send due e-mail/SMS invitations and reminders. 发送到期的邮件/短信邀请与提醒。"""
    with handle_errors(as_json):
        from dataclasses import asdict

        from loyalloop.services.invitations import send_due

        store = open_service_store(ctx)
        result = asdict(send_due(store))
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import t

        n = {k: f"{result[k]:,}" for k in ("sent", "reminded", "failed", "suppressed")}
        out.print(t("cli_sv_sent", lg, **n), markup=False)


@app.command()
def responses(
    ctx: typer.Context,
    survey: SurveyArg,
    limit: Annotated[
        int, typer.Option(min=1, help="How many to list (newest first). 列出条数（最新在前）。")
    ] = 20,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Count and list a survey's responses, with rates. 统计并列出问卷回复。"""
    with handle_errors(as_json):
        from dataclasses import asdict

        from loyalloop.services import Actor
        from loyalloop.services.responses import list_responses
        from loyalloop.services.surveys import survey_stats

        store = open_service_store(ctx)
        with store.session() as session:
            stats = survey_stats(session, survey)
            total, rows = list_responses(
                session, survey, Actor.cli(), unmask=True, limit=limit
            )  # the operator of the store's own shell
            items = [asdict(r) for r in rows]
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json({"total": total, "stats": asdict(stats), "responses": items})
        return
    from loyalloop.cli.talk import t

    r = stats.rate
    rate = (
        f"{100 * r.rate:.1f}% [{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]"
        if r.rate is not None and r.ci_low is not None and r.ci_high is not None
        else "—"
    )
    line = t(
        "cli_sv_responses",
        lg,
        total=f"{total:,}",
        responded=f"{r.responded:,}",
        invited=f"{r.invited:,}",
        rate=rate,
        not_responded=f"{r.not_responded:,}",
        public=f"{stats.public_responses:,}",
    )
    out.print(line, markup=False)
    for q in stats.questions:
        if q.nps and q.nps.nps is not None:
            out.print(
                f"  {q.question}: NPS {q.nps.nps:.1f} "
                f"[{q.nps.ci_low:.1f}, {q.nps.ci_high:.1f}] n={q.n}",
                markup=False,
            )
        elif q.csat and q.csat.csat is not None:
            out.print(
                f"  {q.question}: CSAT {q.csat.csat:.1f}% "
                f"[{q.csat.ci_low:.1f}, {q.csat.ci_high:.1f}] n={q.n}",
                markup=False,
            )
        elif q.ces and q.ces.mean is not None:
            out.print(f"  {q.question}: CES {q.ces.mean:.2f} n={q.n}", markup=False)
    for item in items:
        out.print(
            f"  #{item['id']} {item['updated_at']:%Y-%m-%d %H:%M} {item['customer_id'] or '-'} "
            f"{item['language']} {item['answers']}",
            markup=False,
        )


@app.command()
def trigger(
    ctx: typer.Context,
    survey: SurveyArg,
    kind: Annotated[str, typer.Option(help="Interaction kind, e.g. visited, called. 互动类型。")],
    within_hours: Annotated[
        int, typer.Option(min=1, max=720, help="Invite within N hours. N 小时内邀请。")
    ] = 24,
    interaction_channel: Annotated[
        str, typer.Option(help="Only this interaction channel. 仅限此互动渠道。")
    ] = "",
    channel: Annotated[
        ChannelName, typer.Option(help="Send by email or sms. 通过邮件或短信发送。")
    ] = ChannelName.email,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Invite after an interaction of a kind (touchpoint trigger). 按触点触发邀请。"""
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.triggers import add_trigger
        from loyalloop.surveys import Channel

        store = open_service_store(ctx)
        t = add_trigger(
            store,
            survey,
            kind,
            Actor.cli(),
            interaction_channel=interaction_channel,
            within_hours=within_hours,
            send_channel=Channel(channel.value),
        )
        result = {"id": t.id, "survey_id": t.survey_id, "kind": t.interaction_kind}
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import t as say

        line = say("cli_sv_trigger", lg, id=result["id"], kind=kind, hours=within_hours)
        out.print(line, markup=False)


@app.command("run-triggers")
def run_triggers_cmd(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Evaluate the touchpoint triggers on ingested interactions. 运行触点触发规则。"""
    with handle_errors(as_json):
        from loyalloop.services.triggers import run_triggers

        store = open_service_store(ctx)
        runs = run_triggers(store)
        rows = [
            {"trigger": r.trigger_id, "interactions": r.interactions, **r.result.to_dict()}
            for r in runs
        ]
        store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json(rows)
        return
    from loyalloop.cli.talk import counts_text, t

    for r in rows:
        line = t(
            "cli_sv_trigger_run",
            lg,
            id=r["trigger"],
            customers=f"{r['interactions']:,}",
            created=f"{r['created']:,}",
            skipped=counts_text(r["skipped"], "skip_", lg),
        )
        out.print(line, markup=False)
