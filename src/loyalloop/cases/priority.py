"""A case's priority from the customer's value, churn risk and the signal's severity.

The formula (weights and cut-offs are part of the case configuration; defaults shown)::

    score = w_value × value + w_risk × risk + w_severity × severity       (weights sum to 1)
          = 0.3 × value   + 0.3 × risk   + 0.4 × severity

    P1 if score ≥ 0.75, P2 if ≥ 0.55, P3 if ≥ 0.35, else P4

* ``value`` — the customer's CLV percentile in [0, 1] (the share of customers with a lower CLV
  in the latest run; 0.95 = top 5 %);
* ``risk`` — the churn probability in [0, 1] from the latest run;
* ``severity`` — set by the rule that fired, in [0, 1]: for a detractor ``1 − score / 10``
  (NPS 0 → 1.0, NPS 6 → 0.4); for a negative comment on an aspect the negativity of that
  aspect's clause (``−sentiment``); for a phrase the phrase list's severity; for churn risk and a
  failed win-back the rule's configured severity.

A missing value or risk (a customer not in the latest run) counts as ``unknown_as`` (default
0.5, the middle) and the case's reasons say so: an unknown customer is neither pushed to the
top nor buried. A rule may set a ``min_priority`` (e.g. a regulator complaint is at least P1)
that the score cannot lower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from loyalloop.cases.reasons import Reason
from loyalloop.errors import ConfigError

__all__ = ["Priority", "PriorityFormula", "PriorityScore"]


class Priority(StrEnum):
    """Case priority, P1 the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 for P1 … 4 for P4 (smaller is more urgent)."""
        return int(self.value[1])

    def at_least(self, other: Priority) -> Priority:
        """The more urgent of ``self`` and ``other``."""
        return self if self.rank <= other.rank else other


@dataclass(frozen=True)
class PriorityScore:
    """The inputs, the score and the priority, with its reasons (codes with params)."""

    value: float
    risk: float
    severity: float
    score: float
    priority: Priority
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class PriorityFormula:
    """Weights and cut-offs of the priority score (see the module docstring)."""

    w_value: float = 0.3
    w_risk: float = 0.3
    w_severity: float = 0.4
    p1: float = 0.75
    p2: float = 0.55
    p3: float = 0.35
    unknown_as: float = 0.5

    def __post_init__(self) -> None:
        weights = (self.w_value, self.w_risk, self.w_severity)
        if any(w < 0 for w in weights) or not math.isclose(sum(weights), 1.0, abs_tol=1e-9):
            raise ConfigError(f"priority weights must be ≥ 0 and sum to 1, got {weights}")
        if not 1 >= self.p1 > self.p2 > self.p3 >= 0:
            raise ConfigError(
                f"priority cut-offs must satisfy 1 ≥ p1 > p2 > p3 ≥ 0, "
                f"got {self.p1}, {self.p2}, {self.p3}"
            )
        if not 0 <= self.unknown_as <= 1:
            raise ConfigError(f"unknown_as must be in [0, 1], got {self.unknown_as}")

    def score(
        self,
        *,
        clv_percentile: float | None,
        churn_probability: float | None,
        severity: float,
        min_priority: Priority | None = None,
    ) -> PriorityScore:
        """Score and priority of one signal for one customer.

        Examples
        --------
        >>> f = PriorityFormula()
        >>> s = f.score(clv_percentile=0.95, churn_probability=0.6, severity=1.0)
        >>> round(s.score, 3), s.priority.value
        (0.865, 'P1')
        >>> f.score(clv_percentile=None, churn_probability=None, severity=0.4).priority.value
        'P3'
        """
        reasons: list[Reason] = []
        value = self._input(clv_percentile, "clv_percentile", reasons)
        risk = self._input(churn_probability, "churn_probability", reasons)
        sev = min(max(float(severity), 0.0), 1.0)
        score = self.w_value * value + self.w_risk * risk + self.w_severity * sev
        if score >= self.p1:
            priority = Priority.P1
        elif score >= self.p2:
            priority = Priority.P2
        elif score >= self.p3:
            priority = Priority.P3
        else:
            priority = Priority.P4
        if min_priority is not None and min_priority.rank < priority.rank:
            reasons.append(
                Reason(
                    "priority_raised",
                    {"from_priority": priority.value, "to_priority": min_priority.value},
                )
            )
            priority = min_priority
        return PriorityScore(value, risk, sev, score, priority, tuple(reasons))

    def _input(self, x: float | None, name: str, reasons: list[Reason]) -> float:
        if x is None or not math.isfinite(x):
            reasons.append(Reason("input_unknown", {"input": name, "value": self.unknown_as}))
            return self.unknown_as
        return min(max(float(x), 0.0), 1.0)
