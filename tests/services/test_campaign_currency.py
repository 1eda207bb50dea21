"""Campaign money in the project's currency: a campaign records its currency at creation (its
catalogue's, the built-in catalogue in the project's currency, else the project's), a
catalogue in another currency is refused (never converted), a campaign whose currency is no
longer the project's is not launched or costed, a launch before the campaign's creation is
refused by the library, and the launch, the status, the API and the campaign page say which
currency the costs are in. On SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view
from svc_fixtures import make_store

from loyalloop.campaigns import (
    DEFAULT_CARD_CATALOGUE,
    builtin_currencies,
    builtin_offers,
    parse_catalogue,
)
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError, CurrencyMismatchError, SpecError
from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import (
    campaign_status,
    create_campaign,
    get_campaign,
    launch_campaign,
    list_campaigns,
    simulate_outcomes,
    sync_campaigns,
)
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


def _count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(CampaignAssignment)) or 0)


def test_a_campaign_records_its_currency_and_launches_in_it(cstore: Store, usd: None) -> None:
    con = ibis.duckdb.connect()
    try:
        with cstore.session() as s:
            card, _ = create_campaign(s, _campaign("card-usd", "card"), ME, project="USD")
            follows, _ = create_campaign(s, _campaign("follows", OFFERS), ME)  # no run yet
            message_only = _campaign("no-offer", "card")
            for arm in message_only["arms"]:
                arm.pop("offer", None)
            bare_c, _ = create_campaign(s, message_only, ME, project="USD")
            assert (card.currency, follows.currency, bare_c.currency) == ("USD", None, "USD")
            card_pk = card.id
        r = launch_campaign(cstore, "card-usd", make_view(con), AS_OF, ME)
        late = launch_campaign(cstore, "follows", make_view(con), AS_OF, ME)
        bare = launch_campaign(cstore, "no-offer", make_view(con), AS_OF, ME)
    finally:
        con.disconnect()
    # the built-in card catalogue in USD: its own offers and values, not CNY's
    usd_ids = {o.id for o in builtin_offers("card", "USD")[0].offers}
    with cstore.session() as s:
        got = set(
            s.scalars(
                sa.select(CampaignAssignment.offer_id)
                .where(CampaignAssignment.campaign_id == card_pk)
                .distinct()
            )
        ) - {None}
        assert got and got <= usd_ids and "cashback_100" not in got
        assert get_campaign(s, "follows").currency == "USD"  # the project's, at its launch
    assert (r.currency, late.currency, bare.currency) == ("USD", "USD", "USD")
    assert r.expected_cost > 0
    with cstore.session() as s:
        assert campaign_status(s, "card-usd", project="EUR")["currency"] == "USD"  # recorded
        assert campaign_status(s, "follows")["currency"] == "USD"
    sync_campaigns(cstore)  # the warehouse's campaigns carry it (the run's check reads it)
    with open_warehouse(cstore.analytics, read_only=True) as wh:
        got_wh = dict(wh.raw.execute("SELECT campaign_id, currency FROM campaigns").fetchall())
    assert got_wh == {"card-usd": "USD", "follows": "USD", "no-offer": "USD"}


def test_a_catalogue_in_another_currency_is_refused_at_creation(cstore: Store) -> None:
    cny = {"currency": "CNY", "offers": OFFERS}
    with cstore.session() as s, pytest.raises(CurrencyMismatchError) as e:
        create_campaign(s, _campaign("in-cny", cny), ME, project="USD")
    assert (e.value.expected, e.value.found) == ("USD", "CNY")
    assert "unit costs are in CNY but this project's amounts are in USD" in str(e.value)
    with cstore.session() as s:
        assert list_campaigns(s) == []


def test_a_campaign_in_cny_is_not_launched_or_costed_once_the_project_is_in_usd(
    cstore: Store, usd: None
) -> None:
    with cstore.session() as s:
        c, _ = create_campaign(s, _campaign("in-cny", "card"), ME, project="CNY")
        assert c.currency == "CNY"
    con = ibis.duckdb.connect()
    try:
        with pytest.raises(CurrencyMismatchError) as e:
            launch_campaign(cstore, "in-cny", make_view(con), AS_OF, ME)
    finally:
        con.disconnect()
    assert str(e.value).startswith(
        "cannot launch campaign in-cny: its budget and costs are in CNY but the project's "
        "amounts are now in USD"
    )
    assert (e.value.expected, e.value.found) == ("USD", "CNY")
    assert _count(cstore) == 0  # nothing was assigned
    with cstore.session() as s:  # as if launched while the project was in CNY
        get_campaign(s, "in-cny").launched_at = datetime(2026, 6, 1, tzinfo=UTC)
        s.commit()
    with pytest.raises(CurrencyMismatchError, match=r"^cannot record costs for campaign in-cny"):
        simulate_outcomes(cstore, "in-cny")


def test_a_launched_campaign_keeps_its_currency_across_versions(cstore: Store) -> None:
    with cstore.session() as s:
        create_campaign(s, _campaign("w", "card"), ME, project="CNY")
        get_campaign(s, "w").status = "launched"
        s.commit()
        with pytest.raises(
            SpecError, match=r"^offers: campaign w is launched with its money in CNY"
        ):
            create_campaign(s, _campaign("w", {"currency": "USD", "offers": OFFERS}), ME)
        s.rollback()
        create_campaign(s, _campaign("d", "card"), ME, project="CNY")  # a draft may change
        c, _ = create_campaign(s, _campaign("d", "card"), ME, project="USD")
        assert c.currency == "USD"


def test_the_library_refuses_a_launch_before_the_campaigns_creation(cstore: Store) -> None:
    created = datetime(2026, 7, 1, 9, tzinfo=UTC)
    with cstore.session() as s:
        create_campaign(s, _campaign("w", OFFERS), ME, now=created)
    con = ibis.duckdb.connect()
    try:
        with pytest.raises(ConfigError, match=r"^campaign w cannot be launched at 2026-07-01T08:"):
            launch_campaign(
                cstore, "w", make_view(con), AS_OF, ME, now=created - timedelta(hours=1)
            )
        assert _count(cstore) == 0
        r = launch_campaign(cstore, "w", make_view(con), AS_OF, ME, now=created)  # the same clock
    finally:
        con.disconnect()
    assert r.queued > 0


def test_the_built_in_catalogues_ship_per_currency_with_their_own_values() -> None:
    for business in ("card", "retail"):
        cny, _ = builtin_offers(business, "CNY")
        kinds = sorted(o.kind for o in cny.offers)
        assert builtin_currencies(business) == ("CNY", "USD", "EUR", "GBP", "HKD")
        for code in builtin_currencies(business):
            cat, policy = builtin_offers(business, code)
            assert cat.currency == code
            assert sorted(o.kind for o in cat.offers) == kinds  # the sample's truth is by kind
            assert {r.offer for r in policy.rules} <= {o.id for o in cat.offers}
    assert builtin_offers("card", None)[0] == DEFAULT_CARD_CATALOGUE  # not known yet: CNY
    assert builtin_offers("card", "USD")[0].get("fee_waiver").unit_cost == 95.0
    assert DEFAULT_CARD_CATALOGUE.get("fee_waiver").unit_cost == 300.0


def test_a_project_currency_without_a_built_in_catalogue_is_told_what_to_set(
    cstore: Store,
) -> None:
    with cstore.session() as s, pytest.raises(CurrencyMismatchError) as e:
        create_campaign(s, _campaign("yen", "card"), ME, project="JPY")
    assert str(e.value).startswith(
        "offers: the built-in card catalogue comes in CNY, USD, EUR, GBP, HKD, not in JPY "
        "(this project's currency): give the campaign its own offers catalogue in JPY"
    )
    with cstore.session() as s:  # its own catalogue in JPY is fine
        c, _ = create_campaign(
            s, _campaign("yen", {"currency": "JPY", "offers": OFFERS}), ME, project="JPY"
        )
        assert c.currency == "JPY"


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
