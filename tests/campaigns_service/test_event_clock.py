"""Delivery events follow the clock the campaign runs on: a campaign launched "as of" a past
day (the demo's and the sample's way) and delivered with that simulation's clock has its
sends, clicks and syncs on the days of its own window, so a run's outcome window (up to its
as-of day) reads them; a worker on the wall clock stamps today."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time, timedelta
from datetime import time as dt_time
from pathlib import Path

import ibis
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view
from svc_fixtures import make_store

from loyalloop.campaigns import attribute_outcomes
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import (
    create_campaign,
    launch_campaign,
    record_link,
    sync_campaigns,
)
from loyalloop.services.outbox import campaign_signer, run_worker, simulated_clock
from loyalloop.store.base import utcnow
from loyalloop.store.models import DeliveryEvent, OutboxMessage

ME = Actor("ana@example.com", "analyst", 1)


def _sink_store(tmp_path: Path, store_url: str) -> Store:
    """A store whose worker writes messages to a folder, at any hour, without a cap."""
    return make_store(tmp_path, store_url, campaign_frequency_cap_days=0,
                      quiet_hours_start=dt_time(0, 0), quiet_hours_end=dt_time(0, 0),
                      outbox_sink_dir=tmp_path / "sink")  # fmt: skip


def test_a_simulated_campaign_is_sent_clicked_and_measured_on_its_own_days(
    tmp_path: Path, store_url: str
) -> None:
    store = _sink_store(tmp_path, store_url)
    customers = tmp_path / "customers.csv"
    rows = "".join(f"P{i:04d},2025-01-01,true,true\n" for i in range(400))
    customers.write_text("customer_id,created_at,consent_email,consent_sms\n" + rows, "utf-8")
    with open_warehouse(store.analytics) as wh:
        assert ingest(wh, "customers", [customers]).quarantined == 0
    launched = datetime.combine(AS_OF - timedelta(days=30), time(9), tzinfo=UTC)
    con = ibis.duckdb.connect()
    with store.session() as session:
        create_campaign(session, copy.deepcopy(CAMPAIGN), ME, now=launched)
    launch_campaign(store, "winback-test", make_view(con), AS_OF, ME, now=launched)
    con.disconnect()
    total = run_worker(store, once=True, clock=simulated_clock(launched))
    assert total.sent > 20
    with store.session() as session:
        sent_at = list(session.scalars(sa.select(DeliveryEvent.at).where(
            DeliveryEvent.kind == "sent")))  # fmt: skip
        marked = list(session.scalars(sa.select(OutboxMessage.sent_at).where(
            OutboxMessage.status == "sent")))  # fmt: skip
        clicker = session.scalar(sa.select(OutboxMessage.customer_id).where(
            OutboxMessage.status == "sent").order_by(OutboxMessage.id).limit(1))  # fmt: skip
    window = (launched, launched + timedelta(hours=1))
    assert len(sent_at) == total.sent == len(marked)
    assert all(window[0] <= _utc(t) < window[1] for t in sent_at + marked)
    # the customer clicks two days after the launch (the simulation says when)
    assert clicker is not None
    token = campaign_signer(store).click_url("winback-test", clicker, "offer").rsplit("/", 1)[1]
    with store.session() as session:
        record_link(store, session, token, now=launched + timedelta(days=2))
    sync_campaigns(store)
    cut = ibis.timestamp(datetime.combine(AS_OF + timedelta(days=1), time()).isoformat(sep=" "))
    with open_warehouse(store.analytics) as wh:
        it = wh.table("interactions")
        days = it.group_by("kind").aggregate(first=it.timestamp.min(), last=it.timestamp.max())
        span = {r.kind: (r.first, r.last) for r in days.execute().itertuples()}
        clicks = attribute_outcomes(
            wh.table("assignments"),
            wh.table("campaigns"),
            interactions=it.filter(it.timestamp < cut),
        ).execute()
    naive = launched.replace(tzinfo=None)
    assert naive <= span["sent"][0] and span["sent"][1] < naive + timedelta(hours=1)
    assert span["clicked"][0] == naive + timedelta(days=2)
    # the run's outcome window (assignment to as-of) reads the click
    assert clicks[["customer_id", "kind"]].values.tolist() == [[clicker, "clicked"]]
    store.close()


def test_a_real_worker_stamps_the_wall_clock(tmp_path: Path, store_url: str) -> None:
    store = _sink_store(tmp_path, store_url)
    con = ibis.duckdb.connect()
    with store.session() as session:
        create_campaign(session, copy.deepcopy(CAMPAIGN), ME)
    before = utcnow()
    launch_campaign(store, "winback-test", make_view(con), AS_OF, ME)
    con.disconnect()
    assert run_worker(store, once=True).sent > 20
    with store.session() as session:
        stamps = list(session.scalars(sa.select(DeliveryEvent.at)))
    assert stamps and all(_utc(t) >= before - timedelta(seconds=1) for t in stamps)
    store.close()


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
