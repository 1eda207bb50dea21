"""Next-category recommendations from co-purchase among similar customers (item-item).

Over a look-back window, each customer's set of purchased categories is a row of a binary
customer × category matrix. Two categories are similar when the same customers buy both:
cosine similarity ``sim(a, b) = n_ab / sqrt(n_a n_b)`` (``n_ab`` customers bought both). A
customer's score for a category they have *not* bought is the sum of its similarities to the
categories they have bought, i.e. how strongly customers with a basket like theirs also buy it
(Sarwar et al. 2001; Linden, Smith & York 2003, Amazon's item-to-item collaborative filtering).
Pairs bought together by fewer than ``min_support`` customers are ignored.

Everything runs in the engine as Ibis; the result is the top ``k`` categories per customer
with their score and rank.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

from loyalloop.errors import ConfigError

__all__ = ["CATEGORY_LABELS", "category_label", "category_similarity", "recommend_categories"]

#: Labels of the sample businesses' categories (others are shown as written).
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "dining": ("dining", "餐饮"),
    "groceries": ("groceries", "超市"),
    "transport": ("transport", "交通出行"),
    "online_shopping": ("online shopping", "网购"),
    "fuel": ("fuel", "加油"),
    "entertainment": ("entertainment", "娱乐"),
    "utilities": ("utilities", "生活缴费"),
    "health": ("health", "医疗健康"),
    "education": ("education", "教育"),
    "electronics": ("electronics", "数码电器"),
    "travel": ("travel", "旅行"),
    "apparel": ("apparel", "服装"),
    "shoes": ("shoes", "鞋履"),
    "beauty": ("beauty", "美妆"),
    "home": ("home", "家居"),
    "food": ("food", "食品"),
    "kids": ("kids", "母婴童装"),
    "sports": ("sports", "运动"),
}


def category_label(category: str, language: str) -> str:
    """The label of a category in ``language`` (``zh`` or ``en``)."""
    en, zh = CATEGORY_LABELS.get(category, (category.replace("_", " "), category))
    return zh if language == "zh" else en


def _baskets(transactions: ir.Table, as_of: date, lookback_days: int) -> ir.Table:
    end = datetime.combine(as_of + timedelta(days=1), time())
    start = end - timedelta(days=lookback_days)
    t = transactions.filter(
        (transactions.amount > 0)
        & transactions.category.notnull()
        & (transactions.timestamp >= ibis.timestamp(start.isoformat(sep=" ")))
        & (transactions.timestamp < ibis.timestamp(end.isoformat(sep=" ")))
    )
    return t.select("customer_id", "category").distinct()


def category_similarity(
    transactions: ir.Table,
    as_of: date,
    *,
    lookback_days: int = 365,
    min_support: int = 5,
) -> ir.Table:
    """Cosine similarity of every pair of categories bought by the same customers
    (``category``, ``other``, ``together``, ``similarity``)."""
    if lookback_days <= 0 or min_support < 1:
        raise ConfigError("lookback_days must be positive and min_support at least 1")
    b = _baskets(transactions, as_of, lookback_days)
    counts = b.group_by("category").aggregate(n=b.count())
    left = b.select(_c=b.customer_id, category=b.category)
    right = b.select(_c2=b.customer_id, other=b.category)
    pairs = left.join(right, (left._c == right._c2) & (left.category != right.other))
    together = pairs.group_by(["category", "other"]).aggregate(together=pairs.count())
    together = together.filter(together.together >= min_support)
    ca = counts.select(_ca=counts.category, _na=counts.n)
    cb = counts.select(_cb=counts.category, _nb=counts.n)
    j = together.join(ca, together.category == ca._ca).join(cb, together.other == cb._cb)
    sim = j.together.cast("float64") / (j._na.cast("float64") * j._nb.cast("float64")).sqrt()
    return j.select("category", "other", "together", similarity=sim)


def recommend_categories(
    transactions: ir.Table,
    as_of: date,
    *,
    k: int = 3,
    lookback_days: int = 365,
    min_support: int = 5,
) -> ir.Table:
    """Top ``k`` categories per customer that they have not bought in the look-back
    (``customer_id``, ``category``, ``score``, ``rank`` 1…k), best first.

    ``transactions`` needs ``customer_id``, ``timestamp``, ``amount`` and ``category``
    (re-keyed by profile when customers were merged).
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    b = _baskets(transactions, as_of, lookback_days)
    sim = category_similarity(
        transactions, as_of, lookback_days=lookback_days, min_support=min_support
    )
    j = b.join(sim, b.category == sim.category)
    cand = j.select(customer_id=j.customer_id, category=j.other, s=j.similarity)
    owned = b.select(_oc=b.customer_id, _ocat=b.category)
    cand = cand.anti_join(owned, (cand.customer_id == owned._oc) & (cand.category == owned._ocat))
    scored = cand.group_by(["customer_id", "category"]).aggregate(score=cand.s.sum())
    ranked = scored.mutate(
        rank=ibis.row_number().over(
            group_by=scored.customer_id, order_by=[ibis.desc(scored.score), scored.category]
        )
        + 1
    )
    return ranked.filter(ranked["rank"] <= k)
