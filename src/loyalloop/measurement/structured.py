"""A low-variance effect model built on the churn risk the platform already has.

:class:`RiskScaledEffect` — the effect of an action on a customer's chance to respond has two
terms, one for the customers at risk and one for those who would stay anyway::

    Δp(x) = r(x) · θ(x) + (1 − r(x)) · β,     θ(x) = θ₀ + γ · z(x)

``r`` is the churn score of the audience (``churn_probability``: the chance that the customer
does not buy without an action). ``θ₀`` is the action's **save rate**: the share of at-risk
customers it brings back. ``β`` is its **effect on those who would stay**, the annoyance or
"sleeping dog" term. It can be negative: some active customers drift away when contacted.
Both are one number per action. ``γ · z`` is an optional departure of the save rate with the
customer's features (``z``: the standardised design of
:class:`~loyalloop.measurement.effects.InteractionLogit`), ridge-shrunk towards 0, i.e.
towards the action's pooled two-term estimate. The pooled rates are the backbone, and
heterogeneity is added only where the data say so. This is what a careful analyst builds from
"effect ≈ P(churn) × P(saved | action) + P(stay) × P(annoyed away | action)". Risk-driven
targeting gets the shape of the effect for free. What the rows must teach is two numbers per
action, plus the action and cut-off that value and cost imply.

Why two terms: with one save rate (``β = 0``, format version 1) a cheap action whose effect is
negative on average but positive among the lapsed (the sample's SMS: sleeping dogs among the
active customers, a save among the lapsed) came out with a small positive save rate on two
learning draws of three. That rate was applied to every risky customer and filled the budget
with thousands of losing messages (benchmarks/results/targeting.md, ``uplift4``). ``β`` takes
the sleeping dogs out of the save rate and prices them where they are: among the low-risk.

**Fitting** is Robinson's residual-on-residual regression (the R-learner of Nie & Wager 2021)
with the treatment randomised: ``ỹ = y − m̂(x)`` with ``m̂`` the chance to respond
*cross-fitted* (an :class:`~loyalloop.measurement.effects.InteractionLogit` fitted on the other
folds), ``t̃ = t − π`` with ``π`` the treated share, and the coefficients minimise
``Σ (ỹ − t̃ · B(x) · b)² + λ ‖γ‖²`` with ``B(x) = [r, 1 − r, r · z]``. This is a weighted
least squares with a closed form. Standard errors come from the sandwich
(heteroskedasticity-robust) covariance. :meth:`predict_se` uses it, so the loop's caution
(standard errors off each effect) works as for the other learners.

**Heterogeneity is earned, not assumed.** ``λ`` is chosen among ``alphas`` (and "none": the
two pooled rates alone) by the out-of-fold R-loss (``folds`` folds). The chosen departures are
kept only when their out-of-fold **Qini** is above 0 **and** a paired bootstrap
(``resamples`` resamples of the rows) puts the one-sided 95 % lower bound of their Qini minus
risk-only's (ranking by churn risk, on the same rows) above 0. Otherwise the model is the
two-term backbone (``heterogeneous_`` is ``False``). A gate that only asked for the point Qini
to beat risk-only's let through departures whose own Qini was negative (``uplift4``).

Why: on the card sample the free-form learners' out-of-fold Qini was below risk-only's for
every action at ~9,500 pooled learning rows (benchmarks/results/targeting.md). A model of
every feature's interaction with the treatment spends its few thousand rows on noise, while
the truth's effect is driven by risk (lapsed customers are the persuadables).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalloop import __version__
from loyalloop.errors import ConfigError, DataValidationError, ModelError, NotFittedError
from loyalloop.measurement.effects import InteractionLogit, _write_json, qini_of

__all__ = ["RISK_SCALED_FORMAT", "RiskScaledEffect"]

RISK_SCALED_FORMAT = "loyalloop-effect-risk-scaled"
_VERSION = 2
#: Files of version 1 (one save rate, no stayers' term) still load: ``β = 0``.
_READS = (1, 2)
#: Ridge penalties (relative to the design's own scale) compared for the departures.
ALPHAS = (1.0, 10.0, 100.0)


def _risk(X: pd.DataFrame, column: str, fill: float) -> np.ndarray:
    if column not in X.columns:
        return np.ones(len(X))
    r = pd.to_numeric(X[column], errors="coerce").to_numpy(dtype="float64")
    return np.clip(np.where(np.isfinite(r), r, fill), 0.0, 1.0)


def _solve(A: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ridge least squares ``argmin ‖y − A b‖² + Σ penalty_j b_j²`` and its sandwich
    covariance."""
    G = A.T @ A + np.diag(penalty)
    Ginv = np.linalg.pinv(G)
    b = Ginv @ (A.T @ y)
    e = y - A @ b
    meat = (A * (e**2)[:, None]).T @ A
    return b, Ginv @ meat @ Ginv


