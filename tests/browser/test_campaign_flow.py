"""In a real browser (Debian's Chromium driven by Playwright): an analyst signs in, builds a
segment on the latest run and sees its count (the library's count of the same spec), saves it,
creates a win-back SMS campaign on it, previews its message in Chinese for real customers
(with the SMS part count), launches it after the confirmation step, and the assignments and
outbox rows are in the store.

Reuses the survey flow's server fixture (sample card business, 300 customers, one run).
Screenshots go to ``$LOYALLOOP_SCREENSHOT_DIR`` (default: the test's temporary directory) and
are not committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from browserkit import ARGS, CHROMIUM, signed_in
from test_survey_flow import PASSWORD, server, shots  # noqa: F401

from loyalloop.core.config import Settings
from loyalloop.core.service_settings import load_service_settings
from loyalloop.services import open_store
from loyalloop.services.segments import open_audience, preview
from loyalloop.store.models import Campaign, CampaignAssignment, OutboxMessage

pytestmark = pytest.mark.slow


def test_analyst_builds_segment_creates_previews_and_launches_a_campaign(
    server: tuple[str, Path],  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, home = server
    store = open_store(
        load_service_settings(home, env="local"), Settings(home=home, timezone="UTC")
    )
    try:
        with open_audience(store) as audience:
            spec = {
                "name": "x",
                "conditions": [
                    {"field": "churn_probability", "op": ">=", "value": 0.2},
                    {"not": {"field": "rfm_segment", "op": "==", "value": "champions"}},
                ],
            }
            expected = preview(audience, spec, n=0).count
        assert expected > 0
        expect.set_options(timeout=30_000)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = signed_in(
                    browser, base, "ana@bank.example", PASSWORD, start="/login?next=/segments"
                )
                expect(page.locator("h1")).to_have_text("Segments")

                # build the segment: typed rows, and / not
                page.click("text=New segment")
                expect(page.locator("h1")).to_have_text("Segment builder")
                page.fill("input[name=name]", "at_risk_not_champions")
                page.select_option("select[name=f0]", "churn_probability")
                page.select_option("select[name=op0]", ">=")
                assert page.get_attribute("input[name=v0]", "type") == "number"
                page.fill("input[name=v0]", "0.2")
                page.check("input[name=not1]")
                page.select_option("select[name=f1]", "rfm_segment")
                page.select_option("select[name=op1]", "==")
                page.fill("input[name=v1]", "champions")
                page.click("button[value=preview]")
                count = page.get_by_test_id("segment-count")
                expect(count).to_have_attribute("data-count", str(expected))
                expect(count).to_contain_text(f"{expected:,} of")
                page.screenshot(path=str(shots / "c1-segment-preview.png"), full_page=True)
                page.click("button[value=save]")
                expect(page.get_by_test_id("segment-saved")).to_contain_text(
                    "at_risk_not_champions"
                )
                expect(page.get_by_test_id("count-at_risk_not_champions")).to_have_text(
                    str(expected)
                )

                # create the campaign on it (the form's starter arms and SMS template)
                page.click("nav >> text=Campaigns")
                page.click("text=New campaign")
                page.fill("input[name=name]", "winback-browser")
                page.select_option("select[name=segment]", "at_risk_not_champions")
                page.fill("input[name=budget]", "1000000")
                page.click("#campaign-form button[type=submit]")
                expect(page.locator("h1")).to_contain_text("winback-browser")
                expect(page.get_by_test_id("campaign-status")).to_have_text("draft")

                # preview the message in Chinese for real customers
                page.click("text=Preview messages")
                page.select_option("select[name=lang]", "zh")
                page.click("form.buttons button[type=submit]")
                rows = page.locator("tr.message-row[data-lang=zh]")
                expect(rows.first).to_be_visible()
                expect(rows.first.locator("pre.message")).to_contain_text("您好，好久不见！")
                expect(rows.first.locator("pre.message")).to_contain_text("退订")
                parts = rows.first.get_by_test_id("sms-parts")
                expect(parts).to_contain_text("UCS-2")
                assert int(parts.inner_text().split()[0]) >= 2  # Chinese + two links
                page.screenshot(path=str(shots / "c2-message-preview-zh.png"), full_page=True)

                # launch, with the confirmation step
                page.click("h1 >> a")
                page.click("a.button.primary:has-text('Launch')")
                expect(page.get_by_test_id("launch-audience")).to_contain_text(f"{expected:,}")
                page.click("text=Yes, launch now")
                expect(page.get_by_test_id("campaign-status")).to_have_text("launched")
                expect(page.get_by_test_id("campaign-message")).to_contain_text("Launched:")
                page.screenshot(path=str(shots / "c3-launched.png"), full_page=True)
                queued = int(page.get_by_test_id("outbox-pending").inner_text())
            finally:
                browser.close()

        with store.session() as s:
            c = s.scalar(sa.select(Campaign).where(Campaign.name == "winback-browser"))
            assert c is not None and c.status == "launched" and c.run_number == 1
            arms = dict(
                s.execute(
                    sa.select(CampaignAssignment.arm, sa.func.count())
                    .where(CampaignAssignment.campaign_id == c.id)
                    .group_by(CampaignAssignment.arm)
                ).all()
            )
            outbox = s.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.campaign_id == c.id)
            )
        assert arms.get("offer", 0) > 0 and arms.get("message", 0) > 0
        assert outbox == arms["offer"] + arms["message"] >= queued > 0
        assert sum(arms.values()) <= expected  # consent and address are required
    finally:
        store.close()


def test_campaign_pages_name_the_currency_and_say_a_currency_refusal_in_chinese(
    server: tuple[str, Path],  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    """The new-campaign form's budget names the project's currency (the sample's run: CNY) in
    English and in Chinese; a campaign whose money is in USD (made before any run named the
    project's currency) is refused at launch, and the page says why in Chinese."""
    import copy

    from campaign_fixtures import CAMPAIGN
    from playwright.sync_api import expect, sync_playwright

    from loyalloop.services import Actor
    from loyalloop.services.campaigns import create_campaign

    base, home = server
    store = open_store(
        load_service_settings(home, env="local"), Settings(home=home, timezone="UTC")
    )
    try:
        raw = copy.deepcopy(CAMPAIGN)
        raw.update(
            name="in-usd",
            campaign_id="in-usd",
            offers={"currency": "USD", "offers": [
                {"id": "coupon_10", "kind": "coupon", "name": "10 off", "unit_cost": 10.0}
            ]},
        )  # fmt: skip
        raw["arms"][0]["offer"] = "coupon_10"
        with store.session() as s:
            c, _ = create_campaign(s, raw, Actor.cli(), project=None)
            assert c.currency == "USD"
    finally:
        store.close()
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = signed_in(
                browser, base, "ana@bank.example", PASSWORD, start="/login?next=/campaigns/new"
            )
            ctx = page.context
            budget = page.locator("label", has=page.get_by_test_id("campaign-budget"))
            expect(budget).to_contain_text("Budget (CNY)")
            page.screenshot(path=str(shots / "c4-new-campaign-en.png"), full_page=True)
            ctx.add_cookies([{"name": "ll_lang", "value": "zh", "url": base}])
            page.goto(f"{base}/campaigns/new")
            expect(budget).to_contain_text("预算（CNY）")
            page.screenshot(path=str(shots / "c5-new-campaign-zh.png"), full_page=True)
            page.goto(f"{base}/campaigns/in-usd/launch")
            expect(page.get_by_text("USD", exact=False).first).to_be_visible()  # its budget's
            page.click("form.buttons button[type=submit]")
            error = page.get_by_test_id("launch-error")
            expect(error).to_contain_text("该活动的预算和成本以 USD 计，而项目金额现以 CNY 计")
            assert "budget and costs" not in error.inner_text()
            page.screenshot(path=str(shots / "c6-currency-refused-zh.png"), full_page=True)
        finally:
            browser.close()
