"""Staff and customer pages in Chinese name what they show: no stored code (a case's topic and
team, a channel, a question type, a choice's id, a role) and no English title where a Chinese
reader looks. Codes a user defines (their own topics, teams, channels) are shown as they are."""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from loyalloop.api.deps import LANG_COOKIE
from loyalloop.api.i18n import TEXTS, code_name
from loyalloop.data.contracts import FEEDBACK_CHANNELS
from loyalloop.services import Actor, Store
from loyalloop.services.cases import set_team
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.surveys import create_survey
from loyalloop.store.models import CaseRow, Role

sys.path.insert(0, str(Path(__file__).parent))
from apikit import World, build

TEMPLATES = Path(__file__).parents[2] / "src" / "loyalloop" / "api" / "templates"
#: ``{{ x.topic }}``-style output of a stored code, not passed through ``code_name``
_RAW_CODE = re.compile(r"\{\{\s*[\w.]+\.(topic|team|actor|channel|role|priority)(\.value)?\s*\}\}")
_TEST_ID = re.compile(r'data-testid="[^"]*"')  # not shown: tests find rows by the codes

CHOICE_SPEC = {
    "key": "branch",
    "title": {"zh": "网点调查", "en": "Branch survey"},
    "questions": [
        {"id": "nps", "type": "nps", "text": {"zh": "推荐我们吗？", "en": "Recommend us?"}},
        {
            "id": "served",
            "type": "single_choice",
            "text": {"zh": "您通过哪种方式办理？", "en": "How were you served?"},
            "options": [
                {"id": "counter", "text": {"zh": "柜台", "en": "Counter"}},
                {"id": "app", "text": {"zh": "手机银行", "en": "Mobile app"}},
            ],
        },
    ],
}


@pytest.fixture
def world(store: Store) -> World:
    return build(store)


def _walk(node: object, key: str) -> set[str]:
    if isinstance(node, dict):
        found = {str(v) for k, v in node.items() if k == key}
        return found.union(*(_walk(v, key) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_walk(v, key) for v in node))
    return set()


def test_the_default_rules_topics_and_teams_roles_and_channels_have_chinese_names() -> None:
    rules = yaml.safe_load(
        (resources.files("loyalloop.cases") / "data" / "default_cases.yaml").read_text("utf-8")
    )
    topics, teams = _walk(rules, "topic"), _walk(rules, "team")
    assert {"complaint", "detractor", "retention"} <= topics and "cx_callback" in teams
    channels = set(FEEDBACK_CHANNELS) | {"link", "public", "api", "email", "sms"}
    named = [("topic_", topics), ("team_", teams), ("role_", {r.value for r in Role})]
    for prefix, codes in [*named, ("chan_", channels)]:
        for code in codes:
            zh = code_name(prefix, code, "zh")
            assert f"{prefix}{code}" in TEXTS and not re.search(r"[a-z]{3,}", zh), (
                prefix,
                code,
                zh,
            )
    assert code_name("team_", "night_shift", "zh") == "night_shift"  # a user's own team


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_show_stored_codes_by_their_names(path: Path) -> None:
    found = _RAW_CODE.search(_TEST_ID.sub("", path.read_text(encoding="utf-8")))
    assert found is None, f"{path.name}: {found.group(0)} shows the stored code in every language"


def test_customer_error_page_title_is_in_the_customers_language(world: World) -> None:
    c = world.client(None)
    zh = c.get("/r/garbage", headers={"Accept-Language": "zh-CN"}).text
    en = c.get("/r/garbage", headers={"Accept-Language": "en"}).text
    assert "<title>问卷</title>" in zh and "Survey" not in zh
    assert "<title>Survey</title>" in en


def test_survey_page_and_responses_name_types_channels_and_choices(world: World) -> None:
    with world.store.session() as s:
        create_survey(s, CHOICE_SPEC, Actor.cli(), publish=True)
        links = invite(world.store, s, "branch", [Recipient("C9")], Actor.cli()).links
    token = links[0].url.rsplit("/", 1)[1]
    r = world.client(None).post(f"/r/{token}", json={"answers": {"nps": 8, "served": "counter"}})
    assert r.status_code == 201
    staff = world.client("analyst")
    staff.cookies.set(LANG_COOKIE, "zh")
    page = staff.get("/surveys/2").text
    assert "柜台: 1" in page and "counter:" not in page
    assert "单选" in page and "single_choice" not in page
    assert "个人链接" in page and "渠道: link" not in page
    assert "(分析师)" in page and "(analyst)" not in page
    answers = staff.get("/surveys/2/responses").text
    assert "柜台" in answers and ">counter<" not in answers
    staff.cookies.set(LANG_COOKIE, "en")
    assert "Counter: 1" in staff.get("/surveys/2").text