class RiskScaledEffect:
    """Churn risk × a save rate plus (1 − risk) × an effect on stayers, with earned
    heterogeneity (module docstring).

    Parameters
    ----------
    risk_column
        The feature that holds the churn risk (0–1). Without it the backbone is 1: a constant
        effect plus departures, and the stayers' term is 0.
    alphas
        Relative ridge penalties of the departures compared by cross-validation; ``()`` keeps
        the two pooled rates alone.
    C
        Inverse L2 regularisation of the outcome model (the nuisance ``m̂``).
    folds, seed
        Cross-fitting and cross-validation folds; ``seed`` also seeds the bootstrap.
    resamples
        Paired bootstrap resamples of the heterogeneity gate.

    Attributes
    ----------
    theta_ : ndarray
        ``[θ₀, β, γ…]`` (``γ`` zeros when no heterogeneity was kept).
    cov_ : ndarray
        Sandwich covariance of ``theta_``.
    outcome_ : InteractionLogit
        The chance to respond with and without the action (all rows), its design spec the
        departures' ``z``.
    heterogeneous_ : bool
        Whether the departures were kept; ``alpha_`` the chosen penalty (``inf``: none).
    qini_ : dict
        Out-of-fold Qini of risk-only ranking (``"risk"``), of the departures
        (``"heterogeneous"``) and the bootstrap lower bound of their difference
        (``"lower_bound"``), when departures were candidates.
    """

    def __init__(
        self,
        *,
        risk_column: str = "churn_probability",
        alphas: tuple[float, ...] = ALPHAS,
        C: float = 0.5,
        folds: int = 3,
        seed: int = 0,
        resamples: int = 200,
    ) -> None:
        self.risk_column = risk_column
        self.alphas = alphas
        self.C = C
        self.folds = folds
        self.seed = seed
        self.resamples = resamples

    # --------------------------------------------------------------------- fit
    def _z(self, X: pd.DataFrame) -> np.ndarray:
        return self.outcome_._design(X)

    def _basis(self, X: pd.DataFrame, r: np.ndarray, *, with_z: bool) -> np.ndarray:
        """``B(x) = [r, 1 − r, r · z]`` (the stayers' term is 0 without a risk column)."""
        stay = 1.0 - r if self.has_risk_ else np.zeros(len(r))
        cols = [r, stay]
        if with_z:
            Z = self._z(X)
            if Z.shape[1]:
                return np.column_stack([*cols, r[:, None] * Z])
        return np.column_stack(cols)

    def fit(self, X: pd.DataFrame, treatment: Any, outcome: Any) -> RiskScaledEffect:
        """Fit on features ``X``, a randomised treatment (0/1) and a 0/1 outcome."""
        from sklearn.model_selection import StratifiedKFold

        if self.folds < 2:
            raise ConfigError(f"cross-fitting needs at least 2 folds, got {self.folds}")
        t = np.asarray(treatment, dtype="float64")
        y = np.asarray(outcome, dtype="float64")
        if not (len(t) == len(y) == len(X)):
            raise DataValidationError(f"got {len(X)} rows, {len(t)} treatments, {len(y)} outcomes")
        # the outcome model validates t and y (0/1, both groups, both outcomes)
        self.outcome_ = InteractionLogit(C=self.C).fit(X, t, y)
        r_col = (
            pd.to_numeric(X[self.risk_column], errors="coerce")
            if self.risk_column in X.columns
            else pd.Series(dtype="float64")
        )
        finite = r_col[np.isfinite(r_col)]
        self.risk_fill_ = float(finite.median()) if len(finite) else 0.5
        self.has_risk_ = self.risk_column in X.columns
        r = _risk(X, self.risk_column, self.risk_fill_)
        pi = float(t.mean())
        B = self._basis(X, r, with_z=True)
        # cross-fitted nuisance: the chance to respond at the rows' own treatment mix
        m = np.empty(len(y))
        split = StratifiedKFold(self.folds, shuffle=True, random_state=self.seed)
        folds = list(split.split(X, t * 2 + y))
        for train, test in folds:
            try:
                nuisance = InteractionLogit(C=self.C).fit(X.iloc[train], t[train], y[train])
            except ModelError:
                nuisance = self.outcome_
            mu0 = nuisance.control_outcome(X.iloc[test])
            m[test] = mu0 + pi * nuisance.predict(X.iloc[test])
        ry, rt = y - m, t - pi
        A = rt[:, None] * B
        # the backbone: the save rate and the stayers' term (dropped when there is no risk)
        n_base = 2 if self.has_risk_ else 1
        base_cols = [0, 1] if n_base == 2 else [0]
        scale = np.maximum((A**2).sum(axis=0), 1e-12)
        k = A.shape[1]

        def penalty(alpha: float) -> np.ndarray:
            p = alpha * scale
            p[:2] = 0.0  # the pooled rates themselves are not shrunk
            return p

        # the pooled rates alone and each penalty, by out-of-fold R-loss
        oof = {"risk": np.empty(len(y))}
        loss = {"risk": 0.0}
        for alpha in self.alphas:
            oof[f"{alpha:g}"] = np.empty(len(y))
            loss[f"{alpha:g}"] = 0.0
        for train, test in folds:
            b, _ = _solve(A[train][:, base_cols], ry[train], np.zeros(n_base))
            oof["risk"][test] = B[test][:, base_cols] @ b
            loss["risk"] += float(np.sum((ry[test] - rt[test] * oof["risk"][test]) ** 2))
            for alpha in self.alphas if k > 2 else ():
                b, _ = _solve(A[train], ry[train], penalty(alpha))
                tau = B[test] @ b
                oof[f"{alpha:g}"][test] = tau
                loss[f"{alpha:g}"] += float(np.sum((ry[test] - rt[test] * tau) ** 2))
        # risk-only ranking on the same rows (the incumbent's order)
        base = qini_of(r, t, y)
        self.qini_ = {"risk": base}
        best = min((key for key in loss if key == "risk" or k > 2), key=lambda key: loss[key])
        self.heterogeneous_ = False
        self.alpha_ = math.inf
        if best != "risk":
            q = qini_of(oof[best], t, y)
            self.qini_["heterogeneous"] = q
            if math.isfinite(q) and q > 0 and q > base:
                low = self._qini_lower_bound(oof[best], r, t, y)
                self.qini_["lower_bound"] = low
                if low > 0:
                    self.heterogeneous_ = True
                    self.alpha_ = float(best)
        theta = np.zeros(k)
        cov = np.zeros((k, k))
        if self.heterogeneous_:
            theta, cov = _solve(A, ry, penalty(self.alpha_))
        else:
            b0, c0 = _solve(A[:, base_cols], ry, np.zeros(n_base))
            theta[base_cols] = b0
            cov[np.ix_(base_cols, base_cols)] = c0
        self.theta_ = theta
        self.cov_ = cov
        self.n_train_ = len(y)
        self.n_treated_ = int(t.sum())
        return self

    def _qini_lower_bound(
        self, scores: np.ndarray, r: np.ndarray, t: np.ndarray, y: np.ndarray
    ) -> float:
        """One-sided 95 % lower bound of Qini(scores) − Qini(risk), paired bootstrap."""
        rng = np.random.default_rng(self.seed)
        n = len(y)
        diffs = np.empty(self.resamples)
        for b in range(self.resamples):
            i = rng.integers(0, n, n)
            diffs[b] = qini_of(scores[i], t[i], y[i]) - qini_of(r[i], t[i], y[i])
        diffs = diffs[np.isfinite(diffs)]
        return float(np.quantile(diffs, 0.05)) if len(diffs) else -math.inf

    def _check(self) -> None:
        if not hasattr(self, "theta_"):
            raise NotFittedError("this RiskScaledEffect is not fitted yet; call fit()")

    def _g(self, X: pd.DataFrame) -> np.ndarray:
        self._check()
        r = _risk(X, self.risk_column, self.risk_fill_)
        stay = 1.0 - r if self.has_risk_ else np.zeros(len(r))
        cols = [r, stay]
        if len(self.theta_) > 2:
            return np.column_stack([*cols, r[:, None] * self._z(X)])
        return np.column_stack(cols)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Expected change of the chance to respond if treated, one per row."""
        return np.asarray(self._g(X) @ self.theta_, dtype="float64")

    def predict_se(self, X: pd.DataFrame) -> np.ndarray:
        """Standard error of :meth:`predict` per row (sandwich covariance, delta method)."""
        G = self._g(X)
        var = np.einsum("ij,jk,ik->i", G, self.cov_, G)
        return np.asarray(np.sqrt(np.maximum(var, 0.0)), dtype="float64")

    def control_outcome(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted chance to respond without the action (the outcome model's)."""
        self._check()
        return self.outcome_.control_outcome(X)

    @property
    def save_rate_(self) -> float:
        """``θ₀``: the share of at-risk customers the action saves (at the mean features)."""
        self._check()
        return float(self.theta_[0])

    @property
    def stay_effect_(self) -> float:
        """``β``: the action's effect on customers who would stay (negative: sleeping dogs)."""
        self._check()
        return float(self.theta_[1])

    # -------------------------------------------------------------- save/load
    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "format": RISK_SCALED_FORMAT,
            "format_version": _VERSION,
            "loyalloop_version": __version__,
            "risk_column": self.risk_column,
            "risk_fill": self.risk_fill_,
            "alphas": list(self.alphas),
            "C": self.C,
            "folds": self.folds,
            "seed": self.seed,
            "resamples": self.resamples,
            "has_risk": self.has_risk_,
            "theta": self.theta_.tolist(),
            "cov": self.cov_.tolist(),
            "heterogeneous": self.heterogeneous_,
            "alpha": None if math.isinf(self.alpha_) else self.alpha_,
            "qini": self.qini_,
            "outcome": self.outcome_.to_dict(),
            "n_train": self.n_train_,
            "n_treated": self.n_treated_,
        }

    def save(self, path: str | Path) -> Path:
        return _write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RiskScaledEffect:
        version = d.get("format_version")
        if d.get("format") != RISK_SCALED_FORMAT or version not in _READS:
            raise ModelError(
                f"not an effect model of format {RISK_SCALED_FORMAT} version {_VERSION} (got "
                f"{d.get('format')} version {d.get('format_version')})"
            )
        m = cls(
            risk_column=str(d["risk_column"]),
            alphas=tuple(float(a) for a in d["alphas"]),
            C=float(d["C"]),
            folds=int(d["folds"]),
            seed=int(d["seed"]),
            resamples=int(d.get("resamples", 200)),
        )
        m.risk_fill_ = float(d["risk_fill"])
        theta = np.asarray(d["theta"], dtype="float64")
        cov = np.asarray(d["cov"], dtype="float64")
        if version == 1:  # [θ₀, γ…] → [θ₀, β = 0, γ…]
            theta = np.insert(theta, 1, 0.0)
            cov = np.insert(np.insert(cov, 1, 0.0, axis=0), 1, 0.0, axis=1)
        m.has_risk_ = bool(d.get("has_risk", True))
        m.theta_ = theta
        m.cov_ = cov
        m.heterogeneous_ = bool(d["heterogeneous"])
        m.alpha_ = math.inf if d["alpha"] is None else float(d["alpha"])
        m.qini_ = {str(k): float(v) for k, v in d["qini"].items()}
        m.outcome_ = InteractionLogit.from_dict(d["outcome"])
        m.n_train_ = int(d["n_train"])
        m.n_treated_ = int(d["n_treated"])
        return m
