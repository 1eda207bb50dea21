"""Triggers with cool-down, co-purchase recommendations and outcome attribution on small known tables."""

from __future__ import annotations

from datetime import date, datetime

import ibis
import pandas as pd
import pytest

from loyalloop.campaigns import (
    apply_cooldown,
    attribute_outcomes,
    category_similarity,
    evaluate_trigger,
    parse_trigger,
    recommend_categories,
)
from loyalloop.errors import ConfigError, SpecError

AS_OF = date(2026, 6, 30)


def _view() -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C", "D", "E"],
                "days_since_last": [100, 40, 10, 200, 35],
                "usual_gap_days": [20.0, 30.0, 1.0, None, 5.0],
                "probability_alive": [0.9, 0.2, 0.95, 0.1, None],
                "churn_probability": [0.7, 0.4, 0.6, 0.9, 0.55],
                "birth_date": pd.to_datetime(
                    ["1990-07-02", "1985-06-30", "1992-02-29", None, "1970-07-08"]
                ).date,
            }
        )
    )


def _fired(spec: dict, **kw: object) -> dict[str, str]:
    t = evaluate_trigger(parse_trigger(spec), AS_OF, **kw).execute()
    return dict(zip(t.customer_id, t.detail, strict=True))


def test_lapse_by_own_gap_and_by_p_alive() -> None:
    v = _view()
    # own gap: A 100 > 3*20, C 10 > 3*1 but below min_days 30, E 35 > 15 and >= 30
    assert set(_fired({"kind": "lapse", "gap_multiple": 3}, view=v)) == {"A", "E"}
    assert set(_fired({"kind": "lapse", "probability_alive_below": 0.3}, view=v)) == {"B", "D"}
    both = _fired({"kind": "lapse", "probability_alive_below": 0.3, "gap_multiple": 3}, view=v)
    assert set(both) == {"A", "B", "D", "E"}
    assert both["A"] == "no purchase for 100 days (usual gap 20 days); P(alive) 0.9"


def test_churn_risk_crossing_needs_the_previous_score_below() -> None:
    v = _view()
    prev = ibis.memtable({"customer_id": ["A", "B", "D"], "churn_probability": [0.8, 0.1, 0.3]})
    # A was already above 0.5; C and E have no previous score; D crossed
    assert set(_fired({"kind": "churn_risk", "threshold": 0.5}, view=v, previous_view=prev)) == {
        "C",
        "D",
        "E",
    }
    assert set(_fired({"kind": "churn_risk", "threshold": 0.5}, view=v)) == {"A", "C", "D", "E"}


def test_birthday_window_and_29_february() -> None:
    v = _view()
    assert set(_fired({"kind": "birthday", "days_ahead": 7}, view=v)) == {"A", "B"}
    assert set(_fired({"kind": "birthday", "days_ahead": 8}, view=v)) == {"A", "B", "E"}
    feb = evaluate_trigger(
        parse_trigger({"kind": "birthday", "days_ahead": 0}), date(2027, 2, 28), view=v
    )
    assert feb.execute().customer_id.tolist() == ["C"]


def test_detractor_and_cancellation_from_events_with_profile_ids() -> None:
    fb = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["a1", "b1", "c1", "a1"],
                "timestamp": pd.to_datetime(
                    ["2026-06-28 10:00", "2026-06-29 00:00", "2026-06-01 00:00", "2026-06-30 08:00"]
                ),
                "score_type": ["nps", "nps", "nps", "nps"],
                "score": [3.0, 9.0, 2.0, 5.0],
            }
        )
    )
    pm = ibis.memtable({"customer_id": ["a1", "b1", "c1"], "profile_id": ["A", "B", "C"]})
    got = _fired({"kind": "detractor", "within_days": 7}, feedback=fb, profile_map=pm)
    assert got == {"A": "NPS answer 5"}  # the latest answer; C's is too old, B is a promoter
    it = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["b1", "c1"],
                "timestamp": pd.to_datetime(["2026-06-29", "2026-06-30"]),
                "channel": ["call", "chat"],
                "kind": ["cancel_request", "opened"],
                "campaign_id": [None, None],
            }
        )
    )
    assert set(_fired({"kind": "cancellation"}, interactions=it, profile_map=pm)) == {"B"}
    with pytest.raises(ConfigError, match="needs the feedback table"):
        evaluate_trigger(parse_trigger({"kind": "detractor"}), AS_OF)


def test_cooldown_lets_a_customer_in_once_per_period() -> None:
    t = evaluate_trigger(
        parse_trigger({"kind": "churn_risk", "threshold": 0.5}), AS_OF, view=_view()
    )
    assigned = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "C", "D"],
                "campaign_id": ["retain", "retain", "other"],
                "arm": ["x", "x", "x"],
                "assigned_at": pd.to_datetime(["2026-06-01", "2026-01-01", "2026-06-20"]),
            }
        )
    )
    now = datetime(2026, 7, 1)
    left = apply_cooldown(t, assigned, "retain", 90, now).execute()
    # A entered 30 days ago (inside the cool-down); C 181 days ago may re-enter; D was in another campaign
    assert set(left.customer_id) == {"C", "D", "E"}


