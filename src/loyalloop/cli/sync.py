"""``loyalloop sync``: move new survey responses into the warehouse (also run by ``run``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import typer

from loyalloop.cli._service import analytics_settings, open_service_store
from loyalloop.cli.common import JsonOpt, LangOpt, hold_home, lang_of
from loyalloop.cli.output import emit_json, err, handle_errors, out

if TYPE_CHECKING:
    from loyalloop.core.config import Settings
    from loyalloop.services.sync import SyncResult

__all__ = ["app", "store_in_use", "sync", "sync_before_run"]

PANEL = "Service 服务"


def store_in_use(settings: Settings) -> bool:
    """Whether this home has an operational store to sync from (a URL set, or the file)."""
    import os

    from loyalloop.core.service_settings import STORE_FILE

    return bool(os.environ.get("LOYALLOOP_DATABASE_URL")) or (settings.home / STORE_FILE).exists()


def _summary(result: SyncResult, lang: Literal["en", "zh"]) -> str:
    from loyalloop.cli.talk import t

    fb, k = result.feedback, result.kano_answers
    return t(
        "cli_sync",
        lang,
        responses=f"{result.responses:,}",
        edited=f"{result.replaced:,}",
        fb_loaded=f"{fb['loaded']:,}",
        fb_already=f"{fb['already_loaded']:,}",
        fb_quarantined=f"{fb['quarantined']:,}",
        k_loaded=f"{k['loaded']:,}",
        k_quarantined=f"{k['quarantined']:,}",
    )


app = typer.Typer(add_completion=False)


@app.command("sync", rich_help_panel=PANEL)
def sync(
    ctx: typer.Context,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move survey responses into the warehouse, exactly once. 同步问卷回复到数据仓库。

    New and edited responses are loaded through ingest's validation and quarantine.
    """
    with handle_errors(as_json):
        from loyalloop.services.sync import sync_responses

        store = open_service_store(ctx)
        try:
            with hold_home(ctx, "sync"):  # it writes into the warehouse
                result = sync_responses(store)
                campaigns = _sync_campaigns(store)
        finally:
            store.close()
        lg = lang_of(ctx, lang)
    if as_json:
        emit_json({**result.to_dict(), "campaigns": campaigns})
    else:
        out.print(_summary(result, lg), markup=False)
        _print_campaigns(campaigns, lg)


# --- campsvc: campaigns, assignments and delivery events go to the warehouse too ------------
def _sync_campaigns(store: Any) -> dict[str, Any]:
    from loyalloop.services.campaigns import sync_campaigns

    return sync_campaigns(store).to_dict()


def _print_campaigns(result: dict[str, Any], lang: Literal["en", "zh"]) -> None:
    from loyalloop.cli.talk import t

    if result["campaigns"]:
        a, i = result["assignments"], result["interactions"]
        line = t(
            "cli_sync_campaigns",
            lang,
            campaigns=f"{result['campaigns']:,}",
            a_loaded=f"{a['loaded']:,}",
            a_quarantined=f"{a['quarantined']:,}",
            i_loaded=f"{i['loaded']:,}",
            i_quarantined=f"{i['quarantined']:,}",
        )
        out.print(line, markup=False)


# --- end of the campsvc block -----------------------------------------------------------------


def sync_before_run(
    ctx: typer.Context,
    quiet: bool,
    as_of: date | None = None,
    lang: Literal["en", "zh"] = "en",
) -> None:
    """The hook at the start of ``loyalloop run``: sync when the home has a store, and say
    when survey answers are newer than the run's as-of day (the run leaves them out)."""
    settings = analytics_settings(ctx)
    if not store_in_use(settings):
        return
    from loyalloop.services.sync import responses_after, sync_responses

    store = open_service_store(ctx)
    try:
        result = sync_responses(store)
        campaigns = _sync_campaigns(store)
    finally:
        store.close()
    late, day = responses_after(settings, as_of)
    if not quiet:
        out.print(_summary(result, lang), markup=False)
        _print_campaigns(campaigns, lang)
    if late and day is not None:
        from loyalloop.cli.talk import t

        err.print(t("cli_sync_late", lang, late=f"{late:,}", day=day), markup=False)
