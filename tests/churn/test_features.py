from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import FeatureConfig, build_features, build_labels
from loyalloop.errors import ConfigError

CUTOFF = "2024-07-10"


def _features(con, d, cutoff=CUTOFF, **kw):
    expr = build_features(
        ibis.memtable(d["transactions"]),
        cutoff,
        feedback=ibis.memtable(d["feedback"]),
        accounts=ibis.memtable(d["accounts"]),
        interactions=ibis.memtable(d["interactions"]),
        **kw,
    )
    return con.execute(expr).set_index("customer_id")


def test_transaction_features_known_answers(con, tiny):
    f = _features(con, tiny)
    assert list(f.index) == ["A", "B", "C"]
    a = f.loc["A"]
    # A bought 2024-01-01 (191 days before the cutoff), 03-01 (131), 07-01 (9); refund 05-01.
    assert a.recency_days == 9
    assert a.tenure_days == 191
    assert a.n_purchases_total == 3
    assert a.spend_total == 180
    assert a.avg_ticket == 60
    assert (a.n_purchases_30d, a.spend_30d) == (1, 30)
    assert (a.n_purchases_90d, a.spend_90d) == (1, 30)
    assert (a.n_purchases_180d, a.spend_180d) == (2, 80)
    assert a.spend_prev_90d == 50  # 03-01 is 131 days back: in (90, 180]
    assert a.spend_change_90d == pytest.approx((30 - 50) / 50)
    assert a.purchases_change_90d == 0
    assert a.usual_gap_days == pytest.approx((191 - 9) / 2)
    assert a.recency_ratio == pytest.approx(9 / 91)
    assert a.gap_before_last_days == 122
    assert a.refunds_365d == 20
    # C: one purchase on 2024-01-15 (177 days back): no usual gap, spend fell to nothing.
    c = f.loc["C"]
    assert c.recency_days == 177 and c.n_purchases_total == 1
    assert np.isnan(c.usual_gap_days) and np.isnan(c.recency_ratio)
    assert np.isnan(c.gap_before_last_days)
    assert c.spend_change_90d == -1
    # B had nothing in the previous quarter: change is missing, not infinite.
    assert np.isnan(f.loc["B"].spend_change_90d)


def test_feedback_interaction_account_features(con, tiny):
    f = _features(con, tiny)
    a = f.loc["A"]
    assert a.nps_last == 3
    assert pd.Timestamp(a.nps_last_date) == pd.Timestamp("2024-05-02")
    assert a.nps_last_text == "fees too high"
    assert a.nps_mean_365d == 6
    assert a.n_feedback_365d == 2
    assert a.complaints_365d == 1  # the NPS 3
    # context for the early-warning list: days before the 07-10 cutoff of both (69)
    assert a.nps_last_days == 69 and a.complaint_last_days == 69
    assert np.isnan(f.loc["B"].complaint_last_days)
    assert np.isnan(a.csat_last)
    # B's only feedback is about a competitor: ignored.
    assert np.isnan(f.loc["B"].nps_last) and f.loc["B"].n_feedback_365d == 0
    # Interactions in the last 90 days only.
    assert (a.messages_90d, a.engaged_90d, a.service_contacts_90d) == (1, 1, 0)
    # A's card closes after the cutoff: still open as of the cutoff. C's closed in February.
    assert (a.open_accounts, a.open_products, a.closed_accounts_365d) == (1, 1, 0)
    assert (f.loc["C"].open_accounts, f.loc["C"].closed_accounts_365d) == (0, 1)
    assert (f.loc["B"].open_accounts, f.loc["B"].messages_90d) == (0, 0)


def test_population_and_optional_tables(con, tiny):
    only_tx = con.execute(build_features(ibis.memtable(tiny["transactions"]), CUTOFF))
    assert "nps_last" not in only_tx.columns and "open_accounts" not in only_tx.columns
    # Before B's first purchase, B is not in the population.
    early = _features(con, tiny, cutoff="2024-06-01")
    assert list(early.index) == ["A", "C"]
    # Active within 30 days: only A (9 days) and B (5 days).
    recent = _features(con, tiny, config=FeatureConfig(active_within_days=30))
    assert list(recent.index) == ["A", "B"]


