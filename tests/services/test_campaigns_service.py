"""Campaigns on the service (SQLite and PostgreSQL): launch writes assignments and outbox rows
in one transaction; consent, unsubscribes, the frequency cap and the budget; a template that
fails for one customer; the worker's retries, dead letters, send-time checks and claims."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import ibis
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, Gateway, make_view, sms_campaign, smtp_server
from svc_fixtures import make_store

from loyalloop.errors import BudgetExceededError, ConfigError, SignatureError, SpecError
from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import (
    campaign_status,
    create_campaign,
    launch_campaign,
    record_bounce,
    record_link,
    set_status,
)
from loyalloop.services.delivery import Sender
from loyalloop.services.invitations import unsubscribe
from loyalloop.services.outbox import campaign_signer, claim, deliver
from loyalloop.store.models import (
    CampaignAssignment,
    CampaignStatus,
    DeliveryEvent,
    OutboxMessage,
    OutboxStatus,
)

ME = Actor("ana@example.com", "analyst", 1)
NOW = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
#: Campaigns are created on a stated clock before they are launched at ``NOW`` (a launch
#: before its campaign's creation is refused).
CREATED = NOW - timedelta(hours=1)
NO_QUIET = {"quiet_hours_start": time(0, 0), "quiet_hours_end": time(0, 0)}


@pytest.fixture
def con() -> Iterator[ibis.BaseBackend]:
    c = ibis.duckdb.connect()
    yield c
    c.disconnect()


@pytest.fixture
def cstore(tmp_path: Path, store_url: str) -> Iterator[Store]:
    s = make_store(tmp_path, store_url, **NO_QUIET)
    yield s
    s.close()


def _create(store: Store, raw: dict) -> None:  # type: ignore[type-arg]
    with store.session() as session:
        create_campaign(session, raw, ME, now=CREATED)


def _messages(store: Store) -> list[OutboxMessage]:
    with store.session() as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _assignments(store: Store) -> list[CampaignAssignment]:
    with store.session() as session:
        return list(session.scalars(sa.select(CampaignAssignment)))


def test_launch_writes_assignments_and_outbox_and_counts_add_up(
    cstore: Store, con: ibis.BaseBackend
) -> None:
    _create(cstore, CAMPAIGN)
    view = make_view(con, no_name=30)
    r = launch_campaign(cstore, "winback-test", view, AS_OF, ME, now=NOW)
    c = r.counts
    members = view.filter(view.churn_probability >= 0.3)
    assert c["audience"] == members.count().execute()
    eligible = int(members.filter(members.consent_email & members.has_email).count().execute())
    assert c["no_consent"] == c["audience"] - eligible
    assert c["assigned"] == eligible
    assert c["assigned"] == c["global_control"] + c["holdout"] + sum(c["arms"].values())
    rows = _assignments(cstore)
    assert len(rows) == c["assigned"]
    # each row logs its arm's design chance (migration 0009): holdout 0.2, each of the two arms
    # half of the rest, the global control its default share of everyone
    want = {"holdout": 0.2, "offer": 0.4, "message": 0.4, "global_control": 0.05}
    assert {a.arm for a in rows} == set(want)
    assert all(a.propensity == pytest.approx(want[a.arm]) for a in rows)
    msgs = _messages(cstore)
    treated = {a.customer_id for a in rows if a.arm not in ("holdout", "global_control")}
    assert {m.customer_id for m in msgs} == treated  # no message to holdout or global control
    assert len(msgs) == len(treated) == r.queued + r.failed
    # the template uses customer.name[0]: customers without a name fail, the rest are queued
    failed = [m for m in msgs if m.status == OutboxStatus.failed.value]
    assert r.failed == len(failed) > 0
    nameless = set(view.filter(view.name.isnull()).customer_id.execute())
    assert {m.customer_id for m in failed} <= nameless
    assert all("template" in m.last_error for m in failed)
    pending = [m for m in msgs if m.status == OutboxStatus.pending.value]
    assert pending and all("@" in m.contact and m.body for m in pending)
    assert all(m.customer_id not in nameless for m in pending)
    assert len({m.idempotency_key for m in msgs}) == len(msgs)
    # launching again assigns nobody twice and queues nothing new
    again = launch_campaign(cstore, "winback-test", view, AS_OF, ME, now=NOW + timedelta(hours=1))
    assert again.counts["assigned"] == 0 and again.queued == 0
    assert again.counts["already_assigned"] == c["assigned"]
    assert len(_assignments(cstore)) == len(rows) and len(_messages(cstore)) == len(msgs)
    with cstore.session() as session:
        st = campaign_status(session, "winback-test")
    assert st["status"] == "launched"
    assert sum(st["assignments"].values()) == c["assigned"]
    assert st["outbox"]["pending"] == len(pending) and st["outbox"]["failed"] == len(failed)


def test_unsubscribed_and_recently_contacted_are_left_out_before_the_split(
    cstore: Store, con: ibis.BaseBackend
) -> None:
    view = make_view(con)
    members = view.filter(
        (view.churn_probability >= 0.3) & view.consent_email & view.has_email
    ).order_by("customer_id")
    ids = [str(x) for x in members.customer_id.execute()]
    with cstore.session() as session:
        unsubscribe(session, ids[0], "email", "test")
    with cstore.session() as session:
        unsubscribe(session, ids[1], "all", "test")
    with cstore.session() as session:
        unsubscribe(session, ids[2], "sms", "test")  # another channel: still mailed
    _create(cstore, CAMPAIGN)
    r = launch_campaign(cstore, "winback-test", view, AS_OF, ME, now=NOW)
    assert r.counts["unsubscribed"] == 2
    assigned = {a.customer_id for a in _assignments(cstore)}
    assert ids[0] not in assigned and ids[1] not in assigned and ids[2] in assigned
    # a message sent yesterday puts the customer under the frequency cap for a second campaign
    with cstore.session() as session, session.begin():
        m = session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending.value)
        )
        assert m is not None
        m.status, m.sent_at = OutboxStatus.sent.value, NOW - timedelta(days=1)
        capped = m.customer_id
    second = copy.deepcopy(CAMPAIGN)
    second["name"] = "second"
    _create(cstore, second)
    r2 = launch_campaign(cstore, "second", view, AS_OF, ME, now=NOW)
    assert r2.counts["frequency_cap"] == 1
    with cstore.session() as session:
        got = session.scalars(
            sa.select(CampaignAssignment.customer_id).where(CampaignAssignment.campaign_id == 2)
        ).all()
    assert capped not in got


def test_budget_that_would_be_exceeded_stops_the_launch_and_writes_nothing(
    cstore: Store, con: ibis.BaseBackend
) -> None:
    tight = copy.deepcopy(CAMPAIGN)
    tight["budget"] = 10
    _create(cstore, tight)
    with pytest.raises(BudgetExceededError, match=r"exceeds the budget 10\.00"):
        launch_campaign(cstore, "winback-test", make_view(con), AS_OF, ME, now=NOW)
    assert _assignments(cstore) == [] and _messages(cstore) == []
    with cstore.session() as session:
        assert campaign_status(session, "winback-test")["status"] == "draft"
    capped = copy.deepcopy(tight)
    capped["on_budget_exceeded"] = "cap"
    capped["budget"] = 500
    with cstore.session() as session:
        create_campaign(session, capped, ME, now=CREATED)
    r = launch_campaign(cstore, "winback-test", make_view(con), AS_OF, ME, now=NOW)
    assert r.expected_cost <= 500 and r.counts["over_budget"] > 0
    with cstore.session() as session:
        total = session.scalar(sa.select(sa.func.sum(CampaignAssignment.expected_cost)))
    assert total == pytest.approx(r.expected_cost)


def test_spec_errors_name_the_field(cstore: Store) -> None:
    bad = copy.deepcopy(CAMPAIGN)
    bad["arms"][0]["template"] = "nope"
    with cstore.session() as session, pytest.raises(SpecError, match="nope"):
        create_campaign(session, bad, ME)
    bad = copy.deepcopy(CAMPAIGN)
    bad["holdout_sahre"] = 0.1
    with cstore.session() as session, pytest.raises(SpecError, match="holdout_sahre"):
        create_campaign(session, bad, ME)
    no_templates = {k: v for k, v in CAMPAIGN.items() if k != "templates"}
    with cstore.session() as session, pytest.raises(SpecError, match="templates"):
        create_campaign(session, no_templates, ME)


def _settings(store: Store, tmp_path: Path, url: str, **kw: object) -> Store:
    store.close()
    return make_store(tmp_path, url, **{**NO_QUIET, **kw})


def test_worker_sends_email_with_message_id_and_sms_with_idempotency_key(
    tmp_path: Path, store_url: str, con: ibis.BaseBackend
) -> None:
    controller, inbox, port = smtp_server()
    try:
        with Gateway() as gw:
            store = make_store(
                tmp_path,
                store_url,
                smtp_host="127.0.0.1",
                smtp_port=port,
                sms_gateway_url=gw.url,
                campaign_frequency_cap_days=0,
                email_per_second=0,
                sms_per_second=0,
                **NO_QUIET,
            )
            view = make_view(con, no_name=30)
            _create(store, CAMPAIGN)
            _create(store, sms_campaign())
            launch_campaign(store, "winback-test", view, AS_OF, ME)
            launch_campaign(store, "sms-test", view, AS_OF, ME)
            sender = Sender(store.settings)
            total = 0
            while (r := deliver(store, sender, "w1", batch=40)).claimed:
                total += r.sent
            sender.close()
            msgs = _messages(store)
            sent = [m for m in msgs if m.status == OutboxStatus.sent.value]
            assert total == len(sent) == len(inbox.messages) + len(gw.received)
            mails = {m.idempotency_key: m for m in sent if m.channel == "email"}
            smss = {m.idempotency_key: m for m in sent if m.channel == "sms"}
            assert sorted(x.strip("<>").split("@")[0] for x in inbox.ids()) == sorted(mails)
            assert sorted(g["key"] for g in gw.received) == sorted(smss)
            for g in gw.received:
                assert g["to"] == smss[g["key"]].contact and g["id"] == g["key"]
            mail = inbox.messages[0]
            assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/c/u/")
            assert all(m.status != OutboxStatus.pending.value for m in msgs)
            with store.session() as session:
                n_events = session.scalar(
                    sa.select(sa.func.count()).where(DeliveryEvent.kind == "sent")
                )
            assert n_events == len(sent)
            store.close()
    finally:
        controller.stop()


def test_retries_with_backoff_then_dead_letter_and_permanent_refusals(
    tmp_path: Path, store_url: str, con: ibis.BaseBackend
) -> None:
    with Gateway(fail=2, fail_status=503) as gw:
        store = make_store(
            tmp_path,
            store_url,
            sms_gateway_url=gw.url,
            outbox_max_attempts=3,
            outbox_backoff_seconds=10,
            **NO_QUIET,
        )
        raw = sms_campaign()
        raw["audience"]["conditions"].append(
            {"field": "churn_probability", "op": ">=", "value": 0.99}
        )
        _create(store, raw)
        launch_campaign(store, "sms-test", make_view(con), AS_OF, ME, now=NOW)
        first = _messages(store)[0]
        sender = Sender(store.settings)
        clock = [NOW]
        r = deliver(store, sender, "w", batch=1, now=lambda: clock[0])
        assert r.retried == 1
        m = next(x for x in _messages(store) if x.id == first.id)
        assert m.status == "pending" and m.attempts == 1 and "503" in m.last_error
        assert m.next_attempt_at == NOW + timedelta(seconds=10)
        assert claim(store, "w", now=NOW + timedelta(seconds=9)) == [] or all(
            c.id != first.id for c in claim(store, "w2", now=NOW + timedelta(seconds=9))
        )
        store.close()
    # a message that keeps failing goes to dead after outbox_max_attempts
    with Gateway(fail=100, fail_status=500) as gw:
        store = _settings(
            store,
            tmp_path,
            store_url,
            sms_gateway_url=gw.url,
            outbox_max_attempts=3,
            outbox_backoff_seconds=10,
            outbox_lease_seconds=1,
        )
        sender = Sender(store.settings)
        t = NOW + timedelta(hours=2)
        for _ in range(6):
            deliver(store, sender, "w3", batch=100, now=lambda t=t: t)
            t += timedelta(hours=1)
        msgs = _messages(store)
        assert all(m.status == OutboxStatus.dead.value for m in msgs)
        assert all(m.attempts == 3 for m in msgs)
        assert not gw.received
        store.close()
    # a 4xx refusal cannot be fixed by retrying: dead at once
    with Gateway(fail=1, fail_status=422) as gw:
        store = _settings(store, tmp_path, store_url, sms_gateway_url=gw.url)
        raw2 = sms_campaign("sms-2")
        raw2["audience"]["conditions"].append(
            {"field": "churn_probability", "op": ">=", "value": 0.99}
        )
        _create(store, raw2)
        launch_campaign(store, "sms-2", make_view(con), AS_OF, ME, now=NOW)
        sender = Sender(store.settings)
        r = deliver(store, sender, "w4", batch=1, now=lambda: NOW + timedelta(days=1))
        assert r.dead == 1
        store.close()


def test_send_time_checks_unsubscribe_quiet_hours_pause(
    tmp_path: Path, store_url: str, con: ibis.BaseBackend
) -> None:
    with Gateway() as gw:
        store = make_store(
            tmp_path,
            store_url,
            sms_gateway_url=gw.url,
            quiet_hours_start=time(21, 0),
            quiet_hours_end=time(8, 0),
            timezone="Asia/Shanghai",
        )
        _create(store, sms_campaign())
        night = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
        launch_campaign(store, "sms-test", make_view(con), AS_OF, ME, now=night)
        msgs = _messages(store)
        morning = datetime(2026, 7, 2, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
        assert all(m.next_attempt_at == morning for m in msgs)
        assert claim(store, "w", now=night + timedelta(hours=1)) == []  # not due before 08:00
        victim = msgs[0].customer_id
        with store.session() as session:
            unsubscribe(session, victim, "sms", "test")  # after launch, before sending
        with store.session() as session:
            set_status(session, "sms-test", CampaignStatus.paused, ME)
        assert claim(store, "w", now=morning) == []  # paused: nothing is taken
        with store.session() as session:
            set_status(session, "sms-test", CampaignStatus.launched, ME)
        sender = Sender(store.settings)
        later = morning + timedelta(hours=1)
        while deliver(store, sender, "w", batch=50, now=lambda: later).claimed:
            pass
        after = {m.customer_id: m for m in _messages(store)}
        assert after[victim].status == OutboxStatus.skipped.value
        assert after[victim].last_error == "unsubscribed"
        assert victim not in {g["to"] for g in gw.received}
        assert len(gw.received) == len(msgs) - 1
        # a message claimed during quiet hours (e.g. retried at night) is deferred, not sent
        with store.session() as session, session.begin():
            m = session.get(OutboxMessage, msgs[1].id)
            assert m is not None
            m.status, m.next_attempt_at = "pending", night
        r = deliver(store, sender, "w", batch=5, now=lambda: night + timedelta(minutes=5))
        assert r.deferred == 1 and r.sent == 0
        sender.close()
        store.close()


def test_two_workers_never_claim_the_same_message(cstore: Store, con: ibis.BaseBackend) -> None:
    _create(cstore, sms_campaign())
    launch_campaign(cstore, "sms-test", make_view(con), AS_OF, ME, now=NOW)
    n = len(_messages(cstore))
    a = claim(cstore, "a", batch=n // 2, now=NOW)
    b = claim(cstore, "b", batch=n, now=NOW)
    assert {c.id for c in a}.isdisjoint({c.id for c in b})
    assert len(a) + len(b) == n
    # after the lease runs out (worker a died), its messages may be taken over
    later = NOW + timedelta(seconds=cstore.settings.outbox_lease_seconds + 1)
    c = claim(cstore, "c", batch=n, now=later)
    assert {x.id for x in c} == {x.id for x in a} | {x.id for x in b}


def test_links_clicks_unsubscribes_and_bounces(cstore: Store, con: ibis.BaseBackend) -> None:
    _create(cstore, CAMPAIGN)
    launch_campaign(cstore, "winback-test", make_view(con), AS_OF, ME, now=NOW)
    m = next(x for x in _messages(cstore) if x.status == "pending")
    signer = campaign_signer(cstore)
    with cstore.session() as session:
        token = signer.click_url("winback-test", m.customer_id, "offer").rsplit("/", 1)[1]
        assert record_link(cstore, session, token) == ("clicked", "https://example.com/offer")
    with cstore.session() as session:
        token = signer.unsubscribe_url("winback-test", m.customer_id, "email").rsplit("/", 1)[1]
        assert record_link(cstore, session, token)[0] == "unsubscribed"
    with cstore.session() as session, pytest.raises(SignatureError):
        record_link(cstore, session, token[:-2] + "AA")
    with cstore.session() as session:
        assert record_bounce(session, m.idempotency_key, hard=True)
        assert not record_bounce(session, "unknown", hard=True)
    with cstore.session() as session:
        st = campaign_status(session, "winback-test")
    assert st["events"] == {"clicked": 1, "unsubscribed": 1, "bounced": 1}
    with pytest.raises(ConfigError), cstore.session() as session:
        set_status(session, "winback-test", CampaignStatus.launched, ME)
