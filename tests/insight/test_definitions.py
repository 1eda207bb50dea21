"""One definition per word: status rules worked out by hand, day counting, the glossary."""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.insight import (
    CURRENT_STATUSES,
    GONE_STATUSES,
    STATUSES,
    StatusRules,
    calendar_days,
    customer_status,
    glossary,
    rfm_summary,
    status_label,
)


def statuses(rows: dict[str, list[object]], rules: StatusRules | None = None) -> dict[str, str]:
    t = ibis.memtable(pd.DataFrame(rows))
    out = ibis.duckdb.connect().execute(t.select("customer_id", s=customer_status(t, rules)))
    return dict(zip(out["customer_id"], out["s"], strict=True))


BASE = {
    # recency/tenure in fractional days before the cutoff (the midnight after the as-of day)
    "customer_id": [
        "lost",
        "closed",
        "lapsed",
        "quiet",
        "slow",
        "new",
        "won",
        "late",
        "drop",
        "rhythm",
    ],
    "recency_days": [366.5, 10.5, 181.5, 100.5, 100.5, 5.5, 10.5, 60.5, 20.5, 100.5],
    "tenure_days": [900.0, 400.0, 500.0, 400.0, 800.0, 30.0, 700.0, 400.0, 400.0, 700.0],
    "recency_ratio": [10.0, 0.5, 8.0, 5.0, 1.5, np.nan, 0.1, 3.0, 1.0, 0.8],
    "usual_gap_days": [36.6, 21.0, 22.7, 20.1, 67.0, np.nan, 105.0, 20.2, 20.5, 125.6],
    "spend_change_90d": [np.nan, 0.0, -1.0, -1.0, -0.2, np.nan, 1.0, 0.0, -0.6, -1.0],
    "gap_before_last_days": [30.0, 20.0, 20.0, 20.0, 60.0, np.nan, 250.0, 20.0, 20.0, 130.0],
}


def test_each_status_by_its_rule():
    acc = {**BASE, "open_accounts": [0, 0, 1, 1, 1, 1, 1, 1, 1, 1], "accounts_ever": [1] * 10}
    assert statuses(acc) == {
        "lost": "lost",  # 366 whole days > 365 (checked before closed)
        "closed": "closed",  # every account closed, though they bought 10 days ago
        "lapsed": "lapsed",  # 181 > 180 days
        "quiet": "lapsed",  # 100 > 90 days and 5× their usual gap
        "slow": "active",  # 100 days, but only 1.5× their usual gap: within their rhythm
        "new": "new",
        "won": "won_back",
        "late": "at_risk",  # 3× their usual gap
        "drop": "at_risk",  # spend down 60 %
        # No purchase this quarter, but they buy every 4 months: their rhythm, not a fall.
        "rhythm": "active",
    }
    # Without account columns (a shop) nobody is "closed"; "slow" is kept by its rhythm.
    plain = statuses(BASE)
    assert plain["closed"] == "active" and plain["slow"] == "active"
    # A customer who never held an account is not "closed" for having none open.
    none_held = {**BASE, "open_accounts": [0] * 10, "accounts_ever": [0] * 10}
    assert "closed" not in statuses(none_held).values()


def test_overdue_needs_the_floor_and_two_gaps():
    rows = {
        "customer_id": ["daily", "month", "twice"],
        "recency_days": [12.5, 31.5, 40.5],  # 12, 31 and 40 whole days
        "tenure_days": [700.0, 700.0, 300.0],
        "recency_ratio": [6.0, 15.0, 4.0],
        "usual_gap_days": [2.0, 2.0, 10.0],
        "spend_change_90d": [0.0, 0.0, 0.0],
        "gap_before_last_days": [2.0, 2.0, 10.0],
        "n_purchases_total": [300, 300, 2],
    }
    # a daily buyer quiet 12 days is not at risk; 31 days is; one gap is no rhythm
    assert statuses(rows) == {"daily": "active", "month": "at_risk", "twice": "active"}
    assert statuses(rows, StatusRules(at_risk_min_days=10))["daily"] == "at_risk"


