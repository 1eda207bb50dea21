"""How small may a holdout be for a response-rate lift to be quoted? (measurement.quoting)

Welch's 95 % interval on a difference of proportions (``experiments.frequentist_test``, the
campaign results' response-rate test): an arm of 1,000 customers whose response is 3 points
above the holdout's, holdouts of 5–50 customers, base rates 5 %, 20 % and 67 % (the card
sample's share who buy anyway). Prints the share of intervals that cover the true lift.
The figures are quoted in docs/measurement.md ("Quoting") and ``measurement/quoting.py``.
Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/quoting_min_group.py [--sims 3000]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from loyalloop.experiments import Proportion, frequentist_test


def coverage(p0: float, holdout: int, *, arm: int, lift: float, sims: int, seed: int) -> float:
    """Share of ``sims`` draws whose interval covers the true lift (a draw without a result —
    a constant metric — counts as not covering)."""
    rng = np.random.default_rng(seed)
    p1 = min(p0 + lift, 0.99)
    covered = 0
    for _ in range(sims):
        c, t = rng.binomial(holdout, p0), rng.binomial(arm, p1)
        r = frequentist_test(Proportion(holdout, c), Proportion(arm, t), alpha=0.05)
        if r.error is None and r.absolute.low <= p1 - p0 <= r.absolute.high:
            covered += 1
    return covered / sims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=3000)
    parser.add_argument("--arm", type=int, default=1000)
    parser.add_argument("--lift", type=float, default=0.03)
    args = parser.parse_args()
    print(f"arm {args.arm}, true lift {args.lift:+.0%} points, {args.sims} draws each")
    print("base rate  " + "  ".join(f"holdout {h:>3}" for h in (5, 10, 20, 30, 50)))
    for p0 in (0.05, 0.2, 0.67):
        cells = [
            f"{coverage(p0, h, arm=args.arm, lift=args.lift, sims=args.sims, seed=1):>11.1%}"
            for h in (5, 10, 20, 30, 50)
        ]
        print(f"{p0:>9.0%}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
