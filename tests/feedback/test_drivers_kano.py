from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import DataValidationError
from loyalloop.feedback import kano_category, kano_chart, kano_summary, key_drivers
from loyalloop.feedback.drivers import _quadrants, relative_weights


def _simulated(seed: int = 0, n: int = 3000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NPS = 7 + 2.5 s_fee + 1.8 s_app + 0.2 s_billing + noise; waiting time does not matter."""
    rng = np.random.default_rng(seed)
    effects = {"annual_fee": 2.5, "app_online": 1.8, "billing": 0.2, "waiting_time": 0.0}
    means = {"annual_fee": -0.4, "app_online": 0.3, "billing": 0.1, "waiting_time": -0.5}
    rows, fb = [], []
    for i in range(n):
        y = 7.0
        for aspect, beta in effects.items():
            if rng.random() < 0.4:
                s = float(np.clip(rng.normal(means[aspect], 0.6), -1, 1))
                label = "positive" if s > 0.15 else "negative" if s < -0.15 else "neutral"
                rows.append((f"f{i}", aspect, label, s))
                y += beta * s
        y += rng.normal(0, 1.0)
        fb.append((f"f{i}", "nps", float(np.clip(np.round(y), 0, 10))))
    mentions = pd.DataFrame(rows, columns=["feedback_id", "aspect", "sentiment", "sentiment_score"])
    feedback = pd.DataFrame(fb, columns=["feedback_id", "score_type", "score"])
    return feedback, mentions


def test_key_drivers_recover_simulated_truth() -> None:
    feedback, mentions = _simulated()
    result = key_drivers(feedback, mentions, score_type="nps")
    t = result.table.set_index("aspect")
    assert result.table["aspect"].iloc[0] == "annual_fee"
    assert t.loc["annual_fee", "coefficient"] == pytest.approx(2.5, abs=0.3)
    assert t.loc["app_online", "coefficient"] == pytest.approx(1.8, abs=0.3)
    assert t.loc["waiting_time", "p_value"] > 0.001
    assert t.loc["annual_fee", "p_value"] < 1e-10
    assert result.table["importance"].sum() == pytest.approx(1.0)
    assert t.loc["annual_fee", "quadrant"] == "fix first"  # important and badly rated
    assert t.loc["app_online", "quadrant"] == "keep up"
    assert 0 < result.r_squared < 1 and result.n == 3000


def test_intervals_and_certainty() -> None:
    feedback, mentions = _simulated()
    t = key_drivers(feedback, mentions, score_type="nps").table.set_index("aspect")
    assert (t["importance_low"] <= t["importance"]).all()
    assert (t["importance"] <= t["importance_high"]).all()
    assert (t["performance_low"] <= t["performance_high"]).all()
    assert t.loc["annual_fee", "confidence"] == "clear"
    assert t.loc["annual_fee", "quadrant_share"] >= 0.8
    assert set(t["confidence"]) <= {"clear", "uncertain"}
    no_boot = key_drivers(feedback, mentions, score_type="nps", n_boot=0).table
    assert no_boot["importance_low"].isna().all()


def _all_complained_about(net: list[float], strong: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aspects with the given net sentiments (all complained about); ``strong`` drives the score."""
    rng = np.random.default_rng(4)
    rows, fb = [], []
    for i in range(3000):
        y = 7.0
        for k, target in enumerate(net):
            if rng.random() < 0.5:
                label = "positive" if rng.random() < (1 + target) / 2 else "negative"
                s = 1.0 if label == "positive" else -1.0
                rows.append((f"f{i}", f"a{k}", label, s))
                y += (1.5 if k == strong else 0.2) * s
        fb.append((f"f{i}", "nps", y + rng.normal(0, 0.5)))
    mentions = pd.DataFrame(rows, columns=["feedback_id", "aspect", "sentiment", "sentiment_score"])
    feedback = pd.DataFrame(fb, columns=["feedback_id", "score_type", "score"])
    return feedback, mentions


def test_an_aspect_customers_complain_about_is_never_keep_up() -> None:
    """Net sentiment -0.15 on the most important aspect is "fix first" even when the other
    aspects are worse (the median rule called it "keep up": demo service attitude, -0.10)."""
    feedback, mentions = _all_complained_about([-0.7, -0.6, -0.5, -0.4, -0.15], strong=4)
    t = key_drivers(feedback, mentions, n_boot=50).table.set_index("aspect")
    assert t.loc["a4", "performance"] == pytest.approx(-0.15, abs=0.05)
    assert t.loc["a4", "performance"] > t.drop(index="a4")["performance"].max()
    assert t.loc["a4", "quadrant"] == "fix first"
    assert t.loc["a4", "confidence"] == "clear"
    assert not t["quadrant"].isin(["keep up", "lower priority"]).any()  # nothing praised


def test_quadrants_use_a_fixed_zero_line_and_zero_counts_as_low() -> None:
    feedback, mentions = _all_complained_about([0.6, 0.5, 0.4, 0.3, 0.2], strong=0)
    t = key_drivers(feedback, mentions, n_boot=0).table.set_index("aspect")
    assert (t["performance"] > 0).all()
    assert t.loc["a0", "quadrant"] == "keep up"  # important and praised
    assert (t.drop(index="a0")["quadrant"] == "lower priority").all()
    assert not (t["quadrant"] == "fix first").any()  # nothing is bad: nothing to fix
    # exactly 0 net sentiment (as many complaints as praise) is low performance
    assert list(_quadrants(np.array([0.9, 0.1]), np.array([0.0, 0.0]))) == ["fix first", "monitor"]


def test_relative_weights_sum_to_r_squared() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 3))
    x[:, 1] += 0.5 * x[:, 0]  # correlated predictors
    y = x @ np.array([1.0, 0.5, 0.0]) + rng.normal(size=500)
    design = np.column_stack([np.ones(500), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    r2 = 1 - np.sum((y - design @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
    assert relative_weights(x, y).sum() == pytest.approx(r2)


def test_key_drivers_errors() -> None:
    feedback, mentions = _simulated(n=30)
    with pytest.raises(DataValidationError, match="no column 'score'"):
        key_drivers(feedback.drop(columns="score"), mentions)
    with pytest.raises(DataValidationError, match="mentions"):
        key_drivers(feedback, mentions, min_mentions=10_000)


@pytest.mark.parametrize(
    ("functional", "dysfunctional", "category"),
    [
        ("like", "dislike", "O"),
        ("like", "neutral", "A"),
        ("neutral", "dislike", "M"),
        ("must-be", "live-with", "I"),
        ("dislike", "like", "R"),
        ("like", "like", "Q"),
        ("dislike", "dislike", "Q"),
        (1, 5, "O"),
        ("喜欢", "无所谓", "A"),
        ("理所当然", "不喜欢", "M"),
    ],
)
def test_kano_table(functional: object, dysfunctional: object, category: str) -> None:
    assert kano_category(functional, dysfunctional) == category


def test_kano_summary_counts_and_coefficients() -> None:
    answers = pd.DataFrame(
        {
            "feature": ["fee waiver"] * 10 + ["lounge"] * 4,
            "functional": ["like"] * 6 + ["neutral"] * 4 + ["like", "like", "neutral", "like"],
            "dysfunctional": ["dislike"] * 2 + ["neutral"] * 4 + ["dislike"] * 4
            + ["neutral", "neutral", "neutral", "dislike"],
        }
    )  # fmt: skip
    s = kano_summary(answers).set_index("feature")
    fee = s.loc["fee waiver"]
    assert (fee["A"], fee["O"], fee["M"], fee["I"]) == (4, 2, 4, 0)
    assert fee["category"] == "M"  # tie A = M = 4 broken M > O > A > I
    assert fee["better"] == pytest.approx(0.6) and fee["worse"] == pytest.approx(-0.6)
    assert s.loc["lounge", "category_name"] == "attractive"
    fig = kano_chart(s.reset_index())
    assert list(fig.data[0].text) == ["fee waiver", "lounge"]


def test_kano_bad_answer() -> None:
    with pytest.raises(DataValidationError, match="not a KANO answer"):
        kano_category("maybe", "like")
    with pytest.raises(DataValidationError, match="no column"):
        kano_summary(pd.DataFrame({"feature": []}))
