"""A retention campaign with known individual effects, for the uplift tests.

Customers have a baseline chance of staying ``p0(x)`` and the offer changes it by ``τ(x)``:

* *persuadables* — engaged, mid-risk customers: ``τ ≈ +0.25``;
* *lost causes* — the riskiest (long inactive): ``τ ≈ 0`` whatever is done;
* *sure things* — the safest: ``τ ≈ 0``;
* *sleeping dogs* — customers on the ``basic`` plan who dislike being contacted: ``τ = −0.10``.

So risk-only targeting (the lowest ``p0`` first) spends the offer on lost causes, and the
right targets can only be found from the effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def retention_campaign(n: int = 6000, seed: int = 0, treated_share: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days_inactive = rng.gamma(2.0, 30.0, n)
    visits = rng.poisson(4.0, n).astype(float)
    spend = rng.gamma(2.0, 400.0, n)
    plan = rng.choice(["Basic", "Gold", "Platinum"], n, p=[0.3, 0.5, 0.2])
    noise = rng.normal(0, 1, n)
    logit0 = 2.0 - 0.03 * days_inactive + 0.15 * visits + 0.0004 * spend + 0.3 * noise
    p0 = 1 / (1 + np.exp(-logit0))
    mid_risk = np.exp(-(((p0 - 0.5) / 0.18) ** 2))
    engaged = 1 / (1 + np.exp(-(visits - 3.0)))
    tau = 0.30 * mid_risk * engaged
    tau = np.where(plan == "Basic", -0.10, tau)
    p1 = np.clip(p0 + tau, 0.0, 1.0)
    tau = p1 - p0
    t = (rng.random(n) < treated_share).astype(int)
    y = (rng.random(n) < np.where(t == 1, p1, p0)).astype(int)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "days_inactive": days_inactive.round(1),
            "visits": visits,
            "spend": spend.round(2),
            "plan": plan,
            "offer": t,
            "retained": y,
            "true_p0": p0,
            "true_effect": tau,
        }
    )
