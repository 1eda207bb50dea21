"""Campaign money in the project's currency: a catalogue that names no currency is in the
project's (the latest run's amounts), one that names another is refused at launch (never
converted), and the launch, the status, the API and the campaign page say which currency the
costs are in. On SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view
from svc_fixtures import make_store

from loyalloop.campaigns import DEFAULT_CARD_CATALOGUE, parse_catalogue
from loyalloop.errors import CurrencyMismatchError, SpecError
from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import campaign_status, create_campaign, launch_campaign
from loyalloop.store.models import CampaignAssignment

ME = Actor("ana@example.com", "analyst", 1)
OFFERS = [{"id": "coupon_10", "kind": "coupon", "name": "10 off", "unit_cost": 10.0}]


@pytest.fixture
def cstore(tmp_path: Path, store_url: str) -> Iterator[Store]:
    s = make_store(tmp_path, store_url)
    yield s
    s.close()


@pytest.fixture
def usd(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's amounts are in USD (its latest run says so)."""
    monkeypatch.setattr("loyalloop.services.cases.project_currency", lambda _analytics: "USD")


def test_a_catalogue_names_its_currency_or_follows_the_project() -> None:
    assert parse_catalogue(OFFERS).currency is None
    assert parse_catalogue({"offers": OFFERS}).currency is None
    assert parse_catalogue({"currency": "usd", "offers": OFFERS}).currency == "USD"
    with pytest.raises(SpecError, match=r"^currency: currency is an ISO 4217 code"):
        parse_catalogue({"currency": "dollars", "offers": OFFERS})
    assert parse_catalogue(OFFERS).in_currency("USD").currency == "USD"
    assert parse_catalogue(OFFERS).in_currency(None).currency is None  # nobody knows yet
    assert DEFAULT_CARD_CATALOGUE.in_currency("CNY").currency == "CNY"
    with pytest.raises(CurrencyMismatchError) as e:
        DEFAULT_CARD_CATALOGUE.in_currency("USD")
    assert (e.value.expected, e.value.found) == ("USD", "CNY")


def _campaign(name: str, offers: Any) -> dict[str, Any]:
    raw = copy.deepcopy(CAMPAIGN)
    raw.update(name=name, campaign_id=name, offers=offers)
    for arm in raw["arms"]:
        if arm.get("offer") not in (None, "policy"):
            arm["offer"] = "coupon_10"
    return raw


def test_launch_in_the_projects_currency_and_refuses_another(cstore: Store, usd: None) -> None:
    con = ibis.duckdb.connect()
    try:
        with cstore.session() as s:
            create_campaign(s, _campaign("in-cny", "card"), ME)  # the built-in: CNY
            create_campaign(s, _campaign("follows", OFFERS), ME)
            message_only = _campaign("no-offer", "card")
            for arm in message_only["arms"]:
                arm.pop("offer", None)
            create_campaign(s, message_only, ME)
        with pytest.raises(CurrencyMismatchError, match="unit costs are in CNY but this project"):
            launch_campaign(cstore, "in-cny", make_view(con), AS_OF, ME)
        with cstore.session() as s:  # nothing was assigned
            assert s.scalar(sa.select(sa.func.count()).select_from(CampaignAssignment)) == 0
        r = launch_campaign(cstore, "follows", make_view(con), AS_OF, ME)
        # no arm gives an offer: the built-in catalogue's CNY does not decide (contact cost only)
        bare = launch_campaign(cstore, "no-offer", make_view(con), AS_OF, ME)
    finally:
        con.disconnect()
    assert r.currency == "USD" and r.expected_cost > 0
    assert bare.currency == "USD"
    with cstore.session() as s:
        assert campaign_status(s, "follows", project="USD")["currency"] == "USD"
        assert campaign_status(s, "follows")["currency"] is None  # not known without a run
        assert campaign_status(s, "in-cny", project="USD")["currency"] == "CNY"  # its own
        assert campaign_status(s, "no-offer", project="USD")["currency"] == "USD"


def test_the_api_and_the_campaign_page_say_the_currency(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
    from apikit import build

    monkeypatch.setattr("loyalloop.api.routes.campaigns.project_currency", lambda _analytics: "USD")
    world = build(store)
    with store.session() as s:
        create_campaign(s, _campaign("follows", OFFERS), ME)
    admin = world.client("admin")
    assert admin.get("/api/v1/campaigns/follows").json()["currency"] == "USD"
    page = admin.get("/campaigns/follows", headers={"Accept-Language": "en"}).text
    assert '<span data-testid="campaign-currency">USD</span>' in page
