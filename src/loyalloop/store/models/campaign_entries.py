"""Triggered campaigns' entries and the warehouse's consent as the worker sees it.

* :class:`CampaignEntry` — a customer entering a triggered campaign (every arm, holdout and
  global control alike). Entries of one customer in one campaign are numbered 1, 2, …; the
  unique ``(campaign_id, customer_id, entry)`` is what makes "at most once per cool-down" hold
  in the store: an evaluation reads the customer's last entry, checks the cool-down, and
  inserts entry ``n + 1`` — two evaluations racing on the same customer both try ``n + 1`` and
  one of them fails, so no customer enters twice within a cool-down however many evaluators
  run.
* :class:`CustomerConsent` — each customer's (profile's) consent per channel in the warehouse,
  refreshed by the worker (:func:`loyalloop.services.outbox.refresh_consent`) so that consent
  withdrawn after a launch is respected at send time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from loyalloop.store.base import Base, utcnow

__all__ = ["CampaignEntry", "CustomerConsent"]


class CampaignEntry(Base):
    """One entry of a customer into a triggered campaign (module docstring)."""

    __tablename__ = "campaign_entries"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "customer_id", "entry"),
        sa.Index("ix_campaign_entries_last", "campaign_id", "customer_id", "entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(sa.String(100))
    #: 1 for the first entry, then 2, 3 … (one per cool-down at most).
    entry: Mapped[int]
    entered_at: Mapped[datetime]
    arm: Mapped[str] = mapped_column(sa.String(80))
    #: The trigger kind that fired and what it saw (e.g. "no purchase for 120 days").
    trigger: Mapped[str] = mapped_column(sa.String(20))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The run whose outputs the evaluation read (None: an event from the service).
    run_number: Mapped[int | None]


class CustomerConsent(Base):
    """A profile's consent per channel in the warehouse (empty = unknown = no consent)."""

    __tablename__ = "customer_consent"

    customer_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    email: Mapped[bool]
    sms: Mapped[bool]
    phone: Mapped[bool]
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
