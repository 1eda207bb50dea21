"""The model against its baselines: the decision rule, and which ranking a backtest uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from loyalloop.churn import ChurnComparison, ChurnModel, ChurnTables, backtest, choose_ranking
from loyalloop.churn.evaluation import ScoreMetrics
from loyalloop.errors import DataValidationError


def m(name: str, roc: float, pr: float, error: str | None = None) -> ScoreMetrics:
    return ScoreMetrics(name, 1000, 0.3, roc, pr, float("nan"), 2.0, False, error)


def test_the_model_wins_only_when_it_beats_every_baseline():
    beats = choose_ranking(
        [m("model", 0.80, 0.60), m("recency", 0.75, 0.55), m("bgnbd", 0.70, 0.58)]
    )
    assert beats.winner == "model" and beats.model_won and beats.best_baseline == "recency"
    # Better ROC AUC but clearly worse PR AUC (the top of the list): no win.
    split = choose_ranking([m("model", 0.80, 0.50), m("recency", 0.75, 0.55)])
    assert split.winner == "recency" and not split.model_won
    # Within the tolerance on both: a tie, and ties go to the simpler scorer.
    tie = choose_ranking([m("model", 0.752, 0.553), m("recency", 0.75, 0.55)])
    assert tie.winner == "recency"
    # Better by the tolerance on one metric, level on the other: a win.
    edge = choose_ranking([m("model", 0.756, 0.55), m("recency", 0.75, 0.55)])
    assert edge.winner == "model"


def test_the_best_baseline_by_roc_then_pr_then_simplicity():
    c = choose_ranking(
        [
            m("model", 0.60, 0.40),
            m("recency", 0.71, 0.50),
            m("bgnbd", 0.712, 0.56),
            m("logistic", 0.70, 0.70),
        ]
    )
    # bgnbd and recency tie on ROC AUC (logistic is 0.012 below); bgnbd has the better PR AUC.
    assert c.winner == "bgnbd" and c.best_baseline == "bgnbd"
    c = choose_ranking([m("model", 0.6, 0.4), m("logistic", 0.7, 0.5), m("recency", 0.7, 0.5)])
    assert c.winner == "recency"  # a full tie goes to the simplest


def test_unusable_scorers_and_the_record():
    c = choose_ranking(
        [
            m("model", float("nan"), float("nan"), "labels contain only one class"),
            m("recency", 0.7, 0.5),
            m("bgnbd", float("nan"), float("nan"), "scores are constant"),
            m("my_rule", 0.99, 0.99),  # reported, never chosen
        ]
    )
    assert c.winner == "recency" and "not evaluated" in c.summary()
    assert [f.name for f in c.figures] == ["model", "recency", "bgnbd", "my_rule"]
    assert ChurnComparison.from_dict(c.to_dict()) == c
    assert choose_ranking([m("model", 0.7, 0.5)]).winner == "model"
    with pytest.raises(DataValidationError, match="scorer 'model'"):
        choose_ranking([m("recency", 0.7, 0.5)])


@pytest.fixture(scope="module")
def tables(shop_tables) -> ChurnTables:
    return shop_tables


def test_a_model_that_learns_nothing_loses_and_the_best_baseline_ranks(tables):
    """A one-split model cannot beat the baselines: the backtest says so and hands over the
    baseline's ranking, with probabilities calibrated on the backtest outcomes."""
    r = backtest(
        tables,
        train_cutoffs=["2024-01-01", "2024-03-01"],
        test_cutoff="2024-07-01",
        horizon_days=90,
        model=ChurnModel(n_estimators=1, num_leaves=2, calibration="none"),
    )
    c = r.comparison
    assert not c.model_won and c.winner == c.best_baseline
    assert r.ranking.scorer == c.winner
    assert c.get(c.winner).roc_auc > c.get("model").roc_auc
    feats = tables.features("2024-07-01").to_pandas()
    feats = feats.set_index("customer_id").loc[r.scores["customer_id"]].reset_index()
    p = r.ranking.churn_probability(feats)
    # The ranking is the baseline's own (a monotone map of its score) …
    own = r.scores[c.winner].to_numpy()
    assert spearmanr(p, own).statistic > 0.99
    assert np.all(np.diff(p[np.argsort(own, kind="stable")]) >= -1e-12)
    # … and its probabilities match the observed churn rate.
    assert p.mean() == pytest.approx(r.scores["churned"].mean(), abs=0.01)
    assert "did not beat it" in c.summary()


def test_an_additive_truth_goes_to_the_logistic_regression(tables):
    """In the simulated shop the signals (overdue, spend falling, low NPS) add up on the
    log-odds scale: the trees cannot beat a logistic regression there, so by the rule the
    simpler model ranks (the sample backtest test shows the trees winning where they should)."""
    r = backtest(
        tables,
        train_cutoffs=["2024-01-01", "2024-03-01"],
        test_cutoff="2024-07-01",
        horizon_days=90,
    )
    c = r.comparison
    assert {f.name for f in c.figures} == {"model", "recency", "bgnbd", "logistic"}
    assert abs(c.get("model").roc_auc - c.get("logistic").roc_auc) < 0.005
    assert c.get("logistic").roc_auc > c.get("recency").roc_auc + 0.02
    assert c.winner == "logistic" and r.ranking.model is not None
    assert r.ranking.model.algorithm == "logistic"
    feats = tables.features("2024-07-01").to_pandas().head(50)
    assert r.ranking.churn_probability(feats) == pytest.approx(
        r.ranking.model.churn_probability(feats.drop(columns=["nps_last_date", "nps_last_text"]))
    )
    assert pd.DataFrame(c.to_dict()["figures"])["name"].tolist()[0] == "model"
