"""The warehouse's ``assignments`` carry each row's logged ``propensity`` (migration 0009 put
it in the store): the sync exports it from SQLite and PostgreSQL, rows written before 0009
arrive empty, a home made before the column gets it on open, and a value that is not a chance
is quarantined with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import ibis
import pandas as pd
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view
from svc_fixtures import make_store

from loyalloop.core.config import Settings
from loyalloop.core.export import write_text_atomic
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import create_campaign, launch_campaign, sync_campaigns
from loyalloop.store.models import CampaignAssignment

ME = Actor("ana@example.com", "analyst", 1)
NOW = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def cstore(tmp_path: Path, store_url: str) -> Iterator[Store]:
    s = make_store(tmp_path, store_url, quiet_hours_start=time(0, 0), quiet_hours_end=time(0, 0))
    yield s
    s.close()


def _load_customers(settings: Settings, ids: list[str], directory: Path) -> None:
    path = directory / "customers.csv"
    write_text_atomic(path, "customer_id\n" + "".join(f"{i}\n" for i in ids))
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [path])


def test_sync_exports_each_rows_propensity(cstore: Store, tmp_path: Path) -> None:
    con = ibis.duckdb.connect()
    view = make_view(con)
    ids = [str(i) for i in view.customer_id.execute()]
    _load_customers(cstore.analytics, ids, tmp_path)
    with cstore.session() as session:
        create_campaign(session, CAMPAIGN, ME, now=NOW)
    launch_campaign(cstore, "winback-test", view, AS_OF, ME, now=NOW)
    # one row as written before migration 0009: its design is not known
    with cstore.session() as session, session.begin():
        first = session.scalars(sa.select(CampaignAssignment).order_by(CampaignAssignment.id))
        old = next(iter(first))
        old.propensity = None
        old_id = old.customer_id
    with cstore.session() as session:
        stored = dict(
            session.execute(
                sa.select(CampaignAssignment.customer_id, CampaignAssignment.propensity)
            ).all()
        )
    result = sync_campaigns(cstore)
    assert result.assignments["loaded"] == len(stored)
    assert result.assignments["quarantined"] == 0
    with open_warehouse(cstore.analytics, read_only=True) as wh:
        got = wh.table("assignments").select("customer_id", "arm", "propensity").execute()
    by_id = got.set_index("customer_id")["propensity"]
    assert pd.isna(by_id[old_id])
    rest = {k: v for k, v in stored.items() if k != old_id}
    assert by_id.drop(old_id).to_dict() == pytest.approx(rest)
    # the design: holdout 0.2, each arm half of the rest, the global control 0.05
    want = {"holdout": 0.2, "offer": 0.4, "message": 0.4, "global_control": 0.05}
    logged = got[got["customer_id"] != old_id]
    assert set(logged["arm"]) == set(want)
    assert (logged["propensity"] == logged["arm"].map(want)).all()