def test_case_queue_and_page_name_topic_team_and_actor_and_link_the_customer(world: World) -> None:
    with world.store.session() as s:
        set_team(s, "cx_callback", actor=Actor.cli(), agents=["agent@bank.example"])
    r = world.client(None).post(
        f"/r/{world.tokens[0]}", json={"answers": {"nps": 2, "improve": "x"}}
    )
    assert r.status_code == 201
    assert world.app.state.response_hooks.wait_idle(10)  # type: ignore[attr-defined]
    with world.store.session() as s:
        case_id, customer, priority = s.execute(
            sa.select(CaseRow.id, CaseRow.customer_id, CaseRow.priority)
        ).one()
    agent = world.client("agent")
    agent.cookies.set(LANG_COOKIE, "zh")
    queue = agent.get("/cases?owner=").text
    page = agent.get(f"/cases/{case_id}").text
    for html in (queue, page):
        assert "贬损者回访" in html and "体验回访组" in html
        assert ">detractor<" not in html and "cx_callback</" not in html
        named = code_name("priority_", priority, "zh")  # e.g. "P2 高", not "P2"
        assert named != priority and named in html, (priority, named)
    assert " · 规则 · " in page and " · rules · " not in page
    assert f'href="/customers/{customer}"' in page and f'href="/customers/{customer}"' in queue
    agent.cookies.set(LANG_COOKIE, "en")
    assert "detractor follow-up" in agent.get(f"/cases/{case_id}").text


def test_new_campaign_form_names_channels_catalogues_and_languages(world: World) -> None:
    analyst = world.client("analyst")
    analyst.cookies.set(LANG_COOKIE, "zh")
    page = analyst.get("/campaigns/new")
    assert page.status_code == 200
    for shown in ("电子邮件", "短信", "信用卡权益", "零售优惠", ">中文<"):
        assert shown in page.text, shown
    for code in (">email<", ">sms<", ">card<", ">retail<", ">zh<", ">en<"):
        assert code not in page.text, code


def test_the_english_sentence_finder_finds_them_and_skips_data_and_code() -> None:
    from zhtext import english_sentences

    page = (
        "<html><body><p>暂无法计算：Not computed yet: no warehouse.</p>"
        '<blockquote class="customer-text">my card was charged twice</blockquote>'
        '<code>loyalloop export early_warning --out ew.csv</code><a lang="en">English</a>'
        "<p>ROC AUC 0.94 · NPS 7.0 · C0001 · ana@bank.example</p></body></html>"
    )
    assert english_sentences(page) == ["Not computed yet: no warehouse"]


STAFF_PAGES = (
    "/",
    "/surveys",
    "/surveys/1",
    "/surveys/1/responses",
    "/surveys/new",
    "/runs",
    "/cases",
    "/cases?view=mine",
    "/cases?owner=",
    "/admin/case-rules",
    "/customers",
    "/segments",
    "/campaigns",
    "/campaigns/new",
    "/admin/users",
    "/admin/audit",
    "/admin/erase",
    "/tokens",
)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_no_english_sentence_on_a_chinese_staff_page(world: World, path: str) -> None:
    """Every staff page in Chinese (as an admin, who sees them all; customer text, code and
    the language switch aside) holds no run of four English words."""
    from zhtext import english_sentences

    admin = world.client("admin")
    admin.cookies.set(LANG_COOKIE, "zh")
    r = admin.get(path)
    assert r.status_code == 200, (path, r.status_code)
    assert english_sentences(r.text) == [], path
    admin.cookies.set(LANG_COOKIE, "en")
    if path in ("/", "/cases", "/surveys/new"):  # the finder does see English pages
        assert english_sentences(admin.get(path).text), path
