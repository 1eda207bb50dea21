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
        ("recency_days", 45.2, {}, "no purchase for 45 days", "已 45 天未消费"),
        (
            "recency_ratio",
            3.0,
            {"recency_days": 60, "usual_gap_days": 20},
            "60 days since the last purchase, 3.0× their usual gap of 20 days",
            "距上次消费已 60 天，是其平常间隔（20 天）的 3.0 倍",
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
            "2 complaint(s) or low scores in the last year",
            "近一年投诉或低分评价 2 次",
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
