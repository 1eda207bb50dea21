"""The churn model against its baselines on Loyalloop's own sample data (known truth)."""

from __future__ import annotations

import ibis
import pytest

from loyalloop.churn import ChurnTables, backtest

sample = pytest.importorskip("loyalloop.sample")


@pytest.fixture(scope="module")
def result():
    data = sample.generate(customers=3000, seed=0)
    con = ibis.duckdb.connect()
    tables = ChurnTables(
        **{
            name: con.create_table(name, data.tables[name])
            for name in ("transactions", "feedback", "accounts")
        }
    )
    return backtest(
        tables,
        train_cutoffs=["2025-05-01", "2025-08-01"],
        test_cutoff="2025-12-01",
        horizon_days=90,
    )


def test_model_beats_every_baseline_on_the_sample_and_ranks(result):
    ev = result.evaluation
    model = ev.get("model")
    # Card churn has thresholds and interactions (closing a card, a quiet spell after a
    # complaint): the trees beat the logistic regression by more than the tolerance.
    assert result.comparison.winner == "model" and result.ranking.model is result.model
    assert model.roc_auc > ev.get("logistic").roc_auc + 0.01
    assert model.roc_auc > ev.get("recency").roc_auc
    assert model.pr_auc > ev.get("recency").pr_auc
    if any(m.name == "bgnbd" for m in ev.metrics):
        assert model.roc_auc > ev.get("bgnbd").roc_auc
        assert model.brier < ev.get("bgnbd").brier


def test_calibration_on_the_sample_is_reported(result):
    cal = result.evaluation.calibration
    m = cal[cal["scorer"] == "model"]
    assert len(m) == 10
    assert (m["mean_predicted"] - m["observed_rate"]).abs().mean() < 0.05
