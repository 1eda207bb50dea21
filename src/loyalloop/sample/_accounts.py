"""Credit-card accounts (business ``card`` only).

Every cardholder has a first card opened when the relationship began (``created_at``) and a
quarter hold a second one (often a co-branded card) opened later while they were still active.
The product follows the customer's latent spend tier and sets the credit limit.

Closures follow the purchase process: about two thirds of the customers who dropped out close
all their cards some weeks after their last purchase (lag ~ Gamma(2, 4 weeks)); the rest keep a
dormant card, as real attrition data show. A few active customers close their second card. A
closing date is never before the opening date; dates after the end of the window are left
empty (the account is still open when the extract was taken).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from loyalloop.sample._process import DAY, WEEK

__all__ = ["PRODUCTS", "make_accounts"]

IntArray = npt.NDArray[np.int64]

#: product -> (lowest, highest) credit limit in CNY; index = spend tier (+ co-brand).
PRODUCTS: tuple[tuple[str, float, float], ...] = (
    ("标准卡", 5_000, 30_000),
    ("Gold", 30_000, 100_000),
    ("Platinum", 80_000, 300_000),
    ("联名卡", 10_000, 50_000),
)
CLOSE_AFTER_DROPOUT = 0.65
SECOND_CARD_SHARE = 0.25


def _limit(rng: np.random.Generator, product: IntArray) -> npt.NDArray[np.float64]:
    lo = np.array([p[1] for p in PRODUCTS])[product]
    hi = np.array([p[2] for p in PRODUCTS])[product]
    value = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    return np.round(value / 1000) * 1000


def _office_time(rng: np.random.Generator, day_ts: IntArray) -> IntArray:
    return day_ts - day_ts % DAY + rng.integers(9 * 3600, 18 * 3600, len(day_ts))


def make_accounts(
    rng: np.random.Generator,
    customer_ids: npt.NDArray[np.object_],
    created: IntArray,
    tier: IntArray,
    dropout_ts: IntArray,
    end_ts: int,
) -> pd.DataFrame:
    """Return the accounts table (timestamps as seconds since the epoch, -1 = empty).

    Parameters
    ----------
    rng
        Random generator.
    customer_ids, created, tier
        Per customer: id, relationship start (seconds) and spend tier (0 standard, 1 gold,
        2 platinum).
    dropout_ts
        Per customer: time of dropout in seconds, -1 if still active at the end.
    end_ts
        End of the window (exclusive), seconds.
    """
    n = len(created)
    churned = dropout_ts >= 0
    active_until = np.where(churned, dropout_ts, end_ts)

    # second cards, opened while the customer is active
    span = np.maximum(active_until - created, 0)
    second = (rng.random(n) < SECOND_CARD_SHARE) & (span > 30 * DAY)
    idx2 = np.flatnonzero(second)
    opened2 = created[idx2] + (span[idx2] * rng.uniform(0.05, 0.95, len(idx2))).astype(np.int64)
    opened2 = np.minimum(_office_time(rng, opened2), end_ts - 1)
    cobrand = rng.random(len(idx2)) < 0.45
    prod2 = np.where(cobrand, 3, np.minimum(tier[idx2] + (rng.random(len(idx2)) < 0.3), 2))

    cust = np.concatenate([np.arange(n, dtype=np.int64), idx2])
    opened = np.concatenate([created, opened2])
    product = np.concatenate([tier, prod2]).astype(np.int64)
    is_second = np.concatenate([np.zeros(n, bool), np.ones(len(idx2), bool)])

    # closures
    closes_all = churned & (rng.random(n) < CLOSE_AFTER_DROPOUT)
    lag = (rng.gamma(2.0, 4.0, n) * WEEK).astype(np.int64)
    close_cust = np.where(closes_all, dropout_ts + lag, -1)
    closed = close_cust[cust].copy()
    drop_second = is_second & ~churned[cust] & (rng.random(len(cust)) < 0.04)
    span2 = np.maximum(end_ts - opened, DAY)
    closed[drop_second] = opened[drop_second] + (
        span2[drop_second] * rng.random(int(drop_second.sum()))
    ).astype(np.int64)
    has_close = closed >= 0
    closed[has_close] = _office_time(rng, np.maximum(closed[has_close], opened[has_close] + DAY))
    closed[closed >= end_ts] = -1

    order = np.lexsort((cust, opened))
    cust, opened, closed, product = cust[order], opened[order], closed[order], product[order]
    width = max(8, len(str(len(cust))))
    ids = [f"A{i:0{width}d}" for i in range(1, len(cust) + 1)]
    return pd.DataFrame(
        {
            "account_id": ids,
            "customer_id": customer_ids[cust],
            "product": np.array([p[0] for p in PRODUCTS], dtype=object)[product],
            "opened_at": opened,
            "closed_at": closed,
            "credit_limit": _limit(rng, product),
        }
    )
