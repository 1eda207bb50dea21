"""In a real browser (Debian's Chromium driven by Playwright), the case loop end to end: a
customer's detractor answer becomes a case in the agent's queue; the agent logs in, works the
queue, answers the customer, resolves the case and tells the customer what was done — the
customer receives the "we did" e-mail (aiosmtpd); a late case escalates to the team's manager
when `loyalloop cases tick --now …` runs (the injectable clock); the manager sees the escalation
in the queue and the missed target on the dashboard, in English and Chinese.

Screenshots go to ``$LOYALLOOP_SCREENSHOT_DIR`` (default: the test's temporary directory).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "cases_service"))

from browserkit import (
    ARGS,
    CHROMIUM,
    free_port,
    require_browser,
    screenshot_dir,
    serving,
    signed_in,
)
from smtpkit import Inbox, smtp_server

from loyalloop.cases import Signal, SignalKind
from loyalloop.core.config import Settings
from loyalloop.core.service_settings import load_service_settings
from loyalloop.services import Actor, open_store
from loyalloop.services.cases import apply_signals, set_team
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.surveys import create_survey
from loyalloop.services.users import add_user

PASSWORD = "case flow password 2026"
AGENT, BOSS = "agent@bank.example", "boss@bank.example"
SAID = "年费<b>乱扣</b><script>window.__pwned = 1</script>"
WE_DID = "已退还年费 200 元，并调整了扣费规则"
SPEC = {
    "key": "visit",
    "title": {"zh": "网点服务调查", "en": "Branch visit"},
    "questions": [
        {"id": "nps", "type": "nps", "text": {"zh": "您有多大可能推荐我们？", "en": "Recommend?"}},
        {"id": "why", "type": "text", "about": "nps", "text": {"zh": "原因？", "en": "Why?"}},
    ],
}

pytestmark = pytest.mark.slow


def _subject(m: Message) -> str:
    return str(make_header(decode_header(str(m["Subject"]))))


def _body(m: Message) -> str:
    part = m.get_payload()[0] if m.is_multipart() else m  # type: ignore[index]
    return part.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr,no-any-return]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    home = tmp_path_factory.mktemp("caseflow") / "home"
    smtp, port = free_port(), free_port()
    store = open_store(
        load_service_settings(home, env="local"), Settings(home=home, timezone="UTC")
    )
    late_opened = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    try:
        with store.session() as s:
            add_user(s, AGENT, "agent", PASSWORD, Actor.cli())
            add_user(s, BOSS, "admin", PASSWORD, Actor.cli())
            set_team(s, "cx_callback", actor=Actor.cli(), manager_email=BOSS, agents=[AGENT])
            create_survey(s, SPEC, Actor.cli(), publish=True)
            res = invite(store, s, "visit",
                         [Recipient("C1", email="c1@mail.example", language="zh")], Actor.cli())  # fmt: skip
            token = res.links[0].url.rsplit("/", 1)[1]
            # a detractor case nobody touched for 20 days: late
            late = Signal("late-1", "L9", SignalKind.FEEDBACK, late_opened, score_type="nps",
                          score=0)  # fmt: skip
            (late_id,) = apply_signals(s, [late], now=late_opened).opened
    finally:
        store.close()
    env = {
        "LOYALLOOP_HOME": str(home),
        "LOYALLOOP_ENV": "local",
        "LOYALLOOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOYALLOOP_SMTP_HOST": "127.0.0.1",
        "LOYALLOOP_SMTP_PORT": str(smtp),
        "LOYALLOOP_SMTP_FROM": "care@bank.example",
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    inbox = Inbox()
    # the scheduler is off: the escalation comes from `cases tick --now` (the cron path)
    with smtp_server(smtp, inbox), serving(env, port, "--no-scheduler") as base:
        yield {"base": base, "home": home, "env": {**os.environ, **env}, "token": token,
               "inbox": inbox, "late_id": late_id}  # fmt: skip


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return screenshot_dir(tmp_path)


def _login(browser: Any, base: str, email: str, locale: str) -> Any:
    page = signed_in(browser, base, email, PASSWORD, locale=locale)
    page.wait_for_url(f"{base}/")
    return page


def test_agent_resolves_customer_is_told_late_case_escalates_manager_sees(
    world: dict[str, Any], shots: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, inbox = world["base"], world["inbox"]
    expect.set_options(timeout=30_000)
    # the customer answers 2 out of 10 through the personal link: a case opens at once
    r = httpx.post(f"{base}/r/{world['token']}", json={"answers": {"nps": 2, "why": SAID}},
                   timeout=60)  # fmt: skip
    assert r.status_code == 201, r.text[:500]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # the agent works the queue: the new case is theirs (round robin), SLA-sorted
            page = _login(browser, base, AGENT, "en-GB")
            page.goto(f"{base}/cases")
            expect(page.locator("h1")).to_contain_text("Cases")
            row = page.locator("tr", has=page.locator("td", has_text="C1"))
            expect(row).to_have_count(1)
            expect(page.locator("tr[data-case]")).to_have_count(2)  # with the late one
            page.screenshot(path=str(shots / "11-queue-agent.png"), full_page=True)
            row.locator("a").first.click()
            expect(page.locator("#case-status")).to_have_text("new")
            # the customer's words are shown as text, never run
            expect(page.locator("blockquote.customer-text")).to_contain_text("<script>")
            assert page.evaluate("window.__pwned") is None
            # a radio button sits on its label's line (not a full-width block above the text)
            radio = page.locator("input[name=visibility][value=customer]").bounding_box()
            label = page.locator("label", has=page.locator("input[value=customer]"))
            box = label.bounding_box()
            assert radio is not None and box is not None
            assert radio["width"] < 40 and box["height"] < 2 * radio["height"] + 16
            # first response: a note to the customer
            page.fill("textarea[name=note]", "您好，我们已收到您的反馈，正在处理。")
            page.check("input[name=visibility][value=customer]")
            page.click("form[action$='/notes'] button[type=submit]")
            expect(page.locator(".timeline")).to_contain_text("正在处理")
            # resolve with a resolution code
            page.select_option("select[name=status]", "resolved")
            page.select_option("select[name=resolution_code]", "compensated")
            page.click("form[action$='/status'] button[type=submit]")
            expect(page.locator("#case-status")).to_have_text("resolved")
            # tell the customer what was done: the "we did" e-mail goes out
            page.fill("textarea[name=we_did]", WE_DID)
            page.click("form[action$='/tell'] button[type=submit]")
            expect(page.locator(".timeline")).to_contain_text(WE_DID)
            page.screenshot(path=str(shots / "12-case-resolved.png"), full_page=True)
            told = [m for m in inbox.messages if str(m["To"]) == "c1@mail.example"]
            assert len(told) == 1
            body = _body(told[0])
            assert (
                WE_DID in body and "乱扣" in body and "<b>" not in body and "<script>" not in body
            )

            # cron's tick with an explicit time: the late case escalates to the manager, once
            cmd = [sys.executable, "-m", "loyalloop", "cases", "tick", "--now",
                   dt.datetime.now(dt.UTC).isoformat()]  # fmt: skip
            for _ in range(2):  # a second tick escalates nothing again
                out = subprocess.run(cmd, env=world["env"], capture_output=True, text=True,
                                     timeout=300)  # fmt: skip
                assert out.returncode == 0, out.stderr[-2000:]
            escalations = [m for m in inbox.messages if str(m["To"]) == BOSS]
            assert len(escalations) == 2  # first response and resolution, each once
            assert all(f"case {world['late_id']}" in _subject(m) for m in escalations)
            assert {"SLA breached" in _subject(m) for m in escalations} == {True}

            # the manager sees it: the escalation in the queue, the missed target on the
            # dashboard — in Chinese after the toggle
            boss = _login(browser, base, BOSS, "en-GB")
            boss.goto(f"{base}/cases?owner=")
            late_row = boss.locator(f"tr[data-case='{world['late_id']}']")
            expect(late_row).to_contain_text("escalated")
            boss.goto(f"{base}/")
            sla = boss.get_by_test_id("sla-compliance")
            expect(sla).to_contain_text("SLA compliance")
            fr = boss.locator("tr[data-testid$='-first_response']")
            expect(fr).to_have_count(1)
            # two clocks decided: C1's reply in time, the late case's missed (no interval: n = 2)
            expect(fr.locator("td").nth(3)).to_have_text("1")
            expect(fr.locator("td").nth(4)).to_have_text("1")
            expect(fr).to_contain_text("n = 2: too few for an interval")
            boss.screenshot(path=str(shots / "13-dashboard-manager-en.png"), full_page=True)
            boss.click("text=中文")
            expect(boss.get_by_test_id("sla-compliance")).to_contain_text("时限达成率")
            expect(boss.locator("tr[data-testid$='-first_response']")).to_contain_text("首次响应")
            boss.screenshot(path=str(shots / "14-dashboard-manager-zh.png"), full_page=True)
            # on a phone the header's "退出" stays one word (it once broke into 退 / 出)
            boss.set_viewport_size({"width": 390, "height": 844})
            out = boss.locator("header.top button").bounding_box()
            nav = boss.locator("header.top nav a").first.bounding_box()
            assert out is not None and nav is not None and out["height"] < 2.5 * nav["height"]
        finally:
            browser.close()
