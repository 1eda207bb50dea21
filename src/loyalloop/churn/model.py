"""The churn classifier: LightGBM trees or a regularised logistic regression, plus a
calibration map, saved with its feature spec.

One model class serves both uses: the warehouse features of :mod:`loyalloop.churn.features`
and any labelled customer table a team brings (:mod:`loyalloop.churn.byo`).

Algorithms (:class:`Algorithm`)
    ``lightgbm`` — gradient-boosted trees (200 trees of at most 7 leaves, learning rate 0.05,
    at least 40 rows per leaf, L2 = 1). Small trees: on CDNOW's backtest 15-leaf trees
    over-fitted the 7,038 training rows (ROC AUC 0.688 against 0.712 for 7 leaves, same rows,
    no calibration) and on the card sample 7 leaves did as well as 15 (0.942 and 0.941;
    ``benchmarks/results/churn_baselines.md``). ``monotone_increasing``
    names features whose effect may only raise the risk (the warehouse model uses it for days
    since the last purchase and how overdue that is), which keeps the trees from learning
    noise where the data are thin and makes every reason built on those features point the
    same way. ``deterministic``, ``force_row_wise``, a fixed thread count and seeds make the
    same rows give byte-identical trees.

    ``logistic`` — L2-regularised logistic regression (scikit-learn, ``C = 1``) on a design
    matrix built from the same feature spec: numbers clipped to their 0.5–99.5 % training
    range, missing values filled with the training median plus a missing-value indicator,
    categories one-hot (missing and unseen categories all-zero), every column standardised.
    Per-feature contributions to the log-odds are exact (coefficient × standardised value,
    summed over a feature's columns), so reasons work as for trees.
Fitting and calibration
    Trees: with ``calibration`` other than ``"none"``, the calibrator
    (:mod:`loyalloop.churn.calibration`) is fitted on *out-of-fold* raw probabilities from
    ``calibration_folds`` (4) stratified, seeded folds, and the trees that are kept are
    trained on all rows. No training row is set aside, which on small tables is worth having
    (CDNOW: ROC AUC 0.710 with a 25 % calibration hold-out, 0.717 cross-fitted). It costs
    ``calibration_folds`` extra fits (small folds fit on one thread each, ``n_jobs`` folds at
    a time).
    ``"auto"`` picks isotonic when the smaller class has at least 500 rows, Platt scaling
    when it has at least 10, else none. The logistic regression is fitted by maximum
    likelihood and is not recalibrated (``"auto"`` means ``"none"`` for it).
File format
    One JSON file: ``format`` (``loyalloop.churn.model``), ``format_version`` (2; version 1
    files, LightGBM only, still load), the Loyalloop and LightGBM versions that wrote it, the
    algorithm, the feature spec, the calibrator, caller metadata, and the LightGBM model text
    or the logistic regression's design and coefficients. No pickles, so a model file is safe
    to load and diff. Loading a file of another format or of a newer version, and scoring a
    table that lacks the spec's columns, fail with a message that says which.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from loyalloop import __version__
from loyalloop.churn.calibration import CalibrationKind, Calibrator, fit_calibrator
from loyalloop.churn.table import (
    CoercionReport,
    FeatureSpec,
    apply_spec,
    clean_column_names,
    coerce_labels,
    infer_spec,
)
from loyalloop.core.modelfile import read_model_file, write_model_file
from loyalloop.errors import ConfigError, DataValidationError, ModelError, NotFittedError

__all__ = ["MODEL_FORMAT", "MODEL_FORMAT_VERSION", "Algorithm", "ChurnModel"]

log = logging.getLogger(__name__)

MODEL_FORMAT = "loyalloop.churn.model"
MODEL_FORMAT_VERSION = 2

#: Smallest class size for isotonic calibration ("auto"); Platt scaling below it.
ISOTONIC_MIN_CLASS = 500
#: Smallest class size for any calibration ("auto").
CALIBRATE_MIN_CLASS = 10
#: Below this many rows the calibration folds' trees fit on one thread. Measured on the sample's
#: training rows (18,310 x 41, 200 trees, 2 cores): one thread 0.41 s CPU, two 0.49-0.75 s, with
#: the same predictions; OpenMP's start-up and hand-overs cost more than they save this small.
#: The logistic regression always fits with one BLAS thread: 0.09-0.12 s CPU against 1.0 s with
#: OpenBLAS's two (its lbfgs steps are products with a 41-column matrix; coefficients equal to
#: about 1e-12). Measured figures: benchmarks/results/run.md.
SMALL_FIT_ROWS = 50_000
#: Training quantiles numbers are clipped to before the logistic regression.
_CLIP = (0.005, 0.995)


class Algorithm(StrEnum):
    """The churn classifier's algorithm."""

    LIGHTGBM = "lightgbm"
    LOGISTIC = "logistic"


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return np.asarray(np.log(q / (1 - q)), dtype="float64")


