"""Consent changes recorded in the store reach the campaign worker's send-time check: a grant
made after the warehouse's "no" was imported lets the message go, a withdrawal skips it, and a
warehouse change newer than the grant wins again (docs/cases.md, "Consent")."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path

import ibis
import pandas as pd
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view
from svc_fixtures import make_store

from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.services import Actor
from loyalloop.services.campaigns import create_campaign, launch_campaign
from loyalloop.services.consent import change_consent
from loyalloop.services.outbox import refresh_consent, run_worker
from loyalloop.store.models import ConsentChangeRow, OutboxMessage

ME = Actor("ana@example.com", "analyst", 1)
AS_NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
BRANCH = Actor("li@bank.example", "agent", 2)


def test_worker_honours_store_grants_and_withdrawals(tmp_path: Path, store_url: str) -> None:
    store = make_store(
        tmp_path,
        store_url,
        campaign_frequency_cap_days=0,
        quiet_hours_start=dt_time(0, 0),
        quiet_hours_end=dt_time(0, 0),
        outbox_sink_dir=tmp_path / "sink",
    )
    con = ibis.duckdb.connect()
    with store.session() as session:
        create_campaign(session, {**copy.deepcopy(CAMPAIGN), "holdout_share": 0.0}, ME)
    launch_campaign(store, "winback-test", make_view(con), AS_OF, ME)
    con.disconnect()
    with store.session() as session:
        queued = sorted(session.scalars(sa.select(OutboxMessage.customer_id)))
    assert len(queued) > 20
    regranted, withdrawn, overridden, rest = queued[:3], queued[3:6], queued[6:8], queued[8:]
    # the warehouse says "no" to e-mail for the regranted and overridden, yes to the others
    path = tmp_path / "customers.csv"
    no = set(regranted + overridden)
    pd.DataFrame(
        {
            "customer_id": queued,
            "created_at": "2025-01-01",
            "consent_email": [c not in no for c in queued],
            "consent_sms": True,
        }
    ).to_csv(path, index=False)
    with open_warehouse(store.analytics) as wh:
        assert ingest(wh, "customers", [path]).quarantined == 0
    assert refresh_consent(store) == len(queued)
    # then, at the branch: consent given again, and withdrawn
    with store.session() as session:
        for c in regranted + overridden:
            change_consent(session, c, "email", True, "branch:Pudong", BRANCH)
        for c in withdrawn:
            change_consent(session, c, "email", False, "branch:Pudong", BRANCH)
        session.commit()
    # after the grant the warehouse changes the overridden profiles' consent (SMS withdrawn):
    # the import is newer than the grant, and its "no" to e-mail holds again
    with open_warehouse(store.analytics) as wh:
        wh.raw.execute(
            "UPDATE customers SET consent_sms = false WHERE customer_id IN (?, ?)", overridden
        )
    assert refresh_consent(store) == len(overridden)
    total = run_worker(store, once=True)
    with store.session() as session:
        status = {
            c: (s, e)
            for c, s, e in session.execute(
                sa.select(OutboxMessage.customer_id, OutboxMessage.status, OutboxMessage.last_error)
            )
        }
        history = session.scalar(sa.select(sa.func.count()).select_from(ConsentChangeRow))
    for c in regranted + rest:
        assert status[c][0] == "sent", (c, status[c])
    for c in withdrawn:
        assert status[c] == ("skipped", "unsubscribed"), c
    for c in overridden:
        assert status[c] == ("skipped", "no_consent"), c
    assert total.skipped == len(withdrawn) + len(overridden)
    assert total.sent == len(regranted) + len(rest)
    assert history == len(regranted) + len(overridden) + len(withdrawn)
    store.close()


def test_launch_counts_store_grants_over_an_imported_no(tmp_path: Path, store_url: str) -> None:
    """A customer whose imported consent says "no" but who opted in through Loyalloop since
    (``loyalloop consent set … --granted``) is in the next launch; nobody else changes."""
    from campaign_fixtures import run_frames

    from loyalloop.store.models import CampaignAssignment

    def launched(store_dir: Path, grant: list[str]) -> set[str]:
        store = make_store(store_dir, store_url, campaign_frequency_cap_days=0)
        try:
            with store.session() as session:
                create_campaign(session, copy.deepcopy(CAMPAIGN), ME)
                for cid in grant:
                    change_consent(session, cid, "email", True, "branch form", BRANCH)
                session.commit()
            con = ibis.duckdb.connect()
            launch_campaign(store, "winback-test", make_view(con), AS_OF, ME)
            con.disconnect()
            with store.session() as session:
                return set(session.scalars(sa.select(CampaignAssignment.customer_id)))
        finally:
            store.close()

    p = run_frames()["profiles"]
    refused = p.loc[~p["consent_email"].fillna(False).astype(bool) & p["email"].notna()]
    grant = sorted(map(str, refused["profile_id"]))
    assert len(grant) > 20
    before = launched(tmp_path / "a", [])
    after = launched(tmp_path / "b", grant)
    added = after - before
    assert before <= after and added and added <= set(grant)
    assert not (before & set(grant))  # without the grant none of them was eligible


def test_a_withdrawal_on_another_record_of_the_profile_counts(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Campaigns address profiles; the customer withdrew under another of their records
    (identity resolution merged it into the profile). Launch leaves the profile out, and a
    message already queued for it is skipped at send time."""
    import loyalloop.services.campaigns as campaigns_mod
    import loyalloop.services.outbox as outbox_mod

    store = make_store(
        tmp_path,
        store_url,
        campaign_frequency_cap_days=0,
        quiet_hours_start=dt_time(0, 0),
        quiet_hours_end=dt_time(0, 0),
        outbox_sink_dir=tmp_path / "sink",
    )
    con = ibis.duckdb.connect()
    with store.session() as session:
        create_campaign(session, {**copy.deepcopy(CAMPAIGN), "holdout_share": 0.0}, ME)
    launch_campaign(store, "winback-test", make_view(con), AS_OF, ME)
    with store.session() as session:
        queued = sorted(session.scalars(sa.select(OutboxMessage.customer_id)))
    queued_profile, launch_profile = queued[0], queued[1]
    # their other records (not profiles themselves) — the ids the customers gave
    links = {"X-OLD-1": queued_profile, "X-OLD-2": launch_profile}
    monkeypatch.setattr(outbox_mod, "profile_links", lambda *a, **k: links)
    monkeypatch.setattr(campaigns_mod, "profile_links", lambda *a, **k: links)
    with store.session() as session:
        change_consent(session, "X-OLD-1", "email", False, "call", BRANCH)
        change_consent(session, "X-OLD-2", "all", False, "call", BRANCH)
        session.commit()
    total = run_worker(store, once=True)
    with store.session() as session:
        status = {
            c: st
            for c, st in session.execute(sa.select(OutboxMessage.customer_id, OutboxMessage.status))
        }
    assert status[queued_profile] == "skipped" and status[launch_profile] == "skipped"
    assert total.skipped == 2 and total.sent == len(queued) - 2

    con.disconnect()
    # and a launch from now on leaves both profiles out (the launch's exclusion list)
    from loyalloop.campaigns.spec import Channel

    with store.session() as session:
        unsub, _capped = campaigns_mod._excluded(session, Channel.email, AS_NOW, 0, links)
        calls, _ = campaigns_mod._excluded(session, Channel.call, AS_NOW, 0, links)
    assert {queued_profile, launch_profile} <= unsub
    assert launch_profile in calls and queued_profile not in calls  # e-mail only vs all
    store.close()
