"""Customers' pages: personal links ``/r/<token>``, public links ``/s/<key>``, unsubscribe.

Each survey link answers ``GET`` with the survey page (in the language of ``?lang=``, else the
browser's ``Accept-Language``, else the invitation's) and ``POST`` with either a form (the page)
or JSON ``{"answers": {…}}`` (kiosks and apps; ``Idempotency-Key`` header). Submissions are
rate-limited per client address and per link.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from loyalloop.api.access import Permission
from loyalloop.api.deps import SessionDep, StoreDep, allow, client_address
from loyalloop.api.i18n import text
from loyalloop.api.pages import render_public
from loyalloop.errors import NotFoundError
from loyalloop.services.invitations import unsubscribe_channel, unsubscribe_invitation
from loyalloop.services.responses import (
    OpenInvitation,
    SubmitResult,
    open_invitation,
    open_public,
    submit_personal,
    submit_public,
)
from loyalloop.surveys import (
    AnswerError,
    answers_from_form,
    form_token,
    message,
    pick_language,
    verify_form_token,
    verify_invitation,
)
from loyalloop.surveys.answers import MalformedBody
from loyalloop.surveys.spec import QuestionType

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["customers"])
PUBLIC = [allow(Permission.public)]
KANO_SCALE = ("like", "must-be", "neutral", "live-with", "dislike")


class _TooMany(HTTPException):
    pass


def _limit(request: Request, key: str) -> None:
    client = client_address(request)
    wait = request.app.state.submit_client_limiter.hit(client)
    if not wait:
        wait = request.app.state.submit_token_limiter.hit(key)
    if wait:
        raise _TooMany(429, "too many requests", headers={"Retry-After": str(int(wait) + 1)})


def _accept(request: Request) -> str | None:
    return request.headers.get("accept-language")


def _page(
    request: Request,
    opened: OpenInvitation,
    action: str,
    scope: str,
    *,
    answers: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = opened.language
    spec = opened.spec
    secret = request.app.state.store.settings.secret
    return render_public(
        request,
        "survey_page.html",
        lang,
        status_code=status_code,
        spec=spec,
        title=spec.title.get(lang, ""),
        intro=(spec.intro or {}).get(lang, ""),
        action=action,
        version=opened.version,
        form_token=form_token(secret, scope),
        idempotency_key=uuid.uuid4().hex,
        answers=answers or opened.answers or {},
        errors=errors or {},
        error_summary=message("invalid", lang) if errors else "",
        other_langs=[x for x in spec.languages if x != lang],
        kano_scale=KANO_SCALE,
        QT=QuestionType,
    )


def _thanks(request: Request, opened: OpenInvitation, result: SubmitResult) -> HTMLResponse:
    lang = opened.language
    custom = (opened.spec.thanks or {}).get(lang)
    msg = (
        text("updated", lang)
        if not result.created and not result.replayed
        else text("thanks", lang)
    )
    return render_public(
        request,
        "public_message.html",
        lang,
        message=custom or msg,
        title=opened.spec.title.get(lang, ""),
    )


def _json_result(result: SubmitResult) -> JSONResponse:
    return JSONResponse(
        {
            "response_id": result.response_id,
            "survey_id": result.survey_id,
            "version": result.version,
            "revision": result.revision,
            "created": result.created,
            "replayed": result.replayed,
        },
        status_code=201 if result.created else 200,
    )


def _json_answers(body: bytes, lang: str) -> tuple[Any, int | None]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = text("bad_json", lang, detail=str(exc)[:100])
        raise MalformedBody({"answers": problem}, lang) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise MalformedBody({"answers": message("answers_object", lang)}, lang)
    version = data.get("version")
    return data["answers"], version if isinstance(version, int) else None


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


def _form_answers(
    form: FormData, opened: OpenInvitation, secret: bytes, scope: str
) -> tuple[dict[str, Any], int | None, str]:
    token = form.get("_form")
    if not verify_form_token(secret, scope, token if isinstance(token, str) else None):
        raise HTTPException(403, text("bad_form", opened.language))
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    version = form.get("_version")
    key = form.get("_key")
    return (
        answers_from_form(opened.spec, items),
        int(version) if isinstance(version, str) and version.isdigit() else None,
        key if isinstance(key, str) else "",
    )


Outcome = tuple[OpenInvitation, SubmitResult | None, dict[str, Any], AnswerError | None]


async def _submit(
    request: Request,
    scope: str,
    open_link: Callable[[Session], OpenInvitation],
    store_it: Callable[..., SubmitResult],
    idempotency_key: str | None,
) -> Outcome:
    """Read the whole body first, then do the database work in one thread and transaction:
    no transaction stays open across an ``await`` (on SQLite it would hold the write lock)."""
    secret = request.app.state.store.settings.secret
    is_json = _is_json(request)
    body = await request.body() if is_json else b""
    form = None if is_json else await request.form()

    def work() -> Outcome:
        with request.app.state.store.session() as session:
            opened = open_link(session)
            if form is None:
                answers, version = _json_answers(body, opened.language)
                result = store_it(session, opened, answers, version, idempotency_key, "api")
                return opened, result, answers, None
            answers, version, key = _form_answers(form, opened, secret, scope)
            try:
                result = store_it(session, opened, answers, version, key or None, None)
            except AnswerError as exc:
                return opened, None, answers, exc
            return opened, result, answers, None

    outcome = await run_in_threadpool(work)
    result = outcome[1]
    if result is not None and not result.replayed and _opened_customer(outcome):
        # case rules and detractor triggers run in the case worker, after the answer; the
        # response row waits for them (rules_revision), so a stop before then loses nothing
        request.app.state.response_hooks.submitted(result.response_id)
    return outcome


def _opened_customer(outcome: Outcome) -> bool:
    """Whether the response is a known customer's (anonymous answers open no case)."""
    return outcome[0].customer_id is not None


