"""CUPED: variance reduction with a pre-period covariate (Deng, Xu, Kohavi & Walker, 2013).

The metric ``Y`` of each unit is replaced by ``Y − θ X``, where ``X`` is the same unit's value
of a covariate measured before assignment (last quarter's spend for this quarter's spend).
Because ``X`` cannot be moved by the treatment, the lift of ``Y − θ X`` estimates the same
effect as the lift of ``Y``, with the variance multiplied by about ``1 − ρ²`` (``ρ`` the
correlation of ``X`` and ``Y``). θ is the regression slope ``cov(X, Y) / var(X)`` over the units
of both arms together, as in gbstats.
"""

from __future__ import annotations

import math

from loyalloop.experiments.statistics import Adjusted, Proportion, SampleMean

__all__ = ["cuped_theta", "pooled"]


def _pool_moment(a: SampleMean | Proportion, b: SampleMean | Proportion) -> SampleMean | Proportion:
    if isinstance(a, Proportion) and isinstance(b, Proportion):
        return Proportion(a.n + b.n, a.sum + b.sum)
    return SampleMean(a.n + b.n, a.sum + b.sum, a.sum_squares + b.sum_squares)


def pooled(a: Adjusted, b: Adjusted) -> Adjusted:
    """The two arms' statistics as one sample."""
    return Adjusted(
        a.n + b.n,
        _pool_moment(a.post, b.post),
        _pool_moment(a.pre, b.pre),
        a.sum_products + b.sum_products,
    )


def cuped_theta(control: Adjusted, treatment: Adjusted) -> float:
    """θ = cov(post, pre) / var(pre) over both arms; ``0`` when either has no variance."""
    joint = pooled(control, treatment)
    var_pre, var_post = joint.pre.variance, joint.post.variance
    if not (var_pre > 0 and var_post > 0) or math.isnan(var_pre):
        return 0.0
    return joint.covariance / var_pre
