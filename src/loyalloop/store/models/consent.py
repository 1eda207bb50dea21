"""The history of every consent change made through Loyalloop (:mod:`loyalloop.services.consent`).

One row per change: a customer (or staff recording what the customer said) grants or withdraws
consent for one channel (``email``, ``sms``, ``phone``) or all of them, from a source (an
unsubscribe link, a bounce, a branch, a call …), by an actor, at a time. Rows are only added.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from loyalloop.store.base import Base, utcnow

__all__ = ["ConsentChangeRow"]


class ConsentChangeRow(Base):
    """One consent change (module docstring); ``granted`` false is a withdrawal."""

    __tablename__ = "consent_changes"
    __table_args__ = (sa.Index("ix_consent_changes_customer", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(10))
    granted: Mapped[bool]
    source: Mapped[str] = mapped_column(sa.String(100), default="")
    actor: Mapped[str] = mapped_column(sa.String(320), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