def test_lapsed_on_the_ratio_needs_two_gaps_like_overdue():
    """Bought twice 10 days apart, then quiet 91 days: 9× a single gap, but one gap is no
    rhythm, so they are judged like a one-time buyer quiet as long (at risk on the fall in
    spend); with three purchases the same silence is lapsed."""
    rows = {
        "customer_id": ["twice", "thrice", "once"],
        "recency_days": [91.5, 91.5, 91.5],  # 91 whole days
        "tenure_days": [101.5, 111.5, 91.5],
        "recency_ratio": [9.15, 4.575, np.nan],
        "usual_gap_days": [10.0, 10.0, np.nan],
        "spend_change_90d": [-1.0, -1.0, -1.0],
        "gap_before_last_days": [10.0, 10.0, np.nan],
        "n_purchases_total": [2, 3, 1],
    }
    assert statuses(rows) == {"twice": "at_risk", "thrice": "lapsed", "once": "at_risk"}
    # past lapsed_days the absolute rule holds whatever the number of purchases
    later = {**rows, "recency_days": [181.5] * 3, "tenure_days": [191.5, 201.5, 181.5]}
    assert set(statuses(later).values()) == {"lapsed"}


def test_days_are_whole_calendar_days_like_the_rfm_summary():
    """A purchase 180 calendar days before the as-of day is not lapsed (more than 180 is);
    the RFM summary counts the same days, whatever the time of the purchase."""
    as_of = date(2024, 6, 30)
    times = ["2024-01-02 00:00", "2024-01-02 23:59", "2024-01-01 08:00"]  # 180, 180, 181 days
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": pd.to_datetime(times).astype("datetime64[us]"),
            "amount": 10.0,
        }
    )
    rfm = rfm_summary(ibis.memtable(tx), observation_end=as_of).execute()
    rfm_days = dict(zip(rfm["customer_id"], rfm["days_since_last"], strict=True))
    cutoff = pd.Timestamp("2024-07-01")
    before = ((cutoff - tx["timestamp"]).dt.total_seconds() / 86400).to_numpy()
    assert calendar_days(before).tolist() == [rfm_days[c] for c in "abc"] == [180, 180, 181]
    rows = {
        "customer_id": list("abc"),
        "recency_days": before,
        "tenure_days": before,
        "recency_ratio": [np.nan] * 3,
        "usual_gap_days": [np.nan] * 3,
        "spend_change_90d": [-1.0] * 3,  # one purchase, in the 90 days before the last 90
        "gap_before_last_days": [np.nan] * 3,
    }
    assert statuses(rows) == {"a": "at_risk", "b": "at_risk", "c": "lapsed"}


def test_calendar_days_and_rules_validation():
    assert calendar_days([0.0, 0.01, 1.0, 1.5, np.nan])[:4].tolist() == [0, 0, 0, 1]
    assert np.isnan(calendar_days([np.nan])[0])
    with pytest.raises(ConfigError, match="lapsed_days < lost_days"):
        StatusRules(lapsed_days=400)
    with pytest.raises(ConfigError, match="lapsed_ratio must be larger"):
        StatusRules(lapsed_ratio=1.5)
    with pytest.raises(ConfigError, match="high_risk_probability"):
        StatusRules(high_risk_probability=1.0)
    with pytest.raises(DataValidationError, match="recency_ratio"):
        customer_status(ibis.memtable(pd.DataFrame({"customer_id": ["a"], "recency_days": [1]})))


def test_statuses_partition_into_current_and_gone():
    assert set(CURRENT_STATUSES) | set(GONE_STATUSES) == set(STATUSES)
    assert not set(CURRENT_STATUSES) & set(GONE_STATUSES)


def test_glossary_one_name_per_word_with_thresholds_in_force():
    entries = glossary()
    for lang in ("en", "zh"):
        names = [e.name(lang) for e in entries]
        assert len(names) == len(set(names)), names
    for s in STATUSES:
        assert any(e.key == s for e in entries), s
    lapsed = glossary(StatusRules(lapsed_days=120), keys=["lapsed"])[0]
    assert "120 days" in lapsed.definition_en and "120 天" in lapsed.definition_zh
    assert "90 days" in glossary(keys=["churn"])[0].definition_en
    assert "60 days" in glossary(horizon_days=60, keys=["churn"])[0].definition_en
    assert status_label("at_risk", "zh") == "有流失风险" and status_label("x", "en") == "x"
    with pytest.raises(ConfigError, match="no glossary entry for: nope"):
        glossary(keys=["nope"])
