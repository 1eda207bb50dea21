from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import ChurnModel, explain, reason_text
from loyalloop.churn.reasons import topic_of


@pytest.mark.parametrize(
    ("feature", "value", "row", "en", "zh"),
    [
        (
            "spend_change_90d",
            -0.6,
            {},
            "spend down 60% vs the previous 90 days",
            "消费额较前90天下降 60%",
        ),
        # Whole calendar days before the as-of day: 45.2 days before the cutoff (the midnight
        # after it) is 45 days; 140.7 is 140, never 141 (the list column says 140).
        ("recency_days", 45.2, {}, "no purchase for 45 days", "已 45 天未消费"),
        ("recency_days", 140.7, {}, "no purchase for 140 days", "已 140 天未消费"),
        (
            "recency_ratio",
            3.0,
            {"recency_days": 60.5, "usual_gap_days": 20},
            "60 days since the last purchase, 3.0× their usual gap of 20 days",
            "距上次消费已 60 天，是其平常间隔（20 天）的 3.0 倍",
        ),
        # a short gap keeps its decimal: 6 days is 4.7× a gap of 1.28 days, not of "1 day"
        (
            "recency_ratio",
            4.69,
            {"recency_days": 6.2, "usual_gap_days": 1.28},
            "6 days since the last purchase, 4.7× their usual gap of 1.3 days",
            "距上次消费已 6 天，是其平常间隔（1.3 天）的 4.7 倍",
        ),
        (
            "nps_last",
            3.0,
            {
                "nps_last_date": pd.Timestamp("2024-05-02 10:00"),
                "nps_last_text": "Fees are too high!",
            },
            "gave NPS 3 on 2024-05-02 mentioning fees",
            "2024-05-02 给出 NPS 3 分，提到费用",
        ),
        (
            "nps_last",
            2.0,
            {"nps_last_text": "手续费太贵了"},
            "gave NPS 2 mentioning fees",
            "给出 NPS 2 分，提到费用",
        ),
        ("n_purchases_90d", 0, {}, "no purchases in the last 90 days", "近90天没有消费"),
        (
            "complaints_365d",
            2,
            {},
            "2 complaints or low scores in the last year",
            "近一年投诉或低分评价 2 次",
        ),
        # English nouns counted by a number agree with it (never "complaint(s)")
        (
            "complaints_365d",
            1,
            {},
            "1 complaint or low score in the last year",
            "近一年投诉或低分评价 1 次",
        ),
        ("open_accounts", 1, {}, "1 open account", "持有 1 个有效账户"),
        ("open_accounts", 3, {}, "3 open accounts", "持有 3 个有效账户"),
        (
            "closed_accounts_365d",
            1,
            {},
            "closed 1 account in the last year",
            "近一年注销账户 1 个",
        ),
        (
            "service_contacts_90d",
            1,
            {},
            "1 service contact in the last 90 days",
            "近90天联系客服 1 次",
        ),
        ("n_purchases_90d", 1, {}, "only 1 purchase in the last 90 days", "近90天仅消费 1 次"),
        ("n_purchases_90d", 2, {}, "only 2 purchases in the last 90 days", "近90天仅消费 2 次"),
        ("tenure_days", 1.5, {}, "a customer for only 1 day", "成为客户仅 1 天"),
        (
            "engaged_90d",
            0,
            {"messages_90d": 1},
            "did not open the 1 message in the last 90 days",
            "近90天 1 条营销信息未打开",
        ),
        (
            "engaged_90d",
            0,
            {"messages_90d": 4},
            "did not open any of 4 messages in the last 90 days",
            "近90天 4 条营销信息均未打开",
        ),
        ("open_accounts", 0, {}, "no open accounts left", "名下已无有效账户"),
        ("csat_last", np.nan, {}, "no csat_last on record", "无csat_last记录"),
        ("plan", "basic", {}, "plan = basic", "plan 为 basic"),
        ("monthly_fee", 12.5, {}, "monthly_fee: 12.50", "monthly_fee：12.50"),
    ],
)
def test_reason_templates(feature, value, row, en, zh):
    assert reason_text(feature, value, row) == (en, zh)


def test_topics_never_echo_raw_text():
    assert topic_of("<script>alert(1)</script> slow app") == ("the app", "App")
    assert topic_of("nothing to see") is None
    assert topic_of(None) is None


def test_explain_picks_the_features_that_push_risk_up():
    rng = np.random.default_rng(5)
    n = 1500
    X = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "recency_days": rng.uniform(0, 300, n),
            "noise": rng.normal(size=n),
        }
    )
    y = (rng.random(n) < X["recency_days"] / 300).astype(int)
    m = ChurnModel(n_estimators=50).fit(X.drop(columns=["customer_id"]), y)
    risky = X[X["recency_days"] > 280].head(5)
    r = explain(m, risky, top_k=2)
    first = r[r["rank"] == 1]
    assert (first["feature"] == "recency_days").all()
    assert first["reason_en"].str.startswith("no purchase for").all()
    assert list(r.columns) == [
        "customer_id",
        "rank",
        "feature",
        "value",
        "contribution",
        "reason_en",
        "reason_zh",
    ]
    safe = X[X["recency_days"] < 10].head(5)
    assert not (explain(m, safe)["feature"] == "recency_days").any()
    assert explain(m, X.head(0)).empty


def test_descriptive_features_are_never_given_as_reasons():
    """The score may use "average purchase", but a caller cannot act on it: it is skipped
    and the next driver that can be acted on is named instead."""
    rng = np.random.default_rng(6)
    n = 2000
    X = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "avg_ticket": rng.uniform(5, 100, n),
            "spend_change_90d": rng.uniform(-1, 1, n),
        }
    )
    logit = -3 + 0.06 * X["avg_ticket"] - 1.0 * X["spend_change_90d"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    m = ChurnModel(n_estimators=60).fit(X.drop(columns=["customer_id"]), y)
    risky = X[(X["avg_ticket"] > 90) & (X["spend_change_90d"] < -0.5)]
    assert m.contributions(risky)["avg_ticket"].gt(0.5).all()
    r = explain(m, risky, top_k=3)
    assert set(r["customer_id"]) == set(risky["customer_id"])
    assert "avg_ticket" not in set(r["feature"])
    assert r["reason_en"].str.startswith("spend down").all()
    # A team's own column of that name in a bring-your-own table can be shown on request.
    assert "avg_ticket" in set(explain(m, risky, skip=frozenset())["feature"])
