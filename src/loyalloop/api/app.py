"""The web application: ``create_app(settings)`` builds the FastAPI app of ``loyalloop serve``.

* JSON API under ``/api/v1`` (its OpenAPI document at ``/api/v1/openapi.json`` for signed-in
  staff), staff pages (Jinja2, zh/en), customers' survey pages.
* Every asset is local: ``/static/…`` from the package, plotly.js from the plotly package.
* Security headers on every response: a Content-Security-Policy with a per-request nonce for
  scripts, ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` (personal links never leak through the Referer header).
* Request bodies above ``LOYALLOOP_MAX_BODY_BYTES`` are refused with 413 before they are read.
* Errors of the library map to HTTP statuses in one place (:data:`STATUS`); pages get a page in
  the reader's language, the API a JSON ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from loyalloop import __version__
from loyalloop.api.deps import NotSignedIn
from loyalloop.api.i18n import text
from loyalloop.api.pages import public_language, public_message, render_error
from loyalloop.api.ratelimit import RateLimiter
from loyalloop.core.config import Settings
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.errors import (
    BudgetExceededError,
    BusyError,
    CaseTransitionError,
    ConfigError,
    ConflictError,
    DataValidationError,
    LoyalloopError,
    NoRunError,
    NotFoundError,
    PermissionDeniedError,
)
from loyalloop.services import Store, open_store
from loyalloop.services.responses import ClosedError
from loyalloop.surveys import AnswerError, TokenError
from loyalloop.surveys.answers import MalformedBody

__all__ = ["app_from_environment", "create_app"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: HTTP status of each library error (the most specific class wins).
STATUS: list[tuple[type[LoyalloopError], int]] = [
    (MalformedBody, 400),
    (AnswerError, 422),
    (TokenError, 403),
    (ClosedError, 410),
    (NoRunError, 404),
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
    (DataValidationError, 422),
    (ConfigError, 422),
    (BusyError, 503),
    (ConflictError, 409),
    (CaseTransitionError, 409),
    (BudgetExceededError, 422),
]

STATIC = Path(str(files("loyalloop.api") / "static"))


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes (declared or streamed) with 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await _too_large(scope, send, self.limit)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(scope, send, self.limit)


_NO_STORE = ("/r/", "/u/", "/c/", "/api/", "/login")


class SecurityHeaders:
    """Security headers on every response (a pure ASGI middleware: no per-request task).

    The CSP nonce is made per request and put in ``scope["state"]["nonce"]`` for templates.
    A route may set its own ``Content-Security-Policy`` (the self-contained report does).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["nonce"] = nonce
        no_store = scope["path"].startswith(_NO_STORE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"content-security-policy", _csp(nonce)),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if no_store:
                    extra.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in extra if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _csp(nonce: str) -> bytes:
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ).encode()


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
    from loyalloop.surveys import pick_language

    # before any route: a customer's or a staff member's upload alike, in the browser's language
    lang = pick_language(headers.get("accept-language"), ["en", "zh"])
    body = (
        '{"error": {"code": "too_large", "message": "'
        + text("too_large", lang)
        + f' (> {limit} bytes)"'
        + "}}"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    ctype = request.headers.get("content-type", "")
    accept = request.headers.get("accept", "")
    return ctype.startswith("application/json") or (
        "application/json" in accept and "text/html" not in accept
    )


def _customer_path(request: Request) -> bool:
    return request.url.path.startswith(("/r/", "/s/", "/u/", "/c/"))


def _status_of(exc: LoyalloopError) -> int:
    for cls, code in STATUS:
        if isinstance(exc, cls):
            return code
    return 400


def create_app(
    settings: ServiceSettings,
    analytics: Settings | None = None,
    *,
    store: Store | None = None,
    scheduler: bool = False,
) -> FastAPI:
    """The app of ``loyalloop serve``; opens (and migrates) the store unless one is given.

    With ``scheduler`` the app runs the SLA scheduler in a background thread while it serves
    (:class:`loyalloop.services.background.BackgroundScheduler`: one holder per home through a
    lease in the store), started and stopped by the app's lifespan. Every app has a case worker
    (``app.state.response_hooks``, :class:`loyalloop.services.response_hooks.ResponseHooks`)
    that evaluates submitted responses off the request path.
    """
    from loyalloop.api.routes import ROUTERS
    from loyalloop.services.response_hooks import ResponseHooks

    store = store or open_store(settings, analytics)
    hooks = ResponseHooks(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if scheduler:
            from loyalloop.services.background import BackgroundScheduler

            runner = BackgroundScheduler(app.state.store)
            runner.start()
            app.state.scheduler = runner
        try:
            yield
        finally:
            hooks.close()  # the queued responses' case rules; what is left waits for the sweep
            if runner is not None:
                runner.stop()

    app = FastAPI(
        title="Loyalloop",
        version=__version__,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.scheduler = None
    app.state.store = store
    app.state.response_hooks = hooks
    app.state.submit_client_limiter = RateLimiter(settings.submit_per_minute_per_client)
    app.state.submit_token_limiter = RateLimiter(settings.submit_per_minute_per_token)
    app.state.login_limiter = RateLimiter(settings.login_per_minute)
    app.state.report_cache = {}

    app.add_middleware(SecurityHeaders)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # type: ignore[arg-type]

    @app.exception_handler(LoyalloopError)
    async def library_error(request: Request, exc: LoyalloopError) -> Response:
        code = _status_of(exc)
        if code >= 500:
            log.warning("%s: %s", request.url.path, exc)
        if _wants_json(request):
            message = str(exc)
            if _customer_path(request):
                message = public_message(code, exc, public_language(request))
            err: dict[str, Any] = {"code": exc.code, "message": message}
            if isinstance(exc, AnswerError):
                err["problems"] = exc.problems
            if isinstance(exc, TokenError):
                err["reason"] = exc.reason
            return JSONResponse({"error": err}, status_code=code)
        return render_error(request, code, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if isinstance(exc, NotSignedIn) and not _wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if _wants_json(request):
            message = str(exc.detail)
            if _customer_path(request):
                message = public_message(exc.status_code, exc, public_language(request))
            return JSONResponse(
                {"error": {"code": str(exc.status_code), "message": message}},
                status_code=exc.status_code,
                headers=exc.headers,
            )
        return render_error(request, exc.status_code, exc)

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(
                {
                    "error": {
                        "code": "bad_request",
                        "message": "invalid request",
                        "problems": problems,
                    }
                },
                status_code=422,
            )
        return render_error(request, 422, ValueError("; ".join(p["message"] for p in problems)))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    plotly_js = Path(str(files("plotly") / "package_data" / "plotly.min.js"))

    from loyalloop.api.access import Permission
    from loyalloop.api.deps import allow

    @app.get(
        "/vendor/plotly.min.js", include_in_schema=False, dependencies=[allow(Permission.public)]
    )
    def plotly() -> FileResponse:
        return FileResponse(plotly_js, media_type="text/javascript")

    for router in ROUTERS:
        app.include_router(router)

    @app.get(
        "/api/v1/openapi.json", include_in_schema=False, dependencies=[allow(Permission.account)]
    )
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    return app


def app_from_environment() -> FastAPI:
    """The app as ``loyalloop serve`` runs it: settings from ``LOYALLOOP_*`` (uvicorn factory)."""
    from loyalloop.core.service_settings import load_service_settings

    settings = load_service_settings()
    analytics = Settings(home=settings.home)
    return create_app(settings, analytics, scheduler=settings.scheduler)
