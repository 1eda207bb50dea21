"""Several treatment arms against one control: multiple-comparison corrections.

With ``m`` treatment arms each tested at level α, the chance that at least one shows a false
win grows to about ``1 − (1 − α)^m``. :func:`adjust_p_values` returns adjusted p-values to
compare with α:

``holm``
    Holm–Bonferroni step-down: controls the family-wise error rate (the chance of any false
    win), uniformly more powerful than plain Bonferroni. The default.
``bh``
    Benjamini–Hochberg: controls the false discovery rate (the expected share of false wins
    among the wins); for many arms where some false wins are tolerable.
``bonferroni``
    ``min(1, m p)``.
``none``
    Unadjusted.

Simultaneous intervals are Bonferroni intervals (level ``1 − α / m``), valid with Holm.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Correction", "adjust_p_values"]


class Correction(StrEnum):
    """A multiple-comparison correction."""

    HOLM = "holm"
    BH = "bh"
    BONFERRONI = "bonferroni"
    NONE = "none"


def adjust_p_values(p_values: ArrayLike, method: Correction = Correction.HOLM) -> np.ndarray:
    """Adjusted p-values in the input order; ``nan`` entries stay ``nan`` and do not count.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], Correction.HOLM).round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p_values([0.01, 0.04, 0.03], Correction.BH).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method is Correction.NONE:
        adj = q.copy()
    elif method is Correction.BONFERRONI:
        adj = np.minimum(q * m, 1.0)
    elif method is Correction.HOLM:
        order = np.argsort(q, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    elif method is Correction.BH:
        order = np.argsort(q, kind="stable")[::-1]
        ranks = m - np.arange(m)  # ranks of the descending order
        stepped = np.minimum.accumulate(q[order] * m / ranks)
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    else:  # pragma: no cover - exhaustive over the enum
        raise ValueError(f"unknown correction {method!r}")
    out[ok] = adj
    return out
