"""Meta-learners of the individual treatment effect on LightGBM (T, X and DR).

Each learner estimates ``τ(x) = E[Y | T = 1, x] − E[Y | T = 0, x]`` from a randomised
experiment (or a campaign with a random holdout) on a numeric feature matrix (missing values
as ``NaN``; categorical columns as integer codes listed in ``categorical``):

:class:`TLearner`
    One outcome model per arm, ``τ = μ₁ − μ₀`` (two models; strong when the arms differ a lot).
:class:`XLearner`
    Künzel et al. (2019): the T-learner's models impute each unit's effect (``Y − μ₀(x)`` for
    the treated, ``μ₁(x) − Y`` for the control), two effect models are fitted on them and
    blended with the treated share ``e``: ``τ = e τ₀ + (1 − e) τ₁``. Good when one arm is small.
:class:`DRLearner`
    Kennedy (2023): cross-fitted outcome models give the doubly-robust pseudo-outcome
    ``μ₁ − μ₀ + T (Y − μ₁) / e − (1 − T)(Y − μ₀) / (1 − e)``, regressed on ``x``.

``e`` is the share of treated units (``treated_share_``), the chance to be treated in a
two-arm table — not the ``propensity`` an assignment row logs, which is the chance of its
arm among several (:mod:`loyalloop.measurement.selection` turns one into the other). These
learners assume randomised treatment, as in a campaign with a random control group (they are
not a fix for self-selected treatment). Outcome models are binary classifiers for 0/1 outcomes and
regressions otherwise; effect models are regressions. Every model is a LightGBM booster, so a
fitted learner is saved as text (:meth:`boosters`) without pickling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import lightgbm as lgb
import numpy as np

from loyalloop.errors import NotFittedError

__all__ = ["LEARNERS", "BoosterParams", "DRLearner", "Learner", "TLearner", "XLearner"]


@dataclass(frozen=True)
class BoosterParams:
    """LightGBM settings shared by a learner's models (defaults visible here)."""

    n_estimators: int = 200
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_child_samples: int = 40
    lambda_l2: float = 1.0
    feature_fraction: float = 0.9
    random_state: int = 0
    n_jobs: int = 2

    def lgb_params(self, objective: str) -> dict[str, Any]:
        return {
            "objective": objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.lambda_l2,
            "feature_fraction": self.feature_fraction,
            "seed": self.random_state,
            "bagging_seed": self.random_state,
            "feature_fraction_seed": self.random_state,
            "num_threads": self.n_jobs,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            "min_data_per_group": 5,
            "cat_smooth": 10.0,
        }


def _train(
    X: np.ndarray,
    y: np.ndarray,
    objective: str,
    params: BoosterParams,
    categorical: Sequence[int],
) -> lgb.Booster:
    data = lgb.Dataset(
        X,
        label=y,
        feature_name=[f"f{i}" for i in range(X.shape[1])],
        categorical_feature=list(categorical) or "auto",
        free_raw_data=True,
        params={"verbosity": -1},
    )
    return lgb.train(params.lgb_params(objective), data, num_boost_round=params.n_estimators)


def _predict(b: lgb.Booster, X: np.ndarray) -> np.ndarray:
    return np.asarray(b.predict(X), dtype="float64")


