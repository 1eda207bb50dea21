"""Customers' links against bad input: each gets a clear 4xx in the right language, nothing is
stored half, nothing accepted is lost. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from loyalloop.services import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import Invitation, Response, Suppression
from loyalloop.surveys import sign_invitation

sys.path.insert(0, str(Path(__file__).parent))
from apikit import World, build


@pytest.fixture
def world(store: Store) -> World:
    return build(store)


def count(world: World) -> int:
    with world.store.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Response)) or 0)


def test_page_language_follows_accept_language_and_the_toggle(world: World) -> None:
    c = world.client(None)
    url = f"/r/{world.tokens[0]}"
    zh = c.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    en = c.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"})
    toggled = c.get(url + "?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "您有多大可能推荐我们" in zh.text and 'lang="zh-CN"' in zh.text
    assert "How likely are you to recommend us" in en.text and "How likely" in toggled.text
    assert (
        zh.headers["Referrer-Policy"] == "no-referrer"
        and "nonce-" in zh.headers["Content-Security-Policy"]
    )
    assert zh.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "headers", "status", "code", "expect"),
    [
        (b"{not json", {"Accept-Language": "zh-CN"}, 400, "malformed", "请求不是有效的 JSON"),
        (b"{not json", {"Accept-Language": "en"}, 400, "malformed", "not valid JSON"),
        (
            b'["nps", 9]',
            {"Accept-Language": "en"},
            400,
            "malformed",
            'Send a JSON object {"answers"',
        ),
        (
            b'{"answers": {"nps": "nine"}}',
            {"Accept-Language": "zh"},
            422,
            "invalid_answers",
            "请选择一个整数",
        ),
        (
            b'{"answers": {"nps": 12}}',
            {"Accept-Language": "en"},
            422,
            "invalid_answers",
            "from 0 to 10",
        ),
        (b'{"answers": {}}', {"Accept-Language": "zh"}, 422, "invalid_answers", "请回答此题"),
        (b'{"answers": {"nps": 3}}', {"Accept-Language": "en"}, 422, "invalid_answers", "improve"),
        (
            b'{"answers": {"nps": 9, "why": ["a"]}}',
            {"Accept-Language": "en"},
            422,
            "invalid_answers",
            "Please write text",
        ),
    ],
)
def test_bad_json_bodies(
    world: World, body: bytes, headers: dict[str, str], status: int, code: str, expect: str
) -> None:
    r = world.client(None).post(
        f"/r/{world.tokens[0]}",
        content=body,
        headers={"Content-Type": "application/json", **headers},
    )
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert expect in r.json()["error"]["message"]
    assert count(world) == 0


def test_oversize_bodies_are_refused_before_reading(world: World) -> None:
    limit = world.store.settings.max_body_bytes
    big = b'{"answers": {"nps": 9, "why": "' + b"x" * limit + b'"}}'
    r = world.client(None).post(
        f"/r/{world.tokens[0]}", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert count(world) == 0


def test_unknown_forged_and_expired_links(world: World) -> None:
    c = world.client(None)
    secret = world.store.settings.secret
    expired = sign_invitation(secret, 1, 1, utcnow() - timedelta(minutes=1))
    forged = world.tokens[0][:-3] + ("AAA" if not world.tokens[0].endswith("AAA") else "BBB")
    cases = [
        ("/s/no-such-survey", 404, None),
        (f"/r/{forged}", 403, "此问卷链接无效"),
        (f"/r/{expired}", 403, "此问卷链接已过期"),
        ("/r/garbage", 403, "此问卷链接无效"),
    ]
    for url, status, text in cases:
        page = c.get(url, headers={"Accept-Language": "zh-CN"})
        assert page.status_code == status, url
        if text:
            assert text in page.text
        api = c.post(url, json={"answers": {"nps": 9}}, headers={"Accept-Language": "en"})
        assert api.status_code == status, url
    r = c.post(f"/r/{expired}", json={"answers": {"nps": 9}}, headers={"Accept-Language": "en"})
    assert r.json()["error"] == {
        "code": "bad_token",
        "message": "This survey link has expired.",
        "reason": "expired",
    }
    assert count(world) == 0


def test_double_submit_is_one_response_and_resubmitting_updates_it(world: World) -> None:
    c = world.client(None)
    url = f"/r/{world.tokens[0]}"
    first = c.post(url, json={"answers": {"nps": 9}}, headers={"Idempotency-Key": "abc"})
    double = c.post(url, json={"answers": {"nps": 9}}, headers={"Idempotency-Key": "abc"})
    update = c.post(url, json={"answers": {"nps": 2, "improve": "更快"}})
    assert first.status_code == 201 and first.json()["created"]
    assert double.status_code == 200 and double.json()["replayed"]
    assert update.status_code == 200 and update.json()["revision"] == 2
    assert count(world) == 1


def test_script_and_sql_in_free_text_are_stored_as_text_and_shown_escaped(world: World) -> None:
    evil = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> '; DROP TABLE responses; --"
    c = world.client(None)
    r = c.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 3, "why": evil, "improve": evil}})
    assert r.status_code == 201
    with world.store.session() as s:
        assert s.scalar(sa.select(Response.answers)) == {"nps": 3, "why": evil, "improve": evil}
    # the customer's own page (pre-filled) and the staff's responses page escape it
    for client, url in (
        (c, f"/r/{world.tokens[0]}"),
        (world.client("agent"), "/surveys/1/responses"),
    ):
        html = client.get(url).text
        assert "<script>document.title" not in html and "<img src=x" not in html
        assert "&lt;script&gt;document.title" in html


def test_form_post_needs_the_pages_form_token_and_reports_errors_in_place(world: World) -> None:
    c = world.client(None)
    url = f"/r/{world.tokens[1]}"
    page = c.get(url + "?lang=en").text
    token = re.search(r'name="_form" value="([^"]+)"', page)
    assert token is not None
    forged = c.post(url + "?lang=en", data={"_form": "forged", "nps": "9"})
    assert forged.status_code == 403 and "reload the page" in forged.text
    bad = c.post(
        url + "?lang=en", data={"_form": token.group(1), "_version": "1", "_key": "k", "nps": "4"}
    )
    assert bad.status_code == 422 and "Please answer this question." in bad.text
    assert 'value="4" checked' in bad.text  # what was answered stays filled in
    ok = c.post(
        url + "?lang=en",
        data={"_form": token.group(1), "_version": "1", "_key": "k2", "nps": "4", "improve": "x"},
    )
    assert ok.status_code == 200 and "Thank you" in ok.text
    assert count(world) == 1


def test_rate_limits_per_link_and_per_client(tmp_path: Path, store_url: str) -> None:
    from svc_fixtures import make_store

    store = make_store(
        tmp_path, store_url, submit_per_minute_per_token=3, submit_per_minute_per_client=5
    )
    world = build(store, customers=3)
    c = world.client(None)
    codes = [
        c.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 9}}).status_code for _ in range(4)
    ]
    assert codes == [201, 200, 200, 429]
    codes = [
        c.post(
            f"/r/{world.tokens[1]}", json={"answers": {"nps": 9}}, headers={"Accept-Language": "zh"}
        ).status_code
        for _ in range(2)
    ]
    assert codes == [201, 429]  # 5 per client and minute: the client is now over
    r = c.post(
        f"/r/{world.tokens[2]}", json={"answers": {"nps": 9}}, headers={"Accept-Language": "zh"}
    )
    assert r.status_code == 429 and r.json()["error"]["message"] == "请求过于频繁，请稍后再试。"
    assert int(r.headers["Retry-After"]) >= 1
    assert count(world) == 2
    store.close()


def test_closed_survey_and_unsubscribe_link(world: World) -> None:
    c = world.client(None)
    url = f"/u/{world.tokens[0]}"
    page = c.get(url, headers={"Accept-Language": "zh"})
    token = re.search(r'name="_form" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token is not None and "退订" in page.text
    done = c.post(url, data={"_form": token.group(1)}, headers={"Accept-Language": "zh"})
    assert done.status_code == 200 and "已退订" in done.text
    with world.store.session() as s:
        inv = s.get(Invitation, 1)
        assert inv is not None
        assert s.scalar(sa.select(Suppression.customer_id)) == inv.customer_id
    admin = world.client("admin")
    assert admin.post("/api/v1/surveys/visit/close").status_code == 200
    r = c.post(
        f"/r/{world.tokens[1]}", json={"answers": {"nps": 9}}, headers={"Accept-Language": "en"}
    )
    assert (
        r.status_code == 410 and r.json()["error"]["message"] == "This survey is closed. Thank you."
    )


def test_unsubscribe_withdraws_the_channel_the_invitation_came_by(world: World) -> None:
    """A survey e-mail's unsubscribe link withdraws e-mail (for surveys and offers: the
    consent model has channels, not purposes), an SMS's SMS — not the other channels; a link
    the business handed out itself withdraws every channel. The page says which before and
    after, in the reader's language, and the change is in the consent history and the audit
    log."""
    from loyalloop.store.models import AuditEvent, ConsentChangeRow

    with world.store.session() as s:
        invs = s.scalars(sa.select(Invitation).order_by(Invitation.id)).all()
        invs[0].channel, invs[1].channel = "email", "sms"  # as they were sent
        s.commit()
        customers = [i.customer_id for i in invs]
    c = world.client(None)
    expected = [
        ("email", "en", "Stop receiving e-mails from us", "Text messages and calls are not"),
        ("sms", "zh", "不再接收我们的短信", "邮件和电话不受影响"),
        ("all", "en", "Stop receiving any messages or calls", "will not send you messages"),
    ]
    for token, (channel, lang, asked, told) in zip(world.tokens, expected, strict=True):
        page = c.get(f"/u/{token}", headers={"Accept-Language": lang})
        form = re.search(r'name="_form" value="([^"]+)"', page.text)
        assert page.status_code == 200 and form is not None and asked in page.text, channel
        done = c.post(
            f"/u/{token}", data={"_form": form.group(1)}, headers={"Accept-Language": lang}
        )
        assert done.status_code == 200 and told in done.text, (channel, done.text)
    with world.store.session() as s:
        rows = s.execute(sa.select(Suppression.customer_id, Suppression.channel)).all()
        assert sorted(rows) == sorted(zip(customers, ["email", "sms", "all"], strict=True))
        history = s.execute(
            sa.select(
                ConsentChangeRow.customer_id, ConsentChangeRow.channel, ConsentChangeRow.source
            )
        ).all()
        assert sorted(history) == sorted(
            (cid, ch, f"link:invitation:{inv_id}")
            for cid, ch, inv_id in zip(customers, ["email", "sms", "all"], [1, 2, 3], strict=True)
        )
        audited = s.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "consent.change")
        )
        assert sorted(d["channel"] for d in audited) == ["all", "email", "sms"]
