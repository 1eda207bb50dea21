"""Server-rendered pages: one Jinja2 environment, one staff layout, one customer layout.

Autoescaping is on for every template: customer text (answers, comments) and survey texts
reach the page as data and are escaped. Templates get ``t(key)`` (the reader's language),
``masks(text)`` (masked personal data worded in the reader's language, still escaped),
``join_reasons(list)`` / ``join_items(list)`` / ``item_separator`` (the language's
separators, "；" / "、" in Chinese; :mod:`loyalloop.core.wording`),
``nonce`` (the CSP nonce for inline scripts), ``csrf`` (the session's CSRF token) and
``me`` (who is signed in) and the navigation, which hides what the role may not open.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from loyalloop.api.access import Permission
from loyalloop.api.i18n import code_name, text
from loyalloop.core.wording import item_separator, join_items, join_reasons, show_masks

__all__ = [
    "NAV",
    "env",
    "nonce_scripts",
    "public_language",
    "public_message",
    "render",
    "render_error",
    "render_public",
]

env = jinja2.Environment(
    loader=jinja2.PackageLoader("loyalloop.api", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

#: The navigation: (path, text key, permission needed to see the link).
NAV: list[tuple[str, str, Permission]] = [
    ("/", "dashboard", Permission.dashboard),
    ("/surveys", "surveys", Permission.dashboard),
    ("/runs", "runs", Permission.dashboard),
    ("/tokens", "tokens", Permission.account),
    ("/admin/users", "users", Permission.users),
    ("/admin/audit", "audit", Permission.audit),
    ("/admin/erase", "erase", Permission.customers_erase),
    ("/cases", "cases", Permission.cases_work),
    ("/admin/case-rules", "case_rules", Permission.cases_rules),
    ("/customers", "customers_nav", Permission.customers_view),
    ("/segments", "segments", Permission.dashboard),
    ("/campaigns", "campaigns", Permission.dashboard),
]

_SCRIPT = re.compile(r'<script(?: type="text/javascript")?>')


def nonce_scripts(html: str | Markup, nonce: str) -> Markup:
    """Give the inline scripts of trusted generated HTML (plotly figures) the CSP nonce.

    Figure data is JSON with ``<`` escaped, so customer text inside cannot contain the tag.
    """
    return Markup(_SCRIPT.sub(f'<script nonce="{nonce}">', str(html)))


def _lang(request: Request) -> str:
    from loyalloop.api.deps import get_lang

    return get_lang(request)


def _wording(lang: str) -> dict[str, Any]:
    """``masks``, ``join_reasons`` and ``join_items`` in ``lang`` (module docstring)."""
    return {
        "masks": lambda value: show_masks(value, lang),
        "join_reasons": lambda parts: join_reasons(parts, lang),
        "join_items": lambda parts: join_items(parts, lang),
        "item_separator": item_separator(lang),
    }


def render(
    request: Request, name: str, *, status_code: int = 200, lang: str | None = None, **context: Any
) -> HTMLResponse:
    """A staff page in the reader's language."""
    lang = lang or _lang(request)
    me = getattr(request.state, "principal", None)
    nav = [
        (path, text(key, lang), request.url.path == path)
        for path, key, perm in NAV
        if me is not None and me.user is not None and me.can(perm)
    ]
    html = env.get_template(name).render(
        t=lambda key, **kw: text(key, lang, **kw),
        tl=text,
        code_name=lambda prefix, code: code_name(prefix, code, lang),
        **_wording(lang),
        lang=lang,
        nonce=getattr(request.state, "nonce", ""),
        csrf=me.csrf if me is not None else "",
        me=me.user if me is not None else None,
        nav=nav,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def render_public(
    request: Request, name: str, lang: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A customer page (no staff navigation) in ``lang``."""
    html = env.get_template(name).render(
        t=lambda key, **kw: text(key, lang, **kw),
        tl=text,
        **_wording(lang),
        lang=lang,
        nonce=getattr(request.state, "nonce", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def public_language(request: Request) -> str:
    """The language of a customer page's error: ``?lang=``, else ``Accept-Language``."""
    from loyalloop.surveys import pick_language

    lang = request.query_params.get("lang") or pick_language(
        request.headers.get("accept-language"), ["zh", "en"]
    )
    return lang if lang in ("zh", "en") else "zh"


def public_message(status_code: int, exc: BaseException, lang: str) -> str:
    """What a customer reads about an error, in their language."""
    from loyalloop.surveys import AnswerError, TokenError

    if isinstance(exc, AnswerError):
        return str(exc)
    key = "link_invalid"
    if isinstance(exc, TokenError) and exc.reason == "expired":
        key = "link_expired"
    elif status_code == 410:
        key = "survey_closed"
    elif status_code == 429:
        key = "too_many"
    elif status_code == 413:
        key = "too_large"
    elif status_code == 403 and not isinstance(exc, TokenError):
        key = "bad_form"
    return text(key, lang)


def render_error(request: Request, status_code: int, exc: BaseException) -> HTMLResponse:
    """An error page; customers' pages (``/r/``, ``/s/``, ``/u/``) get the customer layout."""
    path = request.url.path
    if path.startswith(("/r/", "/s/", "/u/", "/c/")):
        lang = public_language(request)
        return render_public(
            request,
            "public_message.html",
            lang,
            status_code=status_code,
            message=public_message(status_code, exc, lang),
        )
    lang = _lang(request)
    message = {403: text("forbidden", lang), 404: text("not_found", lang)}.get(status_code)
    detail = getattr(exc, "detail", None) or str(exc)
    return render(
        request,
        "error.html",
        status_code=status_code,
        code=status_code,
        message=message or text("error", lang),
        detail=str(detail),
    )
