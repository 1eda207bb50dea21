"""Surveys, their versions, invitations, responses, suppressions and touchpoint triggers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from loyalloop.store.base import Base, utcnow

__all__ = [
    "Invitation",
    "InvitationStatus",
    "Response",
    "Suppression",
    "Survey",
    "SurveyStatus",
    "SurveyVersion",
    "Trigger",
]


class SurveyStatus(StrEnum):
    draft = "draft"
    live = "live"
    closed = "closed"


class InvitationStatus(StrEnum):
    created = "created"  # a link was made (CSV); nothing sent by Loyalloop
    sent = "sent"
    failed = "failed"
    answered = "answered"


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(10), default=SurveyStatus.draft.value)
    current_version: Mapped[int] = mapped_column(default=1)
    public_link: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(sa.String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyVersion(Base):
    """An immutable version of a survey's spec; responses point at the one they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (sa.UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_by: Mapped[str] = mapped_column(sa.String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """One customer invited to one survey (at most one per survey and customer)."""

    __tablename__ = "invitations"
    __table_args__ = (sa.UniqueConstraint("survey_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))  # link, email, sms
    contact: Mapped[str] = mapped_column(sa.String(320), default="")  # PII
    language: Mapped[str] = mapped_column(sa.String(5), default="zh")
    segment: Mapped[str] = mapped_column(sa.String(100), default="")
    source: Mapped[str] = mapped_column(sa.String(100), default="")  # file, segment, trigger
    status: Mapped[str] = mapped_column(sa.String(10), default=InvitationStatus.created.value)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: When the customer was contacted (counts against the frequency cap).
    contacted_at: Mapped[datetime | None] = mapped_column(index=True)
    #: When an e-mail / SMS is due (quiet hours push it later).
    send_after: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class Response(Base):
    """One response. Exactly one per invitation; a re-submission updates it (``revision``)."""

    __tablename__ = "responses"
    __table_args__ = (
        sa.UniqueConstraint("invitation_id"),
        # public-link responses: one per idempotency key (personal links: one per invitation)
        sa.Index(
            "uq_responses_public_key",
            "survey_id",
            "idempotency_key",
            unique=True,
            sqlite_where=sa.text("invitation_id IS NULL"),
            postgresql_where=sa.text("invitation_id IS NULL"),
        ),
        sa.Index("ix_responses_sync", "synced_revision", "revision"),
        # responses the case rules have not yet seen (the outbox the case worker drains)
        sa.Index(
            "ix_responses_rules_pending",
            "id",
            sqlite_where=sa.text("rules_revision < revision AND customer_id IS NOT NULL"),
            postgresql_where=sa.text("rules_revision < revision AND customer_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    version: Mapped[int]
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    customer_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))  # link, email, sms, public, api
    language: Mapped[str] = mapped_column(sa.String(5))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)
    #: The revision that is in the warehouse (0 = not yet synced).
    synced_revision: Mapped[int] = mapped_column(default=0)
    synced_at: Mapped[datetime | None]
    #: The revision the case rules have evaluated (0 = none yet): a response whose
    #: ``rules_revision < revision`` is waiting for them (:mod:`loyalloop.services.response_hooks`).
    rules_revision: Mapped[int] = mapped_column(default=0, server_default="0")


class Suppression(Base):
    """A customer who unsubscribed (channel ``all``, ``email`` or ``sms``); effective at once."""

    __tablename__ = "suppressions"
    __table_args__ = (sa.UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(10))
    source: Mapped[str] = mapped_column(sa.String(100), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Trigger(Base):
    """ "After an interaction of kind X on channel Y, invite within N hours" (touchpoints)."""

    __tablename__ = "survey_triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    interaction_kind: Mapped[str] = mapped_column(sa.String(60))
    interaction_channel: Mapped[str] = mapped_column(sa.String(60), default="")  # "" = any
    within_hours: Mapped[int] = mapped_column(default=24)
    send_channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    active: Mapped[bool] = mapped_column(default=True)
    #: Interactions up to this time were looked at (watermark in the business time zone).
    checked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
