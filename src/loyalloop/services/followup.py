"""The follow-up survey after a resolved case ("you said, we did" — then: did it work for you?).

When a case is resolved, the customer is invited to a short survey (``LOYALLOOP_FOLLOWUP_SURVEY``,
a survey key) after a configurable delay (``LOYALLOOP_FOLLOWUP_DELAY_HOURS``, default 72) on
one channel (``LOYALLOOP_FOLLOWUP_CHANNEL``: ``email`` or ``sms``). Its answer is the "next
survey" that :mod:`loyalloop.cases.recovery` reads to say whether a detractor was recovered.

How it works — a durable sweep over the case timelines, run by the scheduler's tick
(``loyalloop cases tick`` and the scheduler inside ``loyalloop serve``):

1. The status events that resolved a case (``case_events``, ``to_status = resolved``; a case
   closed without passing through *resolved* counts too) are read after a watermark
   (``case_sweeps`` row ``followups``), oldest first. The sweep stops at the first resolution
   whose delay has not yet passed; the watermark moves past each resolution looked at, in the
   same order, so each is looked at once, and a crash repeats at most the last batch.
2. A case reopened since (no longer resolved or closed) gets no follow-up for that resolution
   (its next resolution will). Contacts and consent come from the warehouse's ``customers``
   (``email_normalized``, ``phone_e164``, ``consent_email``, ``consent_sms``; the most
   restrictive of the customer's rows). The invitation goes through
   :func:`~loyalloop.services.invitations.invite`, so consent, unsubscribes and quiet hours
   apply as to any invitation; the survey frequency cap does not (the customer is in a
   conversation with us, and a detractor was surveyed days ago by definition).
3. **Not sent twice.** An invitation is unique per survey and customer: a customer already
   invited to the follow-up survey (by an earlier case, or a repeated sweep) is not invited
   again — counted as ``already_invited``. The invitation's source is ``case:<id>``, which
   gives it the follow-up wording (zh/en, :mod:`loyalloop.services.channels`) naming the case.
4. The follow-up survey's due invitations are then sent (:func:`~loyalloop.services.
   invitations.send_due` limited to that survey); a failed send is retried by the next tick.

Nothing is sent when no follow-up survey is configured; a configured survey that does not
exist is an error naming the setting.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from loyalloop.cases import ERASED, CaseStatus, EventKind
from loyalloop.core.config import Settings
from loyalloop.core.service_settings import FollowupChannel
from loyalloop.errors import ConfigError, NotFoundError
from loyalloop.services.audit import Actor
from loyalloop.services.channels import FOLLOWUP_SOURCE_PREFIX
from loyalloop.services.invitations import Recipient, invite, send_due
from loyalloop.services.store import Store
from loyalloop.services.surveys import get_survey
from loyalloop.store.base import utcnow
from loyalloop.store.models import CaseEventRow, CaseRow, CaseSweep, Invitation
from loyalloop.surveys import Channel

__all__ = ["FollowupResult", "queue_followups", "warehouse_contacts"]

log = logging.getLogger(__name__)

SWEEP = "followups"
ACTOR = Actor("followup")
#: Resolutions looked at per round.
BATCH = 500

#: ``customer ids → Recipient`` (contacts and consent); the default reads the warehouse.
ContactLookup = Callable[[list[str]], dict[str, Recipient]]


@dataclass(frozen=True)
class FollowupResult:
    """What one follow-up round did.

    ``looked_at`` resolutions = ``invited`` + ``already_invited`` + the ``skipped`` counts
    (reasons: ``reopened``, ``erased``, ``unknown_customer``, ``no_consent``, ``no_contact``,
    ``suppressed``); ``waiting`` resolutions are not yet due (delay not passed).
    """

    looked_at: int = 0
    invited: int = 0
    already_invited: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    waiting: int = 0
    sent: int = 0
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "looked_at": self.looked_at,
            "invited": self.invited,
            "already_invited": self.already_invited,
            "skipped": dict(self.skipped),
            "waiting": self.waiting,
            "sent": self.sent,
            "failed": self.failed,
        }


def warehouse_contacts(analytics: Settings) -> ContactLookup:
    """Contacts and consent of customers from the warehouse's ``customers`` table.

    A customer with several rows gets the most restrictive consent (any "no" or unknown → no).
    A home without a warehouse knows no customer (every one is ``unknown_customer``).
    """

    def lookup(ids: list[str]) -> dict[str, Recipient]:
        from loyalloop.core.warehouse import Warehouse

        if not ids or not analytics.warehouse_path.exists():
            return {}
        # an engine failure (e.g. a run holds the warehouse's write lock) is an EngineError
        with (
            Warehouse(analytics, read_only=True) as wh,
            wh.guard("follow-up contacts: the warehouse cannot be read"),
        ):
            if not wh.has_table("customers"):
                return {}
            c = wh.table("customers")
            c = c.filter(c.customer_id.isin(ids))

            def strict(col: Any) -> Any:
                return col.fill_null(False).cast("int8").min() == 1

            frame = (
                c.group_by("customer_id")
                .aggregate(
                    email=c.email_normalized.max(),
                    phone=c.phone_e164.max(),
                    consent_email=strict(c.consent_email),
                    consent_sms=strict(c.consent_sms),
                )
                .execute()
            )
        return {
            str(r["customer_id"]): Recipient(
                customer_id=str(r["customer_id"]),
                email=str(r["email"] or ""),
                phone=str(r["phone"] or ""),
                consent_email=bool(r["consent_email"]),
                consent_sms=bool(r["consent_sms"]),
            )
            for r in frame.to_dict("records")
        }

    return lookup


@dataclass(frozen=True)
class _Resolution:
    event_id: int
    case_id: int
    customer_id: str
    at: dt.datetime
    status_now: str
    code_now: str | None


def _resolutions(store: Store, after: int, limit: int) -> list[_Resolution]:
    e, c = CaseEventRow, CaseRow
    with store.session() as s:
        rows = s.execute(
            sa.select(e.id, e.case_id, c.customer_id, e.at, c.status, c.resolution_code)
            .join(c, c.id == e.case_id)
            .where(
                e.id > after,
                e.kind == EventKind.STATUS.value,
                sa.or_(
                    e.to_status == CaseStatus.RESOLVED.value,
                    sa.and_(
                        e.to_status == CaseStatus.CLOSED.value,
                        e.from_status != CaseStatus.RESOLVED.value,
                    ),
                ),
            )
            .order_by(e.id)
            .limit(limit)
        ).all()
        s.rollback()
    return [_Resolution(*r) for r in rows]


def _language(store: Store, customer_ids: Iterable[str]) -> dict[str, str]:
    """Each customer's language from their newest invitation (any survey)."""
    ids = list(customer_ids)
    if not ids:
        return {}
    with store.session() as s:
        newest = (
            sa.select(Invitation.customer_id, sa.func.max(Invitation.id).label("id"))
            .where(Invitation.customer_id.in_(ids))
            .group_by(Invitation.customer_id)
            .subquery()
        )
        rows = s.execute(
            sa.select(Invitation.customer_id, Invitation.language).join(
                newest, newest.c.id == Invitation.id
            )
        ).all()
        s.rollback()
    return {str(cid): str(lang or "") for cid, lang in rows}


