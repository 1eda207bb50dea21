"""``loyalloop worker``: deliver the campaign outbox (e-mail, SMS, webhooks)."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, LangOpt, lang_of
from loyalloop.cli.output import emit_json, err, handle_errors, out

__all__ = ["app", "worker"]

PANEL = "Service 服务"

app = typer.Typer(add_completion=False)


@app.command("worker", rich_help_panel=PANEL)
def worker(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option("--once", help="Stop when nothing is due. 无待发消息时退出。"),
    ] = False,
    batch: Annotated[
        int, typer.Option(min=1, max=1000, help="Messages claimed per round. 每轮领取条数。")
    ] = 50,
    idle: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait when idle. 空闲等待秒数。")
    ] = 2.0,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliver the campaign outbox: e-mail via SMTP, SMS and webhooks via HTTP.
    投递营销发件箱：SMTP 邮件、HTTP 短信与 Webhook。

    Retries with exponential backoff, dead-letters after LOYALLOOP_OUTBOX_MAX_ATTEMPTS
    failures, re-checks unsubscribes, the frequency cap and quiet hours at send time. Several
    workers may run at once; each message carries its idempotency key (Message-ID,
    Idempotency-Key header). SIGTERM finishes the message in hand and stops.
    失败按指数退避重试，超过次数进入死信；发送前再次检查退订、频次上限和免打扰时段。
    """
    with handle_errors(as_json):
        from loyalloop.cli.talk import t
        from loyalloop.services.outbox import WorkerResult, run_worker

        store = open_service_store(ctx)
        lg = lang_of(ctx, lang)

        def counts(r: WorkerResult) -> dict[str, str]:
            return {
                "sent": f"{r.sent:,}",
                "retried": f"{r.retried:,}",
                "dead": f"{r.dead:,}",
                "skipped": f"{r.skipped:,}",
                "deferred": f"{r.deferred:,}",
            }

        def progress(r: WorkerResult) -> None:
            if not as_json:
                err.print(t("cli_wk_round", lg, **counts(r)), markup=False)

        try:
            total = run_worker(store, once=once, batch=batch, idle_seconds=idle, on_round=progress)
        finally:
            store.close()
    if as_json:
        emit_json(total.to_dict())
    else:
        out.print(t("cli_wk_stopped", lg, **counts(total)), markup=False)
