"""Reasons a person can act on: top churn drivers per customer, in plain Chinese and English.

Each prediction's log-odds is split into per-feature contributions by TreeSHAP (LightGBM's
``pred_contrib``). The features pushing hardest towards churn are turned into sentences by
templates that read the customer's own values, e.g. "spend down 60% vs the previous 90 days"
/ "消费额较前90天下降60%", or "gave NPS 3 on 2024-05-02 mentioning fees" /
"2024-05-02 给出 NPS 3 分，提到费用".

Only contributions above ``min_contribution`` (log-odds) are used, so a customer with nothing
alarming gets fewer than ``top_k`` reasons rather than filler. Columns without a template (a
team's own attributes in a bring-your-own table) read "plan = basic" / "plan 为 basic".

Reasons name what someone can act on. Warehouse features that describe who the customer is
rather than what changed — average purchase, usual gap, purchases and spend to date, the 90
days before last (:data:`NOT_ACTIONABLE`) — still count in the score but are never given as
a reason: "average purchase 18" tells a caller nothing to do. Day counts measured from the
cutoff (days since the last purchase, days as a customer) are shown as whole calendar days by
:func:`loyalloop.insight.definitions.calendar_days`, the same rounding every list column uses,
so a reason and its column never disagree (140 in the table, 141 in the reason).

The "mentioning …" part comes from a small built-in keyword list (:data:`TOPIC_KEYWORDS`);
it is a stopgap until feedback text analytics supplies aspects, and it never shows the raw
(untrusted) customer text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from loyalloop.churn.model import ChurnModel
from loyalloop.insight.definitions import calendar_days

__all__ = ["NOT_ACTIONABLE", "TOPIC_KEYWORDS", "explain", "reason_text", "topic_of"]

#: Warehouse features never given as a reason (they describe, they do not point to an action).
NOT_ACTIONABLE: frozenset[str] = frozenset(
    {
        "avg_ticket",
        "usual_gap_days",
        "n_purchases_total",
        "spend_total",
        "spend_prev_90d",
        "n_purchases_prev_90d",
        "gap_before_last_days",
    }
)

#: topic → (English words, Chinese words, English label, Chinese label)
TOPIC_KEYWORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "fees": (("fee", "fees", "charge", "charges", "interest"), ("费", "利息"), "fees", "费用"),
    "price": (("price", "expensive", "cost"), ("价格", "贵"), "prices", "价格"),
    "service": (
        ("service", "staff", "rude", "support"),
        ("服务", "客服", "态度"),
        "service",
        "服务",
    ),
    "app": (
        ("app", "website", "login", "online"),
        ("app", "网站", "登录", "系统"),
        "the app",
        "App",
    ),
    "waiting": (
        ("wait", "slow", "queue", "delay"),
        ("等", "慢", "排队", "延迟"),
        "waiting",
        "等待时间",
    ),
    "delivery": (("delivery", "shipping", "courier"), ("物流", "快递", "配送"), "delivery", "配送"),
    "quality": (("quality", "broken", "defect"), ("质量", "坏"), "quality", "质量"),
}


def topic_of(text: object) -> tuple[str, str] | None:
    """The first matching topic of a feedback text as ``(english, chinese)`` labels."""
    if not isinstance(text, str) or not text.strip():
        return None
    low = text.casefold()
    words = set(re.findall(r"[a-z]+", low))
    for en_words, zh_words, en, zh in TOPIC_KEYWORDS.values():
        if words.intersection(en_words) or any(w in low for w in zh_words):
            return en, zh
    return None


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(v: float) -> str:
    return f"{round(v):,}"


def _gap(v: float) -> str:
    """A usual gap between purchases: one decimal under 10 days (a gap of 1.3 days is not "1
    day" — the ratio beside it is computed from the real gap), whole days above."""
    return f"{v:.1f}" if v < 9.95 and abs(v - round(v)) >= 0.05 else _int(v)


def _days(v: float) -> str:
    """Days before the cutoff as whole calendar days (the rounding the lists use)."""
    return f"{int(calendar_days([v])[0]):,}"


def _count(n: str, one: str, many: str) -> str:
    """``n`` (already formatted) with the English noun in the right number: "1 complaint",
    "2 complaints" (Chinese has no plural)."""
    return f"{n} {one if n == '1' else many}"


def _date(v: Any) -> str:
    ts = pd.Timestamp(v) if v is not None else None
    return "" if ts is None or ts is pd.NaT else f"{ts:%Y-%m-%d}"


Template = Callable[[float, Mapping[str, Any]], tuple[str, str] | None]


def _window(name: str) -> int | None:
    m = re.fullmatch(r"(?:n_purchases|spend)_(\d+)d", name)
    return int(m.group(1)) if m else None


def _t_recency(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
    return f"no purchase for {_count(_days(v), 'day', 'days')}", f"已 {_days(v)} 天未消费"


def _t_recency_ratio(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
    gap, days = _num(row.get("usual_gap_days")), _num(row.get("recency_days"))
    if gap is None or days is None:
        return None
    return (
        f"{_count(_days(days), 'day', 'days')} since the last purchase, {v:.1f}× their usual "
        f"gap of {_count(_gap(gap), 'day', 'days')}",
        f"距上次消费已 {_days(days)} 天，是其平常间隔（{_gap(gap)} 天）的 {v:.1f} 倍",
    )


def _t_change(what_en: str, what_zh: str) -> Template:
    def t(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
        pct = round(abs(v) * 100)
        if v < 0:
            return (
                f"{what_en} down {pct}% vs the previous 90 days",
                f"{what_zh}较前90天下降 {pct}%",
            )
        return f"{what_en} up {pct}% vs the previous 90 days", f"{what_zh}较前90天上升 {pct}%"

    return t


def _t_nps(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
    when = _date(row.get("nps_last_date"))
    topic = topic_of(row.get("nps_last_text"))
    en = f"gave NPS {_int(v)}" + (f" on {when}" if when else "")
    zh = (f"{when} " if when else "") + f"给出 NPS {_int(v)} 分"
    if topic:
        en += f" mentioning {topic[0]}"
        zh += f"，提到{topic[1]}"
    return en, zh


def _t_static(en: str, zh: str, *, en_one: str | None = None) -> Template:
    """A sentence from the value ``v`` (``{i}``: as a whole number); ``en_one`` is the English
    sentence when that number is 1 (a noun counted by ``{i}`` is singular then)."""

    def t(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
        i = _int(v)
        text = en_one if en_one is not None and i == "1" else en
        return text.format(v=v, i=i), zh.format(v=v, i=i)

    return t


def _t_engaged(v: float, row: Mapping[str, Any]) -> tuple[str, str] | None:
    sent = _num(row.get("messages_90d"))
    if v == 0 and sent:
        if _int(sent) == "1":
            return "did not open the 1 message in the last 90 days", "近90天 1 条营销信息未打开"
        return (
            f"did not open any of {_int(sent)} messages in the last 90 days",
            f"近90天 {_int(sent)} 条营销信息均未打开",
        )
    return None


def _t_open_accounts(v: float, row: Mapping[str, Any]) -> tuple[str, str]:
    if v == 0:
        return "no open accounts left", "名下已无有效账户"
    return _count(_int(v), "open account", "open accounts"), f"持有 {_int(v)} 个有效账户"


_TEMPLATES: dict[str, Template] = {
    "recency_days": _t_recency,
    "recency_ratio": _t_recency_ratio,
    "spend_change_90d": _t_change("spend", "消费额"),
    "purchases_change_90d": _t_change("purchases", "消费次数"),
    "nps_last": _t_nps,
    "nps_mean_365d": _t_static(
        "average NPS {v:.1f} over the last year", "近一年平均 NPS {v:.1f} 分"
    ),
    "csat_last": _t_static("last satisfaction score {v:.0f}/5", "最近一次满意度 {v:.0f}/5 分"),
    "csat_mean_365d": _t_static(
        "average satisfaction {v:.1f}/5 over the last year", "近一年平均满意度 {v:.1f}/5 分"
    ),
    "complaints_365d": _t_static(
        "{i} complaints or low scores in the last year",
        "近一年投诉或低分评价 {i} 次",
        en_one="1 complaint or low score in the last year",
    ),
    "refunds_365d": _t_static("refunds of {v:,.0f} in the last year", "近一年退款 {v:,.0f}"),
    "engaged_90d": _t_engaged,
    "service_contacts_90d": _t_static(
        "{i} service contacts in the last 90 days",
        "近90天联系客服 {i} 次",
        en_one="1 service contact in the last 90 days",
    ),
    "open_accounts": _t_open_accounts,
    "closed_accounts_365d": _t_static(
        "closed {i} accounts in the last year",
        "近一年注销账户 {i} 个",
        en_one="closed 1 account in the last year",
    ),
    "tenure_days": lambda v, row: (
        f"a customer for only {_count(_days(v), 'day', 'days')}",
        f"成为客户仅 {_days(v)} 天",
    ),
    "usual_gap_days": _t_static(
        "usually buys only every {i} days",
        "平均每 {i} 天才消费一次",
        en_one="usually buys every day",
    ),
    "avg_ticket": _t_static("average purchase {v:,.0f}", "平均客单价 {v:,.0f}"),
    "gap_before_last_days": _t_static("came back after a {i}-day gap", "曾中断 {i} 天后才回来"),
}

_LABELS: dict[str, tuple[str, str]] = {
    "n_purchases_total": ("purchases so far", "累计消费次数"),
    "spend_total": ("total spend", "累计消费额"),
    "messages_90d": ("messages received in 90 days", "近90天收到的营销信息"),
    "n_feedback_365d": ("feedback items in the last year", "近一年反馈次数"),
    "open_products": ("products held", "持有产品数"),
    "sentiment_mean_365d": ("average feedback sentiment", "近一年反馈平均情感"),
    "spend_prev_90d": ("spend in the 90 days before last", "前一个90天消费额"),
    "n_purchases_prev_90d": ("purchases in the 90 days before last", "前一个90天消费次数"),
}


def _window_text(name: str, v: float) -> tuple[str, str] | None:
    w = _window(name)
    if w is None:
        return None
    if name.startswith("n_purchases"):
        if v == 0:
            return f"no purchases in the last {w} days", f"近{w}天没有消费"
        only = _count(_int(v), "purchase", "purchases")
        return f"only {only} in the last {w} days", f"近{w}天仅消费 {_int(v)} 次"
    if v == 0:
        return f"no spend in the last {w} days", f"近{w}天消费额为 0"
    return f"spent {v:,.0f} in the last {w} days", f"近{w}天消费 {v:,.0f}"


#: Features that say the same thing; only the strongest of a group becomes a reason.
_GROUPS: dict[str, str] = {
    "recency_days": "recency",
    "recency_ratio": "recency",
    "nps_last": "nps",
    "nps_mean_365d": "nps",
    "csat_last": "csat",
    "csat_mean_365d": "csat",
}


def reason_text(feature: str, value: Any, row: Mapping[str, Any]) -> tuple[str, str]:
    """One reason in English and Chinese for ``feature`` with ``value`` (``row``: context)."""
    v = _num(value)
    en_label, zh_label = _LABELS.get(feature, (feature, feature))
    if v is None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return f"no {en_label} on record", f"无{zh_label}记录"
        text = " ".join(str(value).split())
        return f"{feature} = {text}", f"{feature} 为 {text}"
    if feature in _TEMPLATES:
        out = _TEMPLATES[feature](v, row)
        if out is not None:
            return out
    win = _window_text(feature, v)
    if win is not None:
        return win
    shown = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    return f"{en_label}: {shown}", f"{zh_label}：{shown}"


def explain(
    model: ChurnModel,
    frame: pd.DataFrame,
    *,
    id_column: str = "customer_id",
    top_k: int = 3,
    min_contribution: float = 0.05,
    skip: frozenset[str] = NOT_ACTIONABLE,
) -> pd.DataFrame:
    """Top reasons per customer.

    Parameters
    ----------
    model
        A fitted churn model.
    frame
        The rows to explain: the model's feature columns, ``id_column`` and any context
        columns (``nps_last_date``, ``nps_last_text`` …). Explain the at-risk customers only;
        this formats text per row.
    top_k
        Most reasons per customer.
    min_contribution
        Smallest contribution to the log-odds worth a reason.
    skip
        Features never given as a reason (default :data:`NOT_ACTIONABLE`).

    Returns
    -------
    pandas.DataFrame
        ``id_column, rank, feature, value, contribution, reason_en, reason_zh`` — one row per
        reason, strongest first.
    """
    cols = [id_column, "rank", "feature", "value", "contribution", "reason_en", "reason_zh"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    contrib = model.contributions(frame).drop(columns=["bias"])
    names = np.asarray(contrib.columns)
    c = contrib.to_numpy()
    order = np.argsort(-c, axis=1, kind="stable")
    records: list[dict[str, Any]] = []
    ids = frame[id_column].to_numpy()
    rows = cast(list[dict[str, Any]], frame.to_dict(orient="records"))
    for i, row in enumerate(rows):
        rank = 0
        used: set[str] = set()
        for j in order[i]:
            if c[i, j] < min_contribution or rank >= top_k:
                break
            feat = str(names[j])
            if feat in skip:
                continue
            group = _GROUPS.get(feat, feat)
            if group in used:
                continue
            used.add(group)
            rank += 1
            value = row.get(feat)
            en, zh = reason_text(feat, value, row)
            records.append(
                {
                    id_column: ids[i],
                    "rank": rank,
                    "feature": feat,
                    "value": value,
                    "contribution": float(c[i, j]),
                    "reason_en": en,
                    "reason_zh": zh,
                }
            )
    return pd.DataFrame(records, columns=cols)
