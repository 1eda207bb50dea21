"""One definition per word: the customer-status vocabulary every section and list uses.

A manager reads "lost", "at risk" or "loyal" in one section and acts on it in another, so each
word is defined once, here, and every part of Loyalloop that sorts customers by status reads
these rules: the lifecycle stages (:mod:`loyalloop.loyalty.lifecycle`), the early-warning and
win-back lists (:mod:`loyalloop.loyalty.priorities`), the loyalty tiers (a lapsed customer is
never "loyal") and the RFM segments (whose names were chosen not to clash with these words).

Statuses use **absolute** conditions — days since the last purchase, the customer's **own
purchase rhythm**, account closures — never relative ranks: in a data set where everyone has
gone quiet (CDNOW's 1997 cohort, eighteen months on), the top RFM recency quintile still
averages 150 days since the last purchase, and a "relative" status would call such customers
active.

Statuses (first rule that holds wins; thresholds in :class:`StatusRules`)

=============  ================================================================================
``lost``       no purchase for more than ``lost_days`` (365)
``closed``     held accounts, and every one of them is closed (contractual businesses: cards,
               subscriptions); only when the features carry ``open_accounts`` and
               ``accounts_ever``
``lapsed``     no purchase for more than ``lapsed_days`` (180) — or for more than
               ``lapsed_min_days`` (90) when that is at least ``lapsed_ratio`` (4×) the
               customer's usual gap between purchases (a Poisson buyer still buying at their
               old rate has a chance of e⁻⁴ ≈ 2 % of such a silence) and that gap is a
               rhythm (at least :data:`MIN_GAPS` gaps, as for "overdue")
``new``        first purchase within the last ``new_days`` (90)
``won_back``   the last purchase came after a gap longer than ``lapsed_days`` and is within the
               last ``won_back_days`` (90)
``at_risk``    overdue — at least ``at_risk_ratio`` (2×) their usual gap since the last
               purchase (a chance of e⁻² ≈ 14 % at their old rate) and at least
               ``at_risk_min_days`` (30) — or spend in the last 90
               days down by ``at_risk_drop`` (50 %) or more against the 90 days before, for
               customers who usually buy within 90 days (or have bought once: a slower
               buyer's quiet quarter is their rhythm, not a fall)
``growing``    spend in the last 90 days up by ``growing_rise`` (25 %) or more
``active``     everyone else: buying within their usual rhythm
=============  ================================================================================

"Usual gap" is the mean number of days between a customer's purchases (first to last purchase
over purchases − 1); one-time buyers have none, so only the absolute conditions apply to them.
Both rules measured in the customer's own gaps — "overdue" and "lapsed" on the ratio — need a
rhythm (:func:`has_rhythm`): at least :data:`MIN_GAPS` (2) gaps (three purchases; one gap is
not a rhythm — two purchases on the same day would make it 0 days), read from
``n_purchases_total`` when the features carry it. Without it a customer who bought twice ten
days apart would be "lapsed" after 91 quiet days while a one-time buyer quiet as long is not;
with it both are judged by the absolute conditions and the fall in spend (both are "at risk"
until 180 days). "Overdue" also needs a real pause: at least ``at_risk_min_days`` (30) days
of silence. Without the floor, a customer who uses the card every day or two is "overdue" after
4 days: a week's holiday or a business trip is not a warning sign. 30 days is one monthly
statement cycle with no purchase at all, the shortest silence a card centre calls
inactivity.

:data:`CURRENT_STATUSES` (new, active, growing, won back, at risk) are the customers who can
still be kept — the population of the early-warning list. :data:`GONE_STATUSES` (lapsed,
closed, lost) are the population of the win-back list. The two partition everyone who ever
bought, so a customer is on at most one of the lists and the counts add up across sections.

Days are counted in **whole calendar days** as of the as-of day: a purchase yesterday is 1 day
ago, whatever its time, exactly as the RFM summary's ``days_since_last``. The churn features
measure ``recency_days`` and ``tenure_days`` in fractional days from the cutoff (the midnight
after the as-of day); :func:`calendar_days` turns them into whole days, and both the rules here
and every table column or reason sentence that shows a day count use it, so a column and a
sentence built from the same value can never disagree, and "more than 180 days" means the same
in the RFM, lifecycle and list sections. "Within the last *N* days" means fewer than *N* whole
days ago.

:func:`glossary` gives the name and one-line definition of every word, in English and
Chinese, with the thresholds in force, for the report's glossary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt

from loyalloop.errors import ConfigError, DataValidationError

__all__ = [
    "CURRENT_STATUSES",
    "GONE_STATUSES",
    "MIN_GAPS",
    "STATUSES",
    "STATUS_FEATURES",
    "GlossaryEntry",
    "StatusRules",
    "calendar_days",
    "customer_status",
    "glossary",
    "has_rhythm",
    "overdue",
    "status_label",
]

#: Statuses from worst to best (the order used to call a move between runs up or down).
STATUSES: tuple[str, ...] = (
    "lost",
    "closed",
    "lapsed",
    "at_risk",
    "new",
    "won_back",
    "active",
    "growing",
)
#: Customers who can still be kept: the early-warning population.
CURRENT_STATUSES: tuple[str, ...] = ("new", "active", "growing", "won_back", "at_risk")
#: Customers already gone: the win-back population.
GONE_STATUSES: tuple[str, ...] = ("lapsed", "closed", "lost")
#: Feature columns the status rules read (from :func:`loyalloop.churn.build_features`).
STATUS_FEATURES: tuple[str, ...] = (
    "customer_id",
    "recency_days",
    "tenure_days",
    "recency_ratio",
    "usual_gap_days",
    "spend_change_90d",
    "gap_before_last_days",
)
#: Fewest gaps between purchases (purchases − 1) from which a usual gap is a rhythm.
MIN_GAPS = 2
#: The window of ``spend_change_90d`` (days).
TREND_DAYS = 90
#: Read when present: contractual customers whose accounts are all closed are ``closed``.
ACCOUNT_FEATURES: tuple[str, ...] = ("open_accounts", "accounts_ever")

Lang = Literal["en", "zh"]


@dataclass(frozen=True)
class StatusRules:
    """Thresholds of the status words (see module docstring for what each means)."""

    new_days: float = 90
    lapsed_days: float = 180
    lost_days: float = 365
    lapsed_min_days: float = 90
    lapsed_ratio: float = 4.0
    won_back_days: float = 90
    at_risk_ratio: float = 2.0
    at_risk_min_days: float = 30
    at_risk_drop: float = 0.5
    growing_rise: float = 0.25
    high_risk_probability: float = 0.5

    def __post_init__(self) -> None:
        for name, v in self.__dict__.items():
            if not isinstance(v, int | float) or math.isnan(v):
                raise ConfigError(f"status rule {name} must be a number, got {v!r}")
        if not 0 < self.lapsed_days < self.lost_days:
            raise ConfigError("status rules need 0 < lapsed_days < lost_days")
        if not 0 < self.lapsed_min_days <= self.lapsed_days:
            raise ConfigError("status rules need 0 < lapsed_min_days <= lapsed_days")
        if min(self.new_days, self.won_back_days, self.at_risk_ratio) <= 0:
            raise ConfigError("new_days, won_back_days and at_risk_ratio must be > 0")
        if not 0 <= self.at_risk_min_days <= self.lapsed_min_days:
            raise ConfigError("status rules need 0 <= at_risk_min_days <= lapsed_min_days")
        if self.lapsed_ratio <= self.at_risk_ratio:
            raise ConfigError("lapsed_ratio must be larger than at_risk_ratio")
        if not 0 < self.at_risk_drop <= 1 or self.growing_rise <= 0:
            raise ConfigError("at_risk_drop must be in (0, 1] and growing_rise > 0")
        if not 0 < self.high_risk_probability < 1:
            raise ConfigError("high_risk_probability must be between 0 and 1")


def calendar_days(days_before_cutoff: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Whole calendar days as of the day before the cutoff, from fractional days before it.

    The cutoff is a midnight (the pipeline's is the midnight after the as-of day), so an event
    ``x`` days before it happened ``ceil(x) − 1`` whole days before the as-of day. Missing
    values stay missing (``nan``).

    Examples
    --------
    >>> calendar_days([0.25, 1.0, 140.5, 141.0]).tolist()
    [0.0, 0.0, 140.0, 140.0]
    """
    a = np.asarray(days_before_cutoff, dtype="float64")
    return np.maximum(np.ceil(a) - 1.0, 0.0)


