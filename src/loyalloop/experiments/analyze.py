"""An experiment's report: every treatment arm against control, the split check, corrections.

:func:`analyze` takes one statistic per arm (from the engine, see
:mod:`loyalloop.experiments.aggregate`) and returns an :class:`ExperimentReport`: one
:class:`ArmResult` per treatment arm, the sample-ratio-mismatch check over all arms, and — with
more than one treatment arm — p-values adjusted for multiple comparisons and simultaneous
(Bonferroni) intervals. An arm that cannot be analysed carries its ``error``; the others are
still reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loyalloop.errors import DataValidationError
from loyalloop.experiments.inference import DEFAULT_SEQUENTIAL_TUNING, GaussianPrior, run_test
from loyalloop.experiments.multiple import Correction, adjust_p_values
from loyalloop.experiments.results import Estimate, Method, TestResult
from loyalloop.experiments.srm import SRM_THRESHOLD, SrmResult, srm_check
from loyalloop.experiments.statistics import Statistic

__all__ = ["ArmResult", "ExperimentReport", "analyze"]


@dataclass(frozen=True)
class ArmResult:
    """One treatment arm against control.

    ``simultaneous`` is the absolute lift's interval at level ``1 − α / m`` for ``m``
    treatment arms (equal to ``test.absolute`` with one treatment arm or no correction).
    """

    arm: str
    test: TestResult
    p_value_adjusted: float
    simultaneous: Estimate

    @property
    def error(self) -> str | None:
        return self.test.error.value if self.test.error else None

    def to_dict(self) -> dict[str, Any]:
        """The flat record ``experiments analyze --json`` prints for this arm."""
        t, m = self.test, self.test.moments
        return {
            "arm": self.arm,
            "n": m.treatment_n,
            "mean": m.treatment_mean,
            "control_n": m.control_n,
            "control_mean": m.control_mean,
            "lift_abs": t.absolute.estimate,
            "lift_rel": t.relative.estimate,
            "ci_low": t.absolute.low,
            "ci_high": t.absolute.high,
            "ci_rel_low": t.relative.low,
            "ci_rel_high": t.relative.high,
            "se": t.absolute.se,
            "p_value": t.p_value,
            "p_value_adjusted": self.p_value_adjusted,
            "ci_low_adjusted": self.simultaneous.low,
            "ci_high_adjusted": self.simultaneous.high,
            "chance_to_win": t.chance_to_win,
            "expected_loss": t.expected_loss,
            "expected_loss_control": t.expected_loss_control,
            "cuped_theta": m.theta,
            "cuped_variance_reduction": m.variance_reduction if m.theta is not None else None,
            "fallback": t.fallback.value if t.fallback else None,
            "error": self.error,
            "message": t.message,
        }


@dataclass(frozen=True)
class ExperimentReport:
    """All treatment arms against ``control`` with one method, and the split check."""

    control: str
    method: Method
    alpha: float
    correction: Correction
    arms: tuple[ArmResult, ...]
    srm: SrmResult
    notes: tuple[str, ...] = field(default=())

    def arm(self, name: str) -> ArmResult:
        for a in self.arms:
            if a.arm == name:
                return a
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "method": self.method.value,
            "alpha": self.alpha,
            "correction": self.correction.value,
            "srm_p_value": self.srm.p_value,
            "srm_mismatch": self.srm.mismatch,
            "srm": {
                "observed": dict(self.srm.observed),
                "expected": dict(self.srm.expected),
                "chi2": self.srm.chi2,
                "threshold": self.srm.threshold,
                "error": self.srm.error,
            },
            "arms": [a.to_dict() for a in self.arms],
            "notes": list(self.notes),
        }


def analyze(
    stats: Mapping[str, Statistic],
    control: str,
    *,
    method: Method = Method.FREQUENTIST,
    alpha: float = 0.05,
    correction: Correction = Correction.HOLM,
    assigned: Mapping[str, int] | None = None,
    weights: Mapping[str, float] | None = None,
    prior: GaussianPrior | None = None,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
    srm_threshold: float = SRM_THRESHOLD,
) -> ExperimentReport:
    """Compare every arm of ``stats`` with ``control``.

    Parameters
    ----------
    stats
        One statistic per arm, control included (same kind for all arms).
    control
        The control arm's name.
    method, alpha
        The test (:class:`Method`) and its level; intervals are at ``1 − alpha``.
    correction
        Multiple-comparison correction when there are several treatment arms (ignored by the
        Bayesian method, whose chance to win is per arm and says so in ``notes``).
    assigned
        Units assigned per arm, for the split check (default: the statistics' ``n``; pass the
        assigned counts when some units have no metric value).
    weights
        Planned share of each arm (default equal).

    Raises
    ------
    DataValidationError
        If ``control`` is not an arm, or there is no other arm.
    """
    if control not in stats:
        raise DataValidationError(
            f"no control arm {control!r}; the arms are: " + ", ".join(repr(a) for a in stats)
        )
    treatments = [a for a in stats if a != control]
    if not treatments:
        raise DataValidationError(f"only the control arm {control!r}; nothing to compare it with")
    notes: list[str] = []
    results = [
        run_test(method, stats[control], stats[a], alpha=alpha, prior=prior, tuning=tuning)
        for a in treatments
    ]
    m = len(treatments)
    effective = correction if m > 1 and method is not Method.BAYESIAN else Correction.NONE
    if m > 1 and method is Method.BAYESIAN and correction is not Correction.NONE:
        notes.append(
            "chance to win is per arm against control; no multiple-comparison correction applies"
        )
    adjusted = adjust_p_values([r.p_value for r in results], effective)
    if effective is Correction.NONE:
        simultaneous = [r.absolute for r in results]
    else:
        simultaneous = [
            run_test(
                method, stats[control], stats[a], alpha=alpha / m, prior=prior, tuning=tuning
            ).absolute
            for a in treatments
        ]
        notes.append(
            f"{m} treatment arms: p-values adjusted ({effective.value}); simultaneous intervals "
            f"at level {1 - alpha / m:.4g} (Bonferroni)"
        )
    counts = dict(assigned) if assigned is not None else {a: s.n for a, s in stats.items()}
    srm = srm_check(counts, weights, threshold=srm_threshold)
    if srm.mismatch:
        notes.append(
            f"sample-ratio mismatch (p = {srm.p_value:.2g} < {srm_threshold}): the split of units "
            "differs from the plan; check the assignment before trusting any lift"
        )
    arms = tuple(
        ArmResult(a, r, float(p) if not math.isnan(p) else math.nan, s)
        for a, r, p, s in zip(treatments, results, adjusted, simultaneous, strict=True)
    )
    return ExperimentReport(control, method, alpha, effective, arms, srm, tuple(notes))
