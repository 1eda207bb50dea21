"""Acting on what the loop found: segments, campaigns, offers, messages, call lists, outcomes.

A pure library (layer 5, ``docs/architecture.md``): it receives Ibis tables (a run's outputs,
the warehouse's canonical tables) and returns Ibis expressions, frames and frozen dataclasses.
It never opens a database session or sends anything; the service persists a
:class:`CampaignPlan` together with its outbox rows in one transaction. See
``docs/campaigns.md``.
"""

from __future__ import annotations

from loyalloop.campaigns.assignment import arm_of, assign_arms, global_control_expr
from loyalloop.campaigns.audience import (
    AUDIENCE_FIELDS,
    AudienceField,
    AudienceSchema,
    FieldType,
    audience_schema,
    audience_view,
    read_run_tables,
)
from loyalloop.campaigns.calls import (
    CALL_ANSWERED,
    CALL_CHANNEL,
    CALL_UNANSWERED,
    AnswerRateModel,
    call_attempt_counts,
    call_list,
    write_call_list,
)
from loyalloop.campaigns.hashing import stable_uniform, stable_uniform_expr
from loyalloop.campaigns.links import LinkClaims, LinkPurpose, LinkSigner
from loyalloop.campaigns.messages import (
    MessageStatus,
    MessageTemplate,
    RenderedMessage,
    TemplateSet,
    load_templates,
    parse_templates,
)
from loyalloop.campaigns.offers import (
    DEFAULT_CARD_CATALOGUE,
    DEFAULT_CARD_POLICY,
    DEFAULT_RETAIL_CATALOGUE,
    DEFAULT_RETAIL_POLICY,
    Offer,
    OfferCatalogue,
    OfferPolicy,
    OfferRule,
    Text,
    choose_offers,
    parse_catalogue,
    parse_policy,
)
from loyalloop.campaigns.outcomes import (
    OUTCOME_KINDS,
    attribute_outcomes,
    combine_outcomes,
    outcome_family,
)
from loyalloop.campaigns.plan import CampaignPlan, PlanCounts, plan_campaign
from loyalloop.campaigns.recommend import category_similarity, recommend_categories
from loyalloop.campaigns.segments import (
    Condition,
    Group,
    Match,
    Not,
    Op,
    SegmentPreview,
    SegmentSpec,
    compile_segment,
    load_segment,
    parse_segment,
    preview_segment,
    select_segment,
    validate_segment,
)
from loyalloop.campaigns.sms import SmsLength, sms_length
from loyalloop.campaigns.spec import (
    GLOBAL_CONTROL,
    HOLDOUT,
    Arm,
    BudgetMode,
    CampaignSpec,
    Channel,
    Goal,
    ProgrammeSpec,
    load_campaign,
    parse_campaign,
)
from loyalloop.campaigns.triggers import (
    TriggerKind,
    TriggerSpec,
    apply_cooldown,
    evaluate_trigger,
    parse_trigger,
)

__all__ = [
    "AUDIENCE_FIELDS",
    "CALL_ANSWERED",
    "CALL_CHANNEL",
    "CALL_UNANSWERED",
    "DEFAULT_CARD_CATALOGUE",
    "DEFAULT_CARD_POLICY",
    "DEFAULT_RETAIL_CATALOGUE",
    "DEFAULT_RETAIL_POLICY",
    "GLOBAL_CONTROL",
    "HOLDOUT",
    "OUTCOME_KINDS",
    "AnswerRateModel",
    "Arm",
    "AudienceField",
    "AudienceSchema",
    "BudgetMode",
    "CampaignPlan",
    "CampaignSpec",
    "Channel",
    "Condition",
    "FieldType",
    "Goal",
    "Group",
    "LinkClaims",
    "LinkPurpose",
    "LinkSigner",
    "Match",
    "MessageStatus",
    "MessageTemplate",
    "Not",
    "Offer",
    "OfferCatalogue",
    "OfferPolicy",
    "OfferRule",
    "Op",
    "PlanCounts",
    "ProgrammeSpec",
    "RenderedMessage",
    "SegmentPreview",
    "SegmentSpec",
    "SmsLength",
    "TemplateSet",
    "Text",
    "TriggerKind",
    "TriggerSpec",
    "apply_cooldown",
    "arm_of",
    "assign_arms",
    "attribute_outcomes",
    "audience_schema",
    "audience_view",
    "call_attempt_counts",
    "call_list",
    "category_similarity",
    "choose_offers",
    "combine_outcomes",
    "compile_segment",
    "evaluate_trigger",
    "global_control_expr",
    "load_campaign",
    "load_segment",
    "load_templates",
    "outcome_family",
    "parse_campaign",
    "parse_catalogue",
    "parse_policy",
    "parse_segment",
    "parse_templates",
    "parse_trigger",
    "plan_campaign",
    "preview_segment",
    "read_run_tables",
    "recommend_categories",
    "select_segment",
    "sms_length",
    "stable_uniform",
    "stable_uniform_expr",
    "validate_segment",
    "write_call_list",
]
