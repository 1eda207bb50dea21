"""Segment builder and campaign pages over the test client: counts equal the library's,
validation errors name the field (page and API alike), samples and messages are masked per
role, hostile templates and customer text are refused or escaped, launching is for the roles
that may, with the budget refusal shown, and the assignments and outbox rows exist after it.

The audience is the campaign library's seeded run outputs (400 profiles), put in place of a
published run's view (``open_audience``); the browser test uses a real run.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from typing import Any

import ibis
import pytest
import sqlalchemy as sa
from apikit import World, build
from campaign_fixtures import AS_OF, CAMPAIGN, run_frames

from loyalloop.campaigns import audience_view
from loyalloop.services import Actor, Store
from loyalloop.services import segments as seg_service
from loyalloop.services.campaigns import create_campaign
from loyalloop.store.models import (
    CampaignAssignment,
    ConsentChangeRow,
    DeliveryEvent,
    OutboxMessage,
    SavedSegment,
    Suppression,
)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

EVIL_NAME = "<script>window.__pwned=1</script>王<img src=x onerror=alert(1)>"


@pytest.fixture
def view() -> Iterator[ibis.Table]:
    con = ibis.duckdb.connect()
    frames = run_frames()
    p = frames["profiles"].copy()
    p["name"] = p["name"].astype(object)
    p.loc[1, "name"] = EVIL_NAME  # P0001: a phone, SMS consent, at risk
    p["consent_sms"] = p["consent_sms"].astype(object)
    p.loc[1, "consent_sms"] = True
    frames["profiles"] = p
    churn = frames["churn_scores"].copy()
    churn.loc[1, "churn_probability"] = 0.9
    frames["churn_scores"] = churn
    tables = {k: con.create_table(f"t_{k}", v, overwrite=True) for k, v in frames.items()}
    yield audience_view(tables, AS_OF)
    con.disconnect()


@pytest.fixture
def world(store: Store, view: ibis.Table, monkeypatch: pytest.MonkeyPatch) -> World:
    values = seg_service._known_values(view)

    @contextlib.contextmanager
    def fake_audience(_store: Any, run: int | None = None) -> Iterator[seg_service.Audience]:
        yield seg_service.Audience(view, AS_OF, 7, values)

    monkeypatch.setattr(seg_service, "open_audience", fake_audience)
    import loyalloop.api.routes.campaigns as campaign_routes
    import loyalloop.api.routes.segments as segment_routes

    monkeypatch.setattr(segment_routes, "open_audience", fake_audience)
    monkeypatch.setattr(campaign_routes, "open_audience", fake_audience)
    return build(store)


def _form(csrf_client: Any, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf_client.headers["X-CSRF-Token"], **fields}


def _save_segment(world: World, role: str = "analyst") -> None:
    c = world.client(role)
    r = c.post(
        "/segments/new",
        data=_form(
            c, name="risky", match="all", f0="churn_probability", op0=">=", v0="0.3", action="save"
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[-2000:]


def test_builder_preview_counts_what_the_library_counts_and_masks_per_role(
    world: World, view: ibis.Table
) -> None:
    expected = int(
        view.filter(
            (view.churn_probability >= 0.3)
            & ~(view.tier == "brand").fill_null(False)
            & (view.lifecycle_stage.isin(["at_risk", "lapsed"])).fill_null(False)
        )
        .count()
        .execute()
    )
    assert 0 < expected < 400
    fields = dict(
        name="risky", match="all",
        f0="churn_probability", op0=">=", v0="0.3",
        f1="tier", op1="==", v1="brand", not1="on",
        f3="lifecycle_stage", op3="in", v3="at_risk, lapsed",
        action="preview",
    )  # fmt: skip
    for role, masked in (("analyst", True), ("admin", False)):
        c = world.client(role)
        r = c.post("/segments/new", data=_form(c, **fields))
        assert r.status_code == 200, r.text[-2000:]
        m = re.search(r'data-testid="segment-count" data-count="(\d+)"', r.text)
        assert m and int(m.group(1)) == expected
        assert "of 400 customers" in r.text and "run 7" in r.text
        names = re.findall(r"<td>(客户\d+|客\*+)</td>", r.text)
        assert names, "the sample shows names"
        assert all("*" in n for n in names) == masked
        assert all("*" not in n for n in names) != masked
    # the API says the same
    c = world.client("analyst")
    spec = {
        "name": "risky",
        "conditions": [
            {"field": "churn_probability", "op": ">=", "value": 0.3},
            {"not": {"field": "tier", "op": "==", "value": "brand"}},
            {"field": "lifecycle_stage", "op": "in", "value": ["at_risk", "lapsed"]},
        ],
    }
    body = c.post("/api/v1/segments/preview", json={"spec": spec}).json()
    assert body["count"] == expected and body["total"] == 400 and body["run"] == 7
    assert all("*" in (row.get("name") or "*") for row in body["sample"])


def test_saved_segment_is_versioned_and_a_viewer_may_not_save(world: World) -> None:
    _save_segment(world)
    _save_segment(world)
    with world.store.session() as s:
        row = s.scalar(sa.select(SavedSegment).where(SavedSegment.name == "risky"))
        assert row is not None and row.version == 2 and row.last_count and row.last_run == 7
    viewer = world.client("viewer")
    page = viewer.get("/segments")
    assert page.status_code == 200 and "risky" in page.text
    r = viewer.post("/segments/new", data=_form(viewer, name="x", f0="clv", op0=">", v0="1",
                                                 action="save"))  # fmt: skip
    assert r.status_code == 403
    assert viewer.get("/api/v1/segments/risky").json()["version"] == 2


def test_validation_errors_name_the_field_on_the_page_and_in_the_api(world: World) -> None:
    c = world.client("analyst")
    r = c.post(
        "/segments/new",
        data=_form(
            c,
            name="bad",
            f0="churn_probability",
            op0=">=",
            v0="0.3",
            f2="clv",
            op2=">=",
            v2="lots",
            action="preview",
        ),
    )
    assert r.status_code == 422
    assert "conditions[1].value: clv is a number; got &#39;lots&#39; (row 3)" in r.text
    assert re.search(r'<tr data-row="2" class="error-row" aria-invalid="true">', r.text)
    r = c.post("/segments/new", data=_form(c, name="bad", f0="tier", op0="==", v0="brnd"))
    assert r.status_code == 422 and "did you mean &#39;brand&#39;?" in r.text
    api = c.post(
        "/api/v1/segments/preview",
        json={"spec": {"name": "x", "conditions": [{"field": "clvv", "op": ">", "value": 1}]}},
    )
    assert api.status_code == 422
    assert api.json()["error"]["message"] == (
        "conditions[0].field: unknown field 'clvv'; did you mean 'clv'?"
    )
    # campaign form: same validation as a YAML file
    _save_segment(world)
    base = dict(
        name="wb", goal="win-back", channel="sms", segment="risky", holdout_share="0.1",
        window_days="30", offers="card", on_budget_exceeded="refuse",
        templates="t1:\n  channel: sms\n  body: {zh: 您好}\n",
    )  # fmt: skip
    bad_shares = {**base, "arm0_name": "a", "arm0_share": "0.5", "arm0_template": "t1",
                  "arm1_name": "b", "arm1_share": "0.6", "arm1_template": "t1"}  # fmt: skip
    r = c.post("/campaigns/new", data=_form(c, **bad_shares))
    assert r.status_code == 422 and "arms: the arms&#39; shares add up to 1.1" in r.text
    unknown_t = {**base, "arm0_name": "a", "arm0_share": "1", "arm0_template": "nope"}
    r = c.post("/campaigns/new", data=_form(c, **unknown_t))
    assert r.status_code == 422 and "arms[0].template" in r.text and "unknown template" in r.text
    bad_holdout = {**base, "holdout_share": "half", "arm0_name": "a", "arm0_share": "1",
                   "arm0_template": "t1"}  # fmt: skip
    r = c.post("/campaigns/new", data=_form(c, **bad_holdout))
    assert r.status_code == 422 and "holdout_share: holdout_share is a number" in r.text
    no_seg = {**bad_holdout, "holdout_share": "0.1", "segment": "ghost"}
    r = c.post("/api/v1/campaigns", json=campaign_from(no_seg))
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("segment: no saved segment named 'ghost'")


def campaign_from(form: dict[str, str]) -> dict[str, Any]:
    from loyalloop.api.routes.campaigns import campaign_from_form

    return campaign_from_form(form)


HOSTILE = {
    "name": "hostile",
    "goal": "win-back",
    "channel": "sms",
    "segment": "risky",
    "holdout_share": 0.1,
    "arms": [
        {"name": "probe", "share": 0.5, "template": "probe"},
        {"name": "plain", "share": 0.5, "template": "plain"},
    ],
    "templates": {
        "probe": {
            "channel": "sms",
            "body": {"zh": "{{ customer.__class__.__mro__[1].__subclasses__() }}"},
        },
        "plain": {"channel": "sms", "body": {"zh": "{{ customer.name }}您好", "en": "Hi"}},
    },
}


def test_hostile_template_fails_safely_and_customer_text_is_escaped(world: World) -> None:
    _save_segment(world)
    with world.store.session() as s:
        create_campaign(s, HOSTILE, Actor.cli())
    for role in ("analyst", "admin"):
        c = world.client(role)
        r = c.get("/campaigns/hostile/preview?customer=P0001")
        assert r.status_code == 200, r.text[-2000:]
        # the sandbox refuses the probe; the reason is shown, nothing of Python leaks
        assert "SecurityError: access to attribute &#39;__class__&#39;" in r.text
        assert "&lt;class" not in r.text and "<class" not in r.text
        # the hostile name is text: escaped for the admin, masked for the analyst
        assert "<script>window.__pwned" not in r.text and "<img src=x" not in r.text
        if role == "admin":
            assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;王" in r.text
        else:
            assert "&lt;*" in r.text
    api = world.client("admin").get("/api/v1/campaigns/hostile/preview?customer=P0001&lang=zh")
    msgs = {m["arm"]: m for m in api.json()["messages"]}
    assert msgs["probe"]["status"] == "failed" and "SecurityError" in msgs["probe"]["error"]
    assert msgs["plain"]["body"].startswith(EVIL_NAME + "您好")
    assert msgs["plain"]["sms_segments"] >= 2  # the unsubscribe link is counted


def _campaign(budget: float | None = None) -> dict[str, Any]:
    raw = copy.deepcopy(CAMPAIGN)
    raw.pop("audience")
    raw["segment"] = "risky"
    raw["name"] = "winback-page"
    raw.pop("budget")
    if budget is not None:
        raw["budget"] = budget
    return raw


def test_launch_needs_confirmation_and_the_role_and_writes_assignments_and_outbox(
    world: World,
) -> None:
    _save_segment(world)
    with world.store.session() as s:
        create_campaign(s, _campaign(budget=1.0), Actor.cli())
    viewer, analyst = world.client("viewer"), world.client("analyst")
    assert viewer.get("/campaigns/winback-page").status_code == 200
    assert viewer.get("/campaigns/winback-page/launch").status_code == 403
    assert viewer.post("/api/v1/campaigns/winback-page/launch", json={}).status_code == 403
    # without the confirmation nothing happens
    page = analyst.post("/campaigns/winback-page/launch", data=_form(analyst))
    assert page.status_code == 200 and "Yes, launch now" in page.text
    # over budget: refused, shown, nothing written
    r = analyst.post("/campaigns/winback-page/launch", data=_form(analyst, confirm="yes"))
    assert r.status_code == 422 and "exceeds the budget" in r.text
    api = analyst.post("/api/v1/campaigns/winback-page/launch", json={})
    assert api.status_code == 422 and api.json()["error"]["code"] == "budget_exceeded"
    with world.store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CampaignAssignment)) == 0
        create_campaign(s, _campaign(budget=1_000_000), Actor.cli())
    r = analyst.post(
        "/campaigns/winback-page/launch", data=_form(analyst, confirm="yes"), follow_redirects=True
    )
    assert r.status_code == 200 and "Launched:" in r.text
    status = analyst.get("/api/v1/campaigns/winback-page").json()
    assert status["status"] == "launched" and status["run"] == 7
    with world.store.session() as s:
        assigned = s.scalar(sa.select(sa.func.count()).select_from(CampaignAssignment))
        queued = s.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert assigned == sum(status["assignments"].values()) > 0
    treated = status["assignments"]["offer"] + status["assignments"]["message"]
    assert queued == treated == sum(status["outbox"].values())
    assert "holdout" in status["assignments"]
    # pause and resume: the launching roles only
    assert viewer.post("/api/v1/campaigns/winback-page/pause").status_code == 403
    assert analyst.post("/api/v1/campaigns/winback-page/pause").json()["status"] == "paused"
    r = analyst.post("/campaigns/winback-page/resume", data=_form(analyst), follow_redirects=True)
    assert "launched" in r.text
    assert analyst.get("/api/v1/campaigns/winback-page").json()["status"] == "launched"


def test_pages_speak_chinese(world: World) -> None:
    _save_segment(world)
    c = world.client("analyst")
    c.cookies.set("ll_lang", "zh")
    r = c.post(
        "/segments/new",
        data=_form(c, name="risky", f0="churn_probability", op0=">=", v0="0.3", action="preview"),
    )
    assert r.status_code == 200 and "客群构建" in r.text
    assert re.search(r"运行 7 中 400 位客户里有 \d+ 位", r.text)
    page = c.get("/campaigns/new")
    assert "新建活动" in page.text and "对照组比例" in page.text and "挽回" in page.text


def test_a_launched_campaign_page_names_its_codes_in_chinese(world: World) -> None:
    """The page of a launched campaign shows the holdout, the global control, the channel, the
    outbox states and the launch counts by their Chinese names, not as the stored codes; the
    arms the user named keep their names."""
    _save_segment(world)
    with world.store.session() as s:
        create_campaign(s, _campaign(budget=1_000_000), Actor.cli())
    c = world.client("analyst")
    r = c.post("/campaigns/winback-page/launch", data=_form(c, confirm="yes"))
    assert r.status_code in (200, 303)
    en = c.get("/campaigns/winback-page").text
    c.cookies.set("ll_lang", "zh")
    zh = c.get("/campaigns/winback-page").text
    codes = ["holdout", "global_control", "pending", "sent", "audience", "no_consent", "assigned"]
    # the check can fail: the English page shows several of them as cells
    assert sum(f"<td>{code}</td>" in en for code in codes) >= 3
    assert [code for code in codes if f"<td>{code}</td>" in zh] == []
    for name in ("对照组", "全局对照组", "待发送", "目标人群", "无营销授权或联系方式", "已分组"):
        assert f"<td>{name}</td>" in zh, name
    assert "<td>offer</td>" in zh and "<td>message</td>" in zh  # the user's own arm names
    assert "渠道: 短信" in zh or "渠道: 电子邮件" in zh


_TRACKED = re.compile(r"https?://[^\s\"'<>]+?/c/[lu]/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _counts(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        return tuple(  # type: ignore[return-value]
            int(s.scalar(sa.select(sa.func.count()).select_from(m)) or 0)
            for m in (DeliveryEvent, Suppression, ConsentChangeRow)
        )


def test_following_every_link_of_a_preview_records_nothing(world: World) -> None:
    """A staff member who opens a message preview (page or API) and follows its links — the
    tracked click and the unsubscribe link, GET and POST with a valid form token — records no
    click, unsubscribes nobody and changes no consent; each link says it is a preview, in the
    reader's language. A live link of the same customer still acts (the check can fail)."""
    from loyalloop.services.outbox import campaign_signer
    from loyalloop.surveys import form_token

    _save_segment(world)
    with world.store.session() as s:
        create_campaign(s, _campaign(), Actor.cli())
    admin = world.client("admin")
    page = admin.get("/campaigns/winback-page/preview")
    assert page.status_code == 200 and 'data-testid="preview-links-note"' in page.text
    api = admin.get("/api/v1/campaigns/winback-page/preview?n=3").json()
    assert api["preview_links"] is True
    bodies = [m["body"] for m in api["messages"]]
    links = set(_TRACKED.findall(page.text)) | {u for b in bodies for u in _TRACKED.findall(b)}
    clicks = [u for u in links if "/c/l/" in u]
    unsubs = [u for u in links if "/c/u/" in u]
    assert clicks and unsubs, links  # the offer arm links, every message has its footer
    public = world.client(None)
    base = world.store.settings.public_url
    for url in links:
        path = url.removeprefix(base)
        for lang, word in (("en", "preview"), ("zh", "预览")):
            r = public.get(path, headers={"Accept-Language": lang}, follow_redirects=False)
            assert r.status_code == 200 and word in r.text, (url, r.status_code)
            assert "_form" not in r.text  # no unsubscribe form to submit
        if "/c/l/" in url:
            assert "https://example.com/offer" in public.get(path + "?lang=en").text
        else:
            token = path.rsplit("/", 1)[1]
            secret = world.store.settings.secret
            r = public.post(path, data={"_form": form_token(secret, f"cu:{token}")})
            assert (
                r.status_code == 200
                and "nobody was unsubscribed"
                in public.post(
                    path + "?lang=en", data={"_form": form_token(secret, f"cu:{token}")}
                ).text
            )
    assert _counts(world.store) == (0, 0, 0)
    # the preview's links have the live links' length (the SMS part count stays true) …
    customer = api["messages"][0]["customer_id"]
    live = campaign_signer(world.store).click_url("winback-page", customer, "offer")
    assert len(live) == len(clicks[0])
    # … and a live link does act
    r = public.get(live.removeprefix(base), follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "https://example.com/offer"
    assert _counts(world.store) == (1, 0, 0)


def test_the_budget_names_the_projects_currency_and_currency_errors_speak_chinese(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new-campaign form's budget field names the project's currency (or says it is not
    known yet); a campaign refused for its currency is told in the page's language, with the
    two currencies named."""
    import loyalloop.api.routes.campaigns as campaign_routes

    _save_segment(world)
    c = world.client("analyst")
    unknown = c.get("/campaigns/new").text  # no run names a currency in this world
    assert "Budget (currency not known until a run names it)" in unknown
    c.cookies.set("ll_lang", "zh")
    assert "预算（币种未知，待分析运行注明金额币种）" in c.get("/campaigns/new").text
    c.cookies.set("ll_lang", "en")
    monkeypatch.setattr(campaign_routes, "project_currency", lambda _analytics: "JPY")
    assert "Budget (JPY)" in c.get("/campaigns/new").text
    form = dict(
        name="yen", goal="win-back", channel="sms", segment="risky", holdout_share="0.1",
        window_days="30", offers="card", on_budget_exceeded="refuse", budget="1000",
        templates="t1:\n  channel: sms\n  body: {zh: 您好}\n",
        arm0_name="a", arm0_share="1", arm0_offer="policy", arm0_template="t1",
    )  # fmt: skip
    en = c.post("/campaigns/new", data=_form(c, **form))
    assert en.status_code == 422
    assert "The built-in offer catalogue comes in CNY, USD, EUR, GBP, HKD, not in JPY" in en.text
    c.cookies.set("ll_lang", "zh")
    assert "预算（JPY）" in c.get("/campaigns/new").text
    zh = c.post("/campaigns/new", data=_form(c, **form))
    assert zh.status_code == 422
    assert "内置优惠目录仅有 CNY, USD, EUR, GBP, HKD 版本，没有本项目币种 JPY 的版本" in zh.text
    assert "built-in" not in zh.text
    # a campaign whose money is in CNY, launched once the project is in USD: refused, in Chinese
    monkeypatch.setattr(campaign_routes, "project_currency", lambda _analytics: "CNY")
    with world.store.session() as s:
        create_campaign(s, _campaign(budget=1_000_000), Actor.cli(), project="CNY")
    monkeypatch.setattr(campaign_routes, "project_currency", lambda _analytics: "USD")
    monkeypatch.setattr("loyalloop.services.cases.project_currency", lambda _analytics: "USD")
    r = c.post("/campaigns/winback-page/launch", data=_form(c, confirm="yes"))
    assert r.status_code == 422
    assert "该活动的预算和成本以 CNY 计，而项目金额现以 USD 计" in r.text
