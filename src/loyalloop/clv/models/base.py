"""Shared base classes for the CLV models: fitted state, summaries, saving and loading."""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from loyalloop.clv._data import Frame, SufficientStats, as_pandas, collapse, numeric
from loyalloop.clv._optimize import (
    ConvergenceReport,
    FitResult,
    Objective,
    ProgressCallback,
    maximize_likelihood,
)
from loyalloop.core.modelfile import CHECKSUM_KEY, read_model_file, write_model_file
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import DataValidationError, ModelError, NotFittedError

__all__ = [
    "FORMAT_VERSION",
    "CLVModel",
    "DataPeriod",
    "TransactionModel",
    "load_model",
]

FORMAT_VERSION = 1
_REGISTRY: dict[str, type[CLVModel]] = {}
#: fits on more distinct rows than this start from an estimate on a subsample of about
#: _SUBSAMPLE_ROWS rows
_SUBSAMPLE_ABOVE = 200_000
_SUBSAMPLE_ROWS = 50_000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataPeriod:
    """What a model was fitted on.

    Attributes
    ----------
    n_customers
        Customers (rows) in the fitting data.
    n_distinct
        Distinct rows after collapsing identical ones (the size of the actual fit).
    time_unit
        The unit of ``recency`` and ``T`` (e.g. ``"days"``, ``"weeks"``); metadata only, the
        models work in whatever unit the data use.
    max_T
        Longest observation period in the data (in ``time_unit``).
    period_end
        End of the calibration period, when given to ``fit``.
    """

    n_customers: int
    n_distinct: int
    time_unit: str
    max_T: float
    period_end: str | None = None


def _library_version() -> str:
    from loyalloop import __version__

    return __version__


def _same_release(a: str, b: str) -> bool:
    return a.split(".")[:2] == b.split(".")[:2]


