"""Touchpoint triggers: "after an interaction of kind X (on channel Y), invite within N hours".

``run_triggers`` looks at the warehouse's ``interactions`` (ingested from the branch, call
centre or app systems) newer than each trigger's watermark and no older than ``within_hours``,
and invites those customers through :func:`~loyalloop.services.invitations.invite` — so consent,
unsubscribes, the frequency cap and quiet hours apply as for any invitation. The watermark
moves to the newest interaction looked at, so an interaction triggers at most one look.
Interaction timestamps are in the business time zone (``LOYALLOOP_TIMEZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from loyalloop.errors import ConfigError
from loyalloop.services.audit import Actor, record
from loyalloop.services.invitations import InviteResult, Recipient, invite
from loyalloop.services.store import Store
from loyalloop.services.surveys import get_survey
from loyalloop.store.base import utcnow
from loyalloop.store.models import Trigger
from loyalloop.surveys import Channel

__all__ = ["TriggerRun", "add_trigger", "run_triggers"]


def add_trigger(
    store: Store,
    survey_ref: int | str,
    kind: str,
    actor: Actor,
    *,
    interaction_channel: str = "",
    within_hours: int = 24,
    send_channel: Channel = Channel.email,
) -> Trigger:
    if not kind.strip():
        raise ConfigError("kind: name the interaction kind, e.g. visited")
    if not 1 <= within_hours <= 24 * 30:
        raise ConfigError("within_hours: between 1 and 720")
    with store.session() as session:
        survey = get_survey(session, survey_ref)
        t = Trigger(
            survey_id=survey.id,
            interaction_kind=kind.strip(),
            interaction_channel=interaction_channel.strip(),
            within_hours=within_hours,
            send_channel=send_channel.value,
        )
        session.add(t)
        session.flush()
        record(session, actor, "trigger.create", f"survey:{survey.id}", {"kind": kind})
        session.commit()
        return t


@dataclass(frozen=True)
class TriggerRun:
    trigger_id: int
    interactions: int
    result: InviteResult


def run_triggers(store: Store, now: datetime | None = None) -> list[TriggerRun]:
    """Evaluate every active trigger once (module docstring)."""
    from loyalloop.core.warehouse import Warehouse

    now = now or utcnow()
    zone = ZoneInfo(store.analytics.timezone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    with store.session() as session:
        triggers = session.scalars(sa.select(Trigger).where(Trigger.active)).all()
    out: list[TriggerRun] = []
    if not triggers:
        return out
    with Warehouse(store.analytics, read_only=True) as wh:
        inter, cust = wh.table("interactions"), wh.table("customers")
        for t in triggers:
            start = local_now - timedelta(hours=t.within_hours)
            if t.checked_until is not None:
                start = max(start, t.checked_until.astimezone(zone).replace(tzinfo=None))
            f = inter.filter(
                (inter.kind == t.interaction_kind)
                & (inter.timestamp > start)
                & (inter.timestamp <= local_now)
            )
            if t.interaction_channel:
                f = f.filter(f.channel == t.interaction_channel)
            hits = f.group_by("customer_id").aggregate(last=f.timestamp.max())
            joined = hits.left_join(cust, hits.customer_id == cust.customer_id).select(
                customer_id=hits.customer_id,
                last=hits.last,
                email=cust.email_normalized,
                phone=cust.phone_e164,
                consent_email=cust.consent_email,
                consent_sms=cust.consent_sms,
            )
            frame = joined.order_by("customer_id").execute()
            recipients = [
                Recipient(
                    customer_id=str(r["customer_id"]),
                    email=str(r["email"] or ""),
                    phone=str(r["phone"] or ""),
                    consent_email=None if r["consent_email"] is None else bool(r["consent_email"]),
                    consent_sms=None if r["consent_sms"] is None else bool(r["consent_sms"]),
                )
                for r in frame.to_dict("records")
            ]
            with store.session() as session:
                result = invite(
                    store,
                    session,
                    t.survey_id,
                    recipients,
                    Actor("trigger"),
                    channel=Channel(t.send_channel),
                    source=f"trigger:{t.id}",
                    now=now,
                )
                row = session.get(Trigger, t.id)
                assert row is not None
                row.checked_until = local_now.replace(tzinfo=zone).astimezone(UTC)
                session.commit()
            out.append(TriggerRun(t.id, len(frame), result))
    return out
