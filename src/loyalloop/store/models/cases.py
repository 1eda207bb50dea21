"""Follow-up cases: rule versions, teams, cases and their timelines, signals, SLA timers,
SLA notifications (warnings and escalations) and the compensation ledger.

The decisions (which case to open, which transition is legal, which notification is due) are
the pure library's (:mod:`loyalloop.cases`); these tables keep them. Invariants the database
enforces:

* one *open* case per customer and topic — a unique index on ``(customer_id, topic)`` over
  rows whose ``open_key`` is set (closing a case clears it);
* a signal is attached once — ``case_signals.signal_id`` is unique;
* an SLA notification is decided once — ``case_notifications.key`` is unique, and its row is
  written in the same transaction as the case's "escalated" mark;
* concurrent edits of a case — ``cases.version`` is SQLAlchemy's version counter (optimistic
  locking): a second writer with a stale version is refused.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from loyalloop.store.base import Base, utcnow

__all__ = [
    "CaseEventRow",
    "CaseNotification",
    "CaseRow",
    "CaseRuleVersion",
    "CaseSignal",
    "CaseSweep",
    "CaseTeam",
    "CaseTeamMember",
    "CompensationGrant",
    "DeliveryStatus",
    "SlaTimer",
]


class DeliveryStatus(StrEnum):
    pending = "pending"  # decided, to be e-mailed
    sent = "sent"
    superseded = "superseded"  # a warning overtaken by its breach: recorded, never sent
    no_recipient = "no_recipient"  # the team has no manager address: shown in the queue


class CaseRuleVersion(Base):
    """One stored version of the case configuration (YAML text, validated before storing)."""

    __tablename__ = "case_rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseTeam(Base):
    """A team that works cases; ``rr_counter`` is its round-robin position."""

    __tablename__ = "case_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    manager_email: Mapped[str] = mapped_column(sa.String(320), default="")
    rr_counter: Mapped[int] = mapped_column(default=0)


class CaseTeamMember(Base):
    """An agent on a team's roster (by the staff account's e-mail); ``away`` skips them."""

    __tablename__ = "case_team_members"
    __table_args__ = (sa.UniqueConstraint("team_id", "agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("case_teams.id", ondelete="CASCADE"))
    agent: Mapped[str] = mapped_column(sa.String(320))
    position: Mapped[int] = mapped_column(default=0)
    away: Mapped[bool] = mapped_column(default=False)


class CaseRow(Base):
    """A follow-up case (its history is in :class:`CaseEventRow`)."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("uq_cases_open_customer_topic", "customer_id", "topic", "open_key", unique=True),
        sa.Index("ix_cases_queue", "team", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    topic: Mapped[str] = mapped_column(sa.String(64))
    team: Mapped[str] = mapped_column(sa.String(64))
    sla_class: Mapped[str] = mapped_column(sa.String(64))
    priority: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(24))
    #: 1 while the case is open, NULL once closed (NULLs never collide in a unique index).
    open_key: Mapped[int | None] = mapped_column(default=1)
    owner: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    resolution_code: Mapped[str | None] = mapped_column(sa.String(64))
    rules_version: Mapped[int | None]
    first_response_seconds: Mapped[float]
    resolution_seconds: Mapped[float]
    warning_fraction: Mapped[float]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Earliest SLA deadline still running (queues sort by it); NULL when no clock runs.
    sla_due_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseEventRow(Base):
    """One entry of a case's timeline (:class:`loyalloop.cases.CaseEvent`)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str] = mapped_column(sa.String(320))
    from_status: Mapped[str | None] = mapped_column(sa.String(24))
    to_status: Mapped[str | None] = mapped_column(sa.String(24))
    text: Mapped[str] = mapped_column(sa.Text, default="")  # untrusted customer / staff text
    visibility: Mapped[str | None] = mapped_column(sa.String(10))
    code: Mapped[str] = mapped_column(sa.String(200), default="")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    priority: Mapped[str | None] = mapped_column(sa.String(2))
    #: ISO code of ``amount`` (migration 0010; earlier compensation rows: their grant's).
    currency: Mapped[str | None] = mapped_column(sa.String(3))


class CaseSignal(Base):
    """A signal attached to a case (its id is its idempotency key)."""

    __tablename__ = "case_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime]
    rule_id: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class SlaTimer(Base):
    """When the scheduler must look at a case next (durable across restarts)."""

    __tablename__ = "sla_timers"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseNotification(Base):
    """An SLA warning or breach escalation, decided once (unique ``key``) and e-mailed by an
    idempotent delivery (stable ``message_id``; retried until sent)."""

    __tablename__ = "case_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # warning, breach
    target: Mapped[str] = mapped_column(sa.String(20))  # first_response, resolution
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime]
    recipient: Mapped[str] = mapped_column(sa.String(320), default="")
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)
    status: Mapped[str] = mapped_column(sa.String(14), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    sent_at: Mapped[datetime | None]


class CompensationGrant(Base):
    """Compensation given on a case (the ledger the budget is counted against)."""

    __tablename__ = "compensation_grants"
    __table_args__ = (sa.Index("ix_compensation_grants_team_at", "team", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    team: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(40))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(320))


class CaseSweep(Base):
    """How far a sweep has looked (e.g. responses up to id ``last_id`` were evaluated)."""

    __tablename__ = "case_sweeps"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