@dataclass(frozen=True)
class _Trees:
    """A fitted LightGBM booster."""

    booster: lgb.Booster

    def raw(self, m: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(m), dtype="float64")

    def contributions(self, m: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(m, pred_contrib=True), dtype="float64")

    def importance(self) -> np.ndarray:
        return np.asarray(self.booster.feature_importance(importance_type="gain"), "float64")

    def to_dict(self) -> dict[str, Any]:
        return {"booster": self.booster.model_to_string()}


@dataclass(frozen=True)
class _Linear:
    """A fitted logistic regression over a design built from the feature spec.

    Design column ``k`` reads feature ``source[k]`` as ``role[k]``: ``value`` (the number,
    clipped to ``[lo, hi]``, missing → ``fill``), ``missing`` (1 if missing) or ``level``
    (1 if the category code equals ``level[k]``); then ``(x − mean) / scale``.
    """

    source: tuple[int, ...]
    role: tuple[str, ...]
    level: tuple[float, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    fill: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    n_features: int

    @staticmethod
    def layout(m: np.ndarray, spec: FeatureSpec) -> _Linear:
        """The design's columns and their clipping/filling from training matrix ``m``."""
        source: list[int] = []
        role: list[str] = []
        level: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        fill: list[float] = []

        def add(j: int, r: str, lv: float = 0.0, a: float = 0.0, b: float = 0.0) -> None:
            source.append(j)
            role.append(r)
            level.append(lv)
            lo.append(a)
            hi.append(b)
            fill.append(0.0)

        for j, f in enumerate(spec.features):
            col = m[:, j]
            present = col[~np.isnan(col)]
            if f.kind == "categorical":
                for code in range(len(f.categories)):
                    add(j, "level", float(code))
                continue
            if len(present):
                a, b = np.quantile(present, _CLIP)
                add(j, "value", a=float(a), b=float(b))
                fill[-1] = float(np.median(np.clip(present, a, b)))
            if len(present) < len(col):
                add(j, "missing")
        n = len(source)
        return _Linear(
            tuple(source),
            tuple(role),
            tuple(level),
            tuple(lo),
            tuple(hi),
            tuple(fill),
            (0.0,) * n,
            (1.0,) * n,
            (0.0,) * n,
            0.0,
            len(spec.features),
        )

    def design(self, m: np.ndarray, *, standardise: bool = True) -> np.ndarray:
        out = np.empty((m.shape[0], len(self.source)), dtype="float64")
        for k, j in enumerate(self.source):
            col = m[:, j]
            miss = np.isnan(col)
            if self.role[k] == "value":
                out[:, k] = np.where(miss, self.fill[k], np.clip(col, self.lo[k], self.hi[k]))
            elif self.role[k] == "missing":
                out[:, k] = miss.astype("float64")
            else:
                out[:, k] = (col == self.level[k]).astype("float64")
        if standardise:
            out = (out - np.asarray(self.mean)) / np.asarray(self.scale)
        return out

    def raw(self, m: np.ndarray) -> np.ndarray:
        z = self.design(m) @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype="float64")

    def contributions(self, m: np.ndarray) -> np.ndarray:
        parts = self.design(m) * np.asarray(self.coef)
        out = np.zeros((m.shape[0], self.n_features + 1), dtype="float64")
        for k, j in enumerate(self.source):
            out[:, j] += parts[:, k]
        out[:, -1] = self.intercept
        return out

    def importance(self) -> np.ndarray:
        imp = np.zeros(self.n_features, dtype="float64")
        for k, j in enumerate(self.source):
            imp[j] += abs(self.coef[k])
        return imp

    def to_dict(self) -> dict[str, Any]:
        return {
            "linear": {
                "source": list(self.source),
                "role": list(self.role),
                "level": list(self.level),
                "lo": list(self.lo),
                "hi": list(self.hi),
                "fill": list(self.fill),
                "mean": list(self.mean),
                "scale": list(self.scale),
                "coef": list(self.coef),
                "intercept": self.intercept,
                "n_features": self.n_features,
            }
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> _Linear:
        return _Linear(
            tuple(int(v) for v in d["source"]),
            tuple(str(v) for v in d["role"]),
            tuple(float(v) for v in d["level"]),
            tuple(float(v) for v in d["lo"]),
            tuple(float(v) for v in d["hi"]),
            tuple(float(v) for v in d["fill"]),
            tuple(float(v) for v in d["mean"]),
            tuple(float(v) for v in d["scale"]),
            tuple(float(v) for v in d["coef"]),
            float(d["intercept"]),
            int(d["n_features"]),
        )


_Estimator = _Trees | _Linear


@dataclass(frozen=True)
class _Fitted:
    spec: FeatureSpec
    estimator: _Estimator
    calibrator: Calibrator


class ChurnModel:
    """Calibrated churn classifier: gradient-boosted trees or a logistic regression.

    Parameters
    ----------
    algorithm
        :class:`Algorithm` (or its value): ``"lightgbm"`` (default) or ``"logistic"``.
    n_estimators, learning_rate, num_leaves, min_child_samples, feature_fraction
        LightGBM settings.
    monotone_increasing
        Features (by name) whose effect on the risk may only be increasing (LightGBM only;
        names not in the table are ignored).
    C
        Inverse L2 regularisation strength of the logistic regression.
    calibration
        ``"auto"``, ``"isotonic"``, ``"sigmoid"`` or ``"none"`` (see module docstring).
    calibration_folds
        Folds of the cross-fitted calibration.
    random_state
        Seed for the folds and for LightGBM.
    n_jobs
        LightGBM threads (fixed, so results do not depend on the machine).

    Attributes
    ----------
    spec_ : FeatureSpec
        The columns the model reads.
    dropped_ : dict
        Columns left out at fit time, with the reason.
    coercion_report_ : CoercionReport
        What was coerced in the training table.
    calibrator_ : Calibrator
    booster_ : lightgbm.Booster
        The trees (LightGBM models only).
    n_train_, n_positive_, n_unlabelled_ : int
    metadata_ : dict
        Free-form facts callers store with the model (id column, label, horizon …).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"spend": [float(i % 7) for i in range(200)]})
    >>> y = [int(i % 7 < 2) for i in range(200)]
    >>> m = ChurnModel(n_estimators=20, calibration="sigmoid").fit(X, y)
    >>> bool(m.churn_probability(X.head(2))[0] > m.churn_probability(X.head(3))[2])
    True
    >>> lr = ChurnModel(algorithm="logistic").fit(X, y)
    >>> bool(lr.churn_probability(X.head(1))[0] > lr.churn_probability(X.iloc[[6]])[0])
    True
    """

    def __init__(
        self,
        *,
        algorithm: Algorithm | str = Algorithm.LIGHTGBM,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 7,
        min_child_samples: int = 40,
        feature_fraction: float = 0.9,
        monotone_increasing: tuple[str, ...] = (),
        C: float = 1.0,
        calibration: Literal["auto"] | CalibrationKind = "auto",
        calibration_folds: int = 4,
        random_state: int = 0,
        n_jobs: int = 2,
    ) -> None:
        try:
            self.algorithm = Algorithm(algorithm)
        except ValueError:
            choices = ", ".join(a.value for a in Algorithm)
            raise ConfigError(f"algorithm must be one of {choices}, not {algorithm!r}") from None
        if calibration_folds < 2:
            raise ConfigError(f"calibration_folds must be at least 2, got {calibration_folds}")
        if C <= 0:
            raise ConfigError(f"C must be positive, got {C}")
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.monotone_increasing = tuple(monotone_increasing)
        self.C = C
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.metadata_: dict[str, Any] = {}

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {
            "algorithm": self.algorithm.value,
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "monotone_increasing": list(self.monotone_increasing),
            "C": self.C,
            "calibration": self.calibration,
            "calibration_folds": self.calibration_folds,
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
        }

    def with_params(self, **changes: Any) -> ChurnModel:
        """An unfitted copy with some settings changed."""
        params = {**self.get_params(), **changes}
        params["monotone_increasing"] = tuple(params["monotone_increasing"])
        return ChurnModel(**params)

    def _lgb_params(self, spec: FeatureSpec) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_seed": self.random_state,
            "feature_fraction_seed": self.random_state,
            "data_random_seed": self.random_state,
            "seed": self.random_state,
            "num_threads": self.n_jobs,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            "min_data_per_group": 5,
            "cat_smooth": 10.0,
            "lambda_l2": 1.0,
        }
        mono = set(self.monotone_increasing)
        if mono & set(spec.names):
            params["monotone_constraints"] = [
                1 if f.name in mono and f.kind == "numeric" else 0 for f in spec.features
            ]
        return params

    # --------------------------------------------------------------------- fit
    def fit(self, X: pd.DataFrame, y: Any, *, spec: FeatureSpec | None = None) -> Self:
        """Fit on table ``X`` and labels ``y`` (booleans, 0/1 or yes/no text).

        Rows without a label are left out and counted in ``n_unlabelled_``. ``spec`` fixes
        the features (otherwise they are inferred from ``X``, see
        :func:`loyalloop.churn.table.infer_spec`).
        """
        X, _ = clean_column_names(X)
        labels = y if isinstance(y, pd.Series) else pd.Series(y)
        if len(labels) != len(X):
            raise DataValidationError(f"got {len(X)} rows but {len(labels)} labels")
        yv, present = coerce_labels(labels.reset_index(drop=True), str(labels.name or "label"))
        dropped: dict[str, str] = {}
        if spec is None:
            spec, dropped = infer_spec(X.loc[present] if not present.all() else X)
        matrix, report = apply_spec(X, spec, dropped=dropped)
        matrix, yv = matrix[present], yv[present]
        n_pos = int(yv.sum())
        n_neg = len(yv) - n_pos
        if n_pos < 2 or n_neg < 2:
            raise ModelError(
                f"need at least 2 churned and 2 retained customers to fit; got {n_pos} churned "
                f"and {n_neg} retained"
            )
        kind = self._calibration_kind(n_pos, n_neg)
        estimator = self._train(matrix, yv, spec)
        if kind == "none":
            calibrator = Calibrator("none")
        else:
            oof = self._out_of_fold(matrix, yv, spec)
            calibrator = fit_calibrator(oof, yv, kind)
        self.spec_ = spec
        self.dropped_ = dropped
        self.coercion_report_: CoercionReport = report
        self.estimator_: _Estimator = estimator
        if isinstance(estimator, _Trees):
            self.booster_ = estimator.booster
        self.calibrator_ = calibrator
        self.n_train_ = len(yv)
        self.n_positive_ = n_pos
        self.n_unlabelled_ = int((~present).sum())
        log.info(
            "fitted %s churn model on %d rows (%d churned), %d features, %s calibration",
            self.algorithm.value,
            len(yv),
            n_pos,
            len(spec.features),
            kind,
        )
        return self

    def _calibration_kind(self, n_pos: int, n_neg: int) -> CalibrationKind:
        smaller = min(n_pos, n_neg)
        if self.calibration != "auto":
            if self.calibration != "none" and smaller < self.calibration_folds:
                raise ModelError(
                    f"{self.calibration} calibration needs at least {self.calibration_folds} "
                    f"rows of each class; got {n_pos} churned and {n_neg} retained. Use "
                    "calibration='none' or more data"
                )
            return self.calibration
        if self.algorithm == Algorithm.LOGISTIC:
            return "none"
        if smaller < max(CALIBRATE_MIN_CLASS, self.calibration_folds):
            log.warning("too few rows of each class to calibrate; probabilities are uncalibrated")
            return "none"
        return "isotonic" if smaller >= ISOTONIC_MIN_CLASS else "sigmoid"

    def _out_of_fold(self, matrix: np.ndarray, y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
        """Raw probabilities of every row from a model fitted on the other folds.

        Small folds (under :data:`SMALL_FIT_ROWS` rows) fit on one thread each, ``n_jobs`` of
        them at a time: LightGBM releases the interpreter lock while it builds trees, and each
        fold is the same single-threaded fit whichever thread runs it, so the probabilities do
        not depend on the schedule (:data:`SMALL_FIT_ROWS` has the figures). Larger folds fit
        one after another on ``n_jobs`` threads each.
        """
        oof = np.empty(len(y), dtype="float64")
        folds = list(
            StratifiedKFold(
                self.calibration_folds, shuffle=True, random_state=self.random_state
            ).split(matrix, y)
        )

        def fit(fit_idx: np.ndarray, threads: int | None) -> _Estimator:
            return self._train(matrix[fit_idx], y[fit_idx], spec, threads=threads)

        small = all(len(f) < SMALL_FIT_ROWS for f, _ in folds)
        workers = min(max(self.n_jobs, 1), len(folds))
        if small and workers > 1 and self.algorithm == Algorithm.LIGHTGBM:
            # Only fits run at the same time, all with one thread. LightGBM keeps the thread
            # count of its last call in a process-wide variable: a prediction (default threads)
            # on one thread while another fold still trains on one resizes that fold's per-thread
            # buffers under it (a segfault, seen once in tests/churn). So the folds predict
            # after every fit has ended.
            with ThreadPoolExecutor(workers, thread_name_prefix="churn-fold") as pool:
                futures = [pool.submit(fit, f, 1) for f, _ in folds]
                models = [done.result() for done in futures]  # re-raises a fold's error here
        else:
            models = [fit(f, 1 if len(f) < SMALL_FIT_ROWS else None) for f, _ in folds]
        for model, (_, cal_idx) in zip(models, folds, strict=True):
            oof[cal_idx] = model.raw(matrix[cal_idx])
        return oof

    def _train(
        self, matrix: np.ndarray, y: np.ndarray, spec: FeatureSpec, *, threads: int | None = None
    ) -> _Estimator:
        """Fit the trees (on ``threads`` threads, default ``n_jobs``) or the regression."""
        if self.algorithm == Algorithm.LOGISTIC:
            return self._train_linear(matrix, y, spec)
        names = [f"f{i}" for i in range(matrix.shape[1])]
        data = lgb.Dataset(
            matrix,
            label=y,
            feature_name=names,
            categorical_feature=spec.categorical_indices or "auto",
            free_raw_data=True,
            params={"verbosity": -1},
        )
        params = self._lgb_params(spec)
        if threads is not None:
            params["num_threads"] = threads
        return _Trees(lgb.train(params, data, num_boost_round=self.n_estimators))

    def _train_linear(self, matrix: np.ndarray, y: np.ndarray, spec: FeatureSpec) -> _Linear:
        lay = _Linear.layout(matrix, spec)
        d = lay.design(matrix, standardise=False)
        mean = d.mean(axis=0)
        scale = d.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        z = (d - mean) / scale
        lr = LogisticRegression(C=self.C, max_iter=2000)
        # OpenBLAS's threads cost far more than they save on a matrix this narrow (SMALL_FIT_ROWS)
        with threadpool_limits(1, user_api="blas"):
            lr.fit(z, y)
        return _Linear(
            lay.source,
            lay.role,
            lay.level,
            lay.lo,
            lay.hi,
            lay.fill,
            tuple(float(v) for v in mean),
            tuple(float(v) for v in scale),
            tuple(float(v) for v in lr.coef_[0]),
            float(lr.intercept_[0]),
            lay.n_features,
        )

    # ----------------------------------------------------------------- predict
    def _fitted(self) -> _Fitted:
        if not hasattr(self, "estimator_"):
            raise NotFittedError("this ChurnModel is not fitted yet; call fit() or load()")
        return _Fitted(self.spec_, self.estimator_, self.calibrator_)

    def prepare(self, X: pd.DataFrame) -> tuple[np.ndarray, CoercionReport]:
        """The model matrix for ``X`` and what was coerced to build it."""
        f = self._fitted()
        X, renamed = clean_column_names(X)
        passthrough = [v for v in (self.metadata_.get("id_column"),) if v]
        passthrough += [v for v in (self.metadata_.get("label_column"),) if v]
        matrix, report = apply_spec(X, f.spec, passthrough=passthrough)
        if renamed:
            report = CoercionReport(
                report.rows, report.columns, report.ignored_columns, renamed_columns=renamed
            )
        return matrix, report

    def raw_probability(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Uncalibrated probabilities of the trees or the logistic regression."""
        f = self._fitted()
        m = X if isinstance(X, np.ndarray) else self.prepare(X)[0]
        return f.estimator.raw(m)

    def churn_probability(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated probability of churn, one per row of ``X``."""
        return self._fitted().calibrator.apply(self.raw_probability(X))

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """scikit-learn shape: columns ``[P(retained), P(churned)]``."""
        p = self.churn_probability(X)
        return np.column_stack([1 - p, p])

    def contributions(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """Per-row contributions to the raw log-odds, one column per feature.

        TreeSHAP for trees; coefficient × standardised value for the logistic regression.
        The column ``bias`` is the expected log-odds (trees) or the intercept; each row sums
        to the raw log-odds. Positive values push towards churn.
        """
        f = self._fitted()
        m = X if isinstance(X, np.ndarray) else self.prepare(X)[0]
        return pd.DataFrame(f.estimator.contributions(m), columns=[*f.spec.names, "bias"])

    @property
    def feature_importance_(self) -> pd.Series:
        """Per feature, largest first: total gain (trees) or summed |coefficient| of its
        standardised columns (logistic regression)."""
        f = self._fitted()
        name = "gain" if self.algorithm == Algorithm.LIGHTGBM else "abs_coef"
        imp = pd.Series(f.estimator.importance(), index=f.spec.names, name=name)
        return imp.sort_values(ascending=False, kind="stable")

    # -------------------------------------------------------------- save/load
    def to_dict(self) -> dict[str, Any]:
        f = self._fitted()
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "loyalloop_version": __version__,
            "lightgbm_version": lgb.__version__,
            "algorithm": self.algorithm.value,
            "params": self.get_params(),
            "feature_spec": f.spec.to_dict(),
            "dropped": self.dropped_,
            "calibrator": f.calibrator.to_dict(),
            "n_train": self.n_train_,
            "n_positive": self.n_positive_,
            "n_unlabelled": self.n_unlabelled_,
            "metadata": self.metadata_,
            **f.estimator.to_dict(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the model to one JSON file and return its path."""
        return write_model_file(path, json.loads(json.dumps(self.to_dict(), default=str)))

    @classmethod
    def load(cls, path: str | Path) -> ChurnModel:
        """Read a model written by :meth:`save`; fail clearly on anything else."""
        d = read_model_file(path, what="churn model")
        return cls.from_dict(d, source=str(path))

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "model") -> ChurnModel:
        if not isinstance(d, dict) or d.get("format") != MODEL_FORMAT:
            fmt = d.get("format") if isinstance(d, dict) else None
            raise ModelError(
                f"{source} is not a Loyalloop churn model (format {fmt!r}, "
                f"expected {MODEL_FORMAT!r})"
            )
        version = d.get("format_version")
        if not isinstance(version, int) or version > MODEL_FORMAT_VERSION or version < 1:
            raise ModelError(
                f"{source} has model format version {version!r}; this Loyalloop "
                f"({__version__}) reads versions 1 to {MODEL_FORMAT_VERSION}. Retrain the "
                "model or install the Loyalloop version that wrote it "
                f"({d.get('loyalloop_version', 'unknown')})."
            )
        try:
            spec = FeatureSpec.from_dict(d["feature_spec"])
            calibrator = Calibrator.from_dict(d["calibrator"])
            algorithm = Algorithm(d.get("algorithm", Algorithm.LIGHTGBM.value))
            # Version 1 files carry settings this version no longer has.
            known = set(cls().get_params())
            params = {k: v for k, v in d["params"].items() if k in known}
            params["monotone_increasing"] = tuple(params.get("monotone_increasing", ()))
            params["algorithm"] = algorithm
            estimator: _Estimator
            if algorithm == Algorithm.LIGHTGBM:
                estimator = _Trees(lgb.Booster(model_str=d["booster"]))
                n_read = estimator.booster.num_feature()
                what = "trees read"
            else:
                estimator = _Linear.from_dict(d["linear"])
                n_read = estimator.n_features
                what = "logistic regression reads"
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ModelError(f"{source} is damaged: missing or invalid {e}") from None
        if n_read != len(spec.features):
            raise ModelError(
                f"{source} is inconsistent: its {what} {n_read} features but "
                f"its feature spec lists {len(spec.features)}"
            )
        m = cls(**params)
        m.spec_ = spec
        m.estimator_ = estimator
        if isinstance(estimator, _Trees):
            m.booster_ = estimator.booster
        m.calibrator_ = calibrator
        m.dropped_ = dict(d.get("dropped", {}))
        m.coercion_report_ = CoercionReport(0, ())
        m.n_train_ = int(d.get("n_train", 0))
        m.n_positive_ = int(d.get("n_positive", 0))
        m.n_unlabelled_ = int(d.get("n_unlabelled", 0))
        m.metadata_ = dict(d.get("metadata", {}))
        return m
