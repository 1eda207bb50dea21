"""``loyalloop serve``: the web service (FastAPI on uvicorn) with the operational store."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.output import err, handle_errors

__all__ = ["serve"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on. 监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port. 端口。")] = 8000,
    proxy_headers: Annotated[
        bool,
        typer.Option(help="Trust X-Forwarded-* from a reverse proxy (HTTPS → Secure cookies)."),
    ] = False,
) -> None:
    """Run the web service: dashboard, surveys, JSON API. 启动 Web 服务（仪表板、问卷、接口）。

    The operational store is migrated to the newest schema first. 启动前自动执行数据库迁移。
    """
    with handle_errors():
        import uvicorn

        from loyalloop.api import create_app

        store = open_service_store(ctx, migrate=True)
        app = create_app(store.settings, store.analytics, store=store)
        url = store.engine.url.render_as_string(hide_password=True)
        err.print(f"Loyalloop on http://{host}:{port}/ (store: {url})", markup=False)
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=proxy_headers,
            forwarded_allow_ips="*" if proxy_headers else None,
            log_level="warning",
            access_log=False,
        )
