"""Bring-your-own training chooses logistic regression or LightGBM by cross-validation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import ChurnModel, select_algorithm, train_table
from loyalloop.errors import ConfigError, ModelError


def linear_table(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """The truth is a logistic regression: additive, smooth effects."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    plan = rng.choice(["basic", "plus", "pro"], n)
    logit = 0.2 + x @ np.array([1.0, -0.8, 0.6, 0.4]) + 0.7 * (plan == "basic")
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    df = pd.DataFrame(x, columns=["tenure", "usage", "calls", "bill"])
    return df.assign(id=[f"L{i}" for i in range(n)], plan=plan, churned=y.astype(int))


def interaction_table(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    """The truth is an interaction with thresholds: churn when exactly one of two things
    holds (a contract about to end *or* a price rise, not both: those were re-signed)."""
    rng = np.random.default_rng(seed)
    months_left = rng.uniform(0, 24, n)
    price_change = rng.uniform(-10, 10, n)
    ending, rising = months_left < 6, price_change > 3
    p = np.where(ending ^ rising, 0.8, 0.1)
    y = rng.random(n) < p
    return pd.DataFrame(
        {
            "id": [f"T{i}" for i in range(n)],
            "months_left": months_left,
            "price_change": price_change,
            "noise": rng.normal(size=n),
            "churned": y.astype(int),
        }
    )


def test_a_linear_truth_chooses_the_logistic_regression(tmp_path):
    r = train_table(linear_table(), id_column="id", label_column="churned")
    sel = r.selection
    assert sel is not None and sel.chosen == "logistic" and r.model.algorithm == "logistic"
    lr, gbm = sel.get("logistic"), sel.get("lightgbm")
    assert lr.roc_auc >= gbm.roc_auc - 0.005 and len(lr.roc_auc_folds) == 5
    # Recorded in the JSON output and in the model file.
    d = r.to_dict()
    assert d["algorithm"] == "logistic" and d["algorithm_selection"]["chosen"] == "logistic"
    json.dumps(d)
    saved = json.loads(r.model.save(tmp_path / "m.json").read_text("utf-8"))
    assert saved["algorithm"] == "logistic"
    assert saved["metadata"]["algorithm_selection"]["candidates"][1]["algorithm"] == "lightgbm"
    assert "logistic (chosen by 5-fold cross-validation on 2,250 rows" in sel.line()


def test_an_interaction_chooses_the_trees():
    r = train_table(interaction_table(), id_column="id", label_column="churned")
    sel = r.selection
    assert sel is not None and sel.chosen == "lightgbm" and r.model.algorithm == "lightgbm"
    assert sel.get("lightgbm").roc_auc > sel.get("logistic").roc_auc + 0.1
    assert r.holdout.get("model").roc_auc > 0.8


def test_the_algorithm_can_be_given_and_bad_choices_fail():
    t = linear_table(400)
    r = train_table(t, id_column="id", label_column="churned", algorithm="lightgbm")
    assert r.selection is None and r.model.algorithm == "lightgbm"
    assert r.to_dict()["algorithm_selection"] is None
    with pytest.raises(ConfigError, match="algorithm must be one of"):
        train_table(t, id_column="id", label_column="churned", algorithm="forest")
    tiny = t.head(40).assign(churned=[1] * 6 + [0] * 34)
    with pytest.raises(ModelError, match="need at least 10 of each"):
        train_table(tiny, id_column="id", label_column="churned")
    X = t[["tenure", "usage"]]
    with pytest.raises(ConfigError, match="at least 2 folds"):
        select_algorithm(X, t["churned"].to_numpy(), folds=1)


def test_selection_is_deterministic():
    t = interaction_table(800, seed=2)
    X, y = t[["months_left", "price_change", "noise"]], t["churned"].to_numpy()
    a = select_algorithm(X, y, prototype=ChurnModel(n_estimators=50))
    b = select_algorithm(X, y, prototype=ChurnModel(n_estimators=50))
    assert a == b
