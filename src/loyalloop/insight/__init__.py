"""Loyalty insight: RFM, segments, purchase KPIs, cohort retention, NPS and CSAT."""

from __future__ import annotations

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
    "DEFAULT_SEGMENT_RULES",
    "SEGMENT_LABELS",
    "CsatResult",
    "NpsResult",
    "PurchaseKpis",
    "SegmentRule",
    "cohort_retention",
    "csat",
    "csat_monthly",
    "load_segment_rules",
    "nps",
    "nps_monthly",
    "purchase_kpis",
    "rfm_scores",
    "rfm_segments",
    "rfm_summary",
]
