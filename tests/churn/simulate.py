"""A small simulated shop whose churn process is known (test helper, not library code).

Each customer buys at their own Poisson rate from a start date until a "death" date. In the
``decline_days`` before death the rate drops to ``decline_factor`` of normal and NPS answers
turn negative, so behaviour trends carry signal that recency alone does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2022-01-01")
END = pd.Timestamp("2024-12-31")


def simulate_shop(
    customers: int = 2000,
    seed: int = 7,
    decline_days: float = 150.0,
    decline_factor: float = 0.25,
) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = customers
    ids = np.array([f"C{i:05d}" for i in range(n)])
    span = (END - START).days
    start = rng.uniform(0, span * 0.6, n)
    rate = rng.gamma(2.0, 1 / 40.0, n)  # purchases per day, mean 1 per 20 days
    death = start + rng.exponential(500.0, n)
    decline_from = np.maximum(start, death - decline_days)

    def events(lo: np.ndarray, hi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        length = np.clip(np.minimum(hi, span) - lo, 0, None)
        counts = rng.poisson(lam * length)
        who = np.repeat(np.arange(n), counts)
        t = lo[who] + rng.uniform(0, 1, who.size) * length[who]
        return who, t

    w1, t1 = events(start, decline_from, rate)
    w2, t2 = events(decline_from, death, rate * decline_factor)
    who = np.concatenate([w1, w2])
    t = np.concatenate([t1, t2])
    # Everyone buys on their first day.
    who = np.concatenate([np.arange(n), who])
    t = np.concatenate([start, t])
    amount = np.round(rng.lognormal(3.5, 0.6, who.size), 2)
    refund = rng.random(who.size) < 0.03
    amount = np.where(refund, -amount, amount)
    ts = START + pd.to_timedelta(np.round(t * 86400), unit="s")
    tx = pd.DataFrame(
        {
            "transaction_id": [f"T{i:07d}" for i in range(who.size)],
            "customer_id": ids[who],
            "timestamp": ts.astype("datetime64[us]"),
            "amount": amount,
        }
    )
    tx = tx[tx["timestamp"] <= END].reset_index(drop=True)
    # NPS surveys: about one per 120 days alive; low scores when declining.
    fw, ft = events(start, np.minimum(death, span), np.full(n, 1 / 120.0))
    declining = ft >= decline_from[fw]
    score = np.where(declining, rng.integers(0, 7, fw.size), rng.integers(6, 11, fw.size)).astype(
        float
    )
    texts = np.where(declining, "fees are too high", "great service")
    fb = pd.DataFrame(
        {
            "feedback_id": [f"F{i:06d}" for i in range(fw.size)],
            "customer_id": ids[fw],
            "timestamp": (START + pd.to_timedelta(np.round(ft * 86400), unit="s")).astype(
                "datetime64[us]"
            ),
            "channel": "survey",
            "brand": pd.Series([None] * fw.size, dtype="string"),
            "score_type": "nps",
            "score": score,
            "text": texts,
        }
    )
    cust = pd.DataFrame(
        {
            "customer_id": ids,
            "created_at": (START + pd.to_timedelta(np.round(start), unit="D")).astype(
                "datetime64[us]"
            ),
            "segment": rng.choice(["mass", "premium"], n, p=[0.8, 0.2]),
        }
    )
    truth = pd.DataFrame({"customer_id": ids, "start_day": start, "death_day": death})
    return {"transactions": tx, "feedback": fb, "customers": cust, "truth": truth}
