"""All models of the operational store — the one place to add a model.

To add a model: define it in a module here (or a new one), import it below, and add an Alembic
migration under ``loyalloop/store/migrations/versions/`` (``alembic revision --autogenerate``
against a store at head writes its first draft; a test fails while the models and the
migrations differ).
"""

from __future__ import annotations

from loyalloop.store.models.accounts import ApiToken, AuditEvent, Role, User, UserSession
from loyalloop.store.models.campaign_entries import CampaignEntry, CustomerConsent
from loyalloop.store.models.campaigns import (
    Campaign,
    CampaignAssignment,
    CampaignStatus,
    CampaignVersion,
    DeliveryEvent,
    OutboxMessage,
    OutboxStatus,
    SavedSegment,
)
from loyalloop.store.models.cases import (
    CaseEventRow,
    CaseNotification,
    CaseRow,
    CaseRuleVersion,
    CaseSignal,
    CaseSweep,
    CaseTeam,
    CaseTeamMember,
    CompensationGrant,
    DeliveryStatus,
    SlaTimer,
)
from loyalloop.store.models.consent import ConsentChangeRow
from loyalloop.store.models.surveys import (
    Invitation,
    InvitationStatus,
    Response,
    Suppression,
    Survey,
    SurveyStatus,
    SurveyVersion,
    Trigger,
)

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Campaign",
    "CampaignAssignment",
    "CampaignEntry",
    "CampaignStatus",
    "CampaignVersion",
    "CaseEventRow",
    "CaseNotification",
    "CaseRow",
    "CaseRuleVersion",
    "CaseSignal",
    "CaseSweep",
    "CaseTeam",
    "CaseTeamMember",
    "CompensationGrant",
    "ConsentChangeRow",
    "CustomerConsent",
    "DeliveryEvent",
    "DeliveryStatus",
    "Invitation",
    "InvitationStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Response",
    "Role",
    "SavedSegment",
    "SlaTimer",
    "Suppression",
    "Survey",
    "SurveyStatus",
    "SurveyVersion",
    "Trigger",
    "User",
    "UserSession",
]
