"""Early-warning and win-back lists: who is on which, ranked by value, reasons that agree."""

from __future__ import annotations

import re

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import FeatureConfig, build_features
from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.insight import CURRENT_STATUSES, GONE_STATUSES, StatusRules
from loyalloop.loyalty import lifecycle_stages
from loyalloop.loyalty.priorities import (
    EARLY_WARNING_COLUMNS,
    WINBACK_COLUMNS,
    early_warning_list,
    estimate_return_rates,
    winback_list,
)

sample = pytest.importorskip("loyalloop.sample")


@pytest.fixture(scope="module")
def card_customers() -> pd.DataFrame:
    """The bundled card sample's customers as of its last day, with their statuses, a churn
    probability and a CLV (stand-ins: the lists take them as given)."""
    data = sample.generate(customers=1500, seed=1)
    con = ibis.duckdb.connect()
    t = {n: con.create_table(n, data.tables[n]) for n in ("transactions", "accounts", "feedback")}
    last = pd.Timestamp(data.tables["transactions"]["timestamp"].max()).normalize()
    cutoff = last + pd.Timedelta(days=1)
    feats = build_features(
        t["transactions"],
        cutoff,
        accounts=t["accounts"],
        feedback=t["feedback"],
        config=FeatureConfig(active_within_days=None),
    )
    stages = lifecycle_stages(feats)
    f = con.execute(feats.join(stages, "customer_id"))
    rng = np.random.default_rng(0)
    f["churn_probability"] = np.clip(
        f["recency_ratio"].fillna(1.0) / 6 + rng.random(len(f)) / 5, 0, 1
    )
    f["clv"] = f["spend_365d"] * rng.uniform(0.5, 1.5, len(f))
    return f.sort_values("customer_id").reset_index(drop=True)


def test_early_warning_never_lists_a_customer_without_an_open_account(card_customers):
    f = card_customers
    no_open = f.loc[(f["accounts_ever"] > 0) & (f["open_accounts"] == 0), "customer_id"]
    assert len(no_open) > 50  # the sample has them: card holders who closed every card
    ew = early_warning_list(f)
    assert not ew.table["customer_id"].isin(no_open).any()
    # Even when the statuses were computed without the account columns.
    blind = f.assign(stage=np.where(f["stage"] == "closed", "at_risk", f["stage"]))
    assert not early_warning_list(blind).table["customer_id"].isin(no_open).any()


def test_the_two_lists_partition_every_customer(card_customers):
    f = card_customers
    ew = early_warning_list(f)
    h = f[f["stage"].isin(GONE_STATUSES)].assign(
        returned=lambda d: (d["recency_days"] < 250).astype(int)
    )
    wb = winback_list(f, estimate_return_rates(h, horizon_days=90))
    assert ew.eligible == int(f["stage"].isin(CURRENT_STATUSES).sum())
    assert wb.eligible == int(f["stage"].isin(GONE_STATUSES).sum())
    assert ew.eligible + wb.eligible == len(f)
    assert set(ew.table["stage"]) <= set(CURRENT_STATUSES)
    assert set(wb.table["stage"]) <= set(GONE_STATUSES)
    assert list(ew.table.columns) == list(EARLY_WARNING_COLUMNS)
    assert list(wb.table.columns) == list(WINBACK_COLUMNS)


def test_ranked_by_value_at_stake_with_both_figures(card_customers):
    ew = early_warning_list(card_customers, min_probability=0.3)
    t = ew.table
    assert (t["churn_probability"] >= 0.3).all()
    assert t["value_at_stake"].to_numpy() == pytest.approx(
        (t["churn_probability"] * t["clv"]).to_numpy()
    )
    calls, watches = t[t["action"] == "call"], t[t["action"] == "watch"]
    assert len(calls) > 20 and len(watches) > 20
    assert calls["rank"].max() < watches["rank"].min()  # calls first
    assert calls["value_at_stake"].is_monotonic_decreasing
    assert watches["value_at_stake"].is_monotonic_decreasing
    assert t["rank"].tolist() == list(range(1, len(t) + 1))
    assert ew.value_basis == "clv" and ew.total_value == pytest.approx(t["value_at_stake"].sum())
    assert (t["reasons_en"] != "").all() and (t["reasons_zh"] != "").all()


def test_every_number_in_a_reason_is_the_one_in_its_column(card_customers):
    t = early_warning_list(card_customers, reasons_for=None).table
    pat = re.compile(r"(\d+) days? since the last purchase, ([\d.]+)× their usual gap of (\d+) day")
    checked = 0
    for row in t.itertuples():
        m = pat.search(row.reasons_en)
        if m is None:
            continue
        checked += 1
        assert int(m.group(1)) == row.days_since_last
        assert int(m.group(3)) == row.usual_gap_days
        assert float(m.group(2)) == pytest.approx(
            row.days_since_last / row.usual_gap_days, abs=0.05
        )
        assert f"已 {row.days_since_last} 天" in row.reasons_zh
    assert checked > 20


