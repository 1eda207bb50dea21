"""Loyalty index (0–100): behaviour, attitude and emotion, with weights you can change.

The index reads per-customer inputs (by default the churn features of
:func:`loyalloop.churn.build_features`, which carry all of them) and is an Ibis expression, so
it runs in the warehouse next to them.

Components and their 0–100 scores (absolute scales, so a customer's index does not move just
because other customers changed; reference points are in :class:`LoyaltyWeights`):

===============  ==================================  ==============================================
component        input column                        score
===============  ==================================  ==============================================
frequency        ``n_purchases_365d``                ``100 · ln(1+n) / ln(1+frequency_ref)``, ≤ 100
recency          ``recency_days``                    ``100 · (1 − days / recency_ref)``, ≥ 0
tenure           ``tenure_days``                     ``100 · days / tenure_ref``, ≤ 100
share of spend   ``share_of_spend`` (0–1, optional)  ``100 · share`` — from a survey or bureau;
                                                     missing unless you supply it
attitudinal      ``csat_mean_365d`` (1–5)            ``100 · (csat − 1) / 4``
emotional        ``nps_mean_365d`` (0–10)            ``10 · nps``
===============  ==================================  ==============================================

``behavioural`` is the weighted mean of frequency, recency, tenure and share of spend over the
ones present. The index is the weighted mean of behavioural, attitudinal and emotional over the
ones present — **missing components are left out and the remaining weights rescaled, never
scored as zero**. ``coverage`` is the share of the top-level weight that was present; when it
is below ``min_coverage`` the index is missing (too little is known). Every row says which
components were missing.

Default weights: behavioural 0.5, attitudinal 0.25, emotional 0.25; within behavioural
frequency 0.35, recency 0.35, tenure 0.15, share of spend 0.15.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from loyalloop.errors import ConfigError, DataValidationError

__all__ = ["COMPONENTS", "LoyaltyWeights", "loyalty_index"]

#: Top-level components, in output order.
COMPONENTS: tuple[str, ...] = ("behavioural", "attitudinal", "emotional")


@dataclass(frozen=True)
class LoyaltyWeights:
    """Weights and reference points of the loyalty index (see module docstring)."""

    behavioural: float = 0.5
    attitudinal: float = 0.25
    emotional: float = 0.25
    frequency: float = 0.35
    recency: float = 0.35
    tenure: float = 0.15
    share_of_spend: float = 0.15
    frequency_ref: float = 24.0
    recency_ref: float = 365.0
    tenure_ref: float = 730.0
    min_coverage: float = 0.5

    def __post_init__(self) -> None:
        for name, v in asdict(self).items():
            if not isinstance(v, int | float) or math.isnan(v) or v < 0:
                raise ConfigError(f"loyalty weight {name} must be a number ≥ 0, got {v!r}")
        if self.behavioural + self.attitudinal + self.emotional <= 0:
            raise ConfigError("at least one of behavioural, attitudinal, emotional must weigh > 0")
        if self.frequency + self.recency + self.tenure + self.share_of_spend <= 0:
            raise ConfigError("at least one behavioural sub-weight must be > 0")
        if min(self.frequency_ref, self.recency_ref, self.tenure_ref) <= 0:
            raise ConfigError("reference points must be > 0")
        if not 0 <= self.min_coverage <= 1:
            raise ConfigError("min_coverage must be between 0 and 1")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LoyaltyWeights:
        """Build from a mapping (e.g. a YAML block); unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(
                f"unknown loyalty weight(s) {unknown}; known: {', '.join(sorted(known))}"
            )
        return cls(**{k: float(v) for k, v in d.items()})


def _clip(x: ir.FloatingValue) -> ir.FloatingValue:
    # GREATEST/LEAST skip NULLs on some backends; keep missing explicitly missing.
    return ibis.ifelse(x.isnull(), ibis.null("float64"), ibis.greatest(ibis.least(x, 100.0), 0.0))


def _weighted(parts: list[tuple[ir.FloatingValue, float]]) -> ir.FloatingValue:
    """Weighted mean over the non-missing parts (missing when none is present)."""
    num: Any = ibis.literal(0.0)
    den: Any = ibis.literal(0.0)
    for value, w in parts:
        if w == 0:
            continue
        num = num + value.coalesce(0.0) * w
        den = den + value.notnull().cast("float64") * w
    return ibis.ifelse(den > 0, num / den, ibis.null("float64"))


def loyalty_index(inputs: ir.Table, weights: LoyaltyWeights | None = None) -> ir.Table:
    """The loyalty index per customer.

    Parameters
    ----------
    inputs
        One row per customer with ``customer_id`` and the input columns of the module
        docstring (absent optional columns count as missing for everyone).
    weights
        Weights and reference points.

    Returns
    -------
    ibis.Table
        ``customer_id, frequency_score, recency_score, tenure_score, share_of_spend_score,
        behavioural, attitudinal, emotional, coverage, loyalty_index, missing_components``.
    """
    w = weights or LoyaltyWeights()
    need = ("customer_id", "n_purchases_365d", "recency_days", "tenure_days")
    missing = [c for c in need if c not in inputs.columns]
    if missing:
        raise DataValidationError(f"loyalty inputs lack column(s): {', '.join(missing)}")

    def col(name: str) -> ir.FloatingValue:
        if name in inputs.columns:
            return inputs[name].cast("float64")
        return ibis.null("float64")

    freq = _clip(100.0 * (col("n_purchases_365d") + 1.0).ln() / math.log(1.0 + w.frequency_ref))
    rec = _clip(100.0 * (1.0 - col("recency_days") / w.recency_ref))
    ten = _clip(100.0 * col("tenure_days") / w.tenure_ref)
    share = _clip(100.0 * col("share_of_spend"))
    t = inputs.select(
        "customer_id",
        frequency_score=freq,
        recency_score=rec,
        tenure_score=ten,
        share_of_spend_score=share,
        attitudinal=_clip(100.0 * (col("csat_mean_365d") - 1.0) / 4.0),
        emotional=_clip(10.0 * col("nps_mean_365d")),
    )
    t = t.mutate(
        behavioural=_weighted(
            [
                (t.frequency_score, w.frequency),
                (t.recency_score, w.recency),
                (t.tenure_score, w.tenure),
                (t.share_of_spend_score, w.share_of_spend),
            ]
        )
    )
    top = [
        (t.behavioural, w.behavioural),
        (t.attitudinal, w.attitudinal),
        (t.emotional, w.emotional),
    ]
    total = w.behavioural + w.attitudinal + w.emotional
    coverage: Any = ibis.literal(0.0)
    for value, weight in top:
        coverage = coverage + value.notnull().cast("float64") * (weight / total)
    index = _weighted(top)
    names = ["behavioural", "attitudinal", "emotional", "share_of_spend"]
    flags = [t.behavioural, t.attitudinal, t.emotional, t.share_of_spend_score]
    missing_expr: Any = ibis.literal("")
    for name, v in zip(names, flags, strict=True):
        missing_expr = missing_expr + ibis.ifelse(v.isnull(), name + ",", "")
    t = t.mutate(
        coverage=coverage,
        loyalty_index=ibis.ifelse(coverage >= w.min_coverage - 1e-12, index, ibis.null("float64")),
        missing_components=missing_expr.re_replace(r",$", ""),
    )
    return t.select(
        "customer_id",
        "frequency_score",
        "recency_score",
        "tenure_score",
        "share_of_spend_score",
        "behavioural",
        "attitudinal",
        "emotional",
        "coverage",
        "loyalty_index",
        "missing_components",
    )
