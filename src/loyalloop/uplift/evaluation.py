"""Held-out evaluation of uplift scores: Qini and uplift curves, areas with bootstrap intervals.

Every scorer (the model's uplift, the baselines' rankings) is evaluated the same way on the
same rows, so a baseline plugs in without special cases. Random targeting has area 0 by
construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from loyalloop.errors import DataValidationError
from loyalloop.uplift.metrics import Interval, bootstrap_interval, qini_curve, uplift_at

__all__ = ["ScorerEvaluation", "UpliftEvaluation", "evaluate_uplift"]

_FRACTIONS = (0.1, 0.2, 0.3, 0.5)


@dataclass(frozen=True)
class ScorerEvaluation:
    """One scorer on held-out rows.

    ``qini`` and ``auuc`` are the areas over random targeting (outcome units per unit, see
    :mod:`loyalloop.uplift.metrics`), ``qini_coefficient`` the normalised Qini (0/1 outcomes
    only), each with a bootstrap interval. ``uplift_top`` is the observed treated-minus-control
    mean outcome among the top 10/20/30/50 % by score.
    """

    name: str
    qini: Interval
    auuc: Interval
    qini_coefficient: Interval | None
    uplift_top: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        def iv(i: Interval | None) -> dict[str, float] | None:
            return None if i is None else {"value": i.value, "low": i.low, "high": i.high}

        return {
            "name": self.name,
            "qini": iv(self.qini),
            "auuc": iv(self.auuc),
            "qini_coefficient": iv(self.qini_coefficient),
            "uplift_top": {f"{int(100 * f)}%": v for f, v in self.uplift_top},
        }


@dataclass(frozen=True)
class UpliftEvaluation:
    """All scorers on the same held-out rows, and their Qini curves at every 10 %."""

    n: int
    n_treated: int
    overall_effect: float
    scorers: tuple[ScorerEvaluation, ...]
    curves: pd.DataFrame

    def scorer(self, name: str) -> ScorerEvaluation:
        for s in self.scorers:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "n_treated": self.n_treated,
            "overall_effect": self.overall_effect,
            "scorers": [s.to_dict() for s in self.scorers],
            "qini_curves": self.curves.to_dict(orient="list"),
        }

    def lines(self) -> list[str]:
        out = [
            f"{self.n:,} held-out rows ({self.n_treated:,} treated); overall effect "
            f"{self.overall_effect:+.4g}"
        ]
        for s in self.scorers:
            q = s.qini
            line = f"{s.name}: Qini area {q.value:+.4g} (95% {q.low:+.4g} … {q.high:+.4g})"
            if s.qini_coefficient is not None:
                line += f", Qini coefficient {s.qini_coefficient.value:+.3f}"
            top = dict(s.uplift_top).get(0.3)
            if top is not None and np.isfinite(top):
                line += f", effect in its top 30% {top:+.4g}"
            out.append(line)
        return out


def evaluate_uplift(
    outcome: ArrayLike,
    treatment: ArrayLike,
    scores: Mapping[str, ArrayLike],
    *,
    resamples: int = 200,
    random_state: int = 0,
) -> UpliftEvaluation:
    """Evaluate each score column (higher = target first) on the same outcomes.

    Raises
    ------
    DataValidationError
        If an arm is missing from the rows or a score has a non-finite value.
    """
    y = np.asarray(outcome, dtype="float64")
    t = np.asarray(treatment, dtype="float64")
    if t.sum() == 0 or t.sum() == len(t):
        raise DataValidationError("evaluation needs treated and control rows")
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    fractions = np.linspace(0, 1, 11)
    curves: dict[str, Any] = {"fraction": fractions}
    results = []
    for name, score in scores.items():
        s = np.asarray(score, dtype="float64")
        if not np.isfinite(s).all():
            raise DataValidationError(f"score {name} has non-finite values")
        kw = {"resamples": resamples, "random_state": random_state}
        results.append(
            ScorerEvaluation(
                name,
                bootstrap_interval("qini_area", y, t, s, **kw),
                bootstrap_interval("auuc_area", y, t, s, **kw),
                bootstrap_interval("qini_coefficient", y, t, s, **kw) if binary else None,
                tuple((f, uplift_at(y, t, s, f)) for f in _FRACTIONS),
            )
        )
        curves[name] = qini_curve(y, t, s).at_fractions(fractions) / len(y)
    effect = float(y[t == 1].mean() - y[t == 0].mean())
    return UpliftEvaluation(len(y), int(t.sum()), effect, tuple(results), pd.DataFrame(curves))