def _calendar_days(col: ir.FloatingValue) -> ir.FloatingValue:
    """:func:`calendar_days` as an Ibis expression."""
    return ibis.greatest(col.ceil().cast("float64") - 1.0, 0.0)


def customer_status(features: ir.Table, rules: StatusRules | None = None) -> ir.StringValue:
    """The status of every row of ``features`` as an Ibis string column (rules above).

    ``features`` is the churn feature table (:func:`loyalloop.churn.build_features`, with
    ``FeatureConfig(active_within_days=None)`` so lapsed and lost customers are in it). The
    ``closed`` status needs ``open_accounts`` and ``accounts_ever``; without them it is never
    given.
    """
    r = rules or StatusRules()
    missing = [c for c in STATUS_FEATURES if c not in features.columns]
    if missing:
        raise DataValidationError(f"status rules need feature column(s): {', '.join(missing)}")
    f = features
    change = f.spend_change_90d
    ratio = f.recency_ratio
    days = _calendar_days(f.recency_days)
    # A fall in 90-day spend means something only for customers who buy within 90 days.
    quick = f.usual_gap_days.isnull() | (f.usual_gap_days <= TREND_DAYS)
    falling = (change <= -r.at_risk_drop).fill_null(False) & quick
    lapsed = (days > r.lapsed_days) | (
        (days > r.lapsed_min_days) & (ratio >= r.lapsed_ratio).fill_null(False) & has_rhythm(f)
    )
    branches: list[tuple[ir.BooleanValue, str]] = [(days > r.lost_days, "lost")]
    if all(c in f.columns for c in ACCOUNT_FEATURES):
        closed = (f.accounts_ever > 0) & (f.open_accounts == 0)
        branches.append((closed.fill_null(False), "closed"))
    branches += [
        (lapsed, "lapsed"),
        (_calendar_days(f.tenure_days) < r.new_days, "new"),
        (
            (f.gap_before_last_days > r.lapsed_days).fill_null(False) & (days < r.won_back_days),
            "won_back",
        ),
        (overdue(f, r) | falling, "at_risk"),
        ((change >= r.growing_rise).fill_null(False), "growing"),
    ]
    return ibis.cases(*branches, else_="active")


