"""Uplift recovery on simulated campaigns whose individual effects are known."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.uplift.simulate import retention_campaign

from loyalloop.errors import ConfigError, ModelError, NotFittedError
from loyalloop.uplift import DRLearner, TLearner, UpliftModel, XLearner
from loyalloop.uplift.learners import BoosterParams

FEATURES = ["days_inactive", "visits", "spend", "plan"]
FAST = {"n_estimators": 80, "learning_rate": 0.08}


@pytest.fixture(scope="module")
def data():
    return retention_campaign(5000, seed=1), retention_campaign(4000, seed=2)


@pytest.fixture(scope="module")
def model(data):
    train, _ = data
    return UpliftModel(**FAST).fit(train[FEATURES], train.offer, train.retained)


def _true_gain(test, score, share=0.3):
    """Customers actually kept by treating the top ``share`` by ``score`` (known truth)."""
    k = int(share * len(test))
    return float(test.true_effect.to_numpy()[np.argsort(-score, kind="stable")[:k]].sum())


def test_learned_ranking_beats_risk_only_and_random(data, model):
    _, test = data
    uplift = model.predict(test[FEATURES])
    risk = -model.control_outcome(test[FEATURES])  # lowest chance of staying first
    k = int(0.3 * len(test))
    gain, risk_gain = _true_gain(test, uplift), _true_gain(test, risk)
    random_gain = test.true_effect.mean() * k
    oracle = _true_gain(test, test.true_effect.to_numpy())
    assert gain > 1.2 * risk_gain
    assert gain > random_gain + 0.3 * (oracle - random_gain)
    assert np.corrcoef(uplift, test.true_effect)[0, 1] > 0.4
    # the sleeping dogs (Basic plan, effect -0.10) are predicted to be harmed on average
    basic = (test.plan == "Basic").to_numpy()
    assert uplift[basic].mean() < 0 < uplift[~basic].mean()


def test_choice_by_cross_validated_qini(model):
    scores = model.cv_scores_
    assert set(scores) == {"t", "x", "dr", "outcome_high", "outcome_low"}
    assert model.learner_name_ == max(("t", "x", "dr"), key=scores.__getitem__)
    assert scores[model.learner_name_] > scores["outcome_low"]
    assert not model.notes_


@pytest.mark.parametrize("cls", [TLearner, XLearner, DRLearner])
def test_each_learner_recovers_a_numeric_effect(cls):
    """Revenue: the offer adds 20 for customers with x > 0 and nothing otherwise."""
    rng = np.random.default_rng(4)
    n = 4000
    X = rng.normal(0, 1, (n, 3))
    t = rng.integers(0, 2, n).astype(float)
    tau = 20.0 * (X[:, 0] > 0)
    y = 100 + 30 * X[:, 1] + t * tau + rng.normal(0, 10, n)
    learner = cls(params=BoosterParams(n_estimators=80, learning_rate=0.08)).fit(X, t, y)
    pred = learner.predict(X)
    assert learner.treated_share_ == pytest.approx(t.mean())
    assert pred[X[:, 0] > 0.3].mean() == pytest.approx(20.0, abs=4.0)
    assert pred[X[:, 0] < -0.3].mean() == pytest.approx(0.0, abs=4.0)


def test_save_load_round_trip(tmp_path, data, model):
    _, test = data
    path = model.save(tmp_path / "m.json")
    again = UpliftModel.load(path)
    np.testing.assert_allclose(again.predict(test[FEATURES]), model.predict(test[FEATURES]))
    assert again.learner_name_ == model.learner_name_
    assert again.cv_scores_ == pytest.approx(model.cv_scores_)
    assert again.get_params() == model.get_params()


def test_a_version_1_file_with_its_propensity_key_still_loads(tmp_path, data, model):
    """Version 1 saved the treated share as ``propensity`` (now a logged assignment's chance of
    its arm only): the same number, read under its old key."""
    _, test = data
    d = model.to_dict()
    assert d["format_version"] == 2 and "propensity" not in d
    old = {k: v for k, v in d.items() if k != "treated_share"}
    p = tmp_path / "v1.json"
    p.write_text(json.dumps({**old, "format_version": 1, "propensity": d["treated_share"]}))
    again = UpliftModel.load(p)
    assert again.learner_.treated_share_ == model.learner_.treated_share_
    np.testing.assert_allclose(again.predict(test[FEATURES]), model.predict(test[FEATURES]))


def test_load_refuses_other_files(tmp_path, model):
    p = tmp_path / "m.json"
    d = model.to_dict()
    p.write_text(json.dumps({**d, "format_version": 99}))
    with pytest.raises(ModelError, match=r"format version 99.*reads versions 1 to 2"):
        UpliftModel.load(p)
    p.write_text(json.dumps({**d, "format": "loyalloop-churn-model"}))
    with pytest.raises(ModelError, match="not a Loyalloop uplift model"):
        UpliftModel.load(p)
    p.write_text(json.dumps({k: v for k, v in d.items() if k != "boosters"}))
    with pytest.raises(ModelError, match="damaged"):
        UpliftModel.load(p)
    p.write_text("not json")
    with pytest.raises(ModelError, match="not a JSON model file"):
        UpliftModel.load(p)
    with pytest.raises(ModelError, match="does not exist"):
        UpliftModel.load(tmp_path / "nope.json")


def test_unfitted_and_bad_settings(data):
    train, _ = data
    with pytest.raises(NotFittedError):
        UpliftModel().predict(train[FEATURES])
    with pytest.raises(ConfigError, match="unknown learner"):
        UpliftModel(learners=("s",)).fit(train[FEATURES], train.offer, train.retained)
    few = train.head(40)
    with pytest.raises(ModelError, match="at least 30 treated and 30 control"):
        UpliftModel().fit(few[FEATURES], few.offer, few.retained)
    with pytest.raises(ModelError, match="same in every row"):
        UpliftModel(**FAST).fit(train[FEATURES], train.offer, np.full(len(train), 3.0))
