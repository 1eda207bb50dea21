"""Compensation carries the project's currency (SQLite and PostgreSQL): a USD project grants,
stores, counts and shows USD; a policy in another currency than the project's, or grants in
another currency, are refused with a clear error before anything is written; the case page
shows the project's currency and the refusal. The project's currency is the latest run's."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from apikit import build
from sqlalchemy.orm import Session
from test_cases_store import ADMIN, BO, NOW, nps, teams

from loyalloop.cases import CompensationDecision
from loyalloop.errors import CurrencyMismatchError
from loyalloop.services import Actor, Store
from loyalloop.services.cases import (
    CaseView,
    apply_signals,
    get_case,
    grant_compensation,
    install_rules,
    project_currency,
    set_team,
)
from loyalloop.store.models import CaseEventRow, CompensationGrant


def _default_text(**replace: str) -> str:
    from importlib.resources import files

    text = (files("loyalloop.cases") / "data" / "default_cases.yaml").read_text("utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _grant(
    s: Session, case_id: int, amount: str, currency: str | None
) -> tuple[CompensationDecision, CaseView]:
    return grant_compensation(s, case_id, kind="fee_waiver", amount=Decimal(amount),
                              expected_version=None, actor=BO, now=NOW, currency=currency)  # fmt: skip


def _written(store: Store) -> tuple[list[tuple[str, str]], list[str | None]]:
    with store.session() as s:
        grants = [(str(a), c) for a, c in s.execute(
            sa.select(CompensationGrant.amount, CompensationGrant.currency))]  # fmt: skip
        events = list(s.scalars(
            sa.select(CaseEventRow.currency).where(CaseEventRow.kind == "compensation")))  # fmt: skip
    return grants, events


def test_a_usd_project_grants_counts_and_stores_usd(store: Store) -> None:
    teams(store)
    with store.session() as s:
        ids = apply_signals(s, [nps(f"r{i}", f"C{i}", 2, "投诉") for i in range(2)], now=NOW).opened
        d, _ = _grant(s, ids[0], "200", "USD")
        assert d.approved and d.currency == "USD"
        assert "USD" in d.message and "CNY" not in d.message
        refused, _ = _grant(s, ids[0], "400", "USD")
        assert refused.reason is not None and refused.reason.value == "over_case_limit"
        assert refused.message.endswith("the limit per case is 500 USD")
        event = [e for e in get_case(s, ids[0]).case.events if e.amount is not None]
        assert [(e.amount, e.currency) for e in event] == [(Decimal("200"), "USD")]
    assert _written(store) == ([("200.00", "USD")], ["USD"])


def test_a_policy_in_another_currency_is_refused_and_nothing_is_written(store: Store) -> None:
    teams(store)
    cny = _default_text(**{"version: 1": "version: 2", "  # currency: CNY": "  currency: CNY"})
    with store.session() as s:
        install_rules(s, cny, ADMIN)
        ids = apply_signals(s, [nps("r1", "C1", 2, "投诉")], now=NOW).opened
        version = get_case(s, ids[0]).version
        with pytest.raises(CurrencyMismatchError, match=re.escape(
                "in CNY but this project's amounts are in USD: set compensation.currency to USD"
        )):  # fmt: skip
            _grant(s, ids[0], "100", "USD")
        assert get_case(s, ids[0]).version == version
        # the same policy in a CNY project grants; no currency known at all is refused
        d, _ = _grant(s, ids[0], "100", "CNY")
        assert d.approved and d.currency == "CNY"
        d2, _ = _grant(s, ids[0], "50", None)  # the policy names CNY
        assert d2.approved
    assert _written(store) == ([("100.00", "CNY"), ("50.00", "CNY")], ["CNY", "CNY"])


def test_grants_in_another_currency_are_never_added_to_the_budget(store: Store) -> None:
    """A project whose currency changed (CNY grants, now USD amounts): the next grant on the
    same team is refused, naming the other currency's total, instead of adding CNY to USD."""
    teams(store)
    with store.session() as s:
        ids = apply_signals(s, [nps(f"r{i}", f"C{i}", 2, "投诉") for i in range(2)], now=NOW).opened
        assert _grant(s, ids[0], "250", "CNY")[0].approved
        with pytest.raises(CurrencyMismatchError, match=r"another currency \(250.00 CNY\)"):
            _grant(s, ids[1], "10", "USD")
        with pytest.raises(CurrencyMismatchError, match="currency of compensation is not known"):
            _grant(s, ids[1], "10", None)
    assert _written(store) == ([("250.00", "CNY")], ["CNY"])


