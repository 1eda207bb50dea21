"""Loyalty insight: the status vocabulary, RFM, segments, purchase KPIs, cohort retention, NPS
and CSAT."""

from __future__ import annotations

from loyalloop.insight.definitions import (
    CURRENT_STATUSES,
    GONE_STATUSES,
    STATUSES,
    GlossaryEntry,
    StatusRules,
    calendar_days,
    customer_status,
    glossary,
    status_label,
)
from loyalloop.insight.kpis import PurchaseKpis, cohort_retention, purchase_kpis
from loyalloop.insight.rfm import (
    DEFAULT_SEGMENT_RULES,
    SEGMENT_LABELS,
    SegmentRule,
    load_segment_rules,
    rfm_scores,
    rfm_segments,
    rfm_summary,
)
from loyalloop.insight.surveys import CsatResult, NpsResult, csat, csat_monthly, nps, nps_monthly

__all__ = [
    "CURRENT_STATUSES",
    "DEFAULT_SEGMENT_RULES",
    "GONE_STATUSES",
    "SEGMENT_LABELS",
    "STATUSES",
    "CsatResult",
    "GlossaryEntry",
    "NpsResult",
    "PurchaseKpis",
    "SegmentRule",
    "StatusRules",
    "calendar_days",
    "cohort_retention",
    "csat",
    "csat_monthly",
    "customer_status",
    "glossary",
    "load_segment_rules",
    "nps",
    "nps_monthly",
    "purchase_kpis",
    "rfm_scores",
    "rfm_segments",
    "rfm_summary",
    "status_label",
]
