"""The append-only audit log: logins, PII views, exports and changes.

Events are written in the same transaction as the change they record; the database refuses
to update or delete them (migration ``0002``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.store.models import AuditEvent

__all__ = ["Actor", "list_events", "record"]


class Actor:
    """Who does something: a staff member, a token, the command line or a customer."""

    __slots__ = ("client", "name", "role", "user_id")

    def __init__(
        self, name: str, role: str = "", user_id: int | None = None, client: str = ""
    ) -> None:
        self.name = name
        self.role = role
        self.user_id = user_id
        self.client = client

    @classmethod
    def cli(cls) -> Actor:
        return cls("cli", "admin")


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one event to the session's transaction."""
    session.add(
        AuditEvent(
            actor=actor.name[:320],
            action=action,
            target=target[:200],
            detail=detail or {},
            client=actor.client[:64],
        )
    )


def list_events(
    session: Session, *, limit: int = 200, before_id: int | None = None, action: str = ""
) -> Sequence[AuditEvent]:
    """The newest events first."""
    q = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        q = q.where(AuditEvent.id < before_id)
    if action:
        q = q.where(AuditEvent.action == action)
    return session.scalars(q).all()
