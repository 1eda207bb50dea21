"""The churn model against its baselines: which ranking is used, and why.

A model is shown as the answer only when it beats the simple scorers a careful analyst would
use, on the same backtest customers and outcomes:

* ``recency`` — days since the last purchase;
* ``bgnbd`` — ``1 − P(alive)`` from BG/NBD (:func:`loyalloop.churn.backtest.bgnbd_churn_score`);
* ``logistic`` — a plain L2-regularised logistic regression on the same features and
  training rows (:class:`~loyalloop.churn.model.ChurnModel` with ``algorithm="logistic"``).

The rule (:func:`choose_ranking`, ``tolerance`` = 0.005 by default)
    The model is used only when it **beats every baseline**: better by at least
    ``tolerance`` in ROC AUC or in PR AUC, and not worse by more than ``tolerance`` in the
    other. Otherwise the **best baseline** ranks the customers: the highest ROC AUC; among
    baselines within ``tolerance`` of it, the highest PR AUC; among those within
    ``tolerance`` of that, the simplest (recency, then BG/NBD, then the logistic regression).

    ROC AUC measures the whole ranking, PR AUC the top of it — where a call list is cut — so a
    model that wins one clearly but loses the other does not win. The tolerance is about a
    quarter of the standard error of an AUC on a thousand customers: differences below it are
    noise, and on noise the simpler scorer wins, because it is easier to explain and to trust.

Whichever scorer wins, the probabilities shown are churn probabilities over the backtest's
horizon: the model's and the logistic regression's own (calibrated) ones, and for recency and
BG/NBD their scores mapped through an isotonic calibration fitted on the backtest outcomes
(monotone, so it keeps their ranking) — see :class:`ChurnRanking`.

:class:`ChurnComparison` is the frozen record of the decision — every scorer's figures, the
winner, the best baseline, the rule and tolerance — that goes into the run's manifest, so the
report can say which ranking was used without recomputing anything.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.churn.calibration import Calibrator
from loyalloop.churn.evaluation import ScoreMetrics
from loyalloop.churn.features import CONTEXT_COLUMNS
from loyalloop.churn.model import ChurnModel
from loyalloop.core.export import write_text_atomic
from loyalloop.errors import ConfigError, DataValidationError, ModelError

__all__ = [
    "BASELINES",
    "DEFAULT_TOLERANCE",
    "MODEL",
    "RANKING_FORMAT",
    "ChurnComparison",
    "ChurnRanking",
    "ScorerFigures",
    "bgnbd_churn_score",
    "choose_ranking",
]

log = logging.getLogger(__name__)

#: The model's scorer name.
MODEL = "model"
#: Baselines, simplest first (the order that breaks ties).
BASELINES: tuple[str, ...] = ("recency", "bgnbd", "logistic")
#: Differences in ROC AUC / PR AUC smaller than this are ties.
DEFAULT_TOLERANCE = 0.005
#: Identifies a saved :class:`ChurnRanking` (with ``format_version`` 1).
RANKING_FORMAT = "loyalloop.churn-ranking"


@dataclass(frozen=True)
class ScorerFigures:
    """One scorer's backtest figures (``None`` where not defined; ``error`` says why)."""

    name: str
    roc_auc: float | None
    pr_auc: float | None
    brier: float | None = None
    top_decile_lift: float | None = None
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None and self.roc_auc is not None and self.pr_auc is not None

    @classmethod
    def from_metrics(cls, m: ScoreMetrics) -> ScorerFigures:
        def num(v: float) -> float | None:
            return None if v is None or math.isnan(v) else float(v)

        return cls(
            m.name,
            num(m.roc_auc),
            num(m.pr_auc),
            num(m.brier) if m.is_probability else None,
            num(m.top_decile_lift),
            m.error,
        )