def overdue(features: ir.Table, rules: StatusRules) -> ir.BooleanValue:
    """Overdue against their own rhythm: ``at_risk_ratio`` × the usual gap since the last
    purchase, at least ``at_risk_min_days`` whole days, and at least :data:`MIN_GAPS` gaps
    (when ``n_purchases_total`` is present) — see the module docstring."""
    f = features
    days = _calendar_days(f.recency_days)
    due = (f.recency_ratio >= rules.at_risk_ratio).fill_null(False) & (
        days >= rules.at_risk_min_days
    )
    return due & has_rhythm(f)


def has_rhythm(features: ir.Table) -> ir.BooleanValue:
    """Whether the customer's usual gap is a rhythm: at least :data:`MIN_GAPS` gaps between
    purchases, read from ``n_purchases_total`` (true for every row when the features do not
    carry it). Both rules measured in the customer's own gaps — overdue and lapsed on the
    ratio — require it."""
    if "n_purchases_total" not in features.columns:
        return ibis.literal(True)
    return (features.n_purchases_total >= MIN_GAPS + 1).fill_null(False)


@dataclass(frozen=True)
class GlossaryEntry:
    """One word of the report: its key, display names and one-line definitions."""

    key: str
    en: str
    zh: str
    definition_en: str
    definition_zh: str

    def name(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def definition(self, lang: Lang) -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


def _n(v: float) -> str:
    return f"{v:g}"


def _entries(
    r: StatusRules, horizon_days: int, clv_months: int, recent_days: int
) -> tuple[GlossaryEntry, ...]:
    pct_drop, pct_rise = _n(100 * r.at_risk_drop), _n(100 * r.growing_rise)
    hi = _n(100 * r.high_risk_probability)
    return (
        GlossaryEntry(
            "current",
            "Current customer",
            "现有客户",
            "New, active, growing, won back or at risk: not lapsed, closed or lost. "
            "The early-warning list is drawn from them.",
            "新客户、活跃、增长、已挽回或有流失风险的客户，即未沉寂、未销户、未流失。"
            "预警名单只从中选取。",
        ),
        GlossaryEntry(
            "new",
            "New",
            "新客户",
            f"First purchase within the last {_n(r.new_days)} days.",
            f"首次消费在最近 {_n(r.new_days)} 天内。",
        ),
        GlossaryEntry(
            "active",
            "Active",
            "活跃",
            "Buying within their usual rhythm, with no fall or rise in spend that would make "
            "them at risk or growing.",
            "按自己平常的节奏消费，消费额没有明显下降或上升。",
        ),
        GlossaryEntry(
            "growing",
            "Growing",
            "增长",
            f"Spend in the last 90 days up {pct_rise}% or more against the 90 days before.",
            f"最近90天消费额比之前90天增长 {pct_rise}% 及以上。",
        ),
        GlossaryEntry(
            "won_back",
            "Won back",
            "已挽回",
            f"Bought again within the last {_n(r.won_back_days)} days after a gap of more than "
            f"{_n(r.lapsed_days)} days.",
            f"中断超过 {_n(r.lapsed_days)} 天后，在最近 {_n(r.won_back_days)} 天内再次消费。",
        ),
        GlossaryEntry(
            "at_risk",
            "At risk",
            "有流失风险",
            f"Not yet lapsed, but {_n(r.at_risk_ratio)}× or more their usual gap and at least "
            f"{_n(r.at_risk_min_days)} days since the last purchase, or spend in the last 90 "
            f"days down {pct_drop}% or more against the 90 days before (for customers who "
            "usually buy within 90 days).",
            f"尚未沉寂，但距上次消费已达平常间隔的 {_n(r.at_risk_ratio)} 倍及以上"
            f"且至少 {_n(r.at_risk_min_days)} 天，"
            f"或最近90天消费额比之前90天下降 {pct_drop}% 及以上（限平常90天内会再次消费的客户）。",
        ),
        GlossaryEntry(
            "lapsed",
            "Lapsed",
            "沉寂",
            f"No purchase for more than {_n(r.lapsed_days)} days, or for more than "
            f"{_n(r.lapsed_min_days)} days when that is {_n(r.lapsed_ratio)}× or more their "
            "usual gap (customers with three purchases or more).",
            f"超过 {_n(r.lapsed_days)} 天未消费；或超过 {_n(r.lapsed_min_days)} 天未消费且已达"
            f"平常间隔的 {_n(r.lapsed_ratio)} 倍及以上（限至少消费过三次的客户）。",
        ),
        GlossaryEntry(
            "closed",
            "Closed",
            "已销户",
            "Held accounts (e.g. cards) and has closed every one of them.",
            "曾持有账户（如信用卡），且已全部注销。",
        ),
        GlossaryEntry(
            "lost",
            "Lost",
            "已流失",
            f"No purchase for more than {_n(r.lost_days)} days.",
            f"超过 {_n(r.lost_days)} 天未消费。",
        ),
        GlossaryEntry(
            "usual_gap",
            "Usual gap",
            "平常间隔",
            "A customer's mean number of days between purchases (counted from three purchases "
            "on: a single gap is not a rhythm).",
            "客户两次消费之间的平均天数（至少三次消费才计算：一次间隔不成规律）。",
        ),
        GlossaryEntry(
            "churn",
            "Churn",
            "流失",
            f"No purchase in the next {horizon_days} days, or every open account closed "
            "within them — what the churn model predicts.",
            f"未来 {horizon_days} 天内没有消费，或名下有效账户在此期间全部注销"
            "——即流失模型预测的事件。",
        ),
        GlossaryEntry(
            "churn_probability",
            "Churn probability",
            "流失概率",
            f"The chance of churn in the next {horizon_days} days from the ranking that won "
            "the backtest (the model or a simpler baseline).",
            f"未来 {horizon_days} 天内流失的概率，来自回测中胜出的排序方法（模型或更简单的基准）。",
        ),
        GlossaryEntry(
            "high_churn_risk",
            "High churn risk",
            "高流失风险",
            f"A current customer with churn probability {hi}% or more.",
            f"流失概率不低于 {hi}% 的现有客户。",
        ),
        GlossaryEntry(
            "clv",
            "CLV",
            "客户终身价值",
            f"Expected spend over the next {clv_months} months (discounted), from the CLV models.",
            f"CLV 模型估计的未来 {clv_months} 个月预期消费（折现后）。",
        ),
        GlossaryEntry(
            "value_at_stake",
            "Value at stake",
            "风险价值",
            "Churn probability × CLV: the value expected to be lost if nothing is done. The "
            "early-warning list is ranked by it.",
            "流失概率 × 客户终身价值：不采取行动时预计损失的价值。预警名单按此排序。",
        ),
        GlossaryEntry(
            "return_probability",
            "Return probability",
            "回归概率",
            f"The share of customers in the same situation (status, days since the last "
            f"purchase) a period earlier who bought again within {horizon_days} days.",
            f"此前同样状况（状态、距上次消费天数）的客户中，{horizon_days} 天内再次消费的比例。",
        ),
        GlossaryEntry(
            "winback_value",
            "Win-back value",
            "挽回价值",
            "Return probability × the customer's yearly spend while they were buying. The "
            "win-back list is ranked by it.",
            "回归概率 × 客户活跃期间的年均消费额。挽回名单按此排序。",
        ),
        GlossaryEntry(
            "early_warning_list",
            "Early-warning list",
            "流失预警名单",
            "Current customers (with an open account where accounts exist) at or above the "
            "average churn probability with a warning sign — or, with none, at least twice the "
            "average's odds. “Call” first (account closed, complaint or low NPS, overdue, spend "
            "halved and no purchase for 30 days), then “watch” (spend falling but still buying, "
            "messages ignored, new, or no sign); each by value at stake.",
            "流失概率不低于平均值且有预警信号的现有客户（有账户的业务须仍持有有效账户）；无信号者"
            "须流失几率达到平均的 2 倍。先列“需联系”（注销账户、投诉或低分、超出平常间隔、消费减半"
            "且 30 天未消费），再列“需关注”（消费下降但仍在消费、不打开营销信息、新客户或无信号），"
            "各按风险价值排序。",
        ),
        GlossaryEntry(
            "winback_list",
            "Win-back list",
            "挽回名单",
            "Lapsed, closed and lost customers, ranked by win-back value.",
            "沉寂、已销户和已流失的客户，按挽回价值排序。",
        ),
        GlossaryEntry(
            "loyal",
            "Loyal",
            "忠诚",
            "A current customer in the transactional, brand or emotional loyalty tier; "
            "lapsed, closed and lost customers are never called loyal.",
            "处于交易型、品牌型或情感型忠诚层级的现有客户；沉寂、已销户和已流失的客户不算忠诚。",
        ),
        GlossaryEntry(
            "rfm_segment",
            "RFM segment",
            "RFM 分群",
            "A group by rank of recency, frequency and spend relative to the other "
            f"customers; the positive groups also require a purchase within "
            f"{_n(r.lapsed_days)} days.",
            f"按最近消费、频次、金额相对其他客户的排名分组；正面分群还要求 {_n(r.lapsed_days)} "
            "天内有消费。",
        ),
        GlossaryEntry(
            "recent_buyer",
            f"Bought in the last {recent_days} days",
            f"近{recent_days}天有消费",
            f"Customers with at least one purchase in the last {recent_days} days (a count, "
            "not a status).",
            f"最近 {recent_days} 天内至少消费一次的客户数（计数，不是状态）。",
        ),
    )


def glossary(
    rules: StatusRules | None = None,
    *,
    horizon_days: int = 90,
    clv_months: int = 12,
    recent_days: int = 90,
    keys: Sequence[str] | None = None,
) -> tuple[GlossaryEntry, ...]:
    """Every word's name and definition with the thresholds in force (``keys``: a subset, in
    that order)."""
    entries = _entries(rules or StatusRules(), horizon_days, clv_months, recent_days)
    if keys is None:
        return entries
    by_key = {e.key: e for e in entries}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise ConfigError(f"no glossary entry for: {', '.join(unknown)}")
    return tuple(by_key[k] for k in keys)


def status_label(status: str, lang: Lang) -> str:
    """The display name of a status (``"at_risk"`` → "At risk" / "有流失风险")."""
    for e in _entries(StatusRules(), 90, 12, 90):
        if e.key == status:
            return e.name(lang)
    return status
