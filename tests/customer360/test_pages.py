"""The customer 360 page, search and API through the app: roles, Chinese, escaping, 404."""

from __future__ import annotations

import pytest
from c360kit import EVIL, Home
from fastapi.testclient import TestClient
from markupsafe import escape

from loyalloop.api import create_app
from loyalloop.api.deps import CSRF_HEADER, SESSION_COOKIE
from loyalloop.services import Actor, Store
from loyalloop.services.users import add_user, create_session
from loyalloop.store.models import Role, User

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def clients(c360_store: Store) -> dict[str, TestClient]:
    app = create_app(c360_store.settings, c360_store.analytics, store=c360_store)
    out: dict[str, TestClient] = {}
    with c360_store.session() as s:
        for r in Role:
            email = f"c360-{r.value}@bank.example"
            user = s.query(User).filter_by(email=email).one_or_none()
            if user is None:
                user = add_user(s, email, r, PASSWORD, Actor.cli())
            login = create_session(s, c360_store.settings, user)
            c = TestClient(app)
            c.cookies.set(SESSION_COOKIE, login.session_token)
            c.headers[CSRF_HEADER] = login.csrf_token
            out[r.value] = c
    out["anonymous"] = TestClient(app)
    return out


def test_page_in_chinese_escapes_customer_text(sample_home: Home, clients: dict) -> None:
    c = clients["agent"]
    r = c.get(f"/customers/{sample_home.customer}", params={"lang": "zh"})
    assert r.status_code == 200, r.text
    page = r.text
    for heading in (
        "客户全景",
        "流失风险",
        "忠诚度与生命周期",
        "历次运行记录",
        "问卷回答",
        "营销授权",
    ):
        assert heading in page
    assert '<html lang="zh-CN">' in page
    # the hostile comment is shown as text, never as markup
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert str(escape(EVIL)) in page
    assert "&lt;b&gt;服务&lt;/b&gt;太慢" in page  # the survey answer, escaped
    # the agent may see PII: the real name and phone digits
    assert str(escape(sample_home.name)) in page
    assert sample_home.phone[3:] in page
    # the run's reasons in Chinese, and the report's words for segment, tier and status
    assert 'id="c360-reasons"><ul><li>' in page
    from loyalloop.report.i18n import t
    from loyalloop.report.parts import segment_label, status_name

    data = c.get(f"/api/v1/customers/{sample_home.customer}").json()
    assert segment_label(data["value"]["rfm_segment"], "zh") in page
    assert t(f"lo_tier_{data['loyalty']['tier']}", "zh") in page
    assert status_name(data["loyalty"]["lifecycle_stage"], "zh") in page
    # aspects and sentiment by the run's own names, as in the report: never the keys
    mentions = [a for f in data["feedback"] for a in f["aspects"]]
    assert mentions, "the customer's comments name aspects"
    for a in mentions:
        assert f'">{a["aspect"]}:' not in page
        assert f": {t('fb_' + a['sentiment'], 'zh')}</span>" in page
    # the churn model's population by its name, not the stored code ("active", "lapsed_365d")
    population = data["churn"]["population"]
    assert population and f"<dd>{population}</dd>" not in page
    assert ("由流失模型排序" if population == "active" else "不在流失模型的评分范围内") in page


