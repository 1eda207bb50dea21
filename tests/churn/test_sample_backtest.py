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


def test_model_beats_recency_and_bgnbd_on_the_sample(result):
    ev = result.evaluation
    model = ev.get("model")
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
