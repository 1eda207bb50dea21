"""Campaigns in the operational store: specs and versions, assignments, the outbox, delivery.

* :class:`Campaign` / :class:`CampaignVersion` — a named campaign and its immutable spec
  versions (the YAML as validated by :func:`loyalloop.campaigns.parse_campaign`, with its
  templates and offers).
* :class:`CampaignAssignment` — the store's copy of the ``assignments`` contract. It is written
  in the same transaction as the campaign's outbox rows; ``loyalloop sync`` exports it to the
  warehouse's ``assignments`` table exactly once (``synced_at``), where the analysis reads it.
* :class:`OutboxMessage` — one message to send (e-mail, SMS or webhook), keyed by its
  idempotency key; the worker claims, sends and marks it (:mod:`loyalloop.services.outbox`).
* :class:`SavedSegment` — a named segment spec saved from the builder page or the API (a
  campaign's ``segment: NAME`` refers to it); saving the same name again bumps ``version``.
* :class:`DeliveryEvent` — what happened to a message or customer after launch: sent, failed,
  bounced, unsubscribed, clicked, skipped (append-only in practice).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from loyalloop.store.base import Base, utcnow

__all__ = [
    "Campaign",
    "CampaignAssignment",
    "CampaignStatus",
    "CampaignVersion",
    "DeliveryEvent",
    "OutboxMessage",
    "OutboxStatus",
    "SavedSegment",
]


class CampaignStatus(StrEnum):
    draft = "draft"
    launched = "launched"
    paused = "paused"
    completed = "completed"


class OutboxStatus(StrEnum):
    """Where a message is.

    ``pending`` waits for ``next_attempt_at`` (new, deferred by quiet hours, or retrying after a
    failed attempt); ``sending`` is claimed by a worker until ``lease_until``; ``sent`` was
    accepted by the mail server or gateway; ``failed`` will never be sent (the template failed
    for this customer — the reason is in ``last_error``); ``skipped`` was not sent because a
    send-time check said no (unsubscribed, no consent, frequency cap); ``dead`` failed
    ``max_attempts`` times and waits for a person.
    """

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"
    dead = "dead"


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The campaign's name (``name`` in its YAML); the warehouse's ``campaign_id`` is
    #: ``campaign_key`` (the spec's ``campaign_id``, else its name).
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    campaign_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    goal: Mapped[str] = mapped_column(sa.String(20))
    channel: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default=CampaignStatus.draft.value)
    current_version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(sa.String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    launched_at: Mapped[datetime | None]
    #: The run whose outputs the last launch used.
    run_number: Mapped[int | None]
    #: The outcome window ends here (the ``campaigns`` contract's ``end_at``).
    ends_at: Mapped[datetime | None]
    expected_cost: Mapped[float] = mapped_column(default=0.0)
    #: ISO code of the currency its money is in (budget, offer costs, expected cost, ROI): set at
    #: creation from its offer catalogue, else the project's currency (Alembic 0011 filled the
    #: rows made before it with the project's); ``None``: not known yet (no run named one), set
    #: at the first launch. A campaign is never launched, costed or measured in another one.
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    #: Counts of the last launch (audience, skipped by reason, arms, messages).
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    synced_at: Mapped[datetime | None]


class CampaignVersion(Base):
    """An immutable version of a campaign's spec (with its templates and offers)."""

    __tablename__ = "campaign_versions"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_by: Mapped[str] = mapped_column(sa.String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignAssignment(Base):
    """One customer's arm in one campaign (treated, ``holdout`` or ``global_control``)."""

    __tablename__ = "campaign_assignments"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "customer_id"),
        sa.Index("ix_campaign_assignments_sync", "synced_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(sa.String(100))
    arm: Mapped[str] = mapped_column(sa.String(80))
    assigned_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    offer_id: Mapped[str | None] = mapped_column(sa.String(80))
    expected_cost: Mapped[float] = mapped_column(default=0.0)
    #: The design chance of the row's arm (:func:`loyalloop.campaigns.arm_propensities`, or
    #: the chance a learning round logged); ``None`` for rows written before migration 0009.
    propensity: Mapped[float | None]
    synced_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """One message to deliver exactly once (at least once + the idempotency key)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))  # email, sms, webhook
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    contact: Mapped[str] = mapped_column(sa.String(320), default="")  # PII
    language: Mapped[str] = mapped_column(sa.String(5), default="zh")
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default=OutboxStatus.pending.value)
    #: Failed delivery attempts (a worker killed mid-send is not a failed attempt: ``claims``).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Times a worker claimed the message (more than ``attempts`` + 1: a worker died holding it).
    claims: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(sa.String(100), default="")
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class DeliveryEvent(Base):
    """Something that happened to a message or a customer of a campaign."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[str] = mapped_column(sa.String(100), default="")
    #: sent, failed, dead, skipped, bounced, unsubscribed, clicked
    kind: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    synced_at: Mapped[datetime | None]


class SavedSegment(Base):
    """A named segment spec (:func:`loyalloop.campaigns.parse_segment`'s dict form)."""

    __tablename__ = "saved_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)
    #: Customers in the segment when it was last saved, and the run it was counted on.
    last_count: Mapped[int | None]
    last_run: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(sa.String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