def test_days_and_the_140_vs_141_case():
    f = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "stage": ["at_risk", "at_risk"],
            "churn_probability": [0.9, 0.8],
            "clv": [100.0, 100.0],
            "recency_days": [140.73, 3.2],  # days before the cutoff (midnight after as-of)
            "recency_ratio": [14.0, 3.2],
            "usual_gap_days": [10.0, 1.0],
            "tenure_days": [900.0, 400.0],
        }
    )
    t = early_warning_list(f).table.set_index("customer_id")
    assert t.loc["a", "days_since_last"] == 140
    assert t.loc["a", "reasons_en"].startswith("140 days since the last purchase, 14.0×")
    # a daily buyer quiet for 3 days is not "overdue": below the floor (at_risk_min_days)
    assert t.loc["b", "reasons_en"].startswith("no single warning sign")
    t = early_warning_list(f, rules=StatusRules(at_risk_min_days=3)).table.set_index("customer_id")
    assert t.loc["b", "reasons_en"].startswith("3 days since the last purchase, 3.0× their usual")
    assert "gap of 1 day" in t.loc["b", "reasons_en"]


def test_overdue_needs_a_pause_of_at_least_the_floor_and_two_gaps():
    f = pd.DataFrame(
        {
            "customer_id": ["daily", "weekly", "twice", "month"],
            "stage": ["at_risk"] * 4,
            "churn_probability": [0.9, 0.8, 0.7, 0.6],
            "clv": [100.0] * 4,
            "recency_days": [19.5, 29.5, 40.5, 30.5],
            "recency_ratio": [9.5, 4.2, 4.0, 15.0],
            "usual_gap_days": [2.0, 7.0, 10.0, 2.0],
            "n_purchases_total": [300, 40, 2, 200],
            "tenure_days": [900.0, 400.0, 80.0, 600.0],
        }
    )
    assert StatusRules().at_risk_min_days == 30
    t = early_warning_list(f).table.set_index("customer_id")
    overdue = t["signal"] == "overdue"
    assert overdue.to_dict() == {"daily": False, "weekly": False, "twice": False, "month": True}
    # two purchases are one gap: no usual gap is shown or used (was "usual gap 10 days")
    assert pd.isna(t.loc["twice", "usual_gap_days"]) and t.loc["daily", "usual_gap_days"] == 2
    assert "their usual gap of 2 days" in t.loc["month", "reasons_en"]
    with pytest.raises(ConfigError):
        StatusRules(at_risk_min_days=120)  # above lapsed_min_days (90)


def test_counts_in_reasons_are_singular_or_plural():
    f = pd.DataFrame(
        {
            "customer_id": ["one", "two"],
            "stage": ["active", "active"],
            "churn_probability": [0.9, 0.8],
            "clv": [100.0, 100.0],
            "recency_days": [5.5, 5.5],
            "complaints_365d": [1, 2],
            "closed_accounts_365d": [1, 3],
            "messages_90d": [1, 4],
            "engaged_90d": [0, 0],
        }
    )
    t = early_warning_list(f).table.set_index("customer_id")
    one, two = t.loc["one", "reasons_en"], t.loc["two", "reasons_en"]
    assert "1 complaint or low score in the last year" in one and "(s)" not in one + two
    assert "2 complaints or low scores in the last year" in two
    assert "closed 1 account in the last year" in one and "closed 3 accounts" in two
    t = early_warning_list(f.assign(complaints_365d=0, closed_accounts_365d=0)).table
    t = t.set_index("customer_id")
    assert t.loc["one", "reasons_en"] == "did not open the one message sent in the last 90 days"
    assert t.loc["two", "reasons_en"] == "did not open any of 4 messages in the last 90 days"
    assert t.loc["one", "reasons_zh"] == "近90天发出的 1 条营销信息未打开"


