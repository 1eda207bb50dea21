"""Per-action effect models: how much does an action change a customer's chance to respond?

:class:`InteractionLogit` — Lo's (2002) interaction logistic regression,
``P(respond) = σ(β·x + t (γ₀ + γ·x))`` with L2 regularisation; the effect is
``σ(β·x + γ₀ + γ·x) − σ(β·x)``. Few parameters, so it stays usable on the few thousand rows one
campaign gives (numeric features standardised with a missing-value flag, the frequent
categories one-hot).

:class:`RiskPriorEffect` — the learning loop's default learner
(:func:`loyalloop.measurement.learning.fit_effects`): the interaction logit's effect shrunk
towards a **risk-based prior** (the same model on the churn score and CLV alone) by empirical
Bayes, so that it departs from risk-driven targeting only where the data say so. On the card
sample the effect of an action is driven by risk (lapsed customers are the persuadables), and
the full logit's departures from that are mostly noise at a few thousand rows
(benchmarks/results/targeting.md). Each model's out-of-fold Qini is recorded next to
risk-only ranking's on the same rows, and the model is promoted only when it beats it. The
LightGBM meta-learners of :mod:`loyalloop.uplift` need far more rows than one
campaign's treated and held-out customers of one action; :func:`load_effect_model` reads
their files too, so a registry entry may hold either.

**Uncertainty** (:meth:`InteractionLogit.predict_se`): the standard error of each customer's
predicted effect by the delta method, from the inverse of the penalised log-likelihood's
Hessian at the fit. It is large where the training rows are few or unlike the customer — the
targeting uses it to be pessimistic there (:func:`loyalloop.measurement.learning.expected_values`):
an allocation that maximises noisy effect estimates × the value of a response otherwise picks
the customers whose estimate is most over-stated, and the most valuable ones first
(benchmarks/results/targeting.md).

Models are saved as JSON (no pickle) and loaded back by :func:`load_effect_model`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.special import expit

from loyalloop import __version__
from loyalloop.core.export import write_text_atomic
from loyalloop.errors import DataValidationError, ModelError, NotFittedError

__all__ = [
    "EFFECT_FORMAT",
    "PRIOR_FEATURES",
    "PRIOR_FORMAT",
    "EffectModel",
    "InteractionLogit",
    "RiskPriorEffect",
    "load_effect_model",
]

EFFECT_FORMAT = "loyalloop-effect-logit"
PRIOR_FORMAT = "loyalloop-effect-risk-prior"
#: The features of :class:`RiskPriorEffect`'s prior: the churn score and the customer's value.
PRIOR_FEATURES = ("churn_probability", "clv")
_VERSION = 1
_MAX_LEVELS = 12


class EffectModel(Protocol):
    """What the learning loop needs from an effect model."""

    def predict(self, X: pd.DataFrame) -> np.ndarray: ...

    def save(self, path: str | Path) -> Path: ...


@dataclass(frozen=True)
class _Numeric:
    name: str
    median: float
    mean: float
    scale: float


@dataclass(frozen=True)
class _Categorical:
    name: str
    levels: tuple[str, ...]


def _write_json(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write a model's JSON beside its path, then rename it into place (readers see the old
    file or the new one, never half of one)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(p, json.dumps(payload))


class InteractionLogit:
    """Lo's (2002) interaction logistic regression (module docstring).

    Parameters
    ----------
    C
        Inverse L2 regularisation strength (scikit-learn's ``C``).

    Attributes
    ----------
    numeric_, categorical_
        The design's columns (with the training medians, means and scales, and levels).
    coef_ : ndarray
        ``[β (features), γ₀, γ (features)]``; ``intercept_`` the model's intercept.
    """

    def __init__(self, *, C: float = 0.5) -> None:
        self.C = C

    # ------------------------------------------------------------------ design
    def _spec(self, X: pd.DataFrame) -> None:
        numeric, categorical = [], []
        for col in X.columns:
            s = X[col]
            if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                v = pd.to_numeric(s, errors="coerce").astype("float64")
                finite = v[np.isfinite(v)]
                if finite.nunique() < 2:
                    continue
                med = float(finite.median())
                filled = v.where(np.isfinite(v), med)
                sd = float(filled.std(ddof=0))
                numeric.append(_Numeric(str(col), med, float(filled.mean()), sd if sd > 0 else 1.0))
            else:
                counts = s.astype("string").fillna("(missing)").value_counts()
                levels = tuple(str(x) for x in counts.index[:_MAX_LEVELS] if counts[x] >= 20)
                if len(levels) >= 2:
                    categorical.append(_Categorical(str(col), levels[1:]))  # first = reference
        if not numeric and not categorical:
            raise DataValidationError("no usable feature: every column is constant or empty")
        self.numeric_ = tuple(numeric)
        self.categorical_ = tuple(categorical)

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        cols: list[np.ndarray] = []
        for c in self.numeric_:
            if c.name in X.columns:
                v = pd.to_numeric(X[c.name], errors="coerce").to_numpy(dtype="float64")
            else:
                v = np.full(len(X), np.nan)
            missing = ~np.isfinite(v)
            v = np.where(missing, c.median, v)
            cols.append((v - c.mean) / c.scale)
            cols.append(missing.astype("float64"))
        for k in self.categorical_:
            s = (
                X[k.name].astype("string").fillna("(missing)")
                if k.name in X.columns
                else pd.Series(["(missing)"] * len(X))
            )
            for level in k.levels:
                cols.append((s == level).to_numpy(dtype="float64"))
        return np.column_stack(cols) if cols else np.empty((len(X), 0))

    # --------------------------------------------------------------------- fit
    def fit(self, X: pd.DataFrame, treatment: Any, outcome: Any) -> InteractionLogit:
        """Fit on features ``X``, treatment (0/1) and a 0/1 outcome."""
        from sklearn.linear_model import LogisticRegression

        t = np.asarray(treatment, dtype="float64")
        y = np.asarray(outcome, dtype="float64")
        if not (len(t) == len(y) == len(X)):
            raise DataValidationError(f"got {len(X)} rows, {len(t)} treatments, {len(y)} outcomes")
        if not np.isin(t, (0.0, 1.0)).all():
            raise DataValidationError("treatment must be 0 or 1 in every row")
        if not np.isin(y, (0.0, 1.0)).all():
            raise DataValidationError("the effect model needs a 0/1 outcome (responded)")
        for g, name in ((1.0, "treated"), (0.0, "control")):
            sel = t == g
            if sel.sum() < 20 or y[sel].min() == y[sel].max():
                raise ModelError(
                    f"the {name} rows ({int(sel.sum())}) need at least 20 rows and both "
                    "outcomes to fit an effect"
                )
        self._spec(X)
        D = self._design(X)
        Z = np.hstack([D, t[:, None], t[:, None] * D])
        lr = LogisticRegression(C=self.C, max_iter=5000)
        lr.fit(Z, y)
        self.coef_ = lr.coef_[0].astype("float64")
        self.intercept_ = float(lr.intercept_[0])
        # covariance of [intercept, coef]: inverse of the penalised Hessian (scikit-learn's
        # objective: C × log-loss summed + ½‖coef‖², the intercept not penalised)
        Z1 = np.hstack([np.ones((len(Z), 1)), Z])
        p = expit(Z1 @ np.r_[self.intercept_, self.coef_])
        H = (Z1 * (p * (1 - p))[:, None]).T @ Z1
        H[1:, 1:] += np.eye(Z.shape[1]) / self.C
        self.cov_: np.ndarray | None = np.linalg.pinv(H)
        self.n_train_ = len(y)
        self.n_treated_ = int(t.sum())
        return self

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this InteractionLogit is not fitted yet; call fit()")

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Expected change of the chance to respond if treated, one per row."""
        self._check()
        D = self._design(X)
        k = D.shape[1]
        beta, g0, gamma = self.coef_[:k], self.coef_[k], self.coef_[k + 1 :]
        base = self.intercept_ + D @ beta
        return np.asarray(expit(base + g0 + D @ gamma) - expit(base), dtype="float64")

    def predict_se(self, X: pd.DataFrame) -> np.ndarray:
        """Standard error of :meth:`predict` per row (delta method on the coefficients'
        covariance, module docstring); ``nan`` for a model saved without its covariance."""
        self._check()
        D = self._design(X)
        cov = getattr(self, "cov_", None)
        if cov is None:
            return np.full(len(D), np.nan)
        k = D.shape[1]
        beta, g0, gamma = self.coef_[:k], self.coef_[k], self.coef_[k + 1 :]
        base = self.intercept_ + D @ beta
        s1 = expit(base + g0 + D @ gamma)
        s0 = expit(base)
        d1, d0 = s1 * (1 - s1), s0 * (1 - s0)
        # gradient of σ(a + g) − σ(a) w.r.t. [intercept, β, γ₀, γ]
        G = np.hstack([(d1 - d0)[:, None], D * (d1 - d0)[:, None], d1[:, None], D * d1[:, None]])
        var = np.einsum("ij,jk,ik->i", G, cov, G)
        return np.sqrt(np.maximum(var, 0.0))

    def control_outcome(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted chance to respond without the action."""
        self._check()
        D = self._design(X)
        return np.asarray(expit(self.intercept_ + D @ self.coef_[: D.shape[1]]), dtype="float64")

    # -------------------------------------------------------------- save/load
    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "format": EFFECT_FORMAT,
            "format_version": _VERSION,
            "loyalloop_version": __version__,
            "C": self.C,
            "numeric": [c.__dict__ for c in self.numeric_],
            "categorical": [{"name": k.name, "levels": list(k.levels)} for k in self.categorical_],
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "n_train": self.n_train_,
            "n_treated": self.n_treated_,
            "cov": None if self.cov_ is None else self.cov_.tolist(),
        }

    def save(self, path: str | Path) -> Path:
        return _write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InteractionLogit:
        if d.get("format") != EFFECT_FORMAT or d.get("format_version") != _VERSION:
            raise ModelError(
                f"not an effect model of format {EFFECT_FORMAT} version {_VERSION} (got "
                f"{d.get('format')} version {d.get('format_version')})"
            )
        m = cls(C=float(d["C"]))
        m.numeric_ = tuple(_Numeric(**c) for c in d["numeric"])
        m.categorical_ = tuple(
            _Categorical(c["name"], tuple(c["levels"])) for c in d["categorical"]
        )
        m.coef_ = np.asarray(d["coef"], dtype="float64")
        m.intercept_ = float(d["intercept"])
        m.n_train_ = int(d["n_train"])
        m.n_treated_ = int(d["n_treated"])
        cov = d.get("cov")  # files written before the covariance was kept have none
        m.cov_ = None if cov is None else np.asarray(cov, dtype="float64")
        return m


class RiskPriorEffect:
    """The effect shrunk towards a risk-based prior (empirical Bayes).

    Two interaction logits are fitted on the same rows: the **prior**, on the churn score and
    the customer's value only (:data:`PRIOR_FEATURES`: few parameters, so little noise — it
    learns how the effect grows with risk), and the **full** model on every feature. Each
    customer's effect is the prior's plus a share ``w`` of the full model's departure from it::

        τ = τ_prior + w (τ_full − τ_prior),   w = σ² / (σ² + se_full²)

    where ``σ²`` is how much the true effect varies around the prior beyond what the prior
    explains, estimated on the training rows by the method of moments: the variance of
    ``τ_full − τ_prior`` less the mean squared standard error of ``τ_full`` (floored at 0).
    When the full model's departures are no larger than its own noise, ``σ² = 0`` and the
    model *is* the risk-based prior: it departs from risk-driven targeting only where, and
    as far as, the data say so. The standard error is ``√(se_prior² + w · se_full²)`` (the
    normal–normal posterior's, plus the prior's own error).

    Without the prior's features in ``X`` the prior is the full model (``w = 1``).

    Parameters
    ----------
    C
        Inverse L2 regularisation of both logits.
    prior_features
        The prior's features (those present in ``X`` are used).
    """

    def __init__(self, *, C: float = 0.5, prior_features: tuple[str, ...] = PRIOR_FEATURES):
        self.C = C
        self.prior_features = prior_features

    def fit(self, X: pd.DataFrame, treatment: Any, outcome: Any) -> RiskPriorEffect:
        """Fit both logits and the heterogeneity variance on ``X``, treatment and outcome."""
        self.full_ = InteractionLogit(C=self.C).fit(X, treatment, outcome)
        cols = [c for c in self.prior_features if c in X.columns]
        self.prior_columns_ = tuple(cols)
        if cols:
            self.prior_ = InteractionLogit(C=self.C).fit(X[cols], treatment, outcome)
            departure = self.full_.predict(X) - self.prior_.predict(X[cols])
            se = self.full_.predict_se(X)
            noise = float(np.nanmean(se**2)) if np.isfinite(se).any() else 0.0
            self.sigma2_ = max(0.0, float(np.var(departure)) - noise)
        else:
            self.prior_ = self.full_
            self.sigma2_ = math.inf
        self.n_train_ = self.full_.n_train_
        self.n_treated_ = self.full_.n_treated_
        return self

    def _check(self) -> None:
        if not hasattr(self, "full_"):
            raise NotFittedError("this RiskPriorEffect is not fitted yet; call fit()")

    def _parts(self, X: pd.DataFrame) -> tuple[np.ndarray, ...]:
        self._check()
        tf, sf = self.full_.predict(X), self.full_.predict_se(X)
        if self.prior_ is self.full_:
            return tf, sf, tf, np.zeros(len(tf)), np.ones(len(tf))
        P = X.reindex(columns=list(self.prior_columns_))
        tp, sp = self.prior_.predict(P), self.prior_.predict_se(P)
        sf2 = np.where(np.isfinite(sf), sf**2, 0.0)
        w = np.where(sf2 > 0, self.sigma2_ / (self.sigma2_ + sf2), 1.0) if self.sigma2_ else 0.0
        return tf, sf, tp, sp, np.broadcast_to(w, tf.shape)

    def weight(self, X: pd.DataFrame) -> np.ndarray:
        """The share of the full model's departure from the prior kept, per row."""
        return np.asarray(self._parts(X)[4], dtype="float64")

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Expected change of the chance to respond if treated, one per row."""
        tf, _, tp, _, w = self._parts(X)
        return np.asarray(tp + w * (tf - tp), dtype="float64")

    def predict_se(self, X: pd.DataFrame) -> np.ndarray:
        """Standard error of :meth:`predict` per row (class docstring)."""
        _, sf, _, sp, w = self._parts(X)
        sf2 = np.where(np.isfinite(sf), sf**2, 0.0)
        sp2 = np.where(np.isfinite(sp), sp**2, 0.0)
        return np.sqrt(sp2 + w * sf2)

    def control_outcome(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted chance to respond without the action (the full model's)."""
        self._check()
        return self.full_.control_outcome(X)

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "format": PRIOR_FORMAT,
            "format_version": _VERSION,
            "loyalloop_version": __version__,
            "C": self.C,
            "prior_columns": list(self.prior_columns_),
            "sigma2": None if math.isinf(self.sigma2_) else self.sigma2_,
            "full": self.full_.to_dict(),
            "prior": None if self.prior_ is self.full_ else self.prior_.to_dict(),
        }

    def save(self, path: str | Path) -> Path:
        return _write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RiskPriorEffect:
        if d.get("format") != PRIOR_FORMAT or d.get("format_version") != _VERSION:
            raise ModelError(
                f"not an effect model of format {PRIOR_FORMAT} version {_VERSION} (got "
                f"{d.get('format')} version {d.get('format_version')})"
            )
        cols = tuple(str(c) for c in d["prior_columns"])
        m = cls(C=float(d["C"]), prior_features=cols)
        m.prior_columns_ = cols
        m.full_ = InteractionLogit.from_dict(d["full"])
        m.prior_ = m.full_ if d["prior"] is None else InteractionLogit.from_dict(d["prior"])
        m.sigma2_ = math.inf if d["sigma2"] is None else float(d["sigma2"])
        m.n_train_ = m.full_.n_train_
        m.n_treated_ = m.full_.n_treated_
        return m


