"""Campaigns with known effects, in the ``assignments`` and ``outcomes`` contracts.

Each customer buys in the window with probability ``p0`` if left alone and ``p0 + effect`` in a
treated arm; a buyer spends ``Gamma(2, mean / 2)``; a treated buyer with an offer redeems it
with probability ``redeem`` (a ``redeemed`` outcome without a value, costed at the arm's unit
cost). The true per-customer effects, costs and ROI follow in closed form
(:func:`true_effects`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ArmTruth:
    share: float
    effect: float = 0.0
    offer_cost: float = 0.0
    contact_cost: float = 0.0


DEFAULT_ARMS = {
    "holdout": ArmTruth(0.2),
    "offer": ArmTruth(0.4, 0.05, 30.0, 0.1),
    "message": ArmTruth(0.4, 0.02, 0.0, 0.1),
}


def simulate_campaign(
    n: int = 20_000,
    *,
    seed: int = 0,
    arms: dict[str, ArmTruth] | None = None,
    p0: float = 0.10,
    mean_spend: float = 200.0,
    redeem: float = 0.8,
    campaign_id: str = "C1",
    pre_corr: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(assignments, outcomes, pre)`` of one campaign (module docstring)."""
    arms = arms or DEFAULT_ARMS
    rng = np.random.default_rng(seed)
    names = list(arms)
    shares = np.array([arms[a].share for a in names])
    arm = rng.choice(names, n, p=shares / shares.sum())
    # a customer's propensity to buy varies; the pre-period revenue reflects it
    spend_level = rng.gamma(2.0, 0.5, n) if pre_corr else np.ones(n)
    base = np.clip(p0 * spend_level, 0, 0.9)
    eff = np.array([arms[a].effect for a in arm])
    buys = rng.random(n) < base + eff
    amount = rng.gamma(2.0, mean_spend / 2.0, n) * spend_level
    ids = np.array([f"K{i:06d}" for i in range(n)], dtype=object)
    start = pd.Timestamp("2026-07-01")
    assignments = pd.DataFrame(
        {"customer_id": ids, "campaign_id": campaign_id, "arm": arm, "assigned_at": start}
    )
    when = start + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    purchase = pd.DataFrame(
        {
            "customer_id": ids[buys],
            "campaign_id": campaign_id,
            "timestamp": when[buys],
            "kind": "purchase",
            "value": np.round(amount[buys], 2),
        }
    )
    offer = np.array([arms[a].offer_cost > 0 for a in arm])
    red = buys & offer & (rng.random(n) < redeem)
    redeemed = pd.DataFrame(
        {
            "customer_id": ids[red],
            "campaign_id": campaign_id,
            "timestamp": when[red] + pd.Timedelta(seconds=1),
            "kind": "redeemed",
            "value": np.nan,
        }
    )
    outcomes = pd.concat([purchase, redeemed], ignore_index=True)
    pre_rev = rng.gamma(2.0, mean_spend / 2.0, n) * spend_level * (rng.random(n) < 0.6)
    pre = pd.DataFrame({"customer_id": ids, "campaign_id": campaign_id, "pre_revenue": pre_rev})
    return assignments, outcomes, pre


def true_effects(
    arm: str,
    *,
    arms: dict[str, ArmTruth] | None = None,
    p0: float = 0.10,
    mean_spend: float = 200.0,
    redeem: float = 0.8,
    margin_rate: float = 0.5,
    pre_corr: bool = True,
) -> dict[str, float]:
    """Per-customer truth of ``arm`` against the holdout (expectations over customers)."""
    arms = arms or DEFAULT_ARMS
    a = arms[arm]
    # E[spend_level] = 1, E[spend_level²] = 1.5 (Gamma(2, 0.5)); base = p0 · level (no clip hit)
    e2 = 1.5 if pre_corr else 1.0
    rev_treated = (p0 * e2 + a.effect) * mean_spend
    rev_control = p0 * e2 * mean_spend
    d_rev = rev_treated - rev_control
    cost = a.contact_cost + redeem * (p0 + a.effect) * a.offer_cost
    return {
        "response": a.effect,
        "revenue": d_rev,
        "margin": margin_rate * d_rev,
        "cost": cost,
        "net": margin_rate * d_rev - cost,
        "roi": margin_rate * d_rev / cost - 1.0 if cost > 0 else float("nan"),
    }
