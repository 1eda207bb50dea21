"""Feedback text analytics for Chinese, English and mixed comments.

Per comment: language (:func:`detect_language`), tokens (:func:`tokenize`), sentiment
(:func:`score_text`, :func:`score_texts`), aspects with clause-level sentiment from a domain
lexicon (:func:`read_comment`, :func:`detect_aspects`, :func:`aspect_mentions`), intent, effort
and entities (:func:`main_intent`, :func:`effort_flags`, :func:`entities`), personal data masked
(:func:`mask_pii`); the aspect a comment's channel implies (:func:`with_channel`: an app-store
review's "Love it" is about the app); :func:`analyze_comments` does all of it in one pass (also
:func:`analyze_texts`, :func:`analyze_feedback`).

Over many comments (plain functions over ``feedback``-shaped pandas frames, returning frames or
frozen dataclasses a report can render): :func:`aspect_summary`, :func:`aspect_trends` with
:func:`detect_alerts`, :func:`key_drivers`, :func:`kano_summary`, :func:`brand_benchmark`,
:func:`channel_comparison`, :func:`discover_topics`, :func:`aspect_examples`,
:func:`signal_summary`; :func:`evaluate_aspects` measures accuracy against labelled sentences.

Everything runs offline: the Chinese sentiment model, the traditional→simplified table, the
domain dictionary and the taxonomies ship in this package.

Names are imported on first use (:pep:`562`): ``import loyalloop.feedback`` alone loads
none of scipy, scikit-learn or the warehouse layer, so ``loyalloop feedback analyze`` starts
without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalloop.core.lazy import lazy_exports

# Eager: the function shares its module's name, and importing ``loyalloop.feedback.tokenize``
# later would bind the module to this name instead (the module is light; jieba loads lazily).
from loyalloop.feedback.tokenize import tokenize

if TYPE_CHECKING:  # pragma: no cover
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
    from loyalloop.feedback.channel_aspects import implied_aspect, with_channel
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
    from loyalloop.feedback.tokenize import split_clauses, to_simplified
    from loyalloop.feedback.topics import TopicModel, discover_topics
    from loyalloop.feedback.trends import AlertRule, aspect_trends, detect_alerts

#: Public name → the module that defines it.
_WHERE = {
    "ANALYZE_COLUMNS": "loyalloop.feedback.analyze",
    "AlertRule": "loyalloop.feedback.trends",
    "Aspect": "loyalloop.feedback.aspects",
    "AspectEvaluation": "loyalloop.feedback.evaluate",
    "AspectMention": "loyalloop.feedback.aspects",
    "ChineseSentimentModel": "loyalloop.feedback.sentiment",
    "CommentAnalysis": "loyalloop.feedback.analyze",
    "CommentReading": "loyalloop.feedback.aspects",
    "DriverAnalysis": "loyalloop.feedback.drivers",
    "Entities": "loyalloop.feedback.intent",
    "Language": "loyalloop.feedback.language",
    "Sentiment": "loyalloop.feedback.sentiment",
    "Taxonomy": "loyalloop.feedback.aspects",
    "TopicModel": "loyalloop.feedback.topics",
    "alert_examples": "loyalloop.feedback.summaries",
    "analyze_comments": "loyalloop.feedback.analyze",
    "analyze_feedback": "loyalloop.feedback.analyze",
    "analyze_texts": "loyalloop.feedback.analyze",
    "aspect_examples": "loyalloop.feedback.summaries",
    "aspect_mentions": "loyalloop.feedback.aspects",
    "aspect_summary": "loyalloop.feedback.aspects",
    "aspect_trends": "loyalloop.feedback.trends",
    "brand_benchmark": "loyalloop.feedback.competitors",
    "channel_comparison": "loyalloop.feedback.channels",
    "choose_taxonomy": "loyalloop.feedback.aspects",
    "clean_text": "loyalloop.feedback.clean",
    "detect_alerts": "loyalloop.feedback.trends",
    "detect_aspects": "loyalloop.feedback.aspects",
    "detect_language": "loyalloop.feedback.language",
    "discover_topics": "loyalloop.feedback.topics",
    "effort_flags": "loyalloop.feedback.intent",
    "entities": "loyalloop.feedback.intent",
    "evaluate_aspects": "loyalloop.feedback.evaluate",
    "implied_aspect": "loyalloop.feedback.channel_aspects",
    "kano_category": "loyalloop.feedback.kano",
    "kano_chart": "loyalloop.feedback.kano",
    "kano_summary": "loyalloop.feedback.kano",
    "key_drivers": "loyalloop.feedback.drivers",
    "load_taxonomy": "loyalloop.feedback.aspects",
    "main_intent": "loyalloop.feedback.intent",
    "mask_pii": "loyalloop.feedback.pii",
    "mentioned_brands": "loyalloop.feedback.competitors",
    "nps": "loyalloop.feedback.competitors",
    "read_comment": "loyalloop.feedback.aspects",
    "read_comments": "loyalloop.feedback.io",
    "score_clause": "loyalloop.feedback.sentiment",
    "score_text": "loyalloop.feedback.sentiment",
    "score_texts": "loyalloop.feedback.sentiment",
    "signal_summary": "loyalloop.feedback.summaries",
    "split_clauses": "loyalloop.feedback.tokenize",
    "to_simplified": "loyalloop.feedback.tokenize",
    "tokenize": "loyalloop.feedback.tokenize",
    "with_channel": "loyalloop.feedback.channel_aspects",
}


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)


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
    "implied_aspect",
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
    "with_channel",
]