def load_effect_model(path: str | Path) -> Any:
    """An effect model file: :class:`InteractionLogit`, :class:`RiskPriorEffect`,
    :class:`~loyalloop.measurement.structured.RiskScaledEffect` or
    :class:`~loyalloop.uplift.UpliftModel`."""
    p = Path(path)
    try:
        d = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model file {p} does not exist") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{p} is not a model file (not JSON)") from None
    if isinstance(d, dict) and d.get("format") == EFFECT_FORMAT:
        return InteractionLogit.from_dict(d)
    if isinstance(d, dict) and d.get("format") == PRIOR_FORMAT:
        return RiskPriorEffect.from_dict(d)
    from loyalloop.measurement.structured import RISK_SCALED_FORMAT, RiskScaledEffect

    if isinstance(d, dict) and d.get("format") == RISK_SCALED_FORMAT:
        return RiskScaledEffect.from_dict(d)
    from loyalloop.uplift import UpliftModel

    return UpliftModel.load(p)


def qini_of(scores: np.ndarray, t: np.ndarray, y: np.ndarray) -> float:
    """Qini area (uplift.metrics) of ``scores`` on rows with treatment ``t`` and outcome ``y``."""
    from loyalloop.uplift import qini_area

    if not np.isfinite(scores).all():
        return math.nan
    return float(qini_area(y, t, scores))


def out_of_fold(
    make: Any, X: pd.DataFrame, t: np.ndarray, y: np.ndarray, *, folds: int = 3, seed: int = 0
) -> np.ndarray:
    """Out-of-fold effect predictions of ``make()`` (a fresh model per fold)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.empty(len(y))
    strata = t * 2 + y
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, strata):
        model = make().fit(X.iloc[train], t[train], y[train])
        out[test] = model.predict(X.iloc[test])
    return out
