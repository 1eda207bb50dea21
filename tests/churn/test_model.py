from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import MODEL_FORMAT_VERSION, ChurnModel
from loyalloop.errors import DataValidationError, ModelError, NotFittedError


def data(n: int = 1200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 50.0, n)
    plan = rng.choice(["basic", "gold", "silver"], n)
    logit = 1.0 - 0.02 * spend + 1.5 * (plan == "basic")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"spend": spend, "plan": plan}), y


@pytest.fixture(scope="module")
def fitted() -> tuple[ChurnModel, pd.DataFrame, np.ndarray]:
    X, y = data()
    return ChurnModel(n_estimators=60).fit(X, y), X, y


def test_fit_returns_self_and_sets_fitted_attributes(fitted):
    m, X, y = fitted
    assert m.n_train_ == len(y) and m.n_positive_ == int(y.sum())
    assert m.spec_.names == ["spend", "plan"]
    assert m.calibrator_.kind == "sigmoid"  # fewer than 200 per class held out
    p = m.churn_probability(X)
    assert p.shape == (len(y),) and ((p > 0) & (p < 1)).all()
    assert m.predict_proba(X).sum(axis=1) == pytest.approx(1.0)
    assert m.feature_importance_.index[0] in {"spend", "plan"}
    # Ranking is real: basic plan and low spend are riskier.
    assert p[(X.plan == "basic").to_numpy()].mean() > p[(X.plan == "gold").to_numpy()].mean()


def test_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        ChurnModel().churn_probability(pd.DataFrame({"a": [1]}))


def test_one_class_refused_and_tiny_data_left_uncalibrated():
    X, _ = data(50)
    with pytest.raises(ModelError, match="need at least 2 churned"):
        ChurnModel().fit(X, np.zeros(50))
    y = np.zeros(50)
    y[:6] = 1
    assert ChurnModel(n_estimators=5).fit(X, y).calibrator_.kind == "none"
    with pytest.raises(ModelError, match="isotonic calibration needs at least 2"):
        ChurnModel(calibration="isotonic").fit(X, y)


def test_contributions_sum_to_the_raw_log_odds(fitted):
    m, X, _ = fitted
    c = m.contributions(X.head(20))
    raw = m.raw_probability(X.head(20))
    assert list(c.columns) == ["spend", "plan", "bias"]
    assert c.sum(axis=1).to_numpy() == pytest.approx(np.log(raw / (1 - raw)), abs=1e-6)


def test_isotonic_calibration_on_enough_data():
    X, y = data(4000, seed=1)
    m = ChurnModel(n_estimators=60).fit(X, y)
    assert m.calibrator_.kind == "isotonic"
    Xt, yt = data(4000, seed=2)
    p = m.churn_probability(Xt)
    assert abs(p.mean() - yt.mean()) < 0.03


def test_save_load_round_trip(fitted, tmp_path):
    m, X, _ = fitted
    m.metadata_ = {"kind": "table", "id_column": "id"}
    path = m.save(tmp_path / "m" / "model.json")
    loaded = ChurnModel.load(path)
    assert loaded.spec_ == m.spec_
    assert loaded.metadata_ == m.metadata_
    np.testing.assert_allclose(loaded.churn_probability(X), m.churn_probability(X))
    d = json.loads(path.read_text("utf-8"))
    assert d["format_version"] == MODEL_FORMAT_VERSION and "loyalloop_version" in d


def test_mismatched_models_fail_clearly(fitted, tmp_path):
    m, X, _ = fitted
    path = m.save(tmp_path / "model.json")
    d = json.loads(path.read_text("utf-8"))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**d, "format_version": MODEL_FORMAT_VERSION + 1}))
    with pytest.raises(ModelError, match=r"model format version 2.*reads version 1"):
        ChurnModel.load(newer)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "loyalloop.clv.model"}))
    with pytest.raises(ModelError, match="not a Loyalloop churn model"):
        ChurnModel.load(other)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x80\x04\x95")
    with pytest.raises(ModelError, match="not a Loyalloop churn model"):
        ChurnModel.load(garbage)
    with pytest.raises(ModelError, match="does not exist"):
        ChurnModel.load(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    spec = {"features": [{"name": "spend", "kind": "numeric"}]}
    broken.write_text(json.dumps({**d, "feature_spec": spec}))
    with pytest.raises(ModelError, match="trees read 2 features but its feature spec lists 1"):
        ChurnModel.load(broken)
    with pytest.raises(DataValidationError, match="missing 1 column"):
        ChurnModel.load(path).churn_probability(X.drop(columns=["plan"]))
