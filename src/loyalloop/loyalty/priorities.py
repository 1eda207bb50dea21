"""Whom to contact first: the early-warning list and the win-back list, ranked by value.

Two lists, never mixed, drawn from the statuses of :mod:`loyalloop.insight.definitions`, so a
customer is on at most one of them and their sizes add up with the lifecycle counts:

**Early-warning list** — customers who can still be kept: the *current* statuses (new, active,
growing, won back, at risk) whose churn probability is at least ``min_probability`` (the
pipeline passes the average churn rate of the backtest: a customer less likely than average to
leave is not a warning). A customer who held accounts and has closed them all is ``closed``
and is never on it, whatever their purchases say. Ranked by **value at stake** = churn
probability × CLV, both shown. (CLV is the CLV models' expected value over their horizon
and already allows for the chance the customer has gone; multiplying by the churn probability
therefore counts a customer's risk twice in a sense, but it ranks the same customers at the
top as the cleaner "value if kept" would, with smaller numbers — the figure is a ranking
device and a cautious estimate, not a forecast of losses.) When no CLV is available the
customer's spend in the last 365 days stands in and ``value_basis`` says so.

A probability just above the average is not a warning on its own, and value at stake alone
put a daily card user who bought 6 days ago first on the demo (26 % against 20 %, CLV 225k).
So the list is **split by what to do** (``action``, :data:`ACTIONS`), calls first:

* ``call`` — a sign that says what to do now: an account closed, a complaint or low NPS
  within the last ``sign_days`` (:data:`SIGN_DAYS`, 90), overdue against their own rhythm, or
  spend down by half with no purchase for ``at_risk_min_days`` (30) days;
* ``watch`` — a weak sign (spend falling while still buying in the last 30 days, messages
  ignored, a new customer's first weeks) or no sign at all but churn odds at least
  :data:`WATCH_ODDS_RATIO` (2×) the average customer's.

A customer with no sign and odds below that is not listed: on CDNOW 103 of 159 listed
customers were such (73–74 % against a 72 % average). Within each part, value at stake ranks.

**A complaint is a sign only while it is recent.** A complaint (NPS ≤ 6, CSAT ≤ 2, rating ≤ 2)
or a last NPS of 6 or less counts when it was given within ``sign_days`` (90) of the cutoff —
the ``complaint_last_days`` / ``nps_last_days`` context columns of the churn features. Without
the limit a complaint anywhere in the last year made a call: a service-recovery call about a
complaint of eleven months ago has nothing left to recover (on the demo the limit takes the
customers whose first sign is a complaint from 76 to 26, calls from 390 to 360; the first
customer stays: their NPS 6 is 17 days old). 90 days and not "since the last purchase": a
customer who complains and keeps buying is the one a recovery call still reaches (they have
not left yet, and the complaint is fresh enough to name), while "since the last purchase"
would drop every complaint of a frequent buyer the day after they next pay. 90 days is also
the window of the other short-term signs (spend change, messages ignored). When the two day
columns are absent (a caller without feedback dates) the signs are not limited and the list
logs that it could not check. Older complaints still count in ``complaints_365d`` for the
churn model.

**Win-back list** — customers already gone: lapsed, closed or lost. Ranked by **win-back
value** = return probability × yearly value:

* *return probability* — the share of customers who were in the same status, with about as
  many days since their last purchase, at an earlier cutoff and bought again within the
  horizon (:func:`estimate_return_rates`). It is estimated from the data, separately per
  status when a status has at least ``min_rows`` customers of history (statuses with less
  share the pooled curve), as an isotonic (non-increasing) function of days since the last
  purchase: the longer someone has been gone, the less likely they return, and the estimate
  is not allowed to say otherwise on noise. Each step of the curve is shrunk towards the
  status's overall rate by ``prior_strength`` (20) pseudo-customers, so a step resting on a
  handful of customers (2 of 4 came back) does not claim 50 %.
* *yearly value* — what the customer spent a year while they were buying: total spend ×
  365 / the days from their first to their last purchase (at least 365, so a one-time buyer's
  yearly value is what they spent).

Reasons name what someone can act on, and every number in them is the same rounded value
shown in its column: days since the last purchase are whole calendar days
(:func:`~loyalloop.insight.definitions.calendar_days`), the usual gap whole days, spend
changes whole percents. Early warning: overdue against their own rhythm, spend falling, a low
NPS (with its topic when the caller passes one), complaints, an account closed, messages
ignored, a new customer's first weeks; a customer with none of these signs says so, with
their probability against the average. Win-back: how long ago they last bought and how often
before, what they were worth and how many like them came back, accounts closed, the last NPS.

Each early-warning row also carries a ``signal`` (:data:`SIGNALS`): the one sign that says
what to do first, for grouping the list into call scripts — a card closed in the last year
while others are still open (ask why, before the rest go), a complaint or a low NPS (service
recovery), overdue against their own rhythm (a reminder or an offer), spend falling, messages
ignored (try another channel), a new customer's first weeks (onboarding), or none of these.
The first that holds, in that order; each is the condition of the reason of the same name.

Both functions take plain frames (one row per customer) holding the churn features
(:func:`loyalloop.churn.build_features`), the customer's ``stage`` and, for early warning,
``churn_probability`` and ``clv`` — the churn and CLV packages are not imported here (layer
rule); the pipeline joins their outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyalloop.core.wording import STORED_SEPARATOR
from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.insight.definitions import (
    CURRENT_STATUSES,
    GONE_STATUSES,
    MIN_GAPS,
    StatusRules,
    calendar_days,
)
from loyalloop.insight.scales import is_detractor

__all__ = [
    "ACTIONS",
    "CALL_SIGNALS",
    "EARLY_WARNING_COLUMNS",
    "SIGNALS",
    "SIGN_DAYS",
    "WATCH_ODDS_RATIO",
    "WINBACK_COLUMNS",
    "PriorityList",
    "ReturnRates",
    "early_warning_list",
    "estimate_return_rates",
    "winback_list",
]

log = logging.getLogger(__name__)

ID = "customer_id"
#: Columns of the early-warning list, in order.
EARLY_WARNING_COLUMNS: tuple[str, ...] = (
    "rank",
    ID,
    "stage",
    "churn_probability",
    "clv",
    "value_at_stake",
    "days_since_last",
    "usual_gap_days",
    "action",
    "signal",
    "reasons_en",
    "reasons_zh",
)
#: Early-warning signals, in the order they are looked for (the first that holds is a
#: customer's ``signal``); ``none``: no single sign, only the probability.
SIGNALS: tuple[str, ...] = (
    "closed_account",
    "complaint",
    "overdue",
    "spend_falling",
    "ignoring_messages",
    "new",
    "none",
)
#: Early-warning actions, in list order: ``call`` — a sign that says what to do now (an
#: account closed, a complaint or low NPS, overdue, spend falling with no purchase for
#: ``at_risk_min_days``); ``watch`` — a weak sign (spend falling but still buying, messages
#: ignored, a new customer) or none, only a churn probability well above the average.
ACTIONS: tuple[str, ...] = ("call", "watch")
#: A customer with no warning sign is listed only when their churn odds are at least this many
#: times the average customer's (p / (1 - p) against avg / (1 - avg)): on CDNOW 103 of 159
#: listed customers had no sign at 73-74 % against a 72 % average — indistinguishable from
#: anybody else, so not a warning.
WATCH_ODDS_RATIO = 2.0
#: A complaint or a low NPS is a sign when given within this many days of the cutoff (module
#: docstring); the run setting ``loyalty.sign_days``.
SIGN_DAYS = 90
#: Signals that put a customer in the ``call`` part of the list (spend falling only after
#: ``at_risk_min_days`` of silence: a customer who bought last week is still buying).
CALL_SIGNALS: frozenset[str] = frozenset({"closed_account", "complaint", "overdue"})

#: Columns of the win-back list, in order.
WINBACK_COLUMNS: tuple[str, ...] = (
    "rank",
    ID,
    "stage",
    "return_probability",
    "yearly_value",
    "winback_value",
    "days_since_last",
    "purchases",
    "reasons_en",
    "reasons_zh",
)
ListKind = Literal["early_warning", "win_back"]
#: Most reasons per customer.
MAX_REASONS = 3


@dataclass(frozen=True)
class PriorityList:
    """A ranked list and the facts about it.

    Attributes
    ----------
    kind
        ``"early_warning"`` or ``"win_back"``.
    table
        The ranked customers (:data:`EARLY_WARNING_COLUMNS` / :data:`WINBACK_COLUMNS`).
    eligible
        Customers in the list's population (all of them are in ``table``).
    value_basis
        What the value column is built on: ``"clv"``, ``"spend_365d"`` (early warning
        without CLV) or ``"yearly_value"`` (win-back).
    total_value
        Sum of the ranking value (value at stake / win-back value) over the whole list.
    """

    kind: ListKind
    table: pd.DataFrame
    eligible: int
    value_basis: str
    total_value: float

    def top(self, n: int) -> pd.DataFrame:
        return self.table.head(n)

    def value_of_top(self, n: int) -> float:
        col = "value_at_stake" if self.kind == "early_warning" else "winback_value"
        return float(self.table[col].head(n).sum())

    def to_dict(self) -> dict[str, Any]:
        """Facts about the list (not its rows), for a run summary."""
        return {
            "kind": self.kind,
            "eligible": self.eligible,
            "value_basis": self.value_basis,
            "total_value": self.total_value,
        }


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(f"the {what} needs column(s): {', '.join(missing)}")
    if frame[ID].duplicated().any():
        dup = frame.loc[frame[ID].duplicated(), ID].head(3).tolist()
        raise DataValidationError(f"the {what} needs one row per customer; repeated: {dup}")


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _fmt_int(v: pd.Series) -> pd.Series:
    return v.map(lambda x: f"{int(x):,}")


def _days_en(v: pd.Series) -> pd.Series:
    """``"1 day"`` / ``"12 days"`` from whole days."""
    return v.map(lambda x: f"{int(x):,} day" + ("" if int(x) == 1 else "s"))


def _count_en(v: pd.Series, one: str, many: str) -> pd.Series:
    """``"1 complaint"`` / ``"3 complaints"`` from whole counts."""
    return v.fillna(0).map(lambda x: f"{x:,.0f} " + (one if round(x) == 1 else many))


def _plural(v: pd.Series, one: str, many: str) -> pd.Series:
    """``one`` where the whole count is 1, else ``many`` with ``{n}`` filled in."""
    return v.fillna(0).map(lambda x: one if round(x) == 1 else many.format(n=f"{x:,.0f}"))


def _join(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """The first :data:`MAX_REASONS` non-empty parts of each row, joined by
    :data:`~loyalloop.core.wording.STORED_SEPARATOR` ("; ", in both languages: the column
    format; pages and the report show it with the reader's separator)."""
    if not parts:
        return pd.Series("", index=index, dtype=object)
    stacked = pd.concat(parts, axis=1).fillna("").astype(str).to_numpy()
    out = []
    for row in stacked:  # formatting the listed rows only, not analytics
        kept = [p for p in row if p][:MAX_REASONS]
        out.append(STORED_SEPARATOR.join(kept))
    return pd.Series(out, index=index, dtype=object)


def _when(cond: pd.Series, text: pd.Series | str) -> pd.Series:
    c = cond.fillna(False).astype(bool)
    values = text if isinstance(text, pd.Series) else pd.Series(text, index=cond.index)
    return values.where(c, "")


def _topic(frame: pd.DataFrame, lang: str) -> pd.Series:
    col = f"nps_topic_{lang}"
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    t = frame[col].fillna("").astype(str)
    prefix = " mentioning " if lang == "en" else "，提到"
    return t.where(t == "", prefix + t)


@dataclass(frozen=True)
class _Signs:
    """The early-warning conditions of each row (each the condition of its reason)."""

    overdue: pd.Series
    falling: pd.Series
    low_nps: pd.Series
    complaints: pd.Series
    closed: pd.Series
    ignored: pd.Series
    new: pd.Series

    def signal(self) -> pd.Series:
        """The first sign that holds, in :data:`SIGNALS` order."""
        order = [
            ("closed_account", self.closed),
            ("complaint", self.low_nps | self.complaints),
            ("overdue", self.overdue),
            ("spend_falling", self.falling),
            ("ignoring_messages", self.ignored),
            ("new", self.new),
        ]
        conds = [c.fillna(False).astype(bool).to_numpy() for _, c in order]
        names = [n for n, _ in order]
        return pd.Series(np.select(conds, names, default="none"), index=self.new.index)


def _recent(f: pd.DataFrame, column: str, sign_days: float) -> pd.Series:
    """Given within ``sign_days`` of the cutoff (``column``: days before it); everything when
    the column is absent (no dates to check)."""
    if column not in f.columns:
        return pd.Series(True, index=f.index)
    return _num(f, column) <= sign_days


def _signs(
    f: pd.DataFrame, days: pd.Series, gap: pd.Series, r: StatusRules, sign_days: float
) -> _Signs:
    ratio = _num(f, "recency_ratio")
    change = _num(f, "spend_change_90d")
    sent, engaged = _num(f, "messages_90d"), _num(f, "engaged_90d")
    closed = _num(f, "closed_accounts_365d")
    if {"open_accounts", "accounts_ever"} <= set(f.columns):
        # a card closed while others stay open; all closed is the ``closed`` status
        closed = closed.where(_num(f, "open_accounts") > 0, 0.0)
    return _Signs(
        overdue=(ratio >= r.at_risk_ratio) & gap.notna() & (gap > 0) & (days >= r.at_risk_min_days),
        falling=(change <= -r.at_risk_drop) & (gap.isna() | (_num(f, "usual_gap_days") <= 90)),
        low_nps=is_detractor(_num(f, "nps_last")) & _recent(f, "nps_last_days", sign_days),
        complaints=(_num(f, "complaints_365d") > 0) & _recent(f, "complaint_last_days", sign_days),
        closed=closed > 0,
        ignored=(engaged == 0) & (sent > 0),
        new=f["stage"] == "new",
    )


def _early_reasons(
    f: pd.DataFrame,
    days: pd.Series,
    gap: pd.Series,
    r: StatusRules,
    average: float | None,
    sign_days: float,
) -> tuple[pd.Series, pd.Series]:
    change = _num(f, "spend_change_90d")
    nps = _num(f, "nps_last")
    complaints = _num(f, "complaints_365d")
    closed = _num(f, "closed_accounts_365d")
    sent = _num(f, "messages_90d")
    tenure = pd.Series(calendar_days(_num(f, "tenure_days")), index=f.index)
    d, g = _fmt_int(days), _fmt_int(gap.fillna(0))
    d_en, g_en = _days_en(days), _days_en(gap.fillna(0))
    times = (days / gap).map(lambda x: f"{x:.1f}" if np.isfinite(x) else "")
    drop = (-change * 100).round().map(lambda x: f"{x:.0f}" if np.isfinite(x) else "")
    sign = _signs(f, days, gap, r, sign_days)
    overdue, falling, low_nps, complained, ignored, new = (
        sign.overdue,
        sign.falling,
        sign.low_nps,
        sign.complaints,
        sign.ignored,
        sign.new,
    )
    latest = _num(f, "complaint_last_days")
    ago = pd.Series(calendar_days(latest), index=f.index)
    ago_en = _when(ago.notna(), ", the latest " + _days_en(ago.fillna(0)) + " ago")
    ago_zh = _when(ago.notna(), "，最近一次在 " + _fmt_int(ago.fillna(0)) + " 天前")
    n_txt = nps.map(lambda x: f"{x:.0f}" if np.isfinite(x) else "")
    c_txt, k_txt = complaints.fillna(0).map("{:.0f}".format), closed.fillna(0).map("{:.0f}".format)
    t_txt = _fmt_int(tenure.fillna(0))
    en = [
        _when(
            overdue,
            d_en + " since the last purchase, " + times + "× their usual gap of " + g_en,
        ),
        _when(falling, "spend down " + drop + "% vs the previous 90 days"),
        _when(low_nps, "gave NPS " + n_txt + _topic(f, "en")),
        _when(
            complained,
            _count_en(complaints, "complaint or low score", "complaints or low scores")
            + " in the last year"
            + ago_en,
        ),
        _when(
            closed > 0, "closed " + _count_en(closed, "account", "accounts") + " in the last year"
        ),
        _when(
            ignored,
            _plural(
                sent,
                "did not open the one message sent in the last 90 days",
                "did not open any of {n} messages in the last 90 days",
            ),
        ),
        _when(new, "new customer: first purchase " + _days_en(tenure.fillna(0)) + " ago"),
    ]
    zh = [
        _when(
            overdue, "距上次消费已 " + d + " 天，是其平常间隔（" + g + " 天）的 " + times + " 倍"
        ),
        _when(falling, "消费额较前90天下降 " + drop + "%"),
        _when(low_nps, "给出 NPS " + n_txt + " 分" + _topic(f, "zh")),
        _when(complained, "近一年投诉或低分评价 " + c_txt + " 次" + ago_zh),
        _when(closed > 0, "近一年注销账户 " + k_txt + " 个"),
        _when(
            ignored,
            _plural(sent, "近90天发出的 1 条营销信息未打开", "近90天 {n} 条营销信息均未打开"),
        ),
        _when(new, "新客户：首次消费在 " + t_txt + " 天前"),
    ]
    en_s, zh_s = _join(en, f.index), _join(zh, f.index)
    # Nothing alarming in their own history: say so, with the probability against the average.
    pct = (100 * _num(f, "churn_probability")).round().map(lambda x: f"{x:.0f}")
    if average is None:
        fb_en = "no single warning sign; " + pct + "% churn probability"
        fb_zh = "无单一预警信号；流失概率 " + pct + "%"
    else:
        avg = f"{100 * average:.0f}"
        fb_en = "no single warning sign; " + pct + "% churn probability against " + avg
        fb_en = fb_en + "% on average"
        fb_zh = "无单一预警信号；流失概率 " + pct + "%，平均为 " + avg + "%"
    return en_s.where(en_s != "", fb_en), zh_s.where(zh_s != "", fb_zh)


def _integer_days(ranked: pd.DataFrame) -> None:
    for c in ("days_since_last", "usual_gap_days"):
        if c in ranked.columns:
            ranked[c] = ranked[c].astype("Int64")


def _action(signal: pd.Series, days: pd.Series, r: StatusRules) -> pd.Series:
    """``call`` or ``watch`` per customer (:data:`ACTIONS`)."""
    silent = days >= r.at_risk_min_days
    call = signal.isin(CALL_SIGNALS) | ((signal == "spend_falling") & silent)
    return pd.Series(np.where(call, "call", "watch"), index=signal.index)


def _well_above(p: pd.Series, average: float | None) -> pd.Series:
    """Churn odds at least :data:`WATCH_ODDS_RATIO` × the average's (no average: everyone)."""
    if average is None:
        return pd.Series(True, index=p.index)
    if average >= 1:
        return pd.Series(False, index=p.index)
    odds = p / (1 - p).clip(lower=1e-12)
    return odds >= WATCH_ODDS_RATIO * average / (1 - average)


def _ranked(out: pd.DataFrame, value: str, first: str | None = None) -> pd.DataFrame:
    # ``first`` (the action: calls before watches), then highest value; ties by id, so the
    # order is the same on every run.
    keys, ascending = [value, ID], [False, True]
    if first is not None:
        out = out.assign(_first=out[first].map({a: i for i, a in enumerate(ACTIONS)}))
        keys, ascending = ["_first", *keys], [True, *ascending]
    out = out.sort_values(keys, ascending=ascending, kind="stable").drop(
        columns="_first", errors="ignore"
    )
    out = out.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype="int64"))
    return out


