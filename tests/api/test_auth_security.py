"""Sign-in, cookies, CSRF, lockout, API tokens and scopes, PII masking, the audit log."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from loyalloop.api.deps import CSRF_HEADER
from loyalloop.services import Store
from loyalloop.store.models import AuditEvent

sys.path.insert(0, str(Path(__file__).parent))
from apikit import PASSWORD, World, build


@pytest.fixture
def world(store: Store) -> World:
    return build(store)


def login(c: TestClient, email: str, password: str, next_: str = "/") -> object:
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return c.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1), "next": next_},
        follow_redirects=False,
    )


def test_sign_in_sets_a_safe_session_cookie_and_survives_only_local_redirects(world: World) -> None:
    c = TestClient(world.app, base_url="https://testserver")  # behind HTTPS: Secure
    r = login(c, "analyst@bank.example", PASSWORD, next_="//evil.example/steal")
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    cookie = r.headers["set-cookie"]
    assert (
        "ll_session=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie
        and "Secure" in cookie
    )
    assert c.get("/").status_code == 200
    plain = TestClient(world.app)
    cookie = login(plain, "analyst@bank.example", PASSWORD).headers["set-cookie"]  # type: ignore[attr-defined]
    assert "Secure" not in cookie  # plain HTTP in development


def test_login_needs_its_csrf_token_and_locks_after_failures(world: World) -> None:
    c = TestClient(world.app)
    r = c.post(
        "/login", data={"email": "viewer@bank.example", "password": PASSWORD, "csrf_token": "x"}
    )
    assert r.status_code == 403
    for _ in range(world.store.settings.login_max_failures):
        assert login(c, "viewer@bank.example", "wrong password").status_code == 401  # type: ignore[attr-defined]
    r = login(c, "viewer@bank.example", PASSWORD)
    assert r.status_code == 401 and "locked" in r.text  # type: ignore[attr-defined]


def test_state_changing_forms_need_the_sessions_csrf_token(world: World) -> None:
    c = world.client("analyst")
    del c.headers[CSRF_HEADER]
    assert c.post("/surveys/1/close").status_code == 403
    assert c.post("/surveys/1/close", data={"csrf_token": "wrong"}).status_code == 403
    other = world.client("admin")  # another session's token is no good either
    assert (
        c.post("/surveys/1/close", data={"csrf_token": other.headers[CSRF_HEADER]}).status_code
        == 403
    )
    page = c.get("/surveys/1").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    assert (
        c.post(
            "/surveys/1/close", data={"csrf_token": token.group(1)}, follow_redirects=False
        ).status_code
        == 303
    )


def test_logout_revokes_the_session(world: World) -> None:
    c = world.client("viewer")
    assert c.get("/api/v1/me").status_code == 200
    c.post("/logout", follow_redirects=False)
    assert c.get("/api/v1/me").status_code == 401


def test_api_tokens_are_scoped_and_revocable(world: World) -> None:
    admin = world.client("admin")
    created = admin.post("/api/v1/tokens", json={"name": "nightly export", "scopes": ["read"]})
    assert created.status_code == 201
    token, token_id = created.json()["token"], created.json()["id"]
    bot = TestClient(world.app, headers={"Authorization": f"Bearer {token}"})
    assert bot.get("/api/v1/surveys").status_code == 200
    assert bot.post("/api/v1/surveys/visit/close").status_code == 403  # no write scope
    assert bot.get("/api/v1/audit").status_code == 403  # admin role, but no admin scope
    assert admin.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert bot.get("/api/v1/surveys").status_code == 401
    wrong = TestClient(world.app, headers={"Authorization": "Bearer ll_made-up"})
    assert wrong.get("/api/v1/surveys").status_code == 401
    listed = admin.get("/api/v1/tokens").json()
    assert all("token" not in t for t in listed) and listed[0]["revoked_at"] is not None


def test_pii_is_masked_for_roles_without_it_in_pages_and_api(world: World) -> None:
    anon = world.client(None)
    anon.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 9}})
    full, masked = "c0@mail.example", "c***@m***.example"
    # analysts may invite and read responses, but see contacts masked
    analyst = world.client("analyst")
    assert [i["contact"] for i in analyst.get("/api/v1/surveys/visit/invitations").json()][
        -1
    ] == masked
    assert analyst.get("/api/v1/surveys/visit/responses").json()["items"][0]["contact"] == masked
    page = analyst.get("/surveys/1/responses").text
    assert masked in page and full not in page
    assert full not in analyst.get("/surveys/1/links.csv").text
    # agents see them, and the view is audited
    agent = world.client("agent")
    assert agent.get("/api/v1/surveys/visit/responses").json()["items"][0]["contact"] == full
    assert full in agent.get("/surveys/1/responses").text
    with world.store.session() as s:
        views = s.scalars(sa.select(AuditEvent.actor).where(AuditEvent.action == "pii.view")).all()
    assert views == ["agent@bank.example", "agent@bank.example"]


def test_contacts_inside_free_text_answers_are_masked_without_pii_view(world: World) -> None:
    anon = world.client(None)
    why = "请打 13812345678 或写信 wang.li@example.com，卡号 6222 0212 3456 7890"
    r = anon.post(f"/r/{world.tokens[0]}", json={"answers": {"nps": 3, "why": why,
                                                             "improve": "身份证110105199003071234"}})  # fmt: skip
    assert r.status_code == 201, r.text
    secrets = ("13812345678", "wang.li@example.com", "6222 0212 3456 7890", "110105199003071234")
    analyst = world.client("analyst")
    answers = analyst.get("/api/v1/surveys/visit/responses").json()["items"][0]["answers"]
    assert answers["nps"] == 3
    assert answers["why"] == "请打 [phone] 或写信 [email]，卡号 [card]"
    assert answers["improve"] == "身份证[id]"
    page = analyst.get("/surveys/1/responses").text
    assert "[phone]" in page and not any(x in page for x in secrets)
    # a reader with pii.view sees the customer's own words
    agent = world.client("agent")
    assert agent.get("/api/v1/surveys/visit/responses").json()["items"][0]["answers"]["why"] == why
    assert "13812345678" in agent.get("/surveys/1/responses").text


def test_audit_log_records_logins_changes_exports_and_only_admins_read_it(world: World) -> None:
    c = TestClient(world.app)
    login(c, "analyst@bank.example", PASSWORD)
    analyst = world.client("analyst")
    analyst.post("/api/v1/surveys/visit/close")
    analyst.get("/surveys/1/links.csv")
    events = world.client("admin").get("/api/v1/audit").json()
    actions = {e["action"] for e in events}
    assert {"login", "survey.closed", "export.links", "user.create"} <= actions
    assert world.client("analyst").get("/api/v1/audit").status_code == 403
    page = world.client("admin").get("/admin/audit").text
    assert "survey.closed" in page and "export.links" in page


def test_security_headers_and_no_cdn(world: World) -> None:
    c = world.client("viewer")
    r = c.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert (
        r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    )
    assert not re.search(r'(src|href)="https?://', r.text)  # every asset is local
    js = c.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000


def test_language_toggle_is_remembered(world: World) -> None:
    c = world.client("viewer")
    assert "Surveys" in c.get("/surveys").text
    r = c.get("/lang/zh?next=/surveys", follow_redirects=False)
    assert r.headers["location"] == "/surveys" and "ll_lang=zh" in r.headers["set-cookie"]
    assert "问卷" in c.get("/surveys").text
    assert (
        c.get("/lang/zh?next=https://evil.example", follow_redirects=False).headers["location"]
        == "/"
    )


def test_settings_refuse_default_secrets_outside_local(tmp_path: Path) -> None:
    from loyalloop.core.service_settings import load_service_settings
    from loyalloop.errors import ConfigError

    for secret in ("", "changethis", "short"):
        with pytest.raises(ConfigError, match="LOYALLOOP_SECRET_KEY"):
            load_service_settings(tmp_path, env="production", secret_key=secret)
    local = load_service_settings(tmp_path, env="local")
    again = load_service_settings(tmp_path, env="local")
    assert local.secret == again.secret and len(local.secret) >= 32  # kept in the home
    assert oct((tmp_path / ".secret_key").stat().st_mode & 0o777) == "0o600"
