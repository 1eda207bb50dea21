"""Report and CLI wording in English and Chinese."""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "Lang", "t"]

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

_TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Customer loyalty report", "zh": "客户忠诚度报告"},
    "run": {"en": "Run", "zh": "运行"},
    "as_of": {"en": "Data as of", "zh": "数据截至"},
    "created": {"en": "Created", "zh": "生成时间"},
    "kpis": {"en": "Key figures", "zh": "关键指标"},
    "customers": {"en": "Customers (unified profiles)", "zh": "客户数（合并后）"},
    "purchasers": {"en": "Customers who bought", "zh": "有购买的客户"},
    "active": {"en": "Active customers (last {days} days)", "zh": "活跃客户（近 {days} 天）"},
    "repurchase_rate": {"en": "Repurchase rate", "zh": "复购率"},
    "aov": {"en": "Average order value", "zh": "客单价"},
    "revenue": {"en": "Revenue", "zh": "消费金额"},
    "refund_rate": {"en": "Refund rate", "zh": "退款率"},
    "nps": {"en": "NPS", "zh": "净推荐值 NPS"},
    "csat": {"en": "CSAT (share satisfied)", "zh": "满意度 CSAT（满意占比）"},
    "ci": {"en": "95% CI", "zh": "95% 置信区间"},
    "answers": {"en": "answers", "zh": "份回答"},
    "segments": {"en": "RFM segments", "zh": "RFM 客户分群"},
    "segment": {"en": "Segment", "zh": "分群"},
    "share": {"en": "Share of customers", "zh": "客户占比"},
    "revenue_share": {"en": "Share of revenue", "zh": "金额占比"},
    "avg_days": {"en": "Avg. days since last purchase", "zh": "平均距上次购买天数"},
    "avg_purchase_days": {"en": "Avg. purchase days", "zh": "平均购买天数"},
    "cohorts": {"en": "Monthly cohort retention", "zh": "月度同期群留存"},
    "cohort": {"en": "First-purchase month", "zh": "首购月份"},
    "months_since": {"en": "Months since first purchase", "zh": "首购后月数"},
    "retention": {"en": "Retention", "zh": "留存率"},
    "trends": {"en": "NPS and CSAT by month", "zh": "NPS 与 CSAT 月度趋势"},
    "month": {"en": "Month", "zh": "月份"},
    "data": {"en": "Data", "zh": "数据"},
    "table": {"en": "Table", "zh": "数据表"},
    "rows": {"en": "Rows", "zh": "行数"},
    "quarantined": {"en": "Quarantined rows", "zh": "隔离行数"},
    "merged": {
        "en": "{merged} duplicate customer records merged",
        "zh": "合并了 {merged} 条重复客户记录",
    },
    "no_data": {"en": "No data yet.", "zh": "暂无数据。"},
    "definitions": {"en": "Definitions", "zh": "指标定义"},
    "def_rfm": {
        "en": "R, F and M scores (1–5) rank customers by days since last purchase, number of "
        "purchase days and total spend; ties share the lower score.",
        "zh": "R、F、M 评分（1–5）分别按距上次购买天数、购买天数、消费总额对客户排名；"
        "并列取较低分。",
    },
    "def_nps": {
        "en": "NPS = % promoters (9–10) − % detractors (0–6), own brand only.",
        "zh": "NPS = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比，仅限本品牌。",
    },
    "def_csat": {
        "en": "CSAT = share of 4–5 answers on a 1–5 scale (Wilson interval).",
        "zh": "CSAT = 1–5 分量表中 4–5 分的占比（Wilson 区间）。",
    },
}


def t(key: str, lang: Lang, **kw: object) -> str:
    """The text for ``key`` in ``lang`` (formatted with ``kw``)."""
    return _TEXT[key][lang].format(**kw)
