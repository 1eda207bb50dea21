"""The 360 page in a real browser (Debian's Chromium driven by Playwright), in Chinese because
the project's language is (``LOYALLOOP_LANG=zh``; the browser asks for English): an agent
signs in, searches by a phone number typed the way people type it, picks one of the two
profiles sharing it, and reads the page; the hostile comment is shown as text and never runs.

Screenshots go to ``$LOYALLOOP_SCREENSHOT_DIR`` (default: the test's temporary directory).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browserkit import (
    ARGS,
    CHROMIUM,
    free_port,
    require_browser,
    screenshot_dir,
    serving,
    signed_in,
)
from c360kit import EVIL, Home

from loyalloop.services import Actor, Store
from loyalloop.services.users import add_user

PASSWORD = "agent password 2026"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(sample_home: Home, c360_store: Store) -> Iterator[str]:
    require_browser()
    with c360_store.session() as s:
        add_user(s, "agent.wang@bank.example", "agent", PASSWORD, Actor.cli())
    port = free_port()
    home = sample_home.settings.home
    env = {
        "LOYALLOOP_HOME": str(home),
        "LOYALLOOP_ENV": "local",
        "LOYALLOOP_LANG": "zh",  # the pages follow it: no ?lang=, no cookie, an English browser
        "LOYALLOOP_TIMEZONE": "UTC",
        "LOYALLOOP_DATABASE_URL": f"sqlite:///{home / 'service.sqlite3'}",
        "LOYALLOOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    with serving(env, port) as base:
        yield base


def test_360_page_in_chinese(server: str, sample_home: Home, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = screenshot_dir(tmp_path)
    expect.set_options(timeout=60_000)
    base = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = signed_in(
                browser,
                base,
                "agent.wang@bank.example",
                PASSWORD,
                start="/customers",
                timeout_ms=120_000,
                extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
            )
            expect(page.locator("h1")).to_have_text("客户全景")

            # the phone as a person types it: two profiles share it, so a list
            local = sample_home.phone[3:]
            page.fill("input[name=q]", f"{local[:3]} {local[3:7]}-{local[7:]}")
            page.click("form[role=search] button[type=submit]")
            expect(page.get_by_text("有 2 位客户与")).to_be_visible()
            page.screenshot(path=str(shots / "c360-01-search-zh.png"), full_page=True)
            page.click(f"a[href='/customers/{sample_home.customer}']")

            expect(page.locator("h1")).to_contain_text(sample_home.name)
            for heading in (
                "基本信息",
                "价值",
                "流失风险",
                "忠诚度与生命周期",
                "反馈",
                "问卷回答",
                "工单",
            ):
                expect(page.locator("h2", has_text=heading).first).to_be_visible()
            shown = page.locator("#c360-phone").inner_text()  # as entered; an agent sees it
            assert "*" not in shown and "".join(c for c in shown if c.isdigit()).endswith(local)
            comment = page.locator(f"tr[data-feedback='{sample_home.feedback_id}'] .customer-text")
            expect(comment).to_have_text(EVIL)
            assert page.locator("#feedback img").count() == 0
            assert page.evaluate("window.__pwned") is None
            # the topic by its name, not its code
            expect(page.locator("#cases")).to_contain_text("贬损者回访")
            expect(page.locator("#surveys")).to_contain_text("<b>服务</b>太慢")
            page.screenshot(path=str(shots / "c360-02-page-zh.png"), full_page=True)
        finally:
            browser.close()
