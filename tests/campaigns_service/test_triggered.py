"""Triggered campaigns on the service: who enters, the cool-down held by the store, re-runs
that enter nobody twice, re-entry after the cool-down with the same arm and a new key."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view, run_frames
from svc_fixtures import make_store

from loyalloop.errors import ConflictError
from loyalloop.services import Actor, Store
from loyalloop.services import campaign_triggers as ct
from loyalloop.services.campaign_triggers import TriggerInputs, evaluate_triggered
from loyalloop.services.campaigns import create_campaign, launch_campaign
from loyalloop.store.models import CampaignAssignment, CampaignEntry, OutboxMessage

ME = Actor("ana@example.com", "analyst", 1)
NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


def lapse_campaign(name: str = "lapse-test", cooldown: int = 60) -> dict[str, Any]:
    raw = copy.deepcopy(CAMPAIGN)
    raw.pop("audience")
    return {
        **raw,
        "name": name,
        "cooldown_days": cooldown,
        "trigger": {"kind": "lapse", "gap_multiple": 3, "min_days": 30},
    }


@pytest.fixture
def tstore(tmp_path: Path, store_url: str) -> Any:
    s = make_store(
        tmp_path,
        store_url,
        campaign_frequency_cap_days=0,
        quiet_hours_start=dt_time(0, 0),
        quiet_hours_end=dt_time(0, 0),
    )
    yield s
    s.close()


def _expected_lapsed() -> set[str]:
    """The lapse rule and eligibility computed in pandas from the seeded run outputs."""
    f = run_frames()
    p, r = f["profiles"], f["rfm"]
    gap = (r["recency"] / r["frequency"]).where(r["frequency"] > 0)
    lapsed = (r["days_since_last"] > 3 * gap) & (r["days_since_last"] >= 30)
    ids = set(r.loc[lapsed.fillna(False), "customer_id"])
    ok = p["consent_email"].fillna(False).astype(bool) & p["email"].notna()
    return ids & set(p.loc[ok, "profile_id"])


def _rows(store: Store, model: Any, *cols: Any) -> list[tuple[Any, ...]]:
    with store.session() as session:
        return [tuple(r) for r in session.execute(sa.select(*cols))]


def test_lapse_trigger_enters_the_lapsed_once_per_cooldown(tstore: Store) -> None:
    con = ibis.duckdb.connect()
    view = make_view(con)
    with tstore.session() as session:
        create_campaign(session, lapse_campaign(), ME, now=NOW)
    first = launch_campaign(tstore, "lapse-test", view, AS_OF, ME, now=NOW)
    expected = _expected_lapsed()
    assert len(expected) > 30
    entries = _rows(tstore, CampaignEntry, CampaignEntry.customer_id, CampaignEntry.entry,
                    CampaignEntry.arm, CampaignEntry.trigger)  # fmt: skip
    # everyone eligible entered (global control and holdout too); nobody else did
    assert {e[0] for e in entries} == expected
    assert {e[1] for e in entries} == {1} and {e[3] for e in entries} == {"lapse"}
    assigned = dict(_rows(tstore, CampaignAssignment, CampaignAssignment.customer_id,
                          CampaignAssignment.arm))  # fmt: skip
    assert assigned == {e[0]: e[2] for e in entries}
    treated = {c for c, a in assigned.items() if a not in ("holdout", "global_control")}
    keys = dict(_rows(tstore, OutboxMessage, OutboxMessage.customer_id,
                      OutboxMessage.idempotency_key))  # fmt: skip
    assert set(keys) == treated and treated
    assert first.counts["triggered"] >= len(expected)  # the trigger fires before consent
    assert first.counts["cooldown"] == 0
    assert first.counts["assigned"] == len(expected)

    # the same evaluation again (a re-run on the same run): nobody enters twice
    again = launch_campaign(tstore, "lapse-test", view, AS_OF, ME, now=NOW + timedelta(hours=3))
    assert again.counts["assigned"] == 0 and again.queued == 0
    # those who entered are within the cool-down; those without consent never entered
    assert again.counts["cooldown"] == len(expected)
    assert again.counts["no_consent"] == first.counts["no_consent"] > 0
    assert len(_rows(tstore, CampaignEntry, CampaignEntry.id)) == len(entries)

    # after the cool-down they enter again: same arm (deterministic), a new message key,
    # still one assignment per customer (the warehouse contract's key)
    later = NOW + timedelta(days=61)
    third = launch_campaign(tstore, "lapse-test", view, AS_OF, ME, now=later)
    assert third.counts["assigned"] == len(expected)
    assert third.counts["re_entered"] == len(expected)
    rows = _rows(tstore, CampaignEntry, CampaignEntry.customer_id, CampaignEntry.entry,
                 CampaignEntry.arm)  # fmt: skip
    assert Counter(e[1] for e in rows) == {1: len(expected), 2: len(expected)}
    arms = {}
    for cid, _n, arm in rows:
        assert arms.setdefault(cid, arm) == arm
    assert len(_rows(tstore, CampaignAssignment, CampaignAssignment.id)) == len(expected)
    # each assignment logs its arm's design chance, as a launch does (holdout 0.2, each arm
    # half of the rest, the global control its default share)
    logged = _rows(
        tstore, CampaignAssignment, CampaignAssignment.arm, CampaignAssignment.propensity
    )
    want = {"holdout": 0.2, "offer": 0.4, "message": 0.4, "global_control": 0.05}
    assert logged and all(p == pytest.approx(want[arm]) for arm, p in logged)
    msgs = _rows(tstore, OutboxMessage, OutboxMessage.customer_id, OutboxMessage.idempotency_key)
    assert len(msgs) == 2 * len(treated)
    assert len({k for _c, k in msgs}) == len(msgs)
    con.disconnect()


def test_the_store_refuses_a_second_entry_in_a_race(
    tstore: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two evaluations that both read "no entry yet" both try entry 1: the unique entry number
    makes the second fail whole (nothing of it is written)."""
    con = ibis.duckdb.connect()
    view = make_view(con)
    with tstore.session() as session:
        create_campaign(session, lapse_campaign(), ME, now=NOW)
    launch_campaign(tstore, "lapse-test", view, AS_OF, ME, now=NOW)
    before = (
        len(_rows(tstore, CampaignEntry, CampaignEntry.id)),
        len(_rows(tstore, OutboxMessage, OutboxMessage.id)),
    )
    empty = ct._last_entries

    def stale(session: Any, campaign_pk: int, zone: str) -> pd.DataFrame:
        return empty(session, -1, zone)  # what a concurrent evaluation read before the first wrote

    monkeypatch.setattr(ct, "_last_entries", stale)
    with pytest.raises(ConflictError, match="another evaluation"):
        launch_campaign(tstore, "lapse-test", view, AS_OF, ME, now=NOW + timedelta(minutes=1))
    after = (
        len(_rows(tstore, CampaignEntry, CampaignEntry.id)),
        len(_rows(tstore, OutboxMessage, OutboxMessage.id)),
    )
    assert after == before
    con.disconnect()


