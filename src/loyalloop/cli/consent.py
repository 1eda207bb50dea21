"""``loyalloop consent``: record a customer's consent change, and show the history
(:mod:`loyalloop.services.consent`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import LangOpt, lang_of
from loyalloop.cli.output import emit_json, handle_errors, out

__all__ = ["ChannelName", "app"]

PANEL = "Customers 客户"

app = typer.Typer(
    help="Customers' consent per channel: record changes, show the history. "
    "客户各渠道的营销同意：记录变更、查看历史。",
    no_args_is_help=True,
)

CustomerArg = Annotated[
    str, typer.Argument(help="The customer's id (as in the source data). 客户编号。")
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one strict JSON object on standard output. 输出 JSON（错误亦然）。"
    ),
]


class ChannelName(StrEnum):
    email = "email"
    sms = "sms"
    phone = "phone"
    all = "all"


def _change_dict(row: Any) -> dict[str, Any]:
    return {
        "customer_id": row.customer_id,
        "channel": row.channel,
        "granted": bool(row.granted),
        "source": row.source,
        "actor": row.actor,
        "at": row.at.isoformat(),
    }


@app.command("set")
def set_cmd(
    ctx: typer.Context,
    customer_id: CustomerArg,
    channel: Annotated[
        ChannelName,
        typer.Option(help="email, sms, phone or all. 渠道（all 为全部渠道）。"),
    ],
    granted: Annotated[
        bool,
        typer.Option(
            "--granted/--withdrawn",
            help="Consent given, or withdrawn. 同意，或撤回同意。",
            show_default=False,
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            help="Where the change came from (e.g. branch:Pudong, call, letter). "
            "变更来源（如网点、电话、信函）。"
        ),
    ],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a consent change and apply it at once to invitations and campaigns.
    记录一次同意变更，并立即作用于调研邀请与营销活动。

    A withdrawal stops invitations and queued campaign messages on that channel; a grant
    lifts the channel's unsubscribe and overrides an older "no" imported from the warehouse
    (docs/cases.md, "Consent").
    撤回后该渠道不再发送邀请和排队中的营销消息；同意会解除该渠道的退订，
    并覆盖此前从数据仓库导入的“不同意”。
    """
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.consent import change_consent

        store = open_service_store(ctx)
        try:
            with store.session() as session:
                r = change_consent(
                    session, customer_id, channel.value, granted, source, Actor.cli()
                )
                session.commit()
        finally:
            store.close()
        lg = lang_of(ctx, lang)
    data = {
        "customer_id": r.customer_id,
        "channel": r.channel,
        "granted": r.granted,
        "source": r.source,
        "at": r.at.isoformat(),
        "recorded": r.recorded,
        "suppressions_removed": r.suppressions_removed,
        "suppressions_added": r.suppressions_added,
    }
    if as_json:
        emit_json(data)
        return
    from loyalloop.cli.talk import code_name, t

    channel_ = code_name("cli_cn_channel_", r.channel, lg)
    if not r.recorded:
        out.print(t("cli_cn_already", lg, customer=r.customer_id, channel=channel_), markup=False)
    else:
        what = t("cli_cn_granted" if r.granted else "cli_cn_withdrawn", lg)
        out.print(
            t(
                "cli_cn_recorded",
                lg,
                customer=r.customer_id,
                channel=channel_,
                what=what,
                source=r.source,
                at=data["at"],
            ),
            markup=False,
        )


@app.command("history")
def history(
    ctx: typer.Context, customer_id: CustomerArg, lang: LangOpt = None, as_json: JsonOpt = False
) -> None:
    """A customer's consent changes made through Loyalloop, oldest first.
    客户经由 Loyalloop 的同意变更历史（按时间先后）。"""
    with handle_errors(as_json):
        from loyalloop.services.consent import consent_history

        store = open_service_store(ctx)
        try:
            with store.session() as session:
                rows = [_change_dict(r) for r in consent_history(session, customer_id)]
        finally:
            store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json({"customer_id": customer_id, "changes": rows})
        return
    from loyalloop.cli.talk import code_name, t

    if not rows:
        out.print(t("cli_cn_none", lg, customer=customer_id), markup=False)
        return
    for r in rows:
        state = t("cli_cn_granted" if r["granted"] else "cli_cn_withdrawn", lg)
        out.print(
            t(
                "cli_cn_row",
                lg,
                at=r["at"],
                channel=f"{code_name('cli_cn_channel_', r['channel'], lg):<6}",
                state=state,
                source=r["source"],
                actor=r["actor"],
            ),
            markup=False,
        )
