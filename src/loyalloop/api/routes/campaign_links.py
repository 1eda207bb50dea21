"""Campaign message links: tracked clicks ``/c/l/<token>`` and unsubscribes ``/c/u/<token>``.

A click is recorded and redirected to the template's URL for that link key (the target is
looked up in the campaign's templates, never taken from the request: no open redirect). An
unsubscribe link answers ``GET`` with a confirmation page and ``POST`` (with the page's form
token) unsubscribes the customer from that channel at once, so a mail scanner that follows
links does not unsubscribe anyone. Forged or altered tokens are refused (403).

Links of a message *preview* (staff previewing a campaign, :func:`preview_messages`) are
signed for previews only: every route answers them with a page that says the link comes from
a preview and that nothing was recorded (a click's page names where the sent link leads); no
click is recorded and no consent changes, on ``GET`` or ``POST``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import SessionDep, StoreDep, allow
from loyalloop.api.i18n import text
from loyalloop.api.pages import render_public
from loyalloop.campaigns import PreviewLinkError
from loyalloop.services.campaigns import preview_link_target, record_link
from loyalloop.services.consent import withdrawn_by_unsubscribe
from loyalloop.services.outbox import campaign_signer
from loyalloop.surveys import form_token, pick_language, verify_form_token

__all__ = ["router"]

router = APIRouter(tags=["customers"])
PUBLIC = [allow(Permission.public)]


def _lang(request: Request, lang: str | None) -> str:
    if lang in ("zh", "en"):
        return lang
    return pick_language(request.headers.get("accept-language", ""), ["zh", "en"])


def _channel(key: str) -> str:
    """The channel an unsubscribe link withdraws (the one ``record_link`` withdraws)."""
    return withdrawn_by_unsubscribe(key)


def _preview_page(
    request: Request, err: PreviewLinkError, session: SessionDep, lang: str
) -> HTMLResponse:
    """What a link of a message preview shows: nothing was recorded (and where it leads)."""
    target = preview_link_target(session, err.claims)
    message = (
        text("preview_link_unsub", lang)
        if target is None
        else text("preview_link_click", lang, url=target)
    )
    return render_public(
        request, "public_message.html", lang, title=text("preview_link", lang), message=message
    )


@router.get("/c/l/{token}", dependencies=PUBLIC, response_model=None)
def campaign_click(
    request: Request, token: str, session: SessionDep, store: StoreDep, lang: str | None = None
) -> RedirectResponse | HTMLResponse:
    try:
        _kind, target = record_link(store, session, token)
    except PreviewLinkError as err:
        return _preview_page(request, err, session, _lang(request, lang))
    assert target is not None
    return RedirectResponse(target, status_code=302)


@router.get("/c/u/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
def campaign_unsubscribe_page(
    request: Request, token: str, session: SessionDep, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    lng = _lang(request, lang)
    try:
        claims = campaign_signer(store).verify(token)
    except PreviewLinkError as err:
        return _preview_page(request, err, session, lng)
    return render_public(
        request,
        "unsubscribe.html",
        lng,
        title=text("unsubscribe", lng),
        question=text(f"unsubscribe_q_{_channel(claims.key)}", lng),
        action=f"/c/u/{token}",
        form_token=form_token(store.settings.secret, f"cu:{token}"),
    )


@router.post("/c/u/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
async def campaign_unsubscribe(
    request: Request, token: str, session: SessionDep, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    lng = _lang(request, lang)
    try:
        claims = campaign_signer(store).verify(token)
    except PreviewLinkError as err:
        return await run_in_threadpool(_preview_page, request, err, session, lng)
    form = await request.form()
    given = form.get("_form")
    if not verify_form_token(
        store.settings.secret, f"cu:{token}", given if isinstance(given, str) else None
    ):
        raise HTTPException(403, text("bad_form", lng))
    await run_in_threadpool(record_link, store, session, token)
    done = text(f"unsubscribed_{_channel(claims.key)}", lng)
    return render_public(
        request, "public_message.html", lng, title=text("unsubscribe", lng), message=done
    )