class CLVModel(ABC):
    """Base class: fitted attributes, summary, JSON persistence.

    Fitted attributes (set by ``fit``)
    ---------------------------------
    params_ : Mapping[str, float]
        Maximum-likelihood estimates, named as in the papers.
    standard_errors_ : Mapping[str, float]
        Asymptotic standard errors from the inverse Hessian of the log-likelihood.
    covariance_ : numpy.ndarray
        Asymptotic covariance of the estimates, in the order of ``param_names``.
    log_likelihood_ : float
        Maximised total log-likelihood, in the data's own time unit (the papers' figure).
    convergence_ : ConvergenceReport
        How the optimisation went.
    data_period_ : DataPeriod
        What the model was fitted on.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    #: the data columns ``fit`` reads (collapsed to distinct rows with counts)
    columns: ClassVar[tuple[str, ...]] = ()

    params_: Mapping[str, float]
    standard_errors_: Mapping[str, float]
    covariance_: np.ndarray
    log_likelihood_: float
    convergence_: ConvergenceReport | None
    data_period_: DataPeriod

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.param_names:
            _REGISTRY[cls.__name__] = cls

    # -- fitting (one template for every model) ------------------------------------------------
    def fit(
        self,
        data: Frame,
        *,
        weights: str | None = None,
        time_unit: TimeUnit | str | None = None,
        period_end: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> Self:
        """Fit by maximum likelihood on the model's :attr:`columns`.

        Parameters
        ----------
        data
            pandas DataFrame or Ibis table with the model's columns; ``customer_id`` is
            checked for duplicates when present. Identical rows are collapsed into one row
            with a count before fitting (in the engine for an Ibis table).
        weights
            Optional column with the number of customers each row stands for.
        time_unit
            Unit of the data's times (``days``, ``weeks``, ``months`` or an alias, see
            :class:`~loyalloop.core.timeunits.TimeUnit`); stored with the model, and used
            by :func:`~loyalloop.clv.customer_lifetime_value` to discount by month. ``None``
            records ``"periods"`` (a unit the library does not know).
        period_end
            End of the calibration period (stored with the model).
        progress
            Called as ``progress(iteration, mean_log_likelihood)`` after each optimiser
            iteration, for progress displays on long fits.

        Returns
        -------
        self
        """
        stats = collapse(data, self.columns, what=type(self).__name__, weights=weights)
        self._fit_stats(stats, time_unit=time_unit, period_end=period_end, progress=progress)
        self._training_data = data
        return self

    def _fit_stats(
        self,
        stats: SufficientStats,
        *,
        time_unit: TimeUnit | str | None,
        period_end: str | None,
        progress: ProgressCallback | None = None,
    ) -> Self:
        """Validate, build the objective, maximise it and record the result."""
        name = type(self).__name__
        self._validate(stats)
        objective, starts = self._objective(stats)
        total = stats.weights.sum()
        result = None
        if stats.n_rows > _SUBSAMPLE_ABOVE:
            # Search on a systematic subsample, then finish on all rows from its estimate
            # (Newton's method with an analytic Hessian; L-BFGS-B otherwise): most of the
            # search costs a fraction of a pass over the data.
            step = -(-stats.n_rows // _SUBSAMPLE_ROWS)
            sub = SufficientStats(
                columns={k: v[::step] for k, v in stats.columns.items()},
                weights=stats.weights[::step],
            )
            try:
                self._validate(sub)
                sub_objective, sub_starts = self._objective(sub)
                first = maximize_likelihood(
                    sub_objective, sub_starts, self.param_names, sub.weights.sum(), model=name
                )
                warm = [[first.params[k] for k in self.param_names]]
                result = maximize_likelihood(
                    objective,
                    warm,
                    self.param_names,
                    total,
                    model=name,
                    progress=progress,
                    warm=True,
                )
            except (ModelError, DataValidationError) as exc:
                log.info(
                    "%s: the subsample start did not work (%s); searching on all rows", name, exc
                )
                result = None
        if result is None:
            result = maximize_likelihood(
                objective, starts, self.param_names, total, model=name, progress=progress
            )
        period = DataPeriod(
            n_customers=stats.n_customers,
            n_distinct=stats.n_rows,
            time_unit="periods" if time_unit is None else TimeUnit.parse(time_unit).value,
            max_T=self._max_T(stats),
            period_end=None if period_end is None else str(period_end),
        )
        self._set_fit(result, period)
        return self

    @abstractmethod
    def _validate(self, stats: SufficientStats) -> None:
        """Raise :class:`DataValidationError` / :class:`ModelError` for unusable data."""

    @abstractmethod
    def _objective(self, stats: SufficientStats) -> tuple[Objective, list[list[float]]]:
        """The mean negative log-likelihood (with gradient, in log-parameters) and starts."""

    def _max_T(self, stats: SufficientStats) -> float:
        """Longest observation period in the data (``nan`` where the model has none)."""
        return float("nan")

    # -- fitted state -------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "params_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit() first")

    def _p(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(self.params_[n] for n in self.param_names)

    def _set_fit(self, result: FitResult, period: DataPeriod) -> None:
        self.params_ = MappingProxyType(dict(result.params))
        self.standard_errors_ = MappingProxyType(dict(result.standard_errors))
        self.covariance_ = result.covariance
        self.log_likelihood_ = result.log_likelihood
        self.convergence_ = result.report
        self.data_period_ = period

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% Wald intervals (one row per parameter)."""
        self._check_fitted()
        est = pd.Series(dict(self.params_), name="estimate")
        se = pd.Series(dict(self.standard_errors_), name="standard_error")
        out = pd.concat([est, se], axis=1)
        out["lower_95"] = out["estimate"] - 1.959963984540054 * out["standard_error"]
        out["upper_95"] = out["estimate"] + 1.959963984540054 * out["standard_error"]
        out.index.name = "parameter"
        return out

    def __repr__(self) -> str:
        name = type(self).__name__
        if not self.is_fitted:
            return f"{name}()"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{name}({ps}; n={self.data_period_.n_customers}, LL={self.log_likelihood_:.6g})"

    # -- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain JSON-ready data."""
        self._check_fitted()
        return {
            "model": type(self).__name__,
            "library": "loyalloop",
            "library_version": _library_version(),
            "format_version": FORMAT_VERSION,
            "params": dict(self.params_),
            "standard_errors": {
                k: (None if math.isnan(v) else v) for k, v in self.standard_errors_.items()
            },
            "covariance": np.where(np.isfinite(self.covariance_), self.covariance_, np.nan)
            .astype(float)
            .tolist(),
            "log_likelihood": self.log_likelihood_,
            "data_period": asdict(self.data_period_),
            "convergence": None if self.convergence_ is None else self.convergence_.to_dict(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the fitted model to a JSON file (atomically, with a checksum: see
        :mod:`loyalloop.core.modelfile`) and return its path."""
        return write_model_file(path, self.to_dict())

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Self:
        """Rebuild a fitted model from :meth:`to_dict` output (checks name and version)."""
        name = payload.get("model")
        if payload.get("library") != "loyalloop" or name is None:
            raise ModelError("not a saved Loyalloop CLV model (no 'model'/'library' fields)")
        if name != cls.__name__ and cls is not CLVModel:
            raise ModelError(f"the saved model is a {name}, not a {cls.__name__}")
        if payload.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"saved model format {payload.get('format_version')} is not supported "
                f"(this library reads format {FORMAT_VERSION})"
            )
        saved_version = str(payload.get("library_version"))
        if not _same_release(saved_version, _library_version()):
            raise ModelError(
                f"the model was saved by loyalloop {saved_version} and this is "
                f"{_library_version()}; refit it (or load with the matching release)"
            )
        target = _REGISTRY.get(str(name))
        if target is None:
            raise ModelError(f"unknown model {name!r}")
        params = payload["params"]
        if set(params) != set(target.param_names):
            raise ModelError(
                f"saved {name} has parameters {sorted(params)}, expected "
                f"{sorted(target.param_names)}"
            )
        model = target()
        model.params_ = MappingProxyType({k: float(params[k]) for k in target.param_names})
        model.standard_errors_ = MappingProxyType(
            {
                k: float("nan") if v is None else float(v)
                for k, v in payload.get("standard_errors", {}).items()
            }
        )
        model.covariance_ = np.asarray(payload.get("covariance", []), dtype=float)
        model.log_likelihood_ = float(payload.get("log_likelihood", float("nan")))
        model.convergence_ = None
        conv = payload.get("convergence")
        if conv:
            model.convergence_ = ConvergenceReport(**conv)
        model.data_period_ = DataPeriod(**payload["data_period"])
        return model  # type: ignore[return-value]

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Load a model saved with :meth:`save`; fails clearly on a missing, damaged or
        mismatched file (:class:`~loyalloop.errors.ModelError`)."""
        payload = read_model_file(path, what="CLV model")
        payload.pop(CHECKSUM_KEY, None)
        return cls.from_dict(payload)


def load_model(path: str | Path) -> CLVModel:
    """Load any saved CLV model (the class is read from the file)."""
    return CLVModel.load(path)


class TransactionModel(CLVModel):
    """Base for the repeat-transaction models fitted on ``frequency, recency, T``.

    Subclasses provide the log-likelihood with its gradient (``_objective``) and the
    prediction formulas on numpy arrays; :meth:`CLVModel.fit` handles data and fitting.
    """

    columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")
    #: BG/BB counts discrete opportunities; the others take continuous time
    discrete: ClassVar[bool] = False

    # -- to implement -------------------------------------------------------------------------
    @abstractmethod
    def _conditional_expected(
        self, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray: ...

    @abstractmethod
    def _probability_alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray: ...

    # -- fitting ------------------------------------------------------------------------------
    def _max_T(self, stats: SufficientStats) -> float:
        return float(stats["T"].max())

    def _validate(self, stats: SufficientStats) -> None:
        validate_rfm(
            stats["frequency"],
            stats["recency"],
            stats["T"],
            what=type(self).__name__,
            discrete=self.discrete,
        )
        if not (stats["frequency"] > 0).any():
            raise ModelError(
                f"{type(self).__name__}: no customer has a repeat purchase (all frequency = 0); "
                "the purchase rate and dropout cannot be told apart"
            )

    # -- predictions --------------------------------------------------------------------------
    def _arrays(self, data: Frame | None) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
        self._check_fitted()
        if data is None:
            data = getattr(self, "_training_data", None)
            if data is None:
                raise ModelError(
                    f"{type(self).__name__} was loaded from a file: pass the data to score"
                )
        frame = as_pandas(data, self.columns, what=type(self).__name__)
        x = numeric(frame, "frequency")
        tx = numeric(frame, "recency")
        T = numeric(frame, "T")
        validate_rfm(x, tx, T, what=type(self).__name__, discrete=self.discrete, allow_T0=True)
        if "customer_id" in frame.columns:
            index = pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
        else:
            index = frame.index
        return index, x, tx, T

    def expected_purchases(self, t: float, data: Frame | None = None) -> pd.Series:
        """Expected number of purchases in the next ``t`` time units, given each history.

        Parameters
        ----------
        t
            Horizon in the data's time unit (opportunities for BG/BB).
        data
            Customers to score (``frequency, recency, T``); the fitting data by default.
        """
        index, x, tx, T = self._arrays(data)
        _check_t(t)
        return pd.Series(
            self._conditional_expected(float(t), x, tx, T), index=index, name="expected_purchases"
        )

    def probability_alive(self, data: Frame | None = None) -> pd.Series:
        """Probability that each customer is still active at the end of the calibration period."""
        index, x, tx, T = self._arrays(data)
        return pd.Series(self._probability_alive(x, tx, T), index=index, name="probability_alive")

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> np.ndarray | float:
        """Expected purchases of a newly acquired customer in ``(0, t]``."""
        self._check_fitted()
        t_arr = np.asarray(t, dtype=float)
        _check_t(t_arr)
        out = self._new_customer_expected(t_arr)
        return float(out) if np.ndim(out) == 0 else out

    def probability_of_n_purchases(
        self, n: int | np.ndarray, t: float, data: Frame | None = None
    ) -> np.ndarray | pd.Series | float:
        """Probability of exactly ``n`` purchases in a period of length ``t``.

        Without ``data``: for a newly acquired customer in ``(0, t]``. With ``data``: for each
        customer in the next ``t`` time units, given their history.
        """
        self._check_fitted()
        _check_t(t)
        n_arr = np.asarray(n)
        if np.any(n_arr < 0) or np.any(n_arr != np.floor(n_arr)):
            raise DataValidationError("n must be a non-negative whole number")
        if data is None:
            out = self._new_customer_pmf(n_arr.astype(float), float(t))
            return float(out) if np.ndim(out) == 0 else out
        if np.ndim(n_arr) != 0:
            raise DataValidationError("with data, n must be a single number")
        index, x, tx, T = self._arrays(data)
        return pd.Series(
            self._conditional_pmf(int(n_arr), float(t), x, tx, T),
            index=index,
            name=f"probability_of_{int(n_arr)}_purchases",
        )

    @abstractmethod
    def _new_customer_expected(self, t: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _new_customer_pmf(self, n: np.ndarray, t: float) -> np.ndarray: ...

    @abstractmethod
    def _conditional_pmf(
        self, n: int, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
    ) -> np.ndarray: ...


def _check_t(t: float | np.ndarray) -> None:
    if np.any(np.asarray(t) < 0) or not np.all(np.isfinite(np.asarray(t, dtype=float))):
        raise DataValidationError("the horizon t must be a finite number >= 0")


def validate_rfm(
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    *,
    what: str,
    discrete: bool = False,
    allow_T0: bool = False,
) -> None:
    """Check frequency/recency/T values; raise :class:`DataValidationError` naming the problem."""

    def fail(mask: np.ndarray, message: str) -> None:
        n = int(mask.sum())
        if n:
            raise DataValidationError(f"{what}: {n} row(s) {message}")

    fail(x < 0, "have negative frequency")
    fail(x != np.floor(x), "have a frequency that is not a whole number")
    fail(tx < 0, "have negative recency")
    fail(tx > T * (1 + 1e-12), "have recency greater than T")
    if not allow_T0:
        fail(
            T <= 0,
            "have T = 0 (observed for no time); drop customers acquired at the end of the "
            "calibration period",
        )
    else:
        fail(T < 0, "have negative T")
    fail((x == 0) & (tx != 0), "have recency > 0 but frequency = 0")
    if discrete:
        fail(x > T, "have more purchases than opportunities (frequency > T)")
        fail(tx != np.floor(tx), "have a recency that is not a whole number of opportunities")
        fail(np.floor(T) != T, "have T that is not a whole number of opportunities")
        fail((x > 0) & (tx < x), "have recency smaller than frequency")
