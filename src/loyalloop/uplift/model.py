"""An uplift model for any customer table: feature coercion, learner choice by CV Qini, files.

:class:`UpliftModel` reads a table the way the churn model does (column kinds decided once at
fit time, every coercion reported: :mod:`loyalloop.churn.table`), fits each candidate learner
(:mod:`loyalloop.uplift.learners`) in ``cv``-fold cross-validation on the training rows, keeps
the one whose out-of-fold predictions have the largest Qini area, and refits it on all rows.

The cross-validation also scores two baselines a careful analyst would try, from the same
out-of-fold control-outcome model ``μ₀``: targeting the highest predicted outcome without
treatment ("likely anyway") and the lowest ("at risk"; for a retention outcome this is
risk-only targeting). If no learner beats the best baseline the model still scores uplift,
but ``notes_`` says so plainly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from loyalloop import __version__
from loyalloop.churn.table import (
    CoercionReport,
    FeatureSpec,
    apply_spec,
    clean_column_names,
    infer_spec,
)
from loyalloop.core.modelfile import read_model_file, write_model_file
from loyalloop.errors import ConfigError, DataValidationError, ModelError, NotFittedError
from loyalloop.uplift.learners import LEARNERS, BoosterParams, Learner
from loyalloop.uplift.metrics import qini_area

__all__ = ["BASELINES", "MODEL_FORMAT", "MODEL_FORMAT_VERSION", "UpliftModel"]

log = logging.getLogger(__name__)

MODEL_FORMAT = "loyalloop-uplift-model"
MODEL_FORMAT_VERSION = 2

#: Baseline rankings scored next to the learners (name → sign applied to ``μ₀``).
BASELINES = {"outcome_high": 1.0, "outcome_low": -1.0}


class UpliftModel:
    """Choose and fit an uplift learner on a table of features, a 0/1 treatment and an outcome.

    Parameters
    ----------
    learners
        Candidate learners by name (``t``, ``x``, ``dr``).
    cv
        Folds of the cross-validation that chooses the learner.
    n_estimators, learning_rate, num_leaves, min_child_samples
        LightGBM settings of every model (see :class:`BoosterParams`).
    random_state, n_jobs
        Seed and threads.

    Attributes
    ----------
    learner_ : Learner
        The chosen learner, refitted on all rows.
    learner_name_ : str
    cv_scores_ : dict[str, float]
        Out-of-fold Qini area of each learner and baseline.
    spec_ : FeatureSpec
    dropped_ : dict[str, str]
        Columns left out, with the reason.
    coercion_report_ : CoercionReport
    binary_outcome_ : bool
    n_train_, n_treated_ : int
    notes_ : list[str]
    metadata_ : dict
        Facts callers store with the model (id, treatment and outcome column names …).
    """

    def __init__(
        self,
        *,
        learners: tuple[str, ...] = ("t", "x", "dr"),
        cv: int = 3,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 40,
        random_state: int = 0,
        n_jobs: int = 2,
    ) -> None:
        self.learners = tuple(learners)
        self.cv = cv
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.metadata_: dict[str, Any] = {}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {
            "learners": self.learners,
            "cv": self.cv,
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
        }

    def _booster_params(self) -> BoosterParams:
        return BoosterParams(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        )

    def _learner(self, name: str) -> Learner:
        return LEARNERS[name](
            params=self._booster_params(),
            binary_outcome=self.binary_outcome_,
            categorical=tuple(self.spec_.categorical_indices),
        )

    # --------------------------------------------------------------------- fit
    def fit(
        self, X: pd.DataFrame, treatment: Any, outcome: Any, *, learner: str | None = None
    ) -> Self:
        """Fit on features ``X``, treatment (0/1) and outcome (numbers; 0/1 for a rate).

        ``treatment`` and ``outcome`` must be complete and finite here; the table front-end
        (:func:`loyalloop.uplift.train_table`) reports and removes bad rows before this.
        With ``learner`` given, that learner is fitted without the cross-validation
        (``cv_scores_`` is then empty).
        """
        unknown = [n for n in (*self.learners, learner or "t") if n not in LEARNERS]
        if unknown or not self.learners:
            raise ConfigError(
                f"unknown learner(s) {', '.join(unknown) or '(none)'}; choose from "
                + ", ".join(LEARNERS)
            )
        if self.cv < 2:
            raise ConfigError(f"cv must be at least 2, got {self.cv}")
        X, _ = clean_column_names(X)
        t = np.asarray(treatment, dtype="float64")
        y = np.asarray(outcome, dtype="float64")
        if not (len(t) == len(y) == len(X)):
            raise DataValidationError(
                f"got {len(X)} rows, {len(t)} treatment and {len(y)} outcome values"
            )
        if not np.isin(t, (0.0, 1.0)).all():
            raise DataValidationError("treatment must be 0 or 1 in every row")
        if not np.isfinite(y).all():
            raise DataValidationError("outcome must be a finite number in every row")
        n_t = int(t.sum())
        n_c = len(t) - n_t
        min_arm = 10 * self.cv
        if min(n_t, n_c) < min_arm:
            raise ModelError(
                f"need at least {min_arm} treated and {min_arm} control rows to fit and "
                f"cross-validate; got {n_t} treated and {n_c} control"
            )
        self.binary_outcome_ = bool(np.isin(y, (0.0, 1.0)).all())
        if self.binary_outcome_:
            for g, name in ((1.0, "treated"), (0.0, "control")):
                pos = int(y[t == g].sum())
                neg = int((t == g).sum()) - pos
                if min(pos, neg) < 5:
                    raise ModelError(
                        f"the {name} rows have {pos} positive and {neg} negative outcomes; "
                        "need at least 5 of each"
                    )
        elif np.ptp(y) == 0:
            raise ModelError("the outcome is the same in every row; there is nothing to learn")
        spec, dropped = infer_spec(X)
        matrix, report = apply_spec(X, spec, dropped=dropped)
        self.spec_: FeatureSpec = spec
        self.dropped_ = dropped
        self.coercion_report_: CoercionReport = report

        if learner is not None:
            self.learner_ = self._learner(learner).fit(matrix, t, y)
            self.learner_name_ = learner
            self.cv_scores_: dict[str, float] = {}
            self.notes_: list[str] = []
            self.n_train_ = len(y)
            self.n_treated_ = n_t
            return self
        scores = self._cross_validate(matrix, t, y)
        learner_scores = {k: v for k, v in scores.items() if k in self.learners}
        best = max(learner_scores, key=lambda k: learner_scores[k])
        best_baseline = max(BASELINES, key=lambda k: scores[k])
        notes: list[str] = []
        if scores[best] <= scores[best_baseline]:
            notes.append(
                f"no learner beat targeting by {best_baseline.replace('_', ' ')} in "
                f"cross-validation (Qini area {scores[best]:.4g} vs {scores[best_baseline]:.4g}); "
                "treat the uplift scores with caution"
            )
        if scores[best] <= 0:
            notes.append(
                "the chosen learner ranked no better than random in cross-validation; the data "
                "may hold no detectable differences in effect"
            )
        self.learner_ = self._learner(best).fit(matrix, t, y)
        self.learner_name_ = best
        self.cv_scores_ = scores
        self.notes_ = notes
        self.n_train_ = len(y)
        self.n_treated_ = n_t
        log.info("uplift model: chose %s-learner; CV Qini areas %s", best, scores)
        return self

    def _cross_validate(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> dict[str, float]:
        strata = t * 2 + (y if self.binary_outcome_ else 0)
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        oof = {name: np.empty(len(y)) for name in (*self.learners, "mu0")}
        for train, test in folds.split(X, strata):
            for name in self.learners:
                learner = self._learner(name).fit(X[train], t[train], y[train])
                oof[name][test] = learner.predict(X[test])
                if name == self.learners[0]:
                    oof["mu0"][test] = learner.control_outcome(X[test])
        scores = {name: qini_area(y, t, oof[name]) for name in self.learners}
        for name, sign in BASELINES.items():
            scores[name] = qini_area(y, t, sign * oof["mu0"])
        return scores

    # ----------------------------------------------------------------- predict
    def _fitted(self) -> Learner:
        if not hasattr(self, "learner_"):
            raise NotFittedError("this UpliftModel is not fitted yet; call fit() or load()")
        return self.learner_

    def prepare(self, X: pd.DataFrame) -> tuple[np.ndarray, CoercionReport]:
        """The model matrix for ``X`` and what was coerced to build it."""
        self._fitted()
        X, renamed = clean_column_names(X)
        passthrough = [
            str(v)
            for v in (
                self.metadata_.get("id_column"),
                self.metadata_.get("treatment_column"),
                self.metadata_.get("outcome_column"),
            )
            if v
        ]
        matrix, report = apply_spec(X, self.spec_, passthrough=passthrough)
        if renamed:
            report = CoercionReport(
                report.rows, report.columns, report.ignored_columns, renamed_columns=renamed
            )
        return matrix, report

    def _matrix(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        return X if isinstance(X, np.ndarray) else self.prepare(X)[0]

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Expected change of the outcome if treated, one per row."""
        return self._fitted().predict(self._matrix(X))

    def control_outcome(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Predicted outcome without treatment (the baselines' score)."""
        return self._fitted().control_outcome(self._matrix(X))

    # -------------------------------------------------------------- save/load
    def to_dict(self) -> dict[str, Any]:
        learner = self._fitted()
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "loyalloop_version": __version__,
            "lightgbm_version": lgb.__version__,
            "params": {**self.get_params(), "learners": list(self.learners)},
            "learner": self.learner_name_,
            "treated_share": learner.treated_share_,
            "binary_outcome": self.binary_outcome_,
            "feature_spec": self.spec_.to_dict(),
            "dropped": self.dropped_,
            "cv_scores": self.cv_scores_,
            "notes": self.notes_,
            "n_train": self.n_train_,
            "n_treated": self.n_treated_,
            "metadata": self.metadata_,
            "boosters": learner.boosters(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the model to one JSON file (atomically) and return its path."""
        return write_model_file(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> UpliftModel:
        """Read a model written by :meth:`save`; fail clearly on anything else."""
        d = read_model_file(path, what="uplift model")
        return cls.from_dict(d, source=str(path))

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "model") -> UpliftModel:
        if not isinstance(d, dict) or d.get("format") != MODEL_FORMAT:
            fmt = d.get("format") if isinstance(d, dict) else None
            raise ModelError(
                f"{source} is not a Loyalloop uplift model (format {fmt!r}, expected "
                f"{MODEL_FORMAT!r})"
            )
        version = d.get("format_version")
        if not isinstance(version, int) or not 1 <= version <= MODEL_FORMAT_VERSION:
            raise ModelError(
                f"{source} has uplift model format version {version!r}; this Loyalloop "
                f"({__version__}) reads versions 1 to {MODEL_FORMAT_VERSION}. Retrain the model or "
                "install the Loyalloop version that wrote it "
                f"({d.get('loyalloop_version', 'unknown')})."
            )
        try:
            params = dict(d["params"])
            params["learners"] = tuple(params["learners"])
            m = cls(**params)
            m.spec_ = FeatureSpec.from_dict(d["feature_spec"])
            m.binary_outcome_ = bool(d["binary_outcome"])
            name = str(d["learner"])
            learner_cls = LEARNERS[name]
            m.learner_ = learner_cls.from_boosters(
                d["boosters"],
                # version 1 named the treated share "propensity" (the same number)
                treated_share=float(d["treated_share" if version >= 2 else "propensity"]),
                params=m._booster_params(),
                binary_outcome=m.binary_outcome_,
                categorical=tuple(m.spec_.categorical_indices),
            )
        except (KeyError, TypeError, ValueError, lgb.basic.LightGBMError) as e:
            raise ModelError(f"{source} is damaged: {type(e).__name__} {e}") from None
        for key, booster in m.learner_.boosters_.items():
            if booster.num_feature() != len(m.spec_.features):
                raise ModelError(
                    f"{source} is inconsistent: model {key} reads {booster.num_feature()} "
                    f"features but the feature spec lists {len(m.spec_.features)}"
                )
        m.learner_name_ = name
        m.dropped_ = dict(d.get("dropped", {}))
        m.coercion_report_ = CoercionReport(0, ())
        m.cv_scores_ = {str(k): float(v) for k, v in d.get("cv_scores", {}).items()}
        m.notes_ = list(d.get("notes", []))
        m.n_train_ = int(d.get("n_train", 0))
        m.n_treated_ = int(d.get("n_treated", 0))
        m.metadata_ = dict(d.get("metadata", {}))
        return m
