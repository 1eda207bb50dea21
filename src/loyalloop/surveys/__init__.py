"""Surveys, as a pure library: specs, answers, skip logic, tokens, policy and statistics.

Layer 5 (``docs/architecture.md``): no web, no database. The service layer
(:mod:`loyalloop.services`) stores specs and responses; the API renders them.
"""

from __future__ import annotations

from loyalloop.surveys.answers import (
    AnswerError,
    answers_from_form,
    validate_answers,
    visible_questions,
)
from loyalloop.surveys.messages import LANGUAGES, Lang, message, pick_language
from loyalloop.surveys.policy import Channel, ContactDecision, contact_decision
from loyalloop.surveys.spec import (
    Choice,
    Condition,
    KanoFeature,
    Question,
    QuestionType,
    SurveySpec,
    load_spec,
    parse_spec,
    parse_spec_text,
)
from loyalloop.surveys.stats import (
    CesResult,
    RateResult,
    ces_from_moments,
    csat_from_counts,
    nps_from_counts,
    response_rate,
    wilson,
)
from loyalloop.surveys.tokens import (
    InvitationClaims,
    TokenError,
    form_token,
    sign_invitation,
    verify_form_token,
    verify_invitation,
)

__all__ = [
    "LANGUAGES",
    "AnswerError",
    "CesResult",
    "Channel",
    "Choice",
    "Condition",
    "ContactDecision",
    "InvitationClaims",
    "KanoFeature",
    "Lang",
    "Question",
    "QuestionType",
    "RateResult",
    "SurveySpec",
    "TokenError",
    "answers_from_form",
    "ces_from_moments",
    "contact_decision",
    "csat_from_counts",
    "form_token",
    "load_spec",
    "message",
    "nps_from_counts",
    "parse_spec",
    "parse_spec_text",
    "pick_language",
    "response_rate",
    "sign_invitation",
    "validate_answers",
    "verify_form_token",
    "verify_invitation",
    "visible_questions",
    "wilson",
]
