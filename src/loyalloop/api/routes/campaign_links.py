"""Campaign message links: tracked clicks ``/c/l/<token>`` and unsubscribes ``/c/u/<token>``.

A click is recorded and redirected to the template's URL for that link key (the target is
looked up in the campaign's templates, never taken from the request: no open redirect). An
unsubscribe link answers ``GET`` with a confirmation page and ``POST`` (with the page's form
token) unsubscribes the customer from that channel at once, so a mail scanner that follows
links does not unsubscribe anyone. Forged or altered tokens are refused (403).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import SessionDep, StoreDep, allow
from loyalloop.api.i18n import text
from loyalloop.api.pages import render_public
from loyalloop.services.campaigns import record_link
from loyalloop.services.outbox import campaign_signer
from loyalloop.surveys import form_token, pick_language, verify_form_token

__all__ = ["router"]

router = APIRouter(tags=["customers"])
PUBLIC = [allow(Permission.public)]


def _lang(request: Request, lang: str | None) -> str:
    if lang in ("zh", "en"):
        return lang
    return pick_language(request.headers.get("accept-language", ""), ["zh", "en"])


@router.get("/c/l/{token}", dependencies=PUBLIC)
def campaign_click(token: str, session: SessionDep, store: StoreDep) -> RedirectResponse:
    _kind, target = record_link(store, session, token)
    assert target is not None
    return RedirectResponse(target, status_code=302)


@router.get("/c/u/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
def campaign_unsubscribe_page(
    request: Request, token: str, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    campaign_signer(store).verify(token)
    return render_public(
        request,
        "unsubscribe.html",
        _lang(request, lang),
        action=f"/c/u/{token}",
        form_token=form_token(store.settings.secret, f"cu:{token}"),
    )


@router.post("/c/u/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
async def campaign_unsubscribe(
    request: Request, token: str, session: SessionDep, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    campaign_signer(store).verify(token)
    lng = _lang(request, lang)
    form = await request.form()
    given = form.get("_form")
    if not verify_form_token(
        store.settings.secret, f"cu:{token}", given if isinstance(given, str) else None
    ):
        raise HTTPException(403, text("bad_form", lng))
    await run_in_threadpool(record_link, store, session, token)
    return render_public(request, "public_message.html", lng, message=text("unsubscribed", lng))