def test_features_do_not_move_when_the_future_changes(con, tiny):
    """Leakage test: rewrite everything at or after the cutoff; features must not change."""
    cutoff = pd.Timestamp(CUTOFF)
    before = _features(con, tiny)
    rng = np.random.default_rng(0)
    d = {k: v.copy() for k, v in tiny.items()}
    future = [cutoff + pd.Timedelta(hours=h) for h in (0, 5, 24 * 30, 24 * 200)]
    ids = ["A", "B", "C", "D"]
    d["transactions"] = pd.concat(
        [
            d["transactions"],
            pd.DataFrame(
                {
                    "transaction_id": [f"f{i}" for i in range(4)],
                    "customer_id": ids,
                    "timestamp": pd.Series(future, dtype="datetime64[us]"),
                    "amount": rng.normal(100, 50, 4),
                }
            ),
        ],
        ignore_index=True,
    )
    d["feedback"] = pd.concat(
        [
            d["feedback"],
            pd.DataFrame(
                {
                    "feedback_id": ["f1", "f2"],
                    "customer_id": ["A", "C"],
                    "timestamp": pd.Series(future[:2], dtype="datetime64[us]"),
                    "channel": "survey",
                    "brand": pd.Series([None, None], dtype="string"),
                    "score_type": ["nps", "csat"],
                    "score": [10.0, 5.0],
                    "text": ["love it", "ok"],
                }
            ),
        ],
        ignore_index=True,
    )
    d["accounts"] = pd.concat(
        [
            d["accounts"].assign(
                closed_at=d["accounts"]["closed_at"].where(
                    d["accounts"]["closed_at"] < cutoff, cutoff
                )
            ),
            pd.DataFrame(
                {
                    "account_id": ["z"],
                    "customer_id": ["B"],
                    "product": ["loan"],
                    "opened_at": pd.Series([cutoff], dtype="datetime64[us]"),
                    "closed_at": pd.Series([pd.NaT], dtype="datetime64[us]"),
                }
            ),
        ],
        ignore_index=True,
    )
    d["interactions"] = pd.concat(
        [
            d["interactions"],
            pd.DataFrame(
                {
                    "customer_id": ["A", "B"],
                    "timestamp": pd.Series(future[:2], dtype="datetime64[us]"),
                    "channel": "email",
                    "kind": ["sent", "clicked"],
                    "campaign_id": "c",
                }
            ),
        ],
        ignore_index=True,
    )
    after = _features(con, d)
    pd.testing.assert_frame_equal(before, after)


def test_labels_known_answers(con, tiny):
    tx, acc = ibis.memtable(tiny["transactions"]), ibis.memtable(tiny["accounts"])
    # As of 2024-06-01 with 30 days: A (next purchase 07-01) churns within 30 days, C too.
    lab = con.execute(build_labels(tx, "2024-06-01", 30)).set_index("customer_id")["churned"]
    assert lab.to_dict() == {"A": 1, "C": 1}
    lab = con.execute(build_labels(tx, "2024-06-01", 60)).set_index("customer_id")["churned"]
    assert lab.to_dict() == {"A": 0, "C": 1}
    # A buys on 07-01 and its card is still open 30 days after 06-05: retained.
    lab = con.execute(build_labels(tx, "2024-06-05", 30, accounts=acc))
    assert lab.set_index("customer_id")["churned"].to_dict() == {"A": 0, "C": 1}
    # ... but within 60 days of 06-25 A closes its only card (08-01): churned despite buying.
    lab = con.execute(build_labels(tx, "2024-06-25", 60, accounts=acc))
    assert lab.set_index("customer_id")["churned"].to_dict() == {"A": 1, "B": 0, "C": 1}


def test_bad_config():
    with pytest.raises(ConfigError):
        FeatureConfig(windows=(0, 30))
    with pytest.raises(ConfigError):
        build_labels(ibis.memtable({"customer_id": ["a"], "amount": [1.0]}), "2024-01-01", 0)
    with pytest.raises(ConfigError, match="not a date"):
        build_labels(ibis.memtable({"customer_id": ["a"], "amount": [1.0]}), "soon", 10)
