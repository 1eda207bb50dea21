"""Feedback text analytics for Chinese, English and mixed comments.

Per comment: language (:func:`detect_language`), tokens (:func:`tokenize`), sentiment
(:func:`score_text`, :func:`score_texts`) and aspects with clause-level sentiment
(:func:`detect_aspects`, :func:`aspect_mentions`); :func:`analyze_texts` /
:func:`analyze_feedback` do all of it in one pass.

Over many comments (plain functions over ``feedback``-shaped pandas frames, returning frames or
frozen dataclasses a report can render): :func:`aspect_summary`, :func:`aspect_trends` with
:func:`detect_alerts`, :func:`key_drivers`, :func:`kano_summary`, :func:`brand_benchmark`,
:func:`channel_comparison` and :func:`discover_topics`.

Everything runs offline: the Chinese sentiment model, the traditional→simplified table, the
domain dictionary and the taxonomies ship in this package.
"""

from __future__ import annotations

from loyalloop.feedback.analyze import ANALYZE_COLUMNS, analyze_feedback, analyze_texts
from loyalloop.feedback.aspects import (
    Aspect,
    AspectMention,
    Taxonomy,
    aspect_mentions,
    aspect_summary,
    detect_aspects,
    load_taxonomy,
)
from loyalloop.feedback.channels import channel_comparison
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.competitors import brand_benchmark, mentioned_brands, nps
from loyalloop.feedback.drivers import DriverAnalysis, key_drivers
from loyalloop.feedback.io import read_comments
from loyalloop.feedback.kano import kano_category, kano_chart, kano_summary
from loyalloop.feedback.language import Language, detect_language
from loyalloop.feedback.sentiment import (
    ChineseSentimentModel,
    Sentiment,
    score_clause,
    score_text,
    score_texts,
)
from loyalloop.feedback.tokenize import split_clauses, to_simplified, tokenize
from loyalloop.feedback.topics import TopicModel, discover_topics
from loyalloop.feedback.trends import AlertRule, aspect_trends, detect_alerts

__all__ = [
    "ANALYZE_COLUMNS",
    "AlertRule",
    "Aspect",
    "AspectMention",
    "ChineseSentimentModel",
    "DriverAnalysis",
    "Language",
    "Sentiment",
    "Taxonomy",
    "TopicModel",
    "analyze_feedback",
    "analyze_texts",
    "aspect_mentions",
    "aspect_summary",
    "aspect_trends",
    "brand_benchmark",
    "channel_comparison",
    "clean_text",
    "detect_alerts",
    "detect_aspects",
    "detect_language",
    "discover_topics",
    "kano_category",
    "kano_chart",
    "kano_summary",
    "key_drivers",
    "load_taxonomy",
    "mentioned_brands",
    "nps",
    "read_comments",
    "score_clause",
    "score_text",
    "score_texts",
    "split_clauses",
    "to_simplified",
    "tokenize",
]