def _respond(request: Request, outcome: Outcome, action: str, scope: str) -> Response:
    opened, result, answers, error = outcome
    if error is not None:
        return _page(
            request, opened, action, scope, answers=answers, errors=error.problems, status_code=422
        )
    assert result is not None
    if _is_json(request):
        return _json_result(result)
    return _thanks(request, opened, result)


@router.get("/r/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
def personal_page(
    request: Request, token: str, session: SessionDep, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    opened = open_invitation(
        session, store.settings.secret, token, lang=lang, accept_language=_accept(request)
    )
    session.commit()  # end the read transaction before rendering
    return _page(request, opened, f"/r/{token}", f"r:{token}")


@router.post("/r/{token}", dependencies=PUBLIC)
async def personal_submit(
    request: Request,
    token: str,
    store: StoreDep,
    lang: str | None = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Response:
    _limit(request, f"r:{token}")
    secret = store.settings.secret
    accept = _accept(request)

    def open_link(session: Session) -> OpenInvitation:
        return open_invitation(
            session, secret, token, lang=lang, accept_language=accept, previous=False
        )

    def store_it(
        session: Session,
        opened: OpenInvitation,
        answers: Any,
        version: int | None,
        key: str | None,
        ch: str | None,
    ) -> SubmitResult:
        return submit_personal(
            session,
            secret,
            token,
            answers,
            idempotency_key=key,
            version=version,
            channel=ch,
            opened=opened,
        )

    outcome = await _submit(request, f"r:{token}", open_link, store_it, idempotency_key)
    return _respond(request, outcome, f"/r/{token}", f"r:{token}")


@router.get("/s/{key}", response_class=HTMLResponse, dependencies=PUBLIC)
def public_page(
    request: Request, key: str, session: SessionDep, lang: str | None = None
) -> HTMLResponse:
    opened = open_public(session, key, lang=lang, accept_language=_accept(request))
    session.commit()  # end the read transaction before rendering
    return _page(request, opened, f"/s/{key}", f"s:{key}")


@router.post("/s/{key}", dependencies=PUBLIC)
async def public_submit(
    request: Request,
    key: str,
    lang: str | None = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Response:
    _limit(request, f"s:{key}:{client_address(request)}")
    accept = _accept(request)

    def open_link(session: Session) -> OpenInvitation:
        return open_public(session, key, lang=lang, accept_language=accept)

    def store_it(
        session: Session,
        opened: OpenInvitation,
        answers: Any,
        version: int | None,
        ikey: str | None,
        ch: str | None,
    ) -> SubmitResult:
        return submit_public(
            session,
            key,
            answers,
            idempotency_key=ikey,
            version=version,
            channel=ch or "public",
            opened=opened,
        )

    outcome = await _submit(request, f"s:{key}", open_link, store_it, idempotency_key)
    return _respond(request, outcome, f"/s/{key}", f"s:{key}")


def _unsub_lang(request: Request, lang: str | None) -> str:
    return lang if lang in ("zh", "en") else pick_language(_accept(request), ["zh", "en"])


@router.get("/u/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
def unsubscribe_page(
    request: Request, token: str, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    claims = verify_invitation(store.settings.secret, token, allow_expired=True)
    lng = _unsub_lang(request, lang)
    with store.session() as session:
        try:
            channel = unsubscribe_channel(session, claims.invitation_id)
        except NotFoundError:
            raise HTTPException(404, text("link_invalid", lng)) from None
    return render_public(
        request,
        "unsubscribe.html",
        lng,
        question=text(f"unsubscribe_q_{channel}", lng),
        action=f"/u/{token}",
        form_token=form_token(store.settings.secret, f"u:{token}"),
    )


@router.post("/u/{token}", response_class=HTMLResponse, dependencies=PUBLIC)
async def unsubscribe_submit(
    request: Request, token: str, session: SessionDep, store: StoreDep, lang: str | None = None
) -> HTMLResponse:
    claims = verify_invitation(store.settings.secret, token, allow_expired=True)
    lng = _unsub_lang(request, lang)
    form = await request.form()
    given = form.get("_form")
    if not verify_form_token(
        store.settings.secret, f"u:{token}", given if isinstance(given, str) else None
    ):
        raise HTTPException(403, text("bad_form", lng))

    def run() -> str:
        try:  # the channel the invitation was sent on (services/consent.py)
            return unsubscribe_invitation(session, claims.invitation_id)
        except NotFoundError:
            raise HTTPException(404, text("link_invalid", lng)) from None

    channel = await run_in_threadpool(run)
    return render_public(
        request, "public_message.html", lng, message=text(f"unsubscribed_{channel}", lng)
    )


@router.get("/healthz", dependencies=PUBLIC)
def health() -> dict[str, str]:
    return {"status": "ok"}
