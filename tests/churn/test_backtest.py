from __future__ import annotations

import numpy as np
import pytest

from loyalloop.churn import ChurnTables, at_risk_list, backtest, explain, score_customers
from loyalloop.errors import ConfigError, ModelError


@pytest.fixture(scope="module")
def tables(shop_tables) -> ChurnTables:
    return shop_tables


@pytest.fixture(scope="module")
def result(tables):
    return backtest(
        tables,
        train_cutoffs=["2024-01-01", "2024-03-01"],
        test_cutoff="2024-07-01",
        horizon_days=90,
    )


def test_model_beats_both_baselines_on_the_backtest(result):
    ev = result.evaluation
    model, recency = ev.get("model"), ev.get("recency")
    assert model.roc_auc > recency.roc_auc + 0.01
    assert model.pr_auc > recency.pr_auc
    if any(m.name == "bgnbd" for m in ev.metrics):
        bg = ev.get("bgnbd")
        assert model.roc_auc > bg.roc_auc and model.brier < bg.brier
    assert result.n_test == len(result.scores) > 1000


def test_calibration_is_reported_and_reasonable(result):
    cal = result.evaluation.calibration
    m = cal[cal["scorer"] == "model"]
    assert len(m) == 10
    # Expected calibration error: bins are equal-sized, so a plain mean.
    ece = float(np.mean(np.abs(m["mean_predicted"] - m["observed_rate"])))
    assert ece < 0.06
    assert result.evaluation.get("model").brier < 0.15


def test_training_windows_that_reach_the_test_period_are_refused(tables):
    with pytest.raises(ConfigError, match="labels would use the future"):
        backtest(tables, train_cutoffs=["2024-05-01"], test_cutoff="2024-07-01", horizon_days=90)
    with pytest.raises(ConfigError, match="test outcome window needs data up to"):
        backtest(tables, train_cutoffs=["2024-06-01"], test_cutoff="2024-12-01", horizon_days=90)


def test_scoring_streams_and_checks_the_model_kind(tables, result):
    feats = tables.features("2024-10-01")
    scores = score_customers(result.model, feats, batch_size=500)
    assert scores["customer_id"].is_unique
    assert len(scores) == feats.count().to_pyarrow().as_py()
    result.model.metadata_ = {**result.model.metadata_, "kind": "table"}
    try:
        with pytest.raises(ModelError, match="not on warehouse churn features"):
            score_customers(result.model, feats)
    finally:
        result.model.metadata_ = {**result.model.metadata_, "kind": "warehouse"}


def test_reasons_for_the_riskiest_customers(tables, result):
    feats = tables.features("2024-07-01").to_pandas()
    top = result.scores.nlargest(20, "model")["customer_id"]
    reasons = explain(result.model, feats[feats["customer_id"].isin(top)], top_k=3)
    assert set(reasons["customer_id"]) <= set(top)
    assert reasons.groupby("customer_id").size().max() <= 3
    assert (reasons["contribution"] > 0).all()
    assert reasons["reason_en"].str.len().gt(0).all() and reasons["reason_zh"].str.len().gt(0).all()
    # The simulated decline shows up in plain words.
    text = " ".join(reasons["reason_en"])
    assert "no purchase for" in text or "days since the last purchase" in text


def test_at_risk_list_from_an_expression(tables, result):
    feats = tables.features("2024-07-01")
    risk = at_risk_list(result.model, feats, top_n=15)
    assert len(risk) == 15 and risk["rank"].tolist() == list(range(1, 16))
    assert risk["churn_probability"].is_monotonic_decreasing
    assert (risk["reasons_en"] != "").all() and (risk["reasons_zh"] != "").all()
    assert at_risk_list(result.model, feats, min_probability=1.1).empty


def test_sample_picks_the_same_customers_in_every_table(tables):
    half = tables.sample(0.5)
    tx = set(half.transactions.customer_id.to_pandas())
    fb = set(half.feedback.customer_id.to_pandas().dropna())
    everyone = set(tables.transactions.customer_id.to_pandas())
    assert 0.4 < len(tx) / len(everyone) < 0.6
    assert fb <= everyone and fb.isdisjoint(everyone - tx)
    assert tables.sample(1.0) is tables
    with pytest.raises(ConfigError, match="fraction"):
        tables.sample(0)
