"""``loyalloop serve``: the web service (FastAPI on uvicorn) with the operational store.

The command does not import the web layer (``cli`` and ``api`` are independent layers): it
hands uvicorn the import string of :func:`loyalloop.api.app.app_from_environment`, which
builds the app from the same environment (``LOYALLOOP_*``), so ``--workers`` can start
several processes. Each process runs the SLA scheduler thread unless ``--no-scheduler``
(``LOYALLOOP_SCHEDULER=0``); a lease in the store lets one of them work at a time
(:mod:`loyalloop.services.background`).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from loyalloop.cli._service import analytics_settings, open_service_store
from loyalloop.cli.output import err, handle_errors

__all__ = ["app", "serve"]

PANEL = "Service 服务"


app = typer.Typer(add_completion=False)


@app.command("serve", rich_help_panel=PANEL)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on. 监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port. 端口。")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (PostgreSQL: several). 进程数。")
    ] = 1,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            help="Trust X-Forwarded-* from a reverse proxy (HTTPS → Secure cookies). "
            "信任反向代理的 X-Forwarded-* 头（HTTPS 时使用安全 Cookie）。"
        ),
    ] = False,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the SLA scheduler (escalations, follow-up surveys) in the background; "
            "one per home however many workers. Off: run `loyalloop cases tick` from cron. "
            "在后台运行时限调度（每个数据目录仅一个）；关闭后请用 cron 运行 cases tick。",
        ),
    ] = True,
) -> None:
    """Run the web service: dashboard, surveys, JSON API. 启动 Web 服务（仪表板、问卷、接口）。

    The operational store is migrated to the newest schema first. 启动前自动执行数据库迁移。
    """
    with handle_errors():
        import uvicorn

        settings = analytics_settings(ctx)
        store = open_service_store(ctx, migrate=True)  # migrate (and check settings) once, here
        url = store.engine.url.render_as_string(hide_password=True)
        store.close()
        os.environ["LOYALLOOP_HOME"] = str(settings.home)
        os.environ.setdefault("LOYALLOOP_TIMEZONE", settings.timezone)
        os.environ["LOYALLOOP_SCHEDULER"] = "1" if scheduler else "0"
        err.print(
            f"Loyalloop on http://{host}:{port}/ (store: {url}; SLA scheduler "
            f"{'on' if scheduler else 'off: run `loyalloop cases tick` from cron'})",
            markup=False,
        )
        uvicorn.run(
            "loyalloop.api.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=proxy_headers,
            forwarded_allow_ips="*" if proxy_headers else None,
            log_level="warning",
            access_log=False,
        )
