from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.feedback import (
    brand_benchmark,
    channel_comparison,
    discover_topics,
    mentioned_brands,
    nps,
)
from loyalloop.feedback.competitors import holm_adjust


def test_nps_and_standard_error() -> None:
    value, se = nps([10, 10, 9, 8, 7, 6, 0])
    assert value == pytest.approx(100 * (3 / 7 - 2 / 7))
    p, d = 3 / 7, 2 / 7
    assert se == pytest.approx(100 * np.sqrt((p + d - (p - d) ** 2) / 7))
    assert np.isnan(nps([])[0])


def test_holm() -> None:
    assert holm_adjust([0.01, 0.04, 0.03, float("nan")])[:3] == pytest.approx([0.03, 0.06, 0.06])


def _brands(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    # own and "rival_a" are equal; "rival_b" is clearly better on NPS, CSAT and sentiment
    for brand, p_promoter, csat_mean, sent in [
        ("", 0.35, 3.8, 0.1), ("rival_a", 0.35, 3.8, 0.1), ("rival_b", 0.6, 4.4, 0.5)
    ]:  # fmt: skip
        for _ in range(800):
            u = rng.random()
            score = 10 if u < p_promoter else (8 if u < p_promoter + 0.3 else 3)
            rows.append((brand, "nps", score, rng.normal(sent, 0.5)))
            csat = float(np.clip(np.round(rng.normal(csat_mean, 0.8)), 1, 5))
            rows.append((brand, "csat", csat, rng.normal(sent, 0.5)))
    return pd.DataFrame(rows, columns=["brand", "score_type", "score", "sentiment_score"])


def test_brand_benchmark_intervals_and_significance() -> None:
    out = brand_benchmark(_brands())
    assert set(out["metric"]) == {"nps", "csat", "sentiment"}
    t = out.set_index(["metric", "brand"])
    assert t.loc[("nps", "own"), "value"] == pytest.approx(5, abs=8)
    for metric in ("nps", "csat", "sentiment"):
        assert bool(t.loc[(metric, "rival_b"), "significant"])
        assert not bool(t.loc[(metric, "rival_a"), "significant"])
        assert t.loc[(metric, "rival_b"), "diff_vs_own"] > 0
        assert np.isnan(t.loc[(metric, "own"), "p_value"])
        row = t.loc[(metric, "rival_b")]
        assert row["ci_low"] < row["value"] < row["ci_high"]


def test_nps_interval_covers_truth() -> None:
    covered = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        scores = rng.choice([10, 8, 3], size=300, p=[0.4, 0.3, 0.3])
        value, se = nps(scores)
        covered += abs(value - 10.0) <= 1.96 * se
    assert 0.9 <= covered / 200 <= 0.99


def test_brand_benchmark_partial_data_and_errors() -> None:
    only_sentiment = pd.DataFrame(
        {"brand": ["own", "own", "x", "x"], "sentiment_score": [0.1, 0.2, 0.3, 0.5]}
    )
    out = brand_benchmark(only_sentiment)
    assert set(out["metric"]) == {"sentiment"}
    with pytest.raises(DataValidationError):
        brand_benchmark(pd.DataFrame({"score": [1]}))
    assert brand_benchmark(pd.DataFrame({"brand": []})).empty


def test_mentioned_brands() -> None:
    aliases = {"cmb": ["招商银行", "招行", "CMB"], "icbc": ["工商银行", "ICBC"]}
    assert mentioned_brands("招商銀行的額度比你們高", aliases) == ["cmb"]
    assert mentioned_brands("ICBC and cmb are both better", aliases) == ["cmb", "icbc"]
    assert mentioned_brands("icbcx", aliases) == []
    assert mentioned_brands(None, aliases) == []


def _channels(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for aspect in ("billing", "app_online"):
        for channel in ("survey", "review", "social", "call"):
            mean = -0.6 if (aspect == "app_online" and channel == "social") else 0.2
            for s in np.clip(rng.normal(mean, 0.4, 150), -1, 1):
                label = "positive" if s > 0.15 else "negative" if s < -0.15 else "neutral"
                rows.append((aspect, channel, label, s))
    return pd.DataFrame(rows, columns=["aspect", "channel", "sentiment", "sentiment_score"])


def test_channel_disagreement_flagged() -> None:
    out = channel_comparison(_channels())
    flagged = out[out["disagrees"]]
    assert flagged[["aspect", "channel"]].values.tolist() == [["app_online", "social"]]
    assert out.set_index("aspect").loc["billing", "aspect_p_value"].iloc[0] > 0.001
    assert out.set_index("aspect").loc["app_online", "aspect_p_value"].iloc[0] < 1e-6


def test_channel_comparison_small_and_bad() -> None:
    few = _channels().groupby(["aspect", "channel"]).head(3)
    assert channel_comparison(few).empty
    with pytest.raises(DataValidationError):
        channel_comparison(pd.DataFrame({"aspect": []}))


FILLERS = ["真的", "唉", "希望改进", "今天", "上周", "每次都这样", "哎呀", "说实话"]


def test_topics_recover_planted_clusters() -> None:
    rng = np.random.default_rng(0)
    themes = {
        "parking": ["停车场太小", "停车位很难找", "停车费太贵了", "停车场排队出不去"],
        "coupon": ["优惠券用不了", "优惠券过期太快", "领了优惠券却无法使用", "优惠券规则复杂"],
        "wifi": ["店里wifi连不上", "wifi信号很差", "wifi密码没人知道", "没有wifi很不方便"],
    }
    texts, truth = [], []
    for _ in range(60):
        for name, phrases in themes.items():
            filler = str(rng.choice(FILLERS))
            texts.append(str(rng.choice(phrases)) + "，" + filler)
            truth.append(name)
    result = discover_topics(texts, n_topics=3, min_df=2)
    assert len(result.topics) == 3
    joined = [" ".join(p) for p in result.topics["phrases"]]
    for key in ("停车", "优惠券", "wifi"):
        assert sum(key in j for j in joined) == 1
    assigned = result.assignments.set_index("index")["topic"]
    assigned = assigned[assigned >= 0]  # comments that fit no topic clearly stay unassigned
    purity = pd.crosstab(pd.Series(truth)[assigned.index], assigned).max(axis=0).sum() / len(
        assigned
    )
    assert purity > 0.95
    assert result.unassigned < 0.25
    assert all(len(ex) == 3 for ex in result.topics["examples"])


def test_topics_edge_cases() -> None:
    assert discover_topics(["", None, "😀"], n_topics=2).topics.empty
    with pytest.raises(ConfigError):
        discover_topics(["a"], n_topics=0)
    again = discover_topics(["年费太贵"] * 5 + ["停车场太小"] * 5, n_topics=2, min_df=2)
    assert isinstance(again.topics, pd.DataFrame)
    unmatched = discover_topics(
        ["年费太贵"] * 10 + ["停车场太小了"] * 10, n_topics=1, min_df=2, only_unmatched=True
    )
    assert all("年费" not in " ".join(p) for p in unmatched.topics["phrases"])