def test_trigger_spec_errors() -> None:
    with pytest.raises(SpecError) as info:
        parse_trigger({"kind": "lapsed"})
    assert info.value.path == "kind"
    with pytest.raises(SpecError) as info:
        parse_trigger({"kind": "churn_risk", "threshold": 1.5})
    assert info.value.path == "threshold"


def _tx() -> ibis.Table:
    rows = []
    baskets = {
        "u1": ["dining", "travel"],
        "u2": ["dining", "travel"],
        "u3": ["dining", "travel", "fuel"],
        "u4": ["dining"],
        "u5": ["fuel", "groceries"],
        "u6": ["fuel", "groceries"],
        "u7": ["groceries"],
    }
    for c, cats in baskets.items():
        for cat in cats:
            rows.append(
                {
                    "customer_id": c,
                    "timestamp": pd.Timestamp("2026-05-01"),
                    "amount": 10.0,
                    "category": cat,
                }
            )
    rows.append(
        {
            "customer_id": "u4",
            "timestamp": pd.Timestamp("2024-01-01"),
            "amount": 10.0,
            "category": "fuel",
        }
    )
    return ibis.memtable(pd.DataFrame(rows))


def test_item_item_similarity_and_recommendations() -> None:
    sim = category_similarity(_tx(), AS_OF, min_support=1).execute()
    s = {(r.category, r.other): r.similarity for r in sim.itertuples()}
    # dining: u1-u4 (4), travel: u1-u3 (3), both: 3 -> 3 / sqrt(12)
    assert s[("dining", "travel")] == pytest.approx(3 / 12**0.5)
    assert s[("fuel", "groceries")] == pytest.approx(2 / (3 * 3) ** 0.5)
    assert ("dining", "groceries") not in s
    rec = recommend_categories(_tx(), AS_OF, k=2, min_support=1).execute()
    u4 = rec[rec.customer_id == "u4"].sort_values("rank")
    # u4 bought only dining (its fuel purchase is outside the look-back): travel first, then fuel
    assert u4.category.tolist() == ["travel", "fuel"]
    u7 = rec[rec.customer_id == "u7"].sort_values("rank")
    assert u7.category.tolist()[0] == "fuel"
    assert not ((rec.customer_id == "u1") & (rec.category == "dining")).any()  # never what they own


def test_outcomes_attributed_to_every_arm_within_the_window() -> None:
    assignments = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C"],
                "campaign_id": ["K", "K", "K"],
                "arm": ["offer", "holdout", "global_control"],
                "assigned_at": pd.to_datetime(["2026-07-01"] * 3),
            }
        )
    )
    campaigns = ibis.memtable(
        pd.DataFrame(
            {
                "campaign_id": ["K"],
                "name": ["k"],
                "channel": ["sms"],
                "start_at": pd.to_datetime(["2026-07-01"]),
                "end_at": pd.to_datetime(["2026-07-31"]),
            }
        )
    )
    tx = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["a1", "a1", "b1", "b1", "c1", "c1", "a1"],
                "timestamp": pd.to_datetime(
                    [
                        "2026-06-20",
                        "2026-07-05",
                        "2026-07-10",
                        "2026-07-12",
                        "2026-03-01",
                        "2026-07-30",
                        "2026-08-02",
                    ]
                ),
                "amount": [50.0, 80.0, 20.0, 30.0, 5.0, 99.0, 70.0],
                "kind": "purchase",
            }
        )
    )
    it = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["a1", "a1", "b1"],
                "timestamp": pd.to_datetime(["2026-07-02", "2026-07-03", "2026-07-02"]),
                "channel": "sms",
                "kind": ["clicked", "redeemed", "clicked"],
                "campaign_id": ["K", "K", "OTHER"],
            }
        )
    )
    fb = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["b1"],
                "timestamp": pd.to_datetime(["2026-07-15"]),
                "channel": ["survey"],
                "score": [9.0],
            }
        )
    )
    pm = ibis.memtable({"customer_id": ["a1", "b1", "c1"], "profile_id": ["A", "B", "C"]})
    out = attribute_outcomes(
        assignments,
        campaigns,
        transactions=tx,
        feedback=fb,
        interactions=it,
        profile_map=pm,
        lapse_days=90,
    )
    df = out.execute().sort_values(["customer_id", "timestamp", "kind"]).reset_index(drop=True)
    got = {
        (
            r.customer_id,
            r.kind,
            r.timestamp.date().isoformat(),
            None if pd.isna(r.value) else r.value,
        )
        for r in df.itertuples()
    }
    assert got == {
        ("A", "clicked", "2026-07-02", None),
        ("A", "redeemed", "2026-07-03", None),
        ("A", "purchase", "2026-07-05", 80.0),  # A bought on 20 June: not a reactivation
        ("B", "purchase", "2026-07-10", 20.0),
        ("B", "reactivated", "2026-07-10", 20.0),  # the holdout counts too
        ("B", "purchase", "2026-07-12", 30.0),
        ("B", "survey_answer", "2026-07-15", 9.0),
        ("C", "purchase", "2026-07-30", 99.0),
        ("C", "reactivated", "2026-07-30", 99.0),
    }
    assert list(df.columns) == ["customer_id", "campaign_id", "timestamp", "kind", "value"]