def test_value_basis_and_bad_input():
    f = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "stage": ["active", "at_risk", "lost"],
            "churn_probability": [0.2, 0.6, 0.99],
            "recency_days": [3.5, 50.5, 400.5],
            "spend_365d": [1000.0, 100.0, 0.0],
        }
    )
    ew = early_warning_list(f)
    assert ew.value_basis == "spend_365d"
    assert ew.table["customer_id"].tolist() == ["a", "b"]  # 200 at stake vs 60
    assert "no single warning sign; 20% churn probability" in ew.table["reasons_en"].iloc[0]
    assert (
        "20% churn probability against 10% on average"
        in (early_warning_list(f, min_probability=0.10).table["reasons_en"].iloc[0])
    )
    with pytest.raises(DataValidationError, match="clv is missing for 1"):
        early_warning_list(f.assign(clv=[1.0, np.nan, 1.0]))
    with pytest.raises(DataValidationError, match="needs clv or spend_365d"):
        early_warning_list(f.drop(columns=["spend_365d"]))
    with pytest.raises(DataValidationError, match="one row per customer"):
        early_warning_list(pd.concat([f, f]))
    with pytest.raises(DataValidationError, match="must be a probability"):
        early_warning_list(f.assign(churn_probability=[0.2, 1.5, 0.1]))
    with pytest.raises(ConfigError, match="min_probability"):
        early_warning_list(f, min_probability=2)


def test_who_is_called_who_is_watched_and_who_is_not_listed():
    """The review's cases: a spend drop on a customer who bought 6 days ago is a reason to
    watch, not to call; no sign at 74 % against a 72 % average is no warning at all."""
    f = pd.DataFrame(
        {
            "customer_id": ["recent_drop", "silent_drop", "marginal", "far_above", "complaint"],
            "stage": ["at_risk", "at_risk", "active", "active", "active"],
            "churn_probability": [0.75, 0.75, 0.74, 0.90, 0.73],
            "clv": [10_000.0, 100.0, 10_000.0, 5_000.0, 50.0],
            "recency_days": [6.5, 40.5, 10.5, 10.5, 6.5],
            "recency_ratio": [0.2, 1.2, 0.5, 0.5, 0.2],
            "usual_gap_days": [30.0, 35.0, 20.0, 20.0, 30.0],
            "n_purchases_total": [20, 20, 20, 20, 20],
            "spend_change_90d": [-0.6, -0.6, 0.0, 0.0, 0.0],
            "complaints_365d": [0, 0, 0, 0, 1],
        }
    )
    t = early_warning_list(f, min_probability=0.72).table
    assert t["customer_id"].tolist() == ["silent_drop", "complaint", "recent_drop", "far_above"]
    assert t["action"].tolist() == ["call", "call", "watch", "watch"]
    assert t["signal"].tolist() == ["spend_falling", "complaint", "spend_falling", "none"]
    assert "against 72% on average" in t["reasons_en"].iloc[-1]  # why a no-sign one is on it
    # odds rule: 74 % is 1.1× the odds of 72 %; 90 % is 3.5× (at least 2× is listed)
    assert "marginal" in set(early_warning_list(f, min_probability=0.5).table["customer_id"])
    # without an average (every current customer) nobody is dropped
    assert len(early_warning_list(f).table) == 5


def test_return_rates_recover_a_known_decline():
    """Customers gone 0–200 days come back with probability 0.5·exp(−days/100)."""
    rng = np.random.default_rng(1)
    n = 20_000
    days = rng.uniform(0, 400, n)
    truth = 0.5 * np.exp(-days / 100)
    h = pd.DataFrame(
        {
            "stage": np.where(days > 180, "lost", "lapsed"),
            "recency_days": days + 0.5,
            "returned": (rng.random(n) < truth).astype(int),
        }
    )
    rates = estimate_return_rates(h, horizon_days=90)
    assert set(rates.curves) == {"*", "lapsed", "lost"}
    for stage, x in (("lapsed", [10.0, 60.0, 150.0]), ("lost", [200.0, 300.0, 390.0])):
        p = rates.probability(pd.Series([stage] * 3), pd.Series(x))
        assert p.to_numpy() == pytest.approx(0.5 * np.exp(-np.array(x) / 100), abs=0.04)
    for _, (_, y) in rates.curves.items():
        assert np.all(np.diff(y) <= 0)
    # A status with too little history reads the pooled curve.
    assert rates.source("closed") == "*"
    p = rates.probability(pd.Series(["closed"]), pd.Series([10.0]))
    assert 0 < p.iloc[0] < 0.5


def test_small_steps_are_shrunk_towards_the_status_rate():
    # 4 customers gone 5 days, 2 came back; 200 gone 100+ days, 10 came back.
    h = pd.DataFrame(
        {
            "stage": "lapsed",
            "recency_days": [5.5] * 4 + [100.5 + i for i in range(200)],
            # returns among the long-gone are the latest days: one pooled step of 10 / 200
            "returned": [1, 1, 0, 0] + [0] * 190 + [1] * 10,
        }
    )
    rates = estimate_return_rates(h, horizon_days=90)
    p0 = rates.probability(pd.Series(["lapsed"]), pd.Series([5.0])).iloc[0]
    overall = 12 / 204
    assert p0 == pytest.approx((2 + 20 * overall) / (4 + 20), abs=1e-9)
    raw = estimate_return_rates(h, horizon_days=90, prior_strength=0)
    assert raw.probability(pd.Series(["lapsed"]), pd.Series([5.0])).iloc[0] == 0.5
    with pytest.raises(DataValidationError, match="returned must be 0/1"):
        estimate_return_rates(h.assign(returned=2), horizon_days=90)
    with pytest.raises(DataValidationError, match="no lapsed, closed or lost"):
        estimate_return_rates(h.assign(stage="active"), horizon_days=90)


