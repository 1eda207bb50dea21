"""The staff and survey pages work under their Content-Security-Policy, and with no internet.

The service sends ``script-src 'self' 'nonce-…'`` on every page: an inline event handler
(``onsubmit="…"``) or a ``javascript:`` URL is blocked by the browser, so whatever it was for
silently does not happen (the survey editor's preview forms once had one: pressing Enter in a
preview's text box sent the page away). Every asset is served by the app itself: no template
or script names another host.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

API = Path(__file__).parents[2] / "src" / "loyalloop" / "api"
TEMPLATES = sorted((API / "templates").glob("*.html"))
STATIC = sorted(p for p in (API / "static").iterdir() if p.suffix in {".js", ".css"})

_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
_JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I
)


def test_there_are_templates_and_assets() -> None:
    assert len(TEMPLATES) >= 20 and len(STATIC) >= 2


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_handlers_or_javascript_urls(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not _HANDLER.search(text), f"{path.name}: inline event handler (CSP blocks it)"
    assert not _JS_URL.search(text), f"{path.name}: javascript: URL (CSP blocks it)"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_scripts_are_files_data_or_carry_the_nonce(path: Path) -> None:
    for attrs in _SCRIPT.findall(path.read_text(encoding="utf-8")):
        ok = "src=" in attrs or "application/json" in attrs or "nonce" in attrs
        assert ok, f"{path.name}: <script{attrs}> would be blocked (no src, no nonce)"


@pytest.mark.parametrize("path", TEMPLATES + STATIC, ids=lambda p: p.name)
def test_no_asset_from_another_host(path: Path) -> None:
    found = _EXTERNAL.search(path.read_text(encoding="utf-8"))
    assert found is None, f"{path.name}: {found.group(0)!r} needs the internet"


def test_the_checks_catch_what_they_look_for() -> None:
    assert _HANDLER.search('<form class="survey" onsubmit="return false">')
    assert _JS_URL.search('<a href="javascript:void(0)">')
    assert _EXTERNAL.search('<script src="https://cdn.plot.ly/plotly.js">')
    assert _EXTERNAL.search("background: url(//fonts.example/x.woff)")
    assert not _EXTERNAL.search('<script src="/vendor/plotly.min.js">')