def _whole_days(f: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Days since the last purchase (whole calendar days) and the usual gap (whole days,
    missing below :data:`~loyalloop.insight.definitions.MIN_GAPS` gaps when
    ``n_purchases_total`` is present — a single gap is no rhythm — and for one-time buyers):
    the values shown in the columns and in the reasons."""
    days = pd.Series(calendar_days(_num(f, "recency_days")), index=f.index)
    if days.isna().any():
        raise DataValidationError(f"recency_days is missing for {int(days.isna().sum())} rows")
    gap = np.floor(_num(f, "usual_gap_days") + 0.5)
    if "n_purchases_total" in f.columns:
        gap = gap.where(_num(f, "n_purchases_total") >= MIN_GAPS + 1)
    return days, gap


def early_warning_list(
    customers: pd.DataFrame,
    *,
    rules: StatusRules | None = None,
    min_probability: float | None = None,
    sign_days: float = SIGN_DAYS,
    reasons_for: int | None = 2_000,
) -> PriorityList:
    """Current customers at above-average risk with a warning sign (or well above average
    with none), calls before watches, each by value at stake (module docstring).

    Parameters
    ----------
    customers
        One row per customer: ``customer_id``, ``stage``, ``churn_probability``, the churn
        features (``recency_days``, ``usual_gap_days``, ``recency_ratio``,
        ``spend_change_90d`` …; the reasons read those present) and ``clv`` (missing or
        absent: the last 365 days' spend, ``spend_365d``, stands in). ``open_accounts`` and
        ``accounts_ever``, when present, keep customers with every account closed off the
        list even if their stage was computed without them. Optional ``nps_topic_en`` /
        ``nps_topic_zh``: the topic of the last NPS comment.
    rules
        The status rules (for the reason thresholds).
    min_probability
        Only customers with at least this churn probability (the average churn rate), and,
        with no warning sign, :data:`WATCH_ODDS_RATIO` × its odds; ``None``: every current
        customer.
    sign_days
        A complaint or a low NPS is a sign only when given within this many days of the
        cutoff (``complaint_last_days`` / ``nps_last_days``; module docstring).
    reasons_for
        Reasons are written for the first this-many rows (``None``: all).

    Returns
    -------
    PriorityList
        :data:`EARLY_WARNING_COLUMNS`: ``call`` rows, then ``watch`` rows, each highest
        value at stake first.
    """
    r = rules or StatusRules()
    _need(customers, (ID, "stage", "churn_probability", "recency_days"), "early-warning list")
    f = customers[customers["stage"].isin(CURRENT_STATUSES)]
    if {"open_accounts", "accounts_ever"} <= set(f.columns):
        closed = (_num(f, "accounts_ever") > 0) & (_num(f, "open_accounts") == 0)
        f = f[~closed.to_numpy()]
    f = f.reset_index(drop=True)
    p = _num(f, "churn_probability")
    if p.isna().any() or ((p < 0) | (p > 1)).any():
        raise DataValidationError("churn_probability must be a probability for every customer")
    if min_probability is not None:
        if not 0 <= min_probability <= 1:
            raise ConfigError(f"min_probability must be within 0–1, got {min_probability}")
        keep = (p >= min_probability).to_numpy()
        f, p = f[keep].reset_index(drop=True), p[keep].reset_index(drop=True)
    clv = _num(f, "clv")
    basis = "clv"
    if clv.isna().all():
        if "spend_365d" not in f.columns:
            raise DataValidationError(
                "the early-warning list needs clv or spend_365d to value the customers"
            )
        clv, basis = _num(f, "spend_365d").fillna(0.0), "spend_365d"
        log.info("early-warning list valued on spend in the last 365 days (no CLV)")
    elif clv.isna().any():
        raise DataValidationError(f"clv is missing for {int(clv.isna().sum())} customers")
    days, gap = _whole_days(f)
    if sign_days <= 0:
        raise ConfigError(f"sign_days must be positive, got {sign_days}")
    if not {"complaint_last_days", "nps_last_days"} <= set(f.columns):
        log.info("early-warning list: no complaint dates, complaints count at any age")
    signal = _signs(f, days, gap, r, sign_days).signal()
    action = _action(signal, days, r)
    keep = ((signal != "none") | _well_above(p, min_probability)).to_numpy()
    out = pd.DataFrame(
        {
            ID: f[ID].to_numpy(),
            "stage": f["stage"].to_numpy(),
            "churn_probability": p.to_numpy(),
            "clv": clv.to_numpy(),
            "value_at_stake": (p * clv).to_numpy(),
            "days_since_last": days.to_numpy(),
            "usual_gap_days": gap.to_numpy(),
            "action": action.to_numpy(),
            "signal": signal.to_numpy(),
        }
    )[keep]
    f = f[keep].reset_index(drop=True)
    ranked = _ranked(out, "value_at_stake", first="action")
    _add_reasons(
        ranked,
        f,
        reasons_for,
        lambda g, h: _early_reasons(
            g, h["days_since_last"], h["usual_gap_days"], r, min_probability, sign_days
        ),
    )
    _integer_days(ranked)
    return PriorityList(
        "early_warning",
        ranked[list(EARLY_WARNING_COLUMNS)],
        len(ranked),
        basis,
        float(ranked["value_at_stake"].sum()),
    )


#: (the listed customers' feature rows, their list rows) → (English, Chinese) reasons.
ReasonBuilder = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.Series, pd.Series]]


def _add_reasons(
    ranked: pd.DataFrame, f: pd.DataFrame, reasons_for: int | None, build: ReasonBuilder
) -> None:
    """Fill ``reasons_en`` / ``reasons_zh`` for the first ``reasons_for`` ranked rows."""
    ranked["reasons_en"] = pd.Series("", index=ranked.index, dtype=object)
    ranked["reasons_zh"] = pd.Series("", index=ranked.index, dtype=object)
    head = ranked if reasons_for is None else ranked.head(reasons_for)
    if head.empty:
        return
    rows = f.set_index(ID).loc[head[ID]].reset_index()
    rows.index = head.index
    en, zh = build(rows, head)
    ranked.loc[head.index, "reasons_en"] = en.to_numpy()
    ranked.loc[head.index, "reasons_zh"] = zh.to_numpy()


@dataclass(frozen=True)
class ReturnRates:
    """Return probability by status and whole days since the last purchase.

    ``curves`` maps a status (or ``"*"``, the pooled curve) to ``(days, rate)`` points of a
    non-increasing step function; ``n`` and ``returned`` count the history behind each.
    """

    horizon_days: int
    curves: dict[str, tuple[tuple[float, ...], tuple[float, ...]]]
    n: dict[str, int]
    returned: dict[str, int]

    def probability(self, stage: pd.Series, days: pd.Series) -> pd.Series:
        """Return probability for each (status, days since the last purchase)."""
        out = pd.Series(np.nan, index=stage.index, dtype="float64")
        for key, (x, y) in self.curves.items():
            mask = (stage == key) if key != "*" else ~stage.isin(list(self.curves))
            if mask.any():
                d = days[mask].to_numpy(dtype="float64")
                idx = np.clip(np.searchsorted(np.asarray(x), d, side="right") - 1, 0, None)
                out[mask] = np.asarray(y)[idx]
        return out

    def source(self, stage: str) -> str:
        """Which curve a status reads (itself, or the pooled ``"*"``)."""
        return stage if stage in self.curves else "*"

    def to_dict(self) -> dict[str, Any]:
        return {
            "horizon_days": self.horizon_days,
            "curves": {k: {"days": list(x), "rate": list(y)} for k, (x, y) in self.curves.items()},
            "n": dict(self.n),
            "returned": dict(self.returned),
        }


def _curve(
    days: np.ndarray, y: np.ndarray, prior_strength: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A non-increasing step function of days: isotonic blocks, each shrunk towards the
    overall rate by ``prior_strength`` pseudo-customers, then made non-increasing again."""
    from sklearn.isotonic import IsotonicRegression  # imported when used (fast start-up)

    order = np.argsort(days, kind="stable")
    d, v = days[order], y[order]
    iso = IsotonicRegression(increasing=False, y_min=0.0, y_max=1.0, out_of_bounds="clip")
    fitted = iso.fit(d, v).predict(d)
    # Blocks are the runs of equal fitted values (contiguous in day order).
    starts = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
    n_b = np.diff(np.r_[starts, len(d)]).astype("float64")
    r_b = np.add.reduceat(v, starts)
    mean = float(v.mean())
    shrunk = (r_b + prior_strength * mean) / (n_b + prior_strength)
    again = IsotonicRegression(increasing=False, y_min=0.0, y_max=1.0)
    rate = again.fit(d[starts], shrunk, sample_weight=n_b).predict(d[starts])
    keep = np.r_[True, np.diff(rate) != 0]
    edges = d[starts][keep].astype("float64")
    edges[0] = 0.0
    return tuple(float(x) for x in edges), tuple(float(x) for x in rate[keep])


def estimate_return_rates(
    history: pd.DataFrame,
    *,
    horizon_days: int,
    min_rows: int = 100,
    prior_strength: float = 20.0,
) -> ReturnRates:
    """Estimate return probabilities from customers gone at an earlier cutoff.

    Parameters
    ----------
    history
        One row per customer who was lapsed, closed or lost at an earlier cutoff:
        ``stage`` (their status then), ``recency_days`` (days before that cutoff) and
        ``returned`` (1 if they bought within ``horizon_days`` after it).
    horizon_days
        The window ``returned`` looked at (recorded; the probabilities are "within it").
    min_rows
        A status gets its own curve only with this many customers of history; the others
        share the pooled curve.
    prior_strength
        Pseudo-customers at the status's overall rate added to every step of its curve.
    """
    if horizon_days <= 0:
        raise ConfigError(f"horizon_days must be positive, got {horizon_days}")
    if prior_strength < 0:
        raise ConfigError(f"prior_strength must be ≥ 0, got {prior_strength}")
    for c in ("stage", "recency_days", "returned"):
        if c not in history.columns:
            raise DataValidationError(f"return-rate history needs column {c}")
    h = history[history["stage"].isin(GONE_STATUSES)]
    if h.empty:
        raise DataValidationError("no lapsed, closed or lost customers in the history")
    y = pd.to_numeric(h["returned"], errors="coerce")
    if y.isna().any() or not y.isin([0, 1]).all():
        raise DataValidationError("returned must be 0/1 for every customer of the history")
    days = calendar_days(_num(h, "recency_days"))
    yv = y.to_numpy(dtype="float64")
    curves = {"*": _curve(days, yv, prior_strength)}
    n = {"*": len(h)}
    returned = {"*": int(yv.sum())}
    stages = h["stage"].to_numpy()
    for s in GONE_STATUSES:
        m = stages == s
        if m.sum() >= min_rows:
            curves[s] = _curve(days[m], yv[m], prior_strength)
            n[s], returned[s] = int(m.sum()), int(yv[m].sum())
    return ReturnRates(horizon_days, curves, n, returned)


def _winback_reasons(
    f: pd.DataFrame, days: pd.Series, yearly: pd.Series, p: pd.Series
) -> tuple[pd.Series, pd.Series]:
    n = _num(f, "n_purchases_total").fillna(0)
    n_txt = n.map(lambda x: f"{int(x):,}")
    nps = _num(f, "nps_last")
    closed = f["stage"] == "closed"
    k_txt = _num(f, "closed_accounts_365d").fillna(0).map("{:.0f}".format)
    v_txt = yearly.round().map(lambda x: f"{x:,.0f}")
    pct = (100 * p).round().map(lambda x: f"{x:.0f}")
    s_txt = nps.map(lambda x: f"{x:.0f}" if np.isfinite(x) else "")
    times = n.map(lambda x: "1 purchase" if int(x) == 1 else f"{int(x):,} purchases")
    en = [
        "last purchase " + _days_en(days) + " ago, after " + times,
        "spent " + v_txt + " a year while buying; " + pct + "% of customers like them came back",
        _when(closed, "closed every account (" + k_txt + " in the last year)"),
        _when(is_detractor(nps), "gave NPS " + s_txt + _topic(f, "en")),
    ]
    zh = [
        "上次消费在 " + _fmt_int(days) + " 天前，此前共消费 " + n_txt + " 次",
        "活跃期间年均消费 " + v_txt + "；同类客户中 " + pct + "% 曾回归",
        _when(closed, "已注销全部账户（近一年 " + k_txt + " 个）"),
        _when(is_detractor(nps), "给出 NPS " + s_txt + " 分" + _topic(f, "zh")),
    ]
    return _join(en, f.index), _join(zh, f.index)


def winback_list(
    customers: pd.DataFrame,
    rates: ReturnRates,
    *,
    reasons_for: int | None = 2_000,
) -> PriorityList:
    """Lapsed, closed and lost customers ranked by win-back value (module docstring).

    Parameters
    ----------
    customers
        One row per customer: ``customer_id``, ``stage`` and the churn features
        (``recency_days``, ``tenure_days``, ``spend_total``, ``usual_gap_days`` …).
    rates
        From :func:`estimate_return_rates`.
    reasons_for
        Reasons are written for the first this-many rows (``None``: all).
    """
    _need(
        customers,
        (ID, "stage", "recency_days", "tenure_days", "spend_total"),
        "win-back list",
    )
    f = customers[customers["stage"].isin(GONE_STATUSES)].reset_index(drop=True)
    days, _ = _whole_days(f)
    p = rates.probability(f["stage"], days)
    span = (_num(f, "tenure_days") - _num(f, "recency_days")).clip(lower=0.0)
    yearly = _num(f, "spend_total").fillna(0.0).clip(lower=0.0) * 365.0 / span.clip(lower=365.0)
    out = pd.DataFrame(
        {
            ID: f[ID].to_numpy(),
            "stage": f["stage"].to_numpy(),
            "return_probability": p.to_numpy(),
            "yearly_value": yearly.to_numpy(),
            "winback_value": (p * yearly).to_numpy(),
            "days_since_last": days.to_numpy(),
            "purchases": _num(f, "n_purchases_total").fillna(0).astype("int64").to_numpy(),
        }
    )
    ranked = _ranked(out, "winback_value")

    _add_reasons(
        ranked,
        f,
        reasons_for,
        lambda g, h: _winback_reasons(
            g, h["days_since_last"], h["yearly_value"], h["return_probability"]
        ),
    )
    _integer_days(ranked)
    return PriorityList(
        "win_back",
        ranked[list(WINBACK_COLUMNS)],
        len(ranked),
        "yearly_value",
        float(ranked["winback_value"].sum()),
    )
