"""NPS and CSAT with confidence intervals, overall and by month.

The engine aggregates counts; the maths runs on those counts (frozen dataclasses).

NPS
    On 0–10 answers: promoters score 9–10, detractors 0–6. ``NPS = 100 (P − D) / n``. Its
    standard error treats each answer as +1 / 0 / −1:
    ``se = 100 sqrt((p_P + p_D − (p_P − p_D)^2) / n)``; the interval is ``NPS ± z se``
    (z = 1.96 for 95%), clipped to [−100, 100].
CSAT
    On 1–5 answers: the share of 4 and 5 ("satisfied"), in percent, with a Wilson score
    interval. ``mean`` is the mean score.

Only the business's own brand counts (``brand`` empty or ``own``); competitor feedback is for
benchmarks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from loyalloop.insight.scales import is_csat_satisfied, is_detractor, is_passive, is_promoter

__all__ = ["CsatResult", "NpsResult", "csat", "csat_monthly", "nps", "nps_monthly"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class NpsResult:
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci_low: float | None
    ci_high: float | None

    @classmethod
    def from_counts(
        cls, promoters: int, passives: int, detractors: int, z: float = Z95
    ) -> NpsResult:
        n = promoters + passives + detractors
        if n == 0:
            return cls(0, 0, 0, 0, None, None, None)
        pp, pd_ = promoters / n, detractors / n
        score = 100 * (pp - pd_)
        se = cls(n, promoters, passives, detractors, score, None, None).std_error
        return cls(
            n,
            promoters,
            passives,
            detractors,
            score,
            max(-100.0, score - z * se),
            min(100.0, score + z * se),
        )

    @property
    def std_error(self) -> float:
        """Standard error of the NPS (the formula in the module docs); NaN without answers."""
        if self.n == 0:
            return float("nan")
        pp, pd_ = self.promoters / self.n, self.detractors / self.n
        return 100 * math.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / self.n)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class CsatResult:
    n: int
    satisfied: int
    csat: float | None  # percent of 4–5 answers
    ci_low: float | None
    ci_high: float | None
    mean: float | None

    @classmethod
    def from_counts(cls, n: int, satisfied: int, total: float, z: float = Z95) -> CsatResult:
        if n == 0:
            return cls(0, 0, None, None, None, None)
        p = satisfied / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        return cls(n, satisfied, 100 * p, 100 * (centre - half), 100 * (centre + half), total / n)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _own(feedback: ir.Table, score_type: str) -> ir.Table:
    f = feedback.filter(
        (feedback.score_type == score_type)
        & feedback.score.notnull()
        & (feedback.brand.isnull() | (feedback.brand.lower() == "own"))
    )
    return f


def _nps_counts(f: ir.Table) -> dict[str, ir.Value]:
    return {
        "promoters": is_promoter(f.score).sum(),
        "passives": is_passive(f.score).sum(),
        "detractors": is_detractor(f.score).sum(),
    }


def _nps_from(row: Mapping[str, Any]) -> NpsResult:
    return NpsResult.from_counts(
        *(int(row[k] or 0) for k in ("promoters", "passives", "detractors"))
    )


def _csat_counts(f: ir.Table) -> dict[str, ir.Value]:
    return {"n": f.count(), "satisfied": is_csat_satisfied(f.score).sum(), "total": f.score.sum()}


def _csat_from(row: Mapping[str, Any]) -> CsatResult:
    return CsatResult.from_counts(
        int(row["n"] or 0), int(row["satisfied"] or 0), float(row["total"] or 0)
    )


def _month(f: ir.Table) -> ir.DateValue:
    return f.timestamp.truncate("M").cast("date")


def _monthly(
    f: ir.Table,
    counts: Callable[[ir.Table], dict[str, ir.Value]],
    make: Callable[[Mapping[str, Any]], NpsResult | CsatResult],
    fields: Iterable[str],
) -> pd.DataFrame:
    table = f.group_by(month=_month(f)).aggregate(**counts(f)).order_by("month").execute()
    rows = [{"month": r["month"], **make(r).to_dict()} for r in table.to_dict("records")]
    return pd.DataFrame(rows, columns=["month", *fields])


def nps(feedback: ir.Table) -> NpsResult:
    """NPS of the own brand over all NPS answers in ``feedback``."""
    f = _own(feedback, "nps")
    return _nps_from(f.aggregate(**_nps_counts(f)).execute().iloc[0])


def nps_monthly(feedback: ir.Table) -> pd.DataFrame:
    """One row per month: ``month``, and the fields of :class:`NpsResult`."""
    return _monthly(_own(feedback, "nps"), _nps_counts, _nps_from, NpsResult.__dataclass_fields__)


def csat(feedback: ir.Table) -> CsatResult:
    """CSAT of the own brand over all CSAT answers in ``feedback``."""
    f = _own(feedback, "csat")
    return _csat_from(f.aggregate(**_csat_counts(f)).execute().iloc[0])


def csat_monthly(feedback: ir.Table) -> pd.DataFrame:
    """One row per month: ``month``, and the fields of :class:`CsatResult`."""
    return _monthly(
        _own(feedback, "csat"), _csat_counts, _csat_from, CsatResult.__dataclass_fields__
    )
