"""Statistics of incoming responses: response rates, NPS, CSAT and CES with intervals.

The store (or the warehouse) counts; these functions do the maths on the counts.

* NPS and CSAT reuse :mod:`loyalloop.insight.surveys` (the same formulas as the report).
* CES (1–7): the mean with a normal-approximation interval ``mean ± z s / sqrt(n)`` from the
  sufficient statistics ``n, Σx, Σx²``, and the share of "easy" answers (5–7) with a Wilson
  interval.
* A response rate is responded / invited with a Wilson interval; non-response is reported as
  its own count so it is never hidden.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from loyalloop.insight.surveys import Z95, CsatResult, NpsResult

__all__ = [
    "CesResult",
    "CsatResult",
    "NpsResult",
    "RateResult",
    "ces_from_moments",
    "csat_from_counts",
    "nps_from_counts",
    "response_rate",
    "wilson",
]


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion (``None`` when ``n`` is 0)."""
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class RateResult:
    """Responses per invitation: ``rate`` and its interval are fractions (0–1)."""

    invited: int
    responded: int
    not_responded: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def response_rate(invited: int, responded: int, z: float = Z95) -> RateResult:
    """Response rate; ``responded`` larger than ``invited`` is a bug upstream, refused."""
    if responded > invited or responded < 0:
        raise ValueError(f"responded ({responded}) must be between 0 and invited ({invited})")
    lo, hi = wilson(responded, invited, z)
    rate = responded / invited if invited else None
    return RateResult(invited, responded, invited - responded, rate, lo, hi)


@dataclass(frozen=True)
class CesResult:
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    easy_share: float | None  # percent of answers 5–7

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def ces_from_moments(n: int, total: float, total_sq: float, easy: int, z: float = Z95) -> CesResult:
    """CES from ``n``, ``Σx``, ``Σx²`` and the count of answers 5–7."""
    if n <= 0:
        return CesResult(0, None, None, None, None)
    mean = total / n
    if n < 2:
        return CesResult(n, mean, None, None, 100 * easy / n)
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    half = z * math.sqrt(var / n)
    return CesResult(n, mean, max(1.0, mean - half), min(7.0, mean + half), 100 * easy / n)


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NpsResult:
    return NpsResult.from_counts(promoters, passives, detractors)


def csat_from_counts(n: int, satisfied: int, total: float) -> CsatResult:
    return CsatResult.from_counts(n, satisfied, total)
