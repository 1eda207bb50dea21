"""``loyalloop db``: the operational store's schema (Alembic migrations shipped inside)."""

from __future__ import annotations

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, LangOpt, lang_of
from loyalloop.cli.output import emit_json, handle_errors, out

__all__ = ["app"]

PANEL = "Service 服务"

app = typer.Typer(
    help="The operational store: migrations. 运营数据库：迁移。", no_args_is_help=True
)


@app.command()
def upgrade(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Bring the store to the newest schema. 将数据库升级到最新结构。"""
    with handle_errors(as_json):
        from loyalloop.store import current

        store = open_service_store(ctx, migrate=True)
        rev = current(store.engine)
        url = store.engine.url.render_as_string(hide_password=True)
        store.close()
    if as_json:
        emit_json({"revision": rev, "database": url})
    else:
        from loyalloop.cli.talk import t

        out.print(t("cli_db_at", lang_of(ctx, lang), rev=rev, url=url), markup=False)


@app.command()
def status(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Show the store's revision and the newest one. 显示数据库版本。"""
    with handle_errors(as_json):
        from loyalloop.cli._service import analytics_settings
        from loyalloop.core.service_settings import load_service_settings
        from loyalloop.store import current, head, make_engine

        settings = load_service_settings(analytics_settings(ctx).home)
        engine = make_engine(settings.store_url)
        rev, newest = current(engine), head()
        url = engine.url.render_as_string(hide_password=True)
        engine.dispose()
    if as_json:
        emit_json({"revision": rev, "head": newest, "up_to_date": rev == newest, "database": url})
    else:
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
        state = t("cli_db_up_to_date" if rev == newest else "cli_db_needs_upgrade", lg)
        line = t("cli_db_status", lg, rev=rev, newest=newest, state=state, url=url)
        out.print(line, markup=False)
