"""Sample-ratio mismatch: were units split between the arms as planned?

A chi-square goodness-of-fit test of the units per arm against the planned weights (equal by
default). A tiny p-value (below :data:`SRM_THRESHOLD`, GrowthBook's default 0.001) means the
assignment or the data pipeline is broken — units were lost or duplicated in one arm — and
every lift computed on the data is suspect.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from loyalloop.errors import ConfigError

__all__ = ["SRM_THRESHOLD", "SrmResult", "srm_check"]

#: p-values below this flag a sample-ratio mismatch.
SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    """Observed and expected units per arm and the chi-square test (``nan`` on ``error``)."""

    observed: tuple[tuple[str, int], ...]
    expected: tuple[tuple[str, float], ...]
    chi2: float
    p_value: float
    threshold: float = SRM_THRESHOLD
    error: str | None = None

    @property
    def mismatch(self) -> bool:
        """Whether the split differs from the plan beyond chance (``p < threshold``)."""
        return bool(self.p_value < self.threshold)


def srm_check(
    counts: Mapping[str, int],
    weights: Mapping[str, float] | None = None,
    *,
    threshold: float = SRM_THRESHOLD,
) -> SrmResult:
    """Chi-square test of ``counts`` (units per arm) against planned ``weights``.

    Parameters
    ----------
    counts
        Units assigned to each arm (every arm, including the control).
    weights
        Planned share of each arm (any positive numbers; normalised). Default: equal.

    Raises
    ------
    ValueError
        If ``weights`` names arms that are not in ``counts`` or the reverse, or a weight is
        not positive.
    """
    arms = list(counts)
    w = dict.fromkeys(arms, 1.0) if weights is None else dict(weights)
    if set(w) != set(arms):
        extra, missing = sorted(set(w) - set(arms)), sorted(set(arms) - set(w))
        raise ConfigError(
            "planned weights and arms differ"
            + (f"; weights for arms without units: {', '.join(extra)}" if extra else "")
            + (f"; arms without a weight: {', '.join(missing)}" if missing else "")
        )
    bad = [a for a, v in w.items() if not (v > 0 and math.isfinite(v))]
    if bad:
        raise ConfigError(f"weights must be positive numbers; not for arm(s) {', '.join(bad)}")
    observed = tuple((a, int(counts[a])) for a in arms)
    total = sum(n for _, n in observed)
    wsum = sum(w.values())
    expected = tuple((a, total * w[a] / wsum) for a in arms)
    if len(arms) < 2 or total == 0:
        why = "fewer than two arms" if len(arms) < 2 else "no units"
        return SrmResult(observed, expected, math.nan, math.nan, threshold, error=why)
    from scipy import stats  # on use: ~0.4 s of import that planning and inference skip

    res = stats.chisquare([n for _, n in observed], [e for _, e in expected])
    return SrmResult(observed, expected, float(res.statistic), float(res.pvalue), threshold)
