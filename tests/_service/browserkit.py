"""What every real-browser test shares: Debian's Chromium for Playwright, a free loopback port,
and `loyalloop serve` started in its own process and waited for on ``/healthz``.

Playwright's own browser download does not work on these machines, so the tests drive the
Chromium that Debian installs (``apt-get install -y chromium fonts-noto-cjk``;
``$LOYALLOOP_CHROMIUM`` overrides the path). Screenshots go to ``$LOYALLOOP_SCREENSHOT_DIR``
(default: the test's temporary directory) and are never committed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = os.environ.get("LOYALLOOP_CHROMIUM", "/usr/bin/chromium")
#: Headless, no sandbox (root in CI), and nothing that reaches the network on its own.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def require_browser() -> None:
    """Skip, saying what to install, when Chromium or Playwright is missing (``.ci/run``
    installs both and refuses a run where browser tests were skipped)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)"
        )
    pytest.importorskip("playwright", reason="pip install playwright")


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def screenshot_dir(tmp_path: Path) -> Path:
    """Where a test saves its screenshots."""
    target = Path(os.environ.get("LOYALLOOP_SCREENSHOT_DIR", str(tmp_path)))
    target.mkdir(parents=True, exist_ok=True)
    return target


@contextmanager
def serving(env: Mapping[str, str], port: int, *extra: str, wait_s: float = 180.0) -> Iterator[str]:
    """Run ``loyalloop serve --port PORT *extra`` with ``env`` added to this process's
    environment; yield its base URL once ``/healthz`` answers 200, stop it afterwards.

    If it does not come up within ``wait_s`` seconds, the error carries the end of its
    standard error, so a failed start says why.
    """
    cmd: Sequence[str] = [sys.executable, "-m", "loyalloop", "serve", "--port", str(port), *extra]
    base = f"http://127.0.0.1:{port}"
    # standard error into a file, not a pipe: a pipe nobody reads fills up and stalls the server
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            deadline = time.monotonic() + wait_s
            while proc.poll() is None:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"loyalloop serve did not answer /healthz in {wait_s:.0f} s")
                time.sleep(0.2)
            else:
                log.seek(0)
                err = log.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"loyalloop serve exited with {proc.returncode}: {err}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def staff_page(
    browser: Any, *, locale: str = "en-GB", timeout_ms: float = 60_000, **context: Any
) -> Any:
    """A new page in a fresh browser context (1280 × 900, ``locale``, Playwright's
    ``new_context`` options in ``context``) that fails the test if a dialog opens."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale, **context)
    ctx.set_default_timeout(timeout_ms)
    page = ctx.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    return page


def sign_in(page: Any, email: str, password: str) -> None:
    """On the sign-in page: give ``email`` and ``password`` and submit."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def signed_in(
    browser: Any, base: str, email: str, password: str, *, start: str = "/login", **page: Any
) -> Any:
    """A :func:`staff_page` (``page`` are its options) signed in as ``email`` from ``start``
    (a page that asks to sign in, e.g. ``/login?next=/segments`` or ``/customers``)."""
    tab = staff_page(browser, **page)
    tab.goto(f"{base}{start}")
    sign_in(tab, email, password)
    return tab
