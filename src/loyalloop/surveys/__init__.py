"""Surveys, as a pure library: specs, answers, skip logic, tokens, policy and statistics.

Layer 5 (``docs/architecture.md``): no web, no database. The service layer
(:mod:`loyalloop.services`) stores specs and responses; the API renders them.

Names are imported on first use (:mod:`loyalloop.core.lazy`): the outbox worker, which needs
:mod:`loyalloop.surveys.policy`, does not load the statistics' Ibis or the answers' pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalloop.core.lazy import lazy_exports

if TYPE_CHECKING:
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

_WHERE = {
    "AnswerError": "loyalloop.surveys.answers",
    "answers_from_form": "loyalloop.surveys.answers",
    "validate_answers": "loyalloop.surveys.answers",
    "visible_questions": "loyalloop.surveys.answers",
    "LANGUAGES": "loyalloop.surveys.messages",
    "Lang": "loyalloop.surveys.messages",
    "message": "loyalloop.surveys.messages",
    "pick_language": "loyalloop.surveys.messages",
    "Channel": "loyalloop.surveys.policy",
    "ContactDecision": "loyalloop.surveys.policy",
    "contact_decision": "loyalloop.surveys.policy",
    "Choice": "loyalloop.surveys.spec",
    "Condition": "loyalloop.surveys.spec",
    "KanoFeature": "loyalloop.surveys.spec",
    "Question": "loyalloop.surveys.spec",
    "QuestionType": "loyalloop.surveys.spec",
    "SurveySpec": "loyalloop.surveys.spec",
    "load_spec": "loyalloop.surveys.spec",
    "parse_spec": "loyalloop.surveys.spec",
    "parse_spec_text": "loyalloop.surveys.spec",
    "CesResult": "loyalloop.surveys.stats",
    "RateResult": "loyalloop.surveys.stats",
    "ces_from_moments": "loyalloop.surveys.stats",
    "csat_from_counts": "loyalloop.surveys.stats",
    "nps_from_counts": "loyalloop.surveys.stats",
    "response_rate": "loyalloop.surveys.stats",
    "wilson": "loyalloop.surveys.stats",
    "InvitationClaims": "loyalloop.surveys.tokens",
    "TokenError": "loyalloop.surveys.tokens",
    "form_token": "loyalloop.surveys.tokens",
    "sign_invitation": "loyalloop.surveys.tokens",
    "verify_form_token": "loyalloop.surveys.tokens",
    "verify_invitation": "loyalloop.surveys.tokens",
}


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