def test_detractor_trigger_on_answers_as_they_arrive(tstore: Store) -> None:
    con = ibis.duckdb.connect()
    view = make_view(con)
    raw = copy.deepcopy(CAMPAIGN)
    raw.pop("audience")
    spec = {**raw, "name": "detractor-test", "trigger": {"kind": "detractor", "within_days": 2}}
    with tstore.session() as session:
        create_campaign(session, spec, ME)
    day = NOW.date()
    answers = pd.DataFrame(
        {
            "customer_id": ["P0001", "P0002", "P0003", "P0004"],
            "timestamp": pd.to_datetime(
                [f"{day} 09:00"] * 3 + [f"{day - timedelta(days=5)} 09:00"]
            ),
            "score_type": ["nps", "nps", "csat", "nps"],
            "score": [3.0, 9.0, 1.0, 2.0],
        }
    )
    fb = ibis.memtable(answers)
    inputs = TriggerInputs(view=view, as_of=AS_OF, feedback=fb, trigger_as_of=day)
    r = evaluate_triggered(tstore, "detractor-test", inputs, ME, now=NOW)
    # only the NPS detractor of the last two days (P0002 promoter, P0003 CSAT, P0004 too old)
    entered = {e[0] for e in _rows(tstore, CampaignEntry, CampaignEntry.customer_id)}
    assert r.counts["triggered"] == 1
    f = run_frames()["profiles"].set_index("profile_id")
    eligible = bool(f.at["P0001", "consent_email"]) and f.at["P0001", "email"] is not None
    assert entered == ({"P0001"} if eligible else set())
    details = _rows(tstore, CampaignEntry, CampaignEntry.detail)
    assert all(d[0] == "NPS answer 3" for d in details)
    con.disconnect()
