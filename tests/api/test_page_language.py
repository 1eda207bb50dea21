"""The staff pages' language, in one order (docs/service.md "Language"): ``?lang=`` → the
toggle's cookie → the project's language (``LOYALLOOP_LANG``) → English. The browser's
``Accept-Language`` chooses for customers' pages only. And the codes the pages name."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from loyalloop.api.deps import LANG_COOKIE
from loyalloop.api.i18n import staff_language
from loyalloop.services import Store

sys.path.insert(0, str(Path(__file__).parent))
from apikit import World, build

BROWSER_EN = {"Accept-Language": "en-US,en;q=0.9"}  # what an English browser always sends


def _in_project_language(store: Store, lang: str) -> Store:
    return dataclasses.replace(store, analytics=dataclasses.replace(store.analytics, lang=lang))


@pytest.fixture
def zh_world(store: Store) -> World:
    return build(_in_project_language(store, "zh"))


def _lang(html: str) -> str:
    return "zh" if '<html lang="zh-CN">' in html else "en" if '<html lang="en">' in html else "?"


def test_the_resolver_order() -> None:
    assert staff_language(None, None, "zh") == "zh"  # the project's language
    assert staff_language("en", None, "zh") == "en"  # the person's toggle wins over it
    assert staff_language("en", "zh", "zh") == "zh"  # and the address wins over the toggle
    assert staff_language("fr", "de", "xx") == "en"  # nothing valid: English


def test_a_zh_project_shows_its_pages_in_chinese_without_a_choice(zh_world: World) -> None:
    admin = zh_world.client("admin")
    for path in ("/", "/surveys", "/cases", "/runs", "/campaigns"):
        page = admin.get(path, headers=BROWSER_EN)
        assert page.status_code == 200 and _lang(page.text) == "zh", path
        assert "仪表板" in page.text and ">Dashboard<" not in page.text, path
    # the sign-in page (nobody signed in yet) too
    assert _lang(zh_world.client(None).get("/login", headers=BROWSER_EN).text) == "zh"


def test_a_persons_choice_wins_over_the_project_language(zh_world: World) -> None:
    admin = zh_world.client("admin")
    assert _lang(admin.get("/", params={"lang": "en"}).text) == "en"
    moved = admin.get("/lang/en", params={"next": "/surveys"}, follow_redirects=False)
    assert moved.status_code == 303
    admin.cookies.set(LANG_COOKIE, moved.cookies[LANG_COOKIE])
    assert _lang(admin.get("/surveys").text) == "en"  # the toggle is remembered
    assert _lang(admin.get("/surveys", params={"lang": "zh"}).text) == "zh"  # the address wins


def test_an_en_project_is_not_switched_by_the_browser(store: Store) -> None:
    world = build(store)  # LOYALLOOP_LANG unset: en
    admin = world.client("admin")
    page = admin.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert _lang(page) == "en"
    admin.cookies.set(LANG_COOKIE, "zh")
    assert _lang(admin.get("/").text) == "zh"


def test_customer_pages_still_follow_the_customers_browser(zh_world: World) -> None:
    anonymous = zh_world.client(None)
    en = anonymous.get("/r/garbage", headers=BROWSER_EN).text
    assert "<title>Survey</title>" in en


def test_invite_skip_reasons_are_named_in_the_page_language(zh_world: World) -> None:
    """An invitation the policy skips is counted under its reason's name (the API's JSON keeps
    the code)."""
    analyst = zh_world.client("admin")
    page = analyst.post("/surveys/1/invite", data={"customers": "C77", "channel": "email"}).text
    assert "未获该渠道授权 1" in page and "no_consent" not in page
    en = analyst.post(
        "/surveys/1/invite", data={"customers": "C78", "channel": "email"}, params={"lang": "en"}
    ).text
    assert "no consent for the channel 1" in en and "no_consent" not in en


def test_the_users_page_names_the_roles_in_its_choices(zh_world: World) -> None:
    page = zh_world.client("admin").get("/admin/users").text
    assert '<option value="agent">坐席</option>' in page and ">agent</option>" not in page