def test_roles_and_masking(sample_home: Home, clients: dict) -> None:
    url = f"/api/v1/customers/{sample_home.customer}"
    agent = clients["agent"].get(url).json()
    analyst = clients["analyst"].get(url).json()
    assert agent["profile"]["masked"] is False and analyst["profile"]["masked"] is True
    assert agent["profile"]["name"] == sample_home.name
    assert analyst["profile"]["name"] != sample_home.name
    assert sample_home.phone[3:] not in analyst["profile"]["phone"]
    # the customer's own words are masked for them too (a phone number inside the comment)
    texts = {r: {f["feedback_id"]: f["text"] for f in v["feedback"]} for r, v in
             (("agent", agent), ("analyst", analyst))}  # fmt: skip
    assert "13812345678" in texts["agent"][sample_home.feedback_id]
    assert "13812345678" not in texts["analyst"][sample_home.feedback_id]
    assert "[phone]" in texts["analyst"][sample_home.feedback_id]
    page = clients["analyst"].get(f"/customers/{sample_home.customer}").text
    assert "13812345678" not in page and "[phone]" in page
    assert clients["viewer"].get(url).status_code == 403
    assert clients["anonymous"].get(url).status_code == 401
    page = clients["anonymous"].get(f"/customers/{sample_home.customer}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    page = clients["analyst"].get(f"/customers/{sample_home.customer}").text
    assert sample_home.phone[3:] not in page and str(escape(sample_home.name)) not in page


def test_missing_customer_is_404_with_reason(clients: dict) -> None:
    r = clients["agent"].get("/api/v1/customers/NOBODY-1")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert "no customer 'NOBODY-1' in run" in r.json()["error"]["message"]
    page = clients["agent"].get("/customers/NOBODY-1", params={"lang": "zh"})
    assert page.status_code == 404 and "NOBODY-1" in page.text


def test_search_one_opens_the_page_many_are_listed(sample_home: Home, clients: dict) -> None:
    c = clients["agent"]
    one = c.get("/customers", params={"q": sample_home.email.upper()}, follow_redirects=False)
    assert one.status_code == 303
    assert one.headers["location"].startswith("/customers/")
    many = c.get("/customers", params={"q": sample_home.phone[3:]})  # shared by two profiles
    assert many.status_code == 200
    assert many.text.count('href="/customers/') == 2
    api = c.get("/api/v1/customers", params={"q": sample_home.phone}).json()
    assert len(api["matches"]) == 2 and {m["matched_by"] for m in api["matches"]} == {"phone"}
    bad = c.get("/customers", params={"q": "not-a-thing"})
    assert bad.status_code == 200 and "not a valid phone number" in bad.text
    none = c.get("/customers", params={"q": "nobody@nowhere.example", "lang": "zh"})
    assert "未找到" in none.text


def test_masks_and_survey_answers_in_the_readers_words(sample_home: Home, clients: dict) -> None:
    """Masked personal data reads "[电话]" on a Chinese page (stored: "[phone]"), escaped;
    survey answers show the question's text and the option's label, never their ids."""
    url = f"/customers/{sample_home.customer}"
    zh = clients["analyst"].get(url, params={"lang": "zh"}).text
    en = clients["analyst"].get(url, params={"lang": "en"}).text
    assert "[电话]" in zh and "[phone]" not in zh
    assert "[phone]" in en and "[电话]" not in en
    assert "&lt;b&gt;服务&lt;/b&gt;太慢，回电[电话]" in zh  # the survey answer, masked, escaped
    assert "<dt>办理方式？</dt>" in zh and ">柜台<" in zh and "自动柜员机、排队取号" in zh
    assert "<dt>served</dt>" not in zh and ">counter<" not in zh
    # a question the version does not define: its id, marked
    assert 'class="muted"' in zh and ">dropped</dt>" in zh
    # the service keeps the canonical token (stored data unchanged)
    data = clients["analyst"].get(f"/api/v1/customers/{sample_home.customer}").json()
    assert any("[phone]" in (f["text"] or "") for f in data["feedback"])


def test_page_says_what_the_customers_aspects_cover_in_both_languages(
    sample_home: Home, clients: dict
) -> None:
    """Each aspect on the page carries the run's definition (a tooltip and a list under the
    comments), as the report's "what each aspect covers", escaped by the template."""
    from markupsafe import escape

    from loyalloop.feedback import load_taxonomy

    c = clients["agent"]
    data = c.get(f"/api/v1/customers/{sample_home.customer}").json()
    keys = list(dict.fromkeys(a["aspect"] for f in data["feedback"] for a in f["aspects"]))
    assert keys, "the customer's comments name aspects"
    tax = load_taxonomy("banking")  # the card sample's comments are read with it
    for lang in ("en", "zh"):
        page = c.get(f"/customers/{sample_home.customer}", params={"lang": lang}).text
        cover = page[page.index('data-testid="aspects-cover"') :]
        cover = cover[: cover.index("</details>")]
        assert ("What these aspects cover" if lang == "en" else "这些方面指什么") in cover
        for k in keys:
            text = str(escape(tax.definition(k, lang)))
            assert f"<dd>{text}</dd>" in cover and f'title="{text}"' in page


def test_dashboard_leads_with_whom_to_call_and_no_english_in_chinese(
    sample_home: Home, clients: dict
) -> None:
    """With a run, the dashboard opens its run part on "what to do now" (whom to call, whom to
    watch); the dashboard, the customer page and the report in Chinese hold no English
    sentence."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
    from zhtext import english_sentences

    admin = clients["admin"]
    in_zh = {"lang": "zh"}
    zh = admin.get("/", params=in_zh).text
    en = admin.get("/", params={"lang": "en"}).text
    assert "<h3>现在该做什么</h3>" in zh and "先联系：流失预警名单中有" in zh
    assert "需关注、暂不联系：另有" in zh
    assert en.index("<h3>What to do now</h3>") < en.index("Call first:") < en.index("Watch, do")
    run = admin.get("/runs").text
    assert "/report" in run
    for path in ("/", f"/customers/{sample_home.customer}", "/runs", "/cases"):
        page = admin.get(path, params=in_zh)
        assert page.status_code == 200 and english_sentences(page.text) == [], path
    import re

    number = re.search(r'href="/runs/(\d+)/report', zh)
    assert number is not None
    report = admin.get(f"/runs/{number.group(1)}/report", params=in_zh).text
    assert english_sentences(report) == [], english_sentences(report)


def test_report_and_pages_honour_lang_in_the_address_and_the_report_switches_language(
    clients: dict,
) -> None:
    """``?lang=zh|en`` wins over the cookie and the project's language on the served report
    (the dashboard and the runs page link to it with their own language) and on the pages; the
    report's header links to the other language through the toggle, which remembers it."""
    import re

    admin = clients["admin"]
    runs = admin.get("/runs", params={"lang": "zh"}, headers={"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in runs.text
    link = re.search(r'href="(/runs/(\d+)/report\?lang=zh)"', runs.text)
    assert link is not None  # the runs page in Chinese links to the report in Chinese
    path = f"/runs/{link.group(2)}/report"
    zh = admin.get(link.group(1), headers={"Accept-Language": "en"}).text
    en = admin.get(path, params={"lang": "en"}, headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="zh-CN">' in zh and "<h1>客户忠诚度报告</h1>" in zh
    assert '<html lang="en">' in en and "<h1>Customer loyalty report</h1>" in en
    # an unknown value falls back to the project's language (English here), not the browser's
    other = admin.get(path, params={"lang": "fr"}, headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="en">' in other
    # the switch: Chinese report -> English one, remembered for the next visit
    switch = re.search(r'<a class="lang" href="([^"]+)"[^>]*>English</a>', zh)
    assert switch is not None and switch.group(1) == f"/lang/en?next={path}"
    c = TestClient(admin.app, cookies=dict(admin.cookies))
    moved = c.get(switch.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == path
    after = c.get(path, headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="en">' in after and ">中文</a>" in after
