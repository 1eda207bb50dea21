"""Consent withdrawn in the warehouse after a launch is respected by the worker at send time:
``run_worker`` refreshes the warehouse's consent when it starts, and a message to a customer
who no longer consents (or whose consent became unknown) is skipped as ``no_consent``."""

from __future__ import annotations

import copy
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view
from svc_fixtures import make_store

from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import create_campaign, launch_campaign
from loyalloop.services.outbox import refresh_consent, run_worker
from loyalloop.store.models import CustomerConsent, OutboxMessage

ME = Actor("ana@example.com", "analyst", 1)


def _customers(store: Store, tmp: Path, consent: dict[str, Any]) -> None:
    path = tmp / "customers.csv"
    pd.DataFrame(
        {
            "customer_id": list(consent),
            "created_at": "2025-01-01",
            "consent_email": [v for v in consent.values()],
            "consent_sms": True,
        }
    ).to_csv(path, index=False)
    with open_warehouse(store.analytics) as wh:
        r = ingest(wh, "customers", [path])
        assert r.quarantined == 0, r


def test_worker_skips_customers_whose_warehouse_consent_was_withdrawn(
    tmp_path: Path, store_url: str
) -> None:
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
    withdrawn, unknown, still, absent = queued[:5], queued[5:8], queued[8:12], queued[12:]
    # after the launch the warehouse learns: five withdrew, three are unknown now, four still
    # consent; the rest are not in the warehouse's customers (the launch's check stands)
    _customers(
        store,
        tmp_path,
        {**{c: False for c in withdrawn}, **{c: None for c in unknown}, **{c: True for c in still}},
    )
    total = run_worker(store, once=True)
    with store.session() as session:
        status = {
            c: (s, e)
            for c, s, e in session.execute(
                sa.select(OutboxMessage.customer_id, OutboxMessage.status, OutboxMessage.last_error)
            )
        }
    for c in withdrawn + unknown:
        assert status[c] == ("skipped", "no_consent"), c
    for c in still + absent:
        assert status[c][0] == "sent", c
    assert total.skipped == 8 and total.sent == len(queued) - 8
    sent_files = {p.stem for p in (tmp_path / "sink").iterdir()}
    assert len(sent_files) == len(queued) - 8

    # consent given again (ingest never rewrites a loaded row: an update in the warehouse,
    # e.g. by the bank's consent system) is copied too, and only changed rows are written
    with open_warehouse(store.analytics) as wh:
        wh.raw.execute(
            "UPDATE customers SET consent_email = true WHERE customer_id IN "
            f"({', '.join('?' for _ in withdrawn)})",
            withdrawn,
        )
    assert refresh_consent(store) == len(withdrawn)
    assert refresh_consent(store) == 0
    with store.session() as session:
        q = sa.select(CustomerConsent.customer_id, CustomerConsent.email)
        rows = {c: bool(e) for c, e in session.execute(q)}
    assert all(rows[c] for c in withdrawn) and not any(rows[c] for c in unknown)
    store.close()


def test_no_warehouse_means_no_refresh(tmp_path: Path) -> None:
    store = make_store(tmp_path, f"sqlite:///{tmp_path / 'home' / 'service.sqlite3'}")
    assert refresh_consent(store) is None
    store.close()
