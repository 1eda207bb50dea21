from __future__ import annotations

import numpy as np
import pytest

from loyalloop.churn import evaluate_scores
from loyalloop.errors import DataValidationError


def test_known_answers_on_a_small_example():
    y = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    r = evaluate_scores(y, {"m": p}, n_bins=5)
    m = r.get("m")
    # Positives at ranks 1, 3, 6 among 10: pairs won = (7 + 6 + 4) of 3*7 = 21.
    assert m.roc_auc == pytest.approx(17 / 21)
    # Average precision: (1/1 + 2/3 + 3/6) / 3.
    assert m.pr_auc == pytest.approx((1 + 2 / 3 + 0.5) / 3)
    assert m.brier == pytest.approx(np.mean((np.array(p) - np.array(y)) ** 2))
    assert m.base_rate == pytest.approx(0.3)
    dec = r.deciles
    assert dec["n"].tolist() == [2, 2, 2, 2, 2]
    assert dec["churners"].tolist() == [1, 1, 1, 0, 0]
    assert dec["lift"].iloc[0] == pytest.approx(0.5 / 0.3)
    assert dec["capture"].tolist() == pytest.approx([1 / 3, 2 / 3, 1, 1, 1])
    assert m.top_decile_lift == pytest.approx(0.5 / 0.3)
    cal = r.calibration
    assert cal["n"].tolist() == [2] * 5
    assert cal["mean_predicted"].iloc[0] == pytest.approx(0.075)
    assert cal["observed_rate"].tolist() == pytest.approx([0, 0, 0.5, 0.5, 0.5])


def test_baselines_are_just_score_columns():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    recency_days = y * 100 + rng.normal(50, 40, 500)
    r = evaluate_scores(y, {"recency": recency_days, "noise": rng.random(500)})
    assert not r.get("recency").is_probability
    assert np.isnan(r.get("recency").brier)
    assert r.get("recency").roc_auc > 0.8
    assert 0.4 < r.get("noise").roc_auc < 0.6
    assert set(r.calibration["scorer"]) == {"noise"}
    assert r.to_dict()["metrics"][0]["brier"] is None
    assert "recency" in "\n".join(r.lines())


def test_one_bad_scorer_does_not_sink_the_report():
    r = evaluate_scores([0, 1, 0, 1], {"const": [0.5] * 4, "ok": [0.1, 0.9, 0.2, 0.8]})
    assert r.get("const").error == "scores are constant"
    assert r.get("ok").roc_auc == 1.0
    one_class = evaluate_scores([0, 0], {"m": [0.1, 0.2]})
    assert one_class.get("m").error == "labels contain only one class"


def test_invalid_inputs():
    with pytest.raises(DataValidationError, match="0/1"):
        evaluate_scores([0, 2], {"m": [0.1, 0.2]})
    with pytest.raises(DataValidationError, match="missing scores"):
        evaluate_scores([0, 1], {"m": [0.1, np.nan]})
    with pytest.raises(DataValidationError, match="has 1 scores for 2 labels"):
        evaluate_scores([0, 1], {"m": [0.1]})