def _advance(store: Store, event_id: int) -> None:
    with store.session() as s:
        sweep = s.get(CaseSweep, SWEEP)
        if sweep is None:
            s.add(CaseSweep(name=SWEEP, last_id=event_id, updated_at=utcnow()))
        elif sweep.last_id < event_id:
            sweep.last_id = event_id
            sweep.updated_at = utcnow()
        s.commit()


def queue_followups(
    store: Store,
    now: dt.datetime | None = None,
    *,
    survey: str | None = None,
    delay: dt.timedelta | None = None,
    channel: FollowupChannel | None = None,
    contacts: ContactLookup | None = None,
    send: bool = True,
) -> FollowupResult:
    """Invite the customers of resolved cases to the follow-up survey (module docstring).

    Parameters default to the service settings (``followup_survey``, ``followup_delay_hours``,
    ``followup_channel``); ``contacts`` to :func:`warehouse_contacts`. With ``send`` the
    follow-up survey's due invitations are sent in the same round.
    """
    cfg = store.settings
    now = now or utcnow()
    key = cfg.followup_survey if survey is None else survey
    if not key:
        return FollowupResult()
    wait = dt.timedelta(hours=cfg.followup_delay_hours) if delay is None else delay
    if wait < dt.timedelta(0):
        raise ConfigError("the follow-up delay must not be negative")
    how = Channel((channel or cfg.followup_channel).value)
    lookup = contacts or warehouse_contacts(store.analytics)
    with store.session() as s:
        try:
            found = get_survey(s, key)
        except NotFoundError:
            raise ConfigError(
                f"LOYALLOOP_FOLLOWUP_SURVEY={key!r}: there is no such survey "
                "(create it, or set the key of an existing one)"
            ) from None
        survey_id = found.id
        sweep = s.get(CaseSweep, SWEEP)
        after = sweep.last_id if sweep else 0
        s.rollback()

    looked = invited = already = waiting = 0
    skipped: dict[str, int] = {}
    while True:
        batch = _resolutions(store, after, BATCH)
        if not batch:
            break
        # oldest first: stop at the first resolution not yet due (ids follow time)
        first_waiting = next((i for i, r in enumerate(batch) if r.at + wait > now), None)
        stop = first_waiting is not None
        due = batch if first_waiting is None else batch[:first_waiting]
        waiting += len(batch) - len(due)
        erased = [r for r in due if r.code_now == ERASED]
        if erased:  # closed because the customer was erased: nobody to ask
            skipped["erased"] = skipped.get("erased", 0) + len(erased)
        live = [
            r
            for r in due
            if r.code_now != ERASED and r.status_now in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        ]
        reopened = len(due) - len(erased) - len(live)
        if reopened:
            skipped["reopened"] = skipped.get("reopened", 0) + reopened
        known = lookup(sorted({r.customer_id for r in live}))
        languages = _language(store, known)
        for r in live:
            person = known.get(r.customer_id)
            if person is None:
                skipped["unknown_customer"] = skipped.get("unknown_customer", 0) + 1
                continue
            if languages.get(r.customer_id):
                person = replace(person, language=languages[r.customer_id])
            with store.session() as s:
                res = invite(
                    store,
                    s,
                    survey_id,
                    [person],
                    ACTOR,
                    channel=how,
                    source=f"{FOLLOWUP_SOURCE_PREFIX}{r.case_id}",
                    now=now,
                    frequency_cap_days=0,
                )
            invited += res.created
            already += res.existing
            for reason, n in res.skipped.items():
                skipped[reason] = skipped.get(reason, 0) + n
        looked += len(due)
        if due:
            after = due[-1].event_id
            _advance(store, after)
        if stop or len(batch) < BATCH:
            break
    sent = failed = 0
    if send:
        result = send_due(store, now, survey_ids=[survey_id])
        sent, failed = result.sent + result.reminded, result.failed
    if invited or skipped:
        log.info("follow-ups: %s invited, %s skipped %s", invited, sum(skipped.values()), skipped)
    return FollowupResult(looked, invited, already, skipped, waiting, sent, failed)
