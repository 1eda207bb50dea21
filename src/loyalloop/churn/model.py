"""The churn classifier: LightGBM trees plus a calibration map, saved with its feature spec.

One model class serves both uses: the warehouse features of :mod:`loyalloop.churn.features`
and any labelled customer table a team brings (:mod:`loyalloop.churn.byo`).

Fitting
    ``calibration_fraction`` of the rows (stratified, seeded) are held out; the trees are
    trained on the rest and the calibrator (:mod:`loyalloop.churn.calibration`) on the held-out
    rows. ``calibration="auto"`` picks isotonic when the held-out part has at least 200 rows of
    each class and Platt scaling otherwise.
File format
    One JSON file: ``format`` (``loyalloop.churn.model``), ``format_version``, the Loyalloop
    and LightGBM versions that wrote it, the feature spec, the calibrator, caller metadata and
    the LightGBM model text. No pickles, so a model file is safe to load and diff. Loading a
    file of another format or of a newer version, and scoring a table that lacks the spec's
    columns, fail with a message that says which.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

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
from loyalloop.errors import DataValidationError, ModelError, NotFittedError

__all__ = ["MODEL_FORMAT", "MODEL_FORMAT_VERSION", "ChurnModel"]

log = logging.getLogger(__name__)

MODEL_FORMAT = "loyalloop.churn.model"
MODEL_FORMAT_VERSION = 1


@dataclass(frozen=True)
class _Fitted:
    spec: FeatureSpec
    booster: lgb.Booster
    calibrator: Calibrator


class ChurnModel:
    """Calibrated gradient-boosted churn classifier.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples, feature_fraction
        LightGBM settings (defaults suit tables of a few thousand to a few million rows).
    calibration
        ``"auto"``, ``"isotonic"``, ``"sigmoid"`` or ``"none"``. ``"auto"``: isotonic with at
        least 200 held-out rows of each class, Platt scaling with at least 5, else none.
    calibration_fraction
        Share of rows held out to fit the calibrator.
    random_state
        Seed for the split and for LightGBM.
    n_jobs
        LightGBM threads.

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
    """

    def __init__(
        self,
        *,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 40,
        feature_fraction: float = 0.9,
        calibration: Literal["auto"] | CalibrationKind = "auto",
        calibration_fraction: float = 0.25,
        random_state: int = 0,
        n_jobs: int = 2,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.calibration = calibration
        self.calibration_fraction = calibration_fraction
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.metadata_: dict[str, Any] = {}

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "calibration": self.calibration,
            "calibration_fraction": self.calibration_fraction,
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
        }

    def _lgb_params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_seed": self.random_state,
            "feature_fraction_seed": self.random_state,
            "seed": self.random_state,
            "num_threads": self.n_jobs,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            "min_data_per_group": 5,
            "cat_smooth": 10.0,
            "lambda_l2": 1.0,
        }

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
        if kind == "none":
            fit_idx = np.arange(len(yv))
            cal_idx = np.arange(0)
        else:
            fit_idx, cal_idx = train_test_split(
                np.arange(len(yv)),
                test_size=self.calibration_fraction,
                stratify=yv,
                random_state=self.random_state,
            )
        booster = self._train(matrix[fit_idx], yv[fit_idx], spec)
        if kind == "none":
            calibrator = Calibrator("none")
        else:
            raw = booster.predict(matrix[cal_idx])
            calibrator = fit_calibrator(np.asarray(raw), yv[cal_idx], kind)
        self.spec_ = spec
        self.dropped_ = dropped
        self.coercion_report_: CoercionReport = report
        self.booster_ = booster
        self.calibrator_ = calibrator
        self.n_train_ = len(yv)
        self.n_positive_ = n_pos
        self.n_unlabelled_ = int((~present).sum())
        log.info(
            "fitted churn model on %d rows (%d churned), %d features, %s calibration",
            len(yv),
            n_pos,
            len(spec.features),
            kind,
        )
        return self

    def _calibration_kind(self, n_pos: int, n_neg: int) -> CalibrationKind:
        held = min(n_pos, n_neg) * self.calibration_fraction
        if self.calibration != "auto":
            if self.calibration != "none" and held < 2:
                raise ModelError(
                    f"{self.calibration} calibration needs at least 2 held-out rows of each "
                    f"class; got {n_pos} churned and {n_neg} retained in all. Use "
                    "calibration='none' or more data"
                )
            return self.calibration
        if held < 5:
            log.warning("too few rows of each class to calibrate; probabilities are uncalibrated")
            return "none"
        return "isotonic" if held >= 200 else "sigmoid"

    def _train(self, matrix: np.ndarray, y: np.ndarray, spec: FeatureSpec) -> lgb.Booster:
        names = [f"f{i}" for i in range(matrix.shape[1])]
        data = lgb.Dataset(
            matrix,
            label=y,
            feature_name=names,
            categorical_feature=spec.categorical_indices or "auto",
            free_raw_data=True,
            params={"verbosity": -1},
        )
        return lgb.train(self._lgb_params(), data, num_boost_round=self.n_estimators)

    # ----------------------------------------------------------------- predict
    def _fitted(self) -> _Fitted:
        if not hasattr(self, "booster_"):
            raise NotFittedError("this ChurnModel is not fitted yet; call fit() or load()")
        return _Fitted(self.spec_, self.booster_, self.calibrator_)

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
        """Uncalibrated tree probabilities."""
        f = self._fitted()
        m = X if isinstance(X, np.ndarray) else self.prepare(X)[0]
        return np.asarray(f.booster.predict(m), dtype="float64")

    def churn_probability(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated probability of churn, one per row of ``X``."""
        return self._fitted().calibrator.apply(self.raw_probability(X))

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """scikit-learn shape: columns ``[P(retained), P(churned)]``."""
        p = self.churn_probability(X)
        return np.column_stack([1 - p, p])

    def contributions(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """Per-row TreeSHAP contributions to the raw log-odds, one column per feature.

        The column ``bias`` is the expected log-odds; each row sums to the raw log-odds.
        Positive values push towards churn.
        """
        f = self._fitted()
        m = X if isinstance(X, np.ndarray) else self.prepare(X)[0]
        contrib = np.asarray(f.booster.predict(m, pred_contrib=True), dtype="float64")
        return pd.DataFrame(contrib, columns=[*f.spec.names, "bias"])

    @property
    def feature_importance_(self) -> pd.Series:
        """Total gain per feature, largest first."""
        f = self._fitted()
        gain = f.booster.feature_importance(importance_type="gain")
        return pd.Series(gain, index=f.spec.names, name="gain").sort_values(ascending=False)

    # -------------------------------------------------------------- save/load
    def to_dict(self) -> dict[str, Any]:
        f = self._fitted()
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "loyalloop_version": __version__,
            "lightgbm_version": lgb.__version__,
            "params": self.get_params(),
            "feature_spec": f.spec.to_dict(),
            "dropped": self.dropped_,
            "calibrator": f.calibrator.to_dict(),
            "n_train": self.n_train_,
            "n_positive": self.n_positive_,
            "n_unlabelled": self.n_unlabelled_,
            "metadata": self.metadata_,
            "booster": f.booster.model_to_string(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the model to one JSON file and return its path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, default=str), "utf-8")
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> ChurnModel:
        """Read a model written by :meth:`save`; fail clearly on anything else."""
        p = Path(path)
        try:
            d = json.loads(p.read_text("utf-8"))
        except FileNotFoundError:
            raise ModelError(f"model file {p} does not exist") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelError(
                f"{p} is not a Loyalloop churn model (not a JSON model file)"
            ) from None
        return cls.from_dict(d, source=str(p))

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
                f"({__version__}) reads version {MODEL_FORMAT_VERSION}. Retrain the model or "
                "install the Loyalloop version that wrote it "
                f"({d.get('loyalloop_version', 'unknown')})."
            )
        try:
            spec = FeatureSpec.from_dict(d["feature_spec"])
            booster = lgb.Booster(model_str=d["booster"])
            calibrator = Calibrator.from_dict(d["calibrator"])
            params = d["params"]
        except (KeyError, TypeError) as e:
            raise ModelError(f"{source} is damaged: missing {e}") from None
        if booster.num_feature() != len(spec.features):
            raise ModelError(
                f"{source} is inconsistent: its trees read {booster.num_feature()} features but "
                f"its feature spec lists {len(spec.features)}"
            )
        m = cls(**params)
        m.spec_ = spec
        m.booster_ = booster
        m.calibrator_ = calibrator
        m.dropped_ = dict(d.get("dropped", {}))
        m.coercion_report_ = CoercionReport(0, ())
        m.n_train_ = int(d.get("n_train", 0))
        m.n_positive_ = int(d.get("n_positive", 0))
        m.n_unlabelled_ = int(d.get("n_unlabelled", 0))
        m.metadata_ = dict(d.get("metadata", {}))
        return m
