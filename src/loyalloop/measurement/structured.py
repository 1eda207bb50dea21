"""A low-variance effect model built on the churn risk the platform already has.

:class:`RiskScaledEffect` — the effect of an action on a customer's chance to respond is
modelled as the customer's churn risk times the share of at-risk customers the action saves::

    Δp(x) = r(x) · θ(x),     θ(x) = θ₀ + γ · z(x)

``r`` is the churn score of the audience (``churn_probability``: the chance that the customer
does not buy without an action), ``θ₀`` the action's **save rate** — one number per action —
and ``γ · z`` an optional departure of that rate with the customer's features (``z``: the
standardised design of :class:`~loyalloop.measurement.effects.InteractionLogit`), shrunk
towards 0 (ridge): the pooled save rate is the backbone and heterogeneity is added only where
the data say so. It is what a careful analyst builds from "effect ≈ P(churn) × P(saved |
action)": risk-driven targeting gets the shape of the effect for free, and what the rows must
teach is one number per action (and the action and cut-off that value and cost imply).

**Fitting** is Robinson's residual-on-residual regression (the R-learner of Nie & Wager 2021)
with the treatment randomised: ``ỹ = y − m̂(x)`` with ``m̂`` the chance to respond
*cross-fitted* (an :class:`~loyalloop.measurement.effects.InteractionLogit` fitted on the other
folds), ``t̃ = t − π`` with ``π`` the treated share, and ``θ`` minimises
``Σ (ỹ − t̃ · r · θ(x))² + λ ‖γ‖²`` — a weighted least squares with a closed form. Standard
errors come from the sandwich (heteroskedasticity-robust) covariance; :meth:`predict_se` uses
it, so the loop's caution (standard errors off each effect) works as for the other learners.

**Heterogeneity is earned, not assumed.** ``λ`` is chosen among ``alphas`` (and "none": the
save rate alone) by the out-of-fold R-loss (``folds`` folds), and the chosen departures are
kept only when their out-of-fold **Qini** beats the save rate alone's on the same rows — which
ranks customers by churn risk, i.e. risk-only targeting. Otherwise the model is the risk
backbone with one save rate per action (``heterogeneous_`` is ``False``).

Why: on the card sample the free-form learners' out-of-fold Qini was below risk-only's for
every action at ~9,500 pooled learning rows (benchmarks/results/targeting.md): a model of
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
_VERSION = 1
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
    """Churn risk × a save rate per action, with earned heterogeneity (module docstring).

    Parameters
    ----------
    risk_column
        The feature that holds the churn risk (0–1); without it the backbone is 1 (a constant
        effect plus departures).
    alphas
        Relative ridge penalties of the departures compared by cross-validation; ``()`` keeps
        the save rate alone.
    C
        Inverse L2 regularisation of the outcome model (the nuisance ``m̂``).
    folds, seed
        Cross-fitting and cross-validation folds.

    Attributes
    ----------
    theta_ : ndarray
        ``[θ₀, γ…]`` (``γ`` zeros when no heterogeneity was kept).
    cov_ : ndarray
        Sandwich covariance of ``theta_``.
    outcome_ : InteractionLogit
        The chance to respond with and without the action (all rows), its design spec the
        departures' ``z``.
    heterogeneous_ : bool
        Whether the departures were kept; ``alpha_`` the chosen penalty (``inf``: none).
    qini_ : dict
        Out-of-fold Qini of the save rate alone (``"risk"``) and with departures
        (``"heterogeneous"``).
    """

    def __init__(
        self,
        *,
        risk_column: str = "churn_probability",
        alphas: tuple[float, ...] = ALPHAS,
        C: float = 0.5,
        folds: int = 3,
        seed: int = 0,
    ) -> None:
        self.risk_column = risk_column
        self.alphas = alphas
        self.C = C
        self.folds = folds
        self.seed = seed

    # --------------------------------------------------------------------- fit
    def _z(self, X: pd.DataFrame) -> np.ndarray:
        return self.outcome_._design(X)

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
        r = _risk(X, self.risk_column, self.risk_fill_)
        pi = float(t.mean())
        Z = self._z(X)
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
        A = np.column_stack([rt * r, (rt * r)[:, None] * Z]) if Z.shape[1] else (rt * r)[:, None]
        scale = np.maximum((A**2).sum(axis=0), 1e-12)
        k = A.shape[1]

        def penalty(alpha: float) -> np.ndarray:
            p = alpha * scale
            p[0] = 0.0  # the save rate itself is not shrunk
            return p

        # the save rate alone and each penalty, by out-of-fold R-loss and Qini
        oof = {"risk": np.empty(len(y))}
        loss = {"risk": 0.0}
        for alpha in self.alphas:
            oof[f"{alpha:g}"] = np.empty(len(y))
            loss[f"{alpha:g}"] = 0.0
        for train, test in folds:
            b, _ = _solve(A[train, :1], ry[train], np.zeros(1))
            oof["risk"][test] = r[test] * b[0]
            loss["risk"] += float(np.sum((ry[test] - rt[test] * oof["risk"][test]) ** 2))
            for alpha in self.alphas if k > 1 else ():
                b, _ = _solve(A[train], ry[train], penalty(alpha))
                tau = r[test] * (b[0] + Z[test] @ b[1:])
                oof[f"{alpha:g}"][test] = tau
                loss[f"{alpha:g}"] += float(np.sum((ry[test] - rt[test] * tau) ** 2))
        # risk-only ranking on the same rows (what the save rate alone orders by)
        base = qini_of(r, t, y)
        self.qini_ = {"risk": base}
        best = min((key for key in loss if key == "risk" or k > 1), key=lambda key: loss[key])
        self.heterogeneous_ = False
        self.alpha_ = math.inf
        if best != "risk":
            q = qini_of(oof[best], t, y)
            self.qini_["heterogeneous"] = q
            if math.isfinite(q) and q > base:
                self.heterogeneous_ = True
                self.alpha_ = float(best)
        if self.heterogeneous_:
            theta, cov = _solve(A, ry, penalty(self.alpha_))
        else:
            b0, c0 = _solve(A[:, :1], ry, np.zeros(1))
            theta = np.zeros(k)
            theta[0] = b0[0]
            cov = np.zeros((k, k))
            cov[0, 0] = c0[0, 0]
        self.theta_ = theta
        self.cov_ = cov
        self.n_train_ = len(y)
        self.n_treated_ = int(t.sum())
        return self

    def _check(self) -> None:
        if not hasattr(self, "theta_"):
            raise NotFittedError("this RiskScaledEffect is not fitted yet; call fit()")

    def _g(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        self._check()
        r = _risk(X, self.risk_column, self.risk_fill_)
        if len(self.theta_) > 1:
            G = np.column_stack([np.ones(len(X)), self._z(X)])
        else:
            G = np.ones((len(X), 1))
        return r, G

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Expected change of the chance to respond if treated, one per row."""
        r, G = self._g(X)
        return np.asarray(r * (G @ self.theta_), dtype="float64")

    def predict_se(self, X: pd.DataFrame) -> np.ndarray:
        """Standard error of :meth:`predict` per row (sandwich covariance, delta method)."""
        r, G = self._g(X)
        var = np.einsum("ij,jk,ik->i", G, self.cov_, G)
        return np.asarray(r * np.sqrt(np.maximum(var, 0.0)), dtype="float64")

    def control_outcome(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted chance to respond without the action (the outcome model's)."""
        self._check()
        return self.outcome_.control_outcome(X)

    @property
    def save_rate_(self) -> float:
        """``θ₀``: the share of at-risk customers the action saves (at the mean features)."""
        self._check()
        return float(self.theta_[0])

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
        if d.get("format") != RISK_SCALED_FORMAT or d.get("format_version") != _VERSION:
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
        )
        m.risk_fill_ = float(d["risk_fill"])
        m.theta_ = np.asarray(d["theta"], dtype="float64")
        m.cov_ = np.asarray(d["cov"], dtype="float64")
        m.heterogeneous_ = bool(d["heterogeneous"])
        m.alpha_ = math.inf if d["alpha"] is None else float(d["alpha"])
        m.qini_ = {str(k): float(v) for k, v in d["qini"].items()}
        m.outcome_ = InteractionLogit.from_dict(d["outcome"])
        m.n_train_ = int(d["n_train"])
        m.n_treated_ = int(d["n_treated"])
        return m