def test_winback_value_worked_by_hand():
    h = pd.DataFrame(
        {"stage": "lapsed", "recency_days": [200.5] * 150, "returned": [1] * 30 + [0] * 120}
    )
    rates = estimate_return_rates(h, horizon_days=90)  # one step: 30 / 150 = 20 %
    f = pd.DataFrame(
        {
            "customer_id": ["once", "loyal", "active"],
            "stage": ["lapsed", "lapsed", "active"],
            "recency_days": [200.5, 250.5, 5.5],
            # first to last purchase: 0 days (one purchase), and 730 days
            "tenure_days": [200.5, 980.5, 400.0],
            "spend_total": [300.0, 2000.0, 50.0],
            "n_purchases_total": [1, 40, 3],
            "nps_last": [np.nan, 4.0, np.nan],
            "nps_topic_en": [None, "fees", None],
            "nps_topic_zh": [None, "费用", None],
        }
    )
    wb = winback_list(f, rates).table.set_index("customer_id")
    assert list(wb.index) == ["loyal", "once"]  # 1,000 a year vs 300 a year, × 20 %
    assert wb.loc["once", "yearly_value"] == pytest.approx(300.0)
    assert wb.loc["loyal", "yearly_value"] == pytest.approx(2000.0 * 365 / 730)
    assert wb.loc["loyal", "winback_value"] == pytest.approx(0.2 * 1000.0)
    assert wb.loc["loyal", "days_since_last"] == 250 and wb.loc["loyal", "purchases"] == 40
    why = wb.loc["loyal", "reasons_en"]
    assert why.startswith("last purchase 250 days ago, after 40 purchases")
    assert "spent 1,000 a year while buying; 20% of customers like them came back" in why
    assert "gave NPS 4 mentioning fees" in why
    assert wb.loc["once", "reasons_zh"].startswith("上次消费在 200 天前，此前共消费 1 次")


def test_a_complaint_or_low_nps_is_a_sign_only_while_recent():
    """The review's case: a daily buyer who bought 6 days ago and complained eleven months
    ago is no service-recovery call; the same complaint 20 days ago is."""
    f = pd.DataFrame(
        {
            "customer_id": ["old_complaint", "new_complaint", "old_nps", "new_nps"],
            "stage": ["active"] * 4,
            "churn_probability": [0.30, 0.30, 0.30, 0.30],
            "clv": [225_000.0, 100.0, 1_000.0, 50.0],
            "recency_days": [6.5, 6.5, 6.5, 6.5],
            "recency_ratio": [1.0, 1.0, 1.0, 1.0],
            "usual_gap_days": [6.0, 6.0, 6.0, 6.0],
            "n_purchases_total": [200, 200, 200, 200],
            "complaints_365d": [1, 1, 1, 1],
            "complaint_last_days": [330.5, 20.5, 200.5, 45.5],
            "nps_last": [7.0, 7.0, 3.0, 3.0],
            "nps_last_days": [400.5, 400.5, 200.5, 45.5],
        }
    )
    t = early_warning_list(f, min_probability=0.2).table.set_index("customer_id")
    # a recent complaint or low NPS is a call; an old one is no sign (and 30 % is < 2× odds)
    assert sorted(t.index) == ["new_complaint", "new_nps"]
    assert set(t["action"]) == {"call"} and set(t["signal"]) == {"complaint"}
    assert t.loc["new_complaint", "reasons_en"] == (
        "1 complaint or low score in the last year, the latest 20 days ago"
    )
    assert t.loc["new_complaint", "reasons_zh"] == "近一年投诉或低分评价 1 次，最近一次在 20 天前"
    assert t.loc["new_nps", "reasons_en"].startswith("gave NPS 3; 1 complaint")
    # the window is a setting: a year lets the old ones back in, calls before watches
    year = early_warning_list(f, min_probability=0.2, sign_days=365).table
    assert year["customer_id"].tolist() == ["old_complaint", "old_nps", "new_complaint", "new_nps"]
    assert set(year["action"]) == {"call"}
    # without the dates (a caller with no feedback dates) complaints count at any age
    undated = f.drop(columns=["complaint_last_days", "nps_last_days"])
    assert len(early_warning_list(undated, min_probability=0.2).table) == 4
    with pytest.raises(ConfigError, match="sign_days"):
        early_warning_list(f, sign_days=0)