@dataclass(frozen=True)
class ChurnComparison:
    """The model against its baselines on one backtest, and which ranking won.

    Attributes
    ----------
    figures
        Every scorer evaluated, the model first.
    winner
        The scorer whose ranking is used (``"model"`` or a baseline's name).
    best_baseline
        The best baseline by the rule (``None`` if no baseline could be evaluated).
    tolerance
        Differences below this are ties.
    n_test, base_rate
        Backtest customers and their churn rate.
    """

    figures: tuple[ScorerFigures, ...]
    winner: str
    best_baseline: str | None
    tolerance: float
    n_test: int
    base_rate: float | None

    @property
    def model_won(self) -> bool:
        return self.winner == MODEL

    def get(self, name: str) -> ScorerFigures:
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(name)

    def summary(self) -> str:
        """One sentence saying which ranking is used and why (English)."""
        w = self.get(self.winner)
        fig = f"ROC AUC {w.roc_auc:.3f}, PR AUC {w.pr_auc:.3f}"
        if self.model_won:
            b = self.get(self.best_baseline) if self.best_baseline else None
            if b is None:
                return f"The churn model ranks customers ({fig}); no baseline could be evaluated."
            return (
                f"The churn model ranks customers: it beat every baseline ({fig}; best "
                f"baseline {b.name}: ROC AUC {b.roc_auc:.3f}, PR AUC {b.pr_auc:.3f})."
            )
        m = self.get(MODEL)
        if not m.usable:
            return f"The {w.name} baseline ranks customers ({fig}): the model was not evaluated."
        return (
            f"The {w.name} baseline ranks customers ({fig}): the churn model did not beat it "
            f"(ROC AUC {m.roc_auc:.3f}, PR AUC {m.pr_auc:.3f})."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "model_won": self.model_won,
            "best_baseline": self.best_baseline,
            "tolerance": self.tolerance,
            "n_test": self.n_test,
            "base_rate": self.base_rate,
            "rule": "model only if it beats every baseline",
            "figures": [f.__dict__.copy() for f in self.figures],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChurnComparison:
        try:
            figures = tuple(ScorerFigures(**f) for f in d["figures"])
            return cls(
                figures,
                str(d["winner"]),
                d.get("best_baseline"),
                float(d["tolerance"]),
                int(d["n_test"]),
                d.get("base_rate"),
            )
        except (KeyError, TypeError) as e:
            raise DataValidationError(f"churn comparison record is damaged: {e}") from None


def _beats(a: ScorerFigures, b: ScorerFigures, tol: float) -> bool:
    """``a`` is better than ``b`` by ``tol`` on one metric and not worse by ``tol`` on the
    other."""
    assert a.roc_auc is not None and a.pr_auc is not None
    assert b.roc_auc is not None and b.pr_auc is not None
    d_roc, d_pr = a.roc_auc - b.roc_auc, a.pr_auc - b.pr_auc
    return (d_roc >= tol or d_pr >= tol) and d_roc > -tol and d_pr > -tol


def _best(baselines: Sequence[ScorerFigures], tol: float) -> ScorerFigures:
    top_roc = max(f.roc_auc for f in baselines if f.roc_auc is not None)
    near = [f for f in baselines if f.roc_auc is not None and f.roc_auc >= top_roc - tol]
    top_pr = max(f.pr_auc for f in near if f.pr_auc is not None)
    near = [f for f in near if f.pr_auc is not None and f.pr_auc >= top_pr - tol]
    return near[0]  # baselines come simplest first


def choose_ranking(
    metrics: Sequence[ScoreMetrics],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ChurnComparison:
    """Decide which scorer ranks the customers (rule in the module docstring).

    Parameters
    ----------
    metrics
        The backtest's metrics: one named ``"model"`` and any of :data:`BASELINES`; other
        scorers are reported but never chosen.
    tolerance
        Differences in ROC AUC / PR AUC below this are ties.

    Examples
    --------
    >>> from loyalloop.churn.evaluation import evaluate_scores
    >>> ev = evaluate_scores([0, 0, 1, 1, 0, 1], {"model": [.1, .6, .4, .9, .2, .8],
    ...                                           "recency": [1, 2, 3, 9, 1, 8]})
    >>> choose_ranking(ev.metrics).winner
    'recency'
    """
    if tolerance < 0:
        raise ConfigError(f"tolerance must be ≥ 0, got {tolerance}")
    by_name = {m.name: ScorerFigures.from_metrics(m) for m in metrics}
    if MODEL not in by_name:
        raise DataValidationError("the comparison needs the model's metrics (scorer 'model')")
    model = by_name[MODEL]
    baselines = [by_name[b] for b in BASELINES if b in by_name and by_name[b].usable]
    best = _best(baselines, tolerance) if baselines else None
    if not model.usable and best is None:
        raise DataValidationError(
            f"neither the model nor a baseline could be evaluated: {model.error}"
        )
    if best is None:
        winner = MODEL
    elif not model.usable:
        winner = best.name
    else:
        winner = MODEL if all(_beats(model, b, tolerance) for b in baselines) else best.name
    order = [MODEL, *BASELINES]
    figures = tuple(
        sorted(by_name.values(), key=lambda f: order.index(f.name) if f.name in order else 99)
    )
    first = metrics[0] if metrics else None
    base = None if first is None or math.isnan(first.base_rate) else float(first.base_rate)
    log.info("churn ranking: %s (best baseline %s)", winner, best.name if best else None)
    return ChurnComparison(
        figures,
        winner,
        best.name if best else None,
        tolerance,
        first.n if first else 0,
        base,
    )


def bgnbd_churn_score(features: pd.DataFrame) -> np.ndarray | None:
    """``1 − P(alive)`` from BG/NBD on the features' purchase history, if ``loyalloop.clv``
    provides ``BetaGeoModel`` and it can be fitted on these customers; ``None`` otherwise.

    Uses ``frequency = n_purchases_total − 1``, ``recency = tenure_days − recency_days`` and
    ``T = tenure_days`` (days); customers with ``T = 0`` are scored but not fitted on.
    """
    try:
        clv = importlib.import_module("loyalloop.clv")
    except ImportError:
        log.info("loyalloop.clv is not available; skipping the BG/NBD baseline")
        return None
    model_cls = getattr(clv, "BetaGeoModel", None)
    if model_cls is None:
        return None
    rfm = pd.DataFrame(
        {
            "frequency": (features["n_purchases_total"] - 1).to_numpy(dtype="float64"),
            "recency": (features["tenure_days"] - features["recency_days"]).to_numpy(
                dtype="float64"
            ),
            "T": features["tenure_days"].to_numpy(dtype="float64"),
        }
    )
    try:
        fitted = model_cls().fit(rfm[rfm["T"] > 0], time_unit="days")
    except ModelError as exc:
        # e.g. nobody seems to drop out (a, b → ∞): the baseline is left out of the comparison,
        # which the run's other scorers still make; the churn model is not lost with it
        log.warning("BG/NBD baseline left out: %s", exc)
        return None
    alive = np.asarray(fitted.probability_alive(rfm), dtype="float64")
    return 1.0 - alive


@dataclass(frozen=True)
class ChurnRanking:
    """The winning scorer, able to give churn probabilities for new feature rows.

    ``model`` is set for ``"model"`` and ``"logistic"``; ``calibrator`` (fitted on the
    backtest outcomes) maps a recency or BG/NBD score to a churn probability.
    """

    scorer: str
    model: ChurnModel | None = None
    calibrator: Calibrator | None = None

    def raw_score(self, features: pd.DataFrame) -> np.ndarray:
        """The scorer's own score (higher = riskier) for feature rows."""
        if self.model is not None:
            return self.model.churn_probability(_model_columns(features))
        if self.scorer == "recency":
            return features["recency_days"].to_numpy(dtype="float64")
        if self.scorer == "bgnbd":
            bg = bgnbd_churn_score(features)
            if bg is None:
                raise ConfigError("the BG/NBD baseline won but loyalloop.clv is not available")
            return bg
        raise ConfigError(f"unknown churn scorer {self.scorer!r}")

    def churn_probability(self, features: pd.DataFrame) -> np.ndarray:
        """Churn probability over the backtest horizon, one per feature row."""
        s = self.raw_score(features)
        if self.calibrator is None:
            return s
        return self.calibrator.apply(s)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to score again: the scorer, its model or its calibration map."""
        return {
            "format": RANKING_FORMAT,
            "format_version": 1,
            "scorer": self.scorer,
            "model": None if self.model is None else self.model.to_dict(),
            "calibrator": None if self.calibrator is None else self.calibrator.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "ranking") -> ChurnRanking:
        if not isinstance(d, dict) or d.get("format") != RANKING_FORMAT:
            raise ModelError(f"{source} is not a Loyalloop churn ranking")
        if d.get("format_version") != 1:
            raise ModelError(
                f"{source} has churn ranking format version {d.get('format_version')!r}; "
                "this Loyalloop reads version 1"
            )
        scorer = d.get("scorer")
        if scorer not in (MODEL, *BASELINES):
            raise ModelError(f"{source} names an unknown scorer {scorer!r}")
        model = None if d.get("model") is None else ChurnModel.from_dict(d["model"], source=source)
        cal = d.get("calibrator")
        ranking = cls(str(scorer), model, None if cal is None else Calibrator.from_dict(cal))
        if (ranking.model is None) == (scorer in (MODEL, "logistic")):
            raise ModelError(
                f"{source}: the {scorer} scorer needs {'a' if model is None else 'no'} model"
            )
        return ranking

    def save(self, path: str | Path) -> Path:
        """Write the ranking to one JSON file (sorted keys) and return its path."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, default=str)
        return write_text_atomic(path, text)

    @classmethod
    def load(cls, path: str | Path) -> ChurnRanking:
        """Read a ranking written by :meth:`save`."""
        p = Path(path)
        try:
            d = json.loads(p.read_text("utf-8"))
        except FileNotFoundError:
            raise ModelError(f"churn ranking file {p} does not exist") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelError(f"{p} is not a Loyalloop churn ranking (not JSON)") from None
        return cls.from_dict(d, source=str(p))


def _model_columns(features: pd.DataFrame) -> pd.DataFrame:
    return features.drop(columns=[c for c in CONTEXT_COLUMNS if c in features.columns])