def test_project_currency_is_the_latest_runs(store: Store) -> None:
    from dataclasses import replace

    from loyalloop.core.results import KpiSummary, RunManifest
    from loyalloop.core.runs import RunStore

    assert project_currency(store.analytics) is None  # no run yet
    runs = RunStore(store.analytics.runs_dir)
    base = RunManifest(
        created_at=dt.datetime(2026, 6, 30, tzinfo=dt.UTC), as_of=dt.date(2026, 6, 30),
        version="test", timezone="UTC", config={}, inputs={}, quarantined={},
        stage_seconds={}, seconds=0.0)  # fmt: skip
    kpis = KpiSummary(3, 2, 1, 0.5, 12.5, 25.0, 5.0, 0.2, 2, dt.date(2026, 6, 30), 90, "CNY",
                      {"CNY": 4})  # fmt: skip
    for currency in ("CNY", "USD"):
        with runs.writer() as w:
            runs.publish(w, replace(base, kpis=replace(kpis, currency=currency)))
    assert project_currency(store.analytics) == "USD"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_case_page_shows_the_projects_currency_and_the_refusal(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import loyalloop.api.routes.cases as case_routes

    world = build(store, customers=1)
    with store.session() as s:
        set_team(s, "complaints", actor=Actor.cli(), manager_email="m@bank.example",
                 agents=["agent@bank.example"])  # fmt: skip
        cid = apply_signals(s, [nps("r1", "C1", 2, "投诉")], now=NOW).opened[0]
    monkeypatch.setattr(case_routes, "project_currency", lambda _analytics: "USD")
    agent = world.client("agent")
    page = agent.get(f"/cases/{cid}").text
    assert "(USD)<input" in page and "CNY" not in page
    v = int(re.search(r'name="version" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    r = agent.post(f"/cases/{cid}/compensation", data={
        "version": v, "kind": "fee_waiver", "amount": "120"}, follow_redirects=True)  # fmt: skip
    assert r.status_code == 200 and "120.00 USD" in r.text
    events = agent.get(f"/api/v1/cases/{cid}").json()["events"]
    assert [(e["amount"], e["currency"]) for e in events if e["amount"]] == [("120.00", "USD")]
    # the case configuration says CNY: the form is replaced by the reason, a post is refused
    with store.session() as s:
        install_rules(s, _default_text(**{"version: 1": "version: 2",
                                          "  # currency: CNY": "  currency: CNY"}), ADMIN)  # fmt: skip
    page = agent.get(f"/cases/{cid}").text
    assert 'data-testid="compensation-currency"' in page
    assert "budgets and caps are in CNY but this project&#39;s amounts are in USD" in page
    assert f'action="/cases/{cid}/compensation"' not in page
    v = int(re.search(r'name="version" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    r = agent.post(f"/cases/{cid}/compensation", data={
        "version": v, "kind": "fee_waiver", "amount": "10"})  # fmt: skip
    assert r.status_code == 422 and "Set compensation.currency to USD" in r.text
    agent.cookies.set("ll_lang", "zh")
    zh = agent.get(f"/cases/{cid}").text
    assert "预算和上限以 CNY 计，而本项目的金额以 USD 计" in zh
    assert _written(store) == ([("120.00", "USD")], ["USD"])
