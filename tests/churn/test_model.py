from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import MODEL_FORMAT_VERSION, ChurnModel
from loyalloop.churn.calibration import fit_calibrator
from loyalloop.core.modelfile import write_model_file
from loyalloop.errors import ConfigError, DataValidationError, ModelError, NotFittedError


def data(n: int = 1200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 50.0, n)
    plan = rng.choice(["basic", "gold", "silver"], n)
    logit = 1.0 - 0.02 * spend + 1.5 * (plan == "basic")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"spend": spend, "plan": plan}), y


@pytest.fixture(scope="module")
def fitted() -> tuple[ChurnModel, pd.DataFrame, np.ndarray]:
    X, y = data(800)
    return ChurnModel(n_estimators=60).fit(X, y), X, y


def test_fit_returns_self_and_sets_fitted_attributes(fitted):
    m, X, y = fitted
    assert m.n_train_ == len(y) and m.n_positive_ == int(y.sum())
    assert m.spec_.names == ["spend", "plan"]
    assert min(m.n_positive_, m.n_train_ - m.n_positive_) < 500
    assert m.calibrator_.kind == "sigmoid"  # fewer than 500 rows in the smaller class
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
    y[3:] = 0
    with pytest.raises(ModelError, match="isotonic calibration needs at least 4 rows"):
        ChurnModel(calibration="isotonic").fit(X, y)
    with pytest.raises(ConfigError, match="algorithm must be one of lightgbm, logistic"):
        ChurnModel(algorithm="forest")


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
    # Calibrating keeps the ranking: strictly increasing inside the calibrated range, so
    # customers the trees tell apart are not made ties (the old step function did that).
    raw = m.raw_probability(Xt)
    cal = m.calibrator_
    inside = (raw > cal.x[0]) & (raw < cal.x[-1])
    assert len(np.unique(p[inside])) == len(np.unique(raw[inside]))


def test_centred_isotonic_map_is_strictly_increasing_and_calibrated():
    rng = np.random.default_rng(3)
    raw = rng.random(5000)
    y = (rng.random(5000) < raw**2).astype(int)  # true probability raw², a convex map
    cal = fit_calibrator(raw, y, "isotonic")
    assert np.all(np.diff(cal.x) > 0) and np.all(np.diff(cal.y) > 0)
    grid = np.linspace(0.05, 0.95, 19)
    assert cal.apply(grid) == pytest.approx(grid**2, abs=0.06)


def test_logistic_regression_recovers_a_linear_truth():
    rng = np.random.default_rng(4)
    n = 6000
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "plan": rng.choice(["basic", "gold"], n),
        }
    )
    X.loc[rng.random(n) < 0.1, "b"] = np.nan  # missing at random: indicator ~ 0
    logit = -0.5 + 1.2 * X["a"] - 0.8 * X["b"].fillna(0) + 1.0 * (X["plan"] == "basic")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).to_numpy().astype(int)
    m = ChurnModel(algorithm="logistic").fit(X, y)
    assert m.calibrator_.kind == "none" and not hasattr(m, "booster_")
    # Slopes per unit (the design is standardised: divide by each column's scale).
    lin = m.estimator_
    slope = {
        (m.spec_.names[j], role): c / s
        for j, role, c, s in zip(lin.source, lin.role, lin.coef, lin.scale, strict=True)
    }
    assert slope[("a", "value")] == pytest.approx(1.2, abs=0.12)
    assert slope[("b", "value")] == pytest.approx(-0.8, abs=0.1)
    basic = m.spec_.features[2].categories.index("basic")
    gold = 1 - basic
    lv = {
        lin.level[k]: lin.coef[k] / lin.scale[k]
        for k in range(len(lin.source))
        if lin.role[k] == "level"
    }
    assert lv[basic] - lv[gold] == pytest.approx(1.0, abs=0.15)
    # Contributions are exact: they sum to the log-odds.
    c = m.contributions(X.head(50))
    p = m.raw_probability(X.head(50))
    assert c.sum(axis=1).to_numpy() == pytest.approx(np.log(p / (1 - p)), abs=1e-9)
    assert m.feature_importance_.index[0] == "a"


def test_monotone_constraint_holds():
    rng = np.random.default_rng(5)
    n = 3000
    X = pd.DataFrame({"days": rng.uniform(0, 300, n), "noise": rng.normal(size=n)})
    risk = 1 / (1 + np.exp(-(X["days"] - 150) / 40))
    y = (rng.random(n) < risk).to_numpy().astype(int)
    m = ChurnModel(n_estimators=80, monotone_increasing=("days", "not_a_column")).fit(X, y)
    grid = pd.DataFrame({"days": np.linspace(0, 300, 301), "noise": 0.3})
    assert np.all(np.diff(m.raw_probability(grid)) >= 0)


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
    assert d["algorithm"] == "lightgbm"


def test_logistic_save_load_and_version_1_files(fitted, tmp_path):
    m, X, y = fitted
    lr = ChurnModel(algorithm="logistic").fit(X, y)
    loaded = ChurnModel.load(lr.save(tmp_path / "lr.json"))
    assert loaded.algorithm == "logistic"
    np.testing.assert_array_equal(loaded.churn_probability(X), lr.churn_probability(X))
    # A version 1 file (LightGBM only, a setting this version no longer has) still loads.
    d = json.loads(m.save(tmp_path / "v2.json").read_text("utf-8"))
    v1 = {k: v for k, v in d.items() if k not in ("algorithm", "checksum")}
    v1["format_version"] = 1
    v1["params"] = {**v1["params"], "calibration_fraction": 0.25}
    del v1["params"]["monotone_increasing"]
    (tmp_path / "v1.json").write_text(json.dumps(v1), "utf-8")
    old = ChurnModel.load(tmp_path / "v1.json")
    np.testing.assert_array_equal(old.churn_probability(X), m.churn_probability(X))


def test_mismatched_models_fail_clearly(fitted, tmp_path):
    m, X, _ = fitted
    path = m.save(tmp_path / "model.json")
    d = json.loads(path.read_text("utf-8"))
    newer = tmp_path / "newer.json"
    # as a newer Loyalloop would write it (checksum and all)
    write_model_file(newer, {**d, "format_version": MODEL_FORMAT_VERSION + 1})
    with pytest.raises(ModelError, match=r"model format version 3.*reads versions 1 to 2"):
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
    # a file without its checksum (as older versions wrote) is still checked for consistency
    unchecked = {k: v for k, v in d.items() if k != "checksum"}
    broken.write_text(json.dumps({**unchecked, "feature_spec": spec}))
    with pytest.raises(ModelError, match="trees read 2 features but its feature spec lists 1"):
        ChurnModel.load(broken)
    with pytest.raises(DataValidationError, match="missing 1 column"):
        ChurnModel.load(path).churn_probability(X.drop(columns=["plan"]))
