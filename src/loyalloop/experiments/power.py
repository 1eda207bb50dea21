"""Power, sample size and minimum detectable effect of a planned experiment.

Normal approximation for the Welch test of :mod:`loyalloop.experiments.inference`, two-sided,
equal units per arm. With ``n`` units per arm the absolute lift ``δ`` has standard error
``se = √((σ_c² + σ_t²) / n)`` (``σ_t = σ_c`` for means; ``p (1 − p)`` and ``p' (1 − p')`` for
proportions), and the power is ``Φ(|δ| / se − z) + Φ(−|δ| / se − z)`` with
``z = z_{1 − α' / 2}``. With several treatment arms each is compared with control at the
Bonferroni level ``α' = α / (arms − 1)``.

For the sequential method the fixed ``z se`` is replaced by the half-width of the always-valid
interval at the planned end (``2 n`` units), which gives the power of a final look; stopping
earlier is allowed and can only add to it, so this is a lower bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize, special

from loyalloop.errors import ConfigError
from loyalloop.experiments.inference import DEFAULT_SEQUENTIAL_TUNING, sequential_halfwidth

__all__ = ["PowerResult", "minimum_detectable_effect", "power_at", "sample_size"]


@dataclass(frozen=True)
class PowerResult:
    """A power calculation: every quantity, solved for the one that was asked.

    ``mde_abs`` is in the metric's units, ``mde_rel`` relative to ``baseline_mean``.
    ``proportion`` says the metric is a rate (``sd`` is then derived from the baseline).
    """

    baseline_mean: float
    sd: float
    proportion: bool
    mde_abs: float
    mde_rel: float
    n_per_arm: int
    arms: int
    total_n: int
    power: float
    alpha: float
    alpha_per_comparison: float
    sequential: bool
    tuning: float


def _validate(
    baseline_mean: float, sd: float | None, alpha: float, arms: int
) -> tuple[float, bool]:
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    if arms < 2:
        raise ConfigError(f"an experiment needs at least 2 arms, got {arms}")
    if sd is None:
        if not 0 < baseline_mean < 1:
            raise ConfigError(
                f"without --sd the metric is a rate; its baseline must be between 0 and 1, "
                f"got {baseline_mean}"
            )
        return math.sqrt(baseline_mean * (1 - baseline_mean)), True
    if not sd > 0 or not math.isfinite(sd):
        raise ConfigError(f"the standard deviation must be a positive number, got {sd}")
    return sd, False


def _se(n: float, sd: float, proportion: bool, baseline: float, delta: float) -> float:
    if proportion:
        p2 = min(max(baseline + delta, 0.0), 1.0)
        return math.sqrt((sd**2 + p2 * (1 - p2)) / n)
    return math.sqrt(2.0 * sd**2 / n)


def _power(
    n: float,
    delta: float,
    sd: float,
    proportion: bool,
    baseline: float,
    alpha: float,
    sequential: bool,
    tuning: float,
) -> float:
    se = _se(n, sd, proportion, baseline, delta)
    if se == 0:
        return 1.0
    if sequential:
        hw = sequential_halfwidth(se, round(2 * n), alpha, tuning)
        return float(special.ndtr((abs(delta) - hw) / se) + special.ndtr((-abs(delta) - hw) / se))
    z = float(special.ndtri(1 - alpha / 2))
    return float(special.ndtr(abs(delta) / se - z) + special.ndtr(-abs(delta) / se - z))


def _result(
    baseline: float,
    sd: float,
    proportion: bool,
    delta: float,
    n: int,
    arms: int,
    alpha: float,
    alpha_c: float,
    sequential: bool,
    tuning: float,
) -> PowerResult:
    return PowerResult(
        baseline_mean=baseline,
        sd=sd,
        proportion=proportion,
        mde_abs=abs(delta),
        mde_rel=abs(delta) / abs(baseline) if baseline else math.nan,
        n_per_arm=n,
        arms=arms,
        total_n=n * arms,
        power=_power(n, delta, sd, proportion, baseline, alpha_c, sequential, tuning),
        alpha=alpha,
        alpha_per_comparison=alpha_c,
        sequential=sequential,
        tuning=tuning,
    )


def _delta(baseline: float, mde: float, relative: bool, proportion: bool) -> float:
    if not mde > 0 or not math.isfinite(mde):
        raise ConfigError(f"the minimum detectable effect must be a positive number, got {mde}")
    delta = mde * abs(baseline) if relative else mde
    if relative and baseline == 0:
        raise ConfigError("a relative effect needs a non-zero baseline mean")
    if proportion and baseline + delta >= 1:
        raise ConfigError(
            f"baseline {baseline} plus the effect {delta:g} reaches a rate of 1 or more"
        )
    return delta


def power_at(
    n_per_arm: int,
    *,
    baseline_mean: float,
    mde: float,
    sd: float | None = None,
    relative: bool = True,
    alpha: float = 0.05,
    arms: int = 2,
    sequential: bool = False,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
) -> PowerResult:
    """Power to detect ``mde`` with ``n_per_arm`` units per arm.

    Parameters
    ----------
    baseline_mean
        Control mean (a rate in (0, 1) when ``sd`` is not given).
    mde
        Effect to detect: relative to the baseline (``0.05`` = 5 %) or, with
        ``relative=False``, in the metric's units.
    sd
        Standard deviation of the metric per unit; ``None`` for a rate.
    """
    if n_per_arm < 2:
        raise ConfigError(f"need at least 2 units per arm, got {n_per_arm}")
    sd_, prop = _validate(baseline_mean, sd, alpha, arms)
    delta = _delta(baseline_mean, mde, relative, prop)
    alpha_c = alpha / (arms - 1)
    return _result(
        baseline_mean, sd_, prop, delta, n_per_arm, arms, alpha, alpha_c, sequential, tuning
    )


def sample_size(
    *,
    baseline_mean: float,
    mde: float,
    sd: float | None = None,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    sequential: bool = False,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
) -> PowerResult:
    """Units per arm needed to detect ``mde`` with the given ``power`` (see :func:`power_at`)."""
    if not 0 < power < 1:
        raise ConfigError(f"power must be between 0 and 1, got {power}")
    sd_, prop = _validate(baseline_mean, sd, alpha, arms)
    delta = _delta(baseline_mean, mde, relative, prop)
    alpha_c = alpha / (arms - 1)

    def gap(n: float) -> float:
        return _power(n, delta, sd_, prop, baseline_mean, alpha_c, sequential, tuning) - power

    hi = 4.0
    while gap(hi) < 0:
        hi *= 2
        if hi > 1e13:
            raise ConfigError("the effect is too small to detect with any realistic sample size")
    n = math.ceil(optimize.brentq(gap, 2.0, hi, xtol=1e-6) - 1e-9) if gap(2.0) < 0 else 2
    return _result(baseline_mean, sd_, prop, delta, n, arms, alpha, alpha_c, sequential, tuning)


def minimum_detectable_effect(
    n_per_arm: int,
    *,
    baseline_mean: float,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    sequential: bool = False,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
) -> PowerResult:
    """Smallest lift (an increase) detectable with ``power`` at ``n_per_arm`` units per arm."""
    if n_per_arm < 2:
        raise ConfigError(f"need at least 2 units per arm, got {n_per_arm}")
    if not 0 < power < 1:
        raise ConfigError(f"power must be between 0 and 1, got {power}")
    sd_, prop = _validate(baseline_mean, sd, alpha, arms)
    alpha_c = alpha / (arms - 1)

    def gap(delta: float) -> float:
        return (
            _power(n_per_arm, delta, sd_, prop, baseline_mean, alpha_c, sequential, tuning) - power
        )

    hi = (1 - baseline_mean) * (1 - 1e-9) if prop else sd_
    if prop and gap(hi) < 0:
        raise ConfigError(
            f"{n_per_arm} units per arm cannot detect any increase of a rate of {baseline_mean} "
            f"with power {power}"
        )
    while not prop and gap(hi) < 0:
        hi *= 2
    delta = optimize.brentq(gap, 1e-12 * (sd_ or 1), hi, xtol=1e-12 * max(sd_, 1e-300))
    return _result(
        baseline_mean, sd_, prop, delta, n_per_arm, arms, alpha, alpha_c, sequential, tuning
    )