@dataclass
class Learner:
    """Base class: ``fit(X, t, y)`` returns self; ``predict(X)`` the effect per row."""

    params: BoosterParams = field(default_factory=BoosterParams)
    binary_outcome: bool = False
    categorical: tuple[int, ...] = ()
    name: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.boosters_: dict[str, lgb.Booster] = {}
        self.treated_share_: float = float("nan")

    @property
    def outcome_objective(self) -> str:
        return "binary" if self.binary_outcome else "regression"

    def _outcome_model(self, X: np.ndarray, y: np.ndarray) -> lgb.Booster:
        return _train(X, y, self.outcome_objective, self.params, self.categorical)

    def _effect_model(self, X: np.ndarray, d: np.ndarray) -> lgb.Booster:
        return _train(X, d, "regression", self.params, self.categorical)

    def fit(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> Self:
        t = np.asarray(t, dtype="float64")
        y = np.asarray(y, dtype="float64")
        self.treated_share_ = float(t.mean())
        self.boosters_ = self._fit(np.asarray(X, dtype="float64"), t, y)
        return self

    def _fit(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> dict[str, lgb.Booster]:
        raise NotImplementedError

    def _check(self) -> None:
        if not self.boosters_:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit()")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Estimated effect of the treatment for each row."""
        raise NotImplementedError

    def control_outcome(self, X: np.ndarray) -> np.ndarray:
        """Predicted outcome without treatment (``μ₀``)."""
        self._check()
        return _predict(self.boosters_["mu0"], X)

    def boosters(self) -> dict[str, str]:
        """The fitted models as LightGBM model strings."""
        self._check()
        return {k: b.model_to_string() for k, b in self.boosters_.items()}

    @classmethod
    def from_boosters(
        cls,
        models: dict[str, str],
        *,
        treated_share: float,
        params: BoosterParams,
        binary_outcome: bool,
        categorical: tuple[int, ...],
    ) -> Learner:
        learner = cls(params=params, binary_outcome=binary_outcome, categorical=categorical)
        learner.boosters_ = {k: lgb.Booster(model_str=v) for k, v in models.items()}
        learner.treated_share_ = treated_share
        return learner


@dataclass
class TLearner(Learner):
    """``τ = μ₁ − μ₀`` from one outcome model per arm."""

    name: ClassVar[str] = "t"

    def _fit(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> dict[str, lgb.Booster]:
        treated = t == 1
        return {
            "mu0": self._outcome_model(X[~treated], y[~treated]),
            "mu1": self._outcome_model(X[treated], y[treated]),
        }

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._check()
        return _predict(self.boosters_["mu1"], X) - _predict(self.boosters_["mu0"], X)


@dataclass
class XLearner(Learner):
    """Künzel et al.'s X-learner with a constant treated share."""

    name: ClassVar[str] = "x"

    def _fit(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> dict[str, lgb.Booster]:
        treated = t == 1
        mu0 = self._outcome_model(X[~treated], y[~treated])
        mu1 = self._outcome_model(X[treated], y[treated])
        d1 = y[treated] - _predict(mu0, X[treated])
        d0 = _predict(mu1, X[~treated]) - y[~treated]
        return {
            "mu0": mu0,
            "mu1": mu1,
            "tau0": self._effect_model(X[~treated], d0),
            "tau1": self._effect_model(X[treated], d1),
        }

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._check()
        e = self.treated_share_
        tau0 = _predict(self.boosters_["tau0"], X)
        tau1 = _predict(self.boosters_["tau1"], X)
        return e * tau0 + (1 - e) * tau1


@dataclass
class DRLearner(Learner):
    """Kennedy's DR-learner with two-fold cross-fitting and a constant treated share."""

    name: ClassVar[str] = "dr"
    folds: int = 2

    def _fit(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> dict[str, lgb.Booster]:
        rng = np.random.default_rng(self.params.random_state)
        fold = rng.permutation(np.arange(len(y)) % self.folds)
        m0 = np.empty(len(y))
        m1 = np.empty(len(y))
        for k in range(self.folds):
            train, test = fold != k, fold == k
            treated = t == 1
            mu0 = self._outcome_model(X[train & ~treated], y[train & ~treated])
            mu1 = self._outcome_model(X[train & treated], y[train & treated])
            m0[test] = _predict(mu0, X[test])
            m1[test] = _predict(mu1, X[test])
        e = float(t.mean())
        pseudo = m1 - m0 + t * (y - m1) / e - (1 - t) * (y - m0) / (1 - e)
        return {
            "mu0": self._outcome_model(X[t == 0], y[t == 0]),
            "tau": self._effect_model(X, pseudo),
        }

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._check()
        return _predict(self.boosters_["tau"], X)


#: Learners by name.
LEARNERS: dict[str, type[Learner]] = {"t": TLearner, "x": XLearner, "dr": DRLearner}
