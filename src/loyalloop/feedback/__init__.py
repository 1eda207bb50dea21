"""Feedback text analytics for Chinese, English and mixed comments.

Per comment: language (:func:`detect_language`), tokens (:func:`tokenize`), sentiment
(:func:`score_text`, :func:`score_texts`), aspects with clause-level sentiment from a domain
lexicon (:func:`read_comment`, :func:`detect_aspects`, :func:`aspect_mentions`), intent, effort
and entities (:func:`main_intent`, :func:`effort_flags`, :func:`entities`), personal data masked
(:func:`mask_pii`); :func:`analyze_comments` does all of it in one pass (also
:func:`analyze_texts`, :func:`analyze_feedback`).

Over many comments (plain functions over ``feedback``-shaped pandas frames, returning frames or
frozen dataclasses a report can render): :func:`aspect_summary`, :func:`aspect_trends` with
:func:`detect_alerts`, :func:`key_drivers`, :func:`kano_summary`, :func:`brand_benchmark`,
:func:`channel_comparison`, :func:`discover_topics`, :func:`aspect_examples`,
:func:`signal_summary`; :func:`evaluate_aspects` measures accuracy against labelled sentences.

Everything runs offline: the Chinese sentiment model, the traditional→simplified table, the
domain dictionary and the taxonomies ship in this package.
"""

from __future__ import annotations

from loyalloop.feedback.analyze import (
    ANALYZE_COLUMNS,
    CommentAnalysis,
    analyze_comments,
    analyze_feedback,
    analyze_texts,
)
from loyalloop.feedback.aspects import (
    Aspect,
    AspectMention,
    CommentReading,
    Taxonomy,
    aspect_mentions,
    aspect_summary,
    choose_taxonomy,
    detect_aspects,
    load_taxonomy,
    read_comment,
)
from loyalloop.feedback.channels import channel_comparison
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.competitors import brand_benchmark, mentioned_brands, nps
from loyalloop.feedback.drivers import DriverAnalysis, key_drivers
from loyalloop.feedback.evaluate import AspectEvaluation, evaluate_aspects
from loyalloop.feedback.intent import Entities, effort_flags, entities, main_intent
from loyalloop.feedback.io import read_comments
from loyalloop.feedback.kano import kano_category, kano_chart, kano_summary
from loyalloop.feedback.language import Language, detect_language
from loyalloop.feedback.pii import mask_pii
from loyalloop.feedback.sentiment import (
    ChineseSentimentModel,
    Sentiment,
    score_clause,
    score_text,
    score_texts,
)
from loyalloop.feedback.summaries import alert_examples, aspect_examples, signal_summary
from loyalloop.feedback.tokenize import split_clauses, to_simplified, tokenize
from loyalloop.feedback.topics import TopicModel, discover_topics
from loyalloop.feedback.trends import AlertRule, aspect_trends, detect_alerts

__all__ = [
    "ANALYZE_COLUMNS",
    "AlertRule",
    "Aspect",
    "AspectEvaluation",
    "AspectMention",
    "ChineseSentimentModel",
    "CommentAnalysis",
    "CommentReading",
    "DriverAnalysis",
    "Entities",
    "Language",
    "Sentiment",
    "Taxonomy",
    "TopicModel",
    "alert_examples",
    "analyze_comments",
    "analyze_feedback",
    "analyze_texts",
    "aspect_examples",
    "aspect_mentions",
    "aspect_summary",
    "aspect_trends",
    "brand_benchmark",
    "channel_comparison",
    "choose_taxonomy",
    "clean_text",
    "detect_alerts",
    "detect_aspects",
    "detect_language",
    "discover_topics",
    "effort_flags",
    "entities",
    "evaluate_aspects",
    "kano_category",
    "kano_chart",
    "kano_summary",
    "key_drivers",
    "load_taxonomy",
    "main_intent",
    "mask_pii",
    "mentioned_brands",
    "nps",
    "read_comment",
    "read_comments",
    "score_clause",
    "score_text",
    "score_texts",
    "signal_summary",
    "split_clauses",
    "to_simplified",
    "tokenize",
]
