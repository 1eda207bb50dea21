"""Inviting customers: personal signed links, e-mail and SMS with a reminder, triggers.

``invite`` takes recipients (from a file, a segment of a run, or a touchpoint trigger) and, in
one transaction, creates one invitation per customer and survey (inviting the same customer to
the same survey again returns the existing invitation). Every recipient passes
:func:`loyalloop.surveys.contact_decision` first: unsubscribed customers, missing consent for
the channel, no address and the frequency cap across all surveys are skipped and counted by
reason; quiet hours move the send time. Nothing is sent inside ``invite``: ``send_due`` sends
the e-mails and SMS whose time has come (and one reminder after ``reminder_days`` days to those
who have not answered), one invitation per transaction: it is marked sent right after the
server accepted it. A crash between the two can repeat that one message on the next call; the
e-mail then carries the same ``Message-ID`` and the SMS the same ``Idempotency-Key``, so the
receiving side can recognise it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.core.config import Settings
from loyalloop.errors import ConfigError, DataValidationError, NotFoundError
from loyalloop.services.audit import Actor, record
from loyalloop.services.channels import (
    FOLLOWUP_SOURCE_PREFIX,
    Mailer,
    SmsGateway,
    invitation_email,
    invitation_sms,
)
from loyalloop.services.consent import change_consent, store_grants, withdrawn_by_unsubscribe
from loyalloop.services.store import Store
from loyalloop.services.surveys import get_survey, spec_of
from loyalloop.store.base import utcnow
from loyalloop.store.models import (
    Invitation,
    InvitationStatus,
    Response,
    Suppression,
    Survey,
    SurveyStatus,
)
from loyalloop.surveys import Channel, contact_decision, sign_invitation

__all__ = [
    "InviteResult",
    "Recipient",
    "SendResult",
    "invitation_link",
    "invite",
    "read_recipients",
    "segment_recipients",
    "send_due",
    "unsubscribe",
    "unsubscribe_channel",
    "unsubscribe_invitation",
]

log = logging.getLogger(__name__)
#: Customer ids per look-up query.
_CHUNK = 5000


@dataclass(frozen=True)
class Recipient:
    customer_id: str
    email: str = ""
    phone: str = ""
    consent_email: bool | None = None
    consent_sms: bool | None = None
    language: str = ""
    timezone: str = ""
    segment: str = ""


@dataclass(frozen=True)
class Link:
    invitation_id: int
    customer_id: str
    channel: str
    url: str
    expires_at: datetime
    new: bool


@dataclass(frozen=True)
class InviteResult:
    survey_id: int
    requested: int
    created: int
    existing: int
    skipped: dict[str, int] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "survey_id": self.survey_id,
            "requested": self.requested,
            "created": self.created,
            "existing": self.existing,
            "skipped": self.skipped,
        }


def invitation_link(store: Store, inv: Invitation) -> str:
    token = sign_invitation(store.settings.secret, inv.id, inv.survey_id, inv.expires_at)
    return f"{store.settings.public_url}/r/{token}"


def _bool(value: Any, where: str) -> bool | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None
    if text in ("1", "true", "yes", "y", "t", "是"):
        return True
    if text in ("0", "false", "no", "n", "f", "否"):
        return False
    raise DataValidationError(f"{where}: {value!r} is not yes/no")


def read_recipients(path: Path | str) -> list[Recipient]:
    """Recipients from a CSV or Parquet file with a ``customer_id`` column and optionally
    ``email, phone, consent_email, consent_sms, language, timezone, segment``."""
    import pandas as pd

    p = Path(path)
    try:
        frame = (
            pd.read_parquet(p)
            if p.suffix.lower() == ".parquet"
            else pd.read_csv(p, dtype=str, keep_default_na=False)
        )
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such file") from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"{p}: cannot read: {exc}") from None
    if "customer_id" not in frame.columns:
        raise DataValidationError(
            f"{p}: no customer_id column (columns: {', '.join(frame.columns)})"
        )
    out: list[Recipient] = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        cid = str(row.get("customer_id") or "").strip()
        if not cid:
            raise DataValidationError(f"{p}, line {i}, column customer_id: empty")
        out.append(
            Recipient(
                customer_id=cid,
                email=str(row.get("email") or "").strip(),
                phone=str(row.get("phone") or "").strip(),
                consent_email=_bool(
                    row.get("consent_email"), f"{p}, line {i}, column consent_email"
                ),
                consent_sms=_bool(row.get("consent_sms"), f"{p}, line {i}, column consent_sms"),
                language=str(row.get("language") or "").strip().lower()[:2],
                timezone=str(row.get("timezone") or "").strip(),
                segment=str(row.get("segment") or "").strip(),
            )
        )
    return out


def segment_recipients(
    analytics: Settings, segment: str, run: int | None = None
) -> list[Recipient]:
    """The customers of an RFM segment of a run, with contacts and consent from the warehouse.

    A profile merges customer records: it is invited once (its first customer id), and its
    consent is the most restrictive of its records (any "no" or unknown → no).
    """
    import ibis

    from loyalloop.core.warehouse import Warehouse
    from loyalloop.pipeline import RunStore

    r = RunStore(analytics.runs_dir).get(run)
    with Warehouse(analytics, read_only=True) as wh:
        con = wh.ibis
        rfm = con.read_parquet(r.table_path("rfm"))
        pmap = con.read_parquet(r.table_path("profile_map"))
        known = rfm.segment.isin([segment]).any().execute()
        if not known:
            names = sorted(str(s) for s in rfm.segment.distinct().execute() if s is not None)
            raise NotFoundError(
                f"run {r.number} has no customers in segment {segment!r}; segments: "
                + ", ".join(names)
            )
        members = rfm.filter(rfm.segment == segment).select(profile_id=rfm.customer_id)
        cust = wh.table("customers")
        joined = members.join(pmap, "profile_id").join(cust, "customer_id")

        def strict(col: ibis.Value) -> ibis.Value:
            return col.fill_null(False).cast("int8").min() == 1

        grouped = joined.group_by("profile_id").aggregate(
            customer_id=joined.customer_id.min(),
            email=joined.email_normalized.max(),
            phone=joined.phone_e164.max(),
            consent_email=strict(joined.consent_email),
            consent_sms=strict(joined.consent_sms),
        )
        frame = grouped.order_by("customer_id").execute()
    return [
        Recipient(
            customer_id=str(row["customer_id"]),
            email=str(row["email"] or ""),
            phone=str(row["phone"] or ""),
            consent_email=bool(row["consent_email"]),
            consent_sms=bool(row["consent_sms"]),
            segment=segment,
        )
        for row in frame.to_dict("records")
    ]


def _contact(r: Recipient, channel: Channel) -> str:
    """The address of the channel; for a link, whatever lets staff follow up (e-mail first)."""
    if channel is Channel.email:
        return r.email
    if channel is Channel.sms:
        return r.phone
    return r.email or r.phone


def _consent(r: Recipient, channel: Channel) -> bool | None:
    return r.consent_email if channel is Channel.email else r.consent_sms


def invite(
    store: Store,
    session: Session,
    survey_ref: int | str,
    recipients: Iterable[Recipient],
    actor: Actor,
    *,
    channel: Channel = Channel.link,
    language: str = "",
    source: str = "file",
    now: datetime | None = None,
    frequency_cap_days: int | None = None,
) -> InviteResult:
    """Create the invitations of ``recipients`` (module docstring); one transaction.

    ``frequency_cap_days`` overrides the settings' cap (the follow-up after a resolved case
    passes 0: the customer is in a conversation with us; consent and unsubscribes still apply).
    """
    s = store.settings
    now = now or utcnow()
    survey = get_survey(session, survey_ref)
    if survey.status == SurveyStatus.closed.value:
        raise ConfigError(f"survey {survey.key} is closed; reopen it before inviting")
    spec = spec_of(session, survey.id, survey.current_version)
    people = list(recipients)
    ids = list(dict.fromkeys(r.customer_id for r in people))
    existing: dict[str, Invitation] = {}
    suppressed: set[tuple[str, str]] = set()
    granted: set[tuple[str, str]] = set()  # consent granted in the store after the import
    last: dict[str, datetime | None] = {}
    for start in range(0, len(ids), _CHUNK):  # bounded IN lists (SQLite's variable limit)
        chunk = ids[start : start + _CHUNK]
        existing.update(
            (inv.customer_id, inv)
            for inv in session.scalars(
                sa.select(Invitation).where(
                    Invitation.survey_id == survey.id, Invitation.customer_id.in_(chunk)
                )
            )
        )
        suppressed.update(
            (cid, ch)
            for cid, ch in session.execute(
                sa.select(Suppression.customer_id, Suppression.channel).where(
                    Suppression.customer_id.in_(chunk)
                )
            )
        )
        granted |= store_grants(session, chunk)
        for cid, at in session.execute(
            sa.select(Invitation.customer_id, sa.func.max(Invitation.contacted_at))
            .where(Invitation.customer_id.in_(chunk), Invitation.contacted_at.is_not(None))
            .group_by(Invitation.customer_id)
        ):
            last[cid] = at
    skipped: dict[str, int] = {}
    links: list[Link] = []
    new: list[Invitation] = []
    created = 0
    seen: set[str] = set()
    for r in people:
        if r.customer_id in seen:
            skipped["duplicate"] = skipped.get("duplicate", 0) + 1
            continue
        seen.add(r.customer_id)
        inv = existing.get(r.customer_id)
        if inv is not None:
            links.append(
                Link(
                    inv.id,
                    inv.customer_id,
                    inv.channel,
                    invitation_link(store, inv),
                    inv.expires_at,
                    False,
                )
            )
            continue
        decision = contact_decision(
            channel=channel,
            now=now,
            consent=True if (r.customer_id, channel.value) in granted else _consent(r, channel),
            contact=_contact(r, channel),
            suppressed=(r.customer_id, "all") in suppressed
            or (r.customer_id, channel.value) in suppressed,
            last_contacted=last.get(r.customer_id),
            cap_days=s.frequency_cap_days if frequency_cap_days is None else frequency_cap_days,
            zone=r.timezone or s.timezone,
            quiet_start=s.quiet_hours_start,
            quiet_end=s.quiet_hours_end,
        )
        if not decision.ok:
            skipped[decision.reason] = skipped.get(decision.reason, 0) + 1
            continue
        lang = r.language if r.language in spec.languages else language or spec.languages[0]
        inv = Invitation(
            survey_id=survey.id,
            customer_id=r.customer_id,
            channel=channel.value,
            contact=_contact(r, channel),
            language=lang if lang in spec.languages else spec.languages[0],
            segment=r.segment,
            source=source,
            status=InvitationStatus.created.value,
            expires_at=now + timedelta(days=s.invitation_days),
            # a link handed to the business counts as a contact now; e-mail/SMS when sent
            contacted_at=now if channel is Channel.link else None,
            send_after=None if channel is Channel.link else decision.send_after,
        )
        new.append(inv)
        created += 1
    session.add_all(new)
    session.flush()  # one batch of INSERTs; the ids come back with it
    links += [
        Link(
            inv.id, inv.customer_id, inv.channel, invitation_link(store, inv), inv.expires_at, True
        )
        for inv in new
    ]
    record(
        session,
        actor,
        "survey.invite",
        f"survey:{survey.id}",
        {"channel": channel.value, "source": source, "created": created, "skipped": skipped},
    )
    session.commit()
    return InviteResult(survey.id, len(people), created, len(links) - created, skipped, links)


def unsubscribe(session: Session, customer_id: str, channel: str, source: str) -> None:
    """Stop inviting a customer (``channel`` ``all``, ``email`` or ``sms``), at once; recorded
    as a consent change (:func:`loyalloop.services.consent.change_consent`)."""
    if channel not in ("all", "email", "sms"):
        raise ConfigError(f"channel: {channel!r}; use all, email or sms")
    change_consent(session, customer_id, channel, False, source, Actor("customer"))
    session.commit()


def unsubscribe_channel(session: Session, invitation_id: int) -> str:
    """The channel the invitation's unsubscribe link withdraws: the one it was sent on
    (:func:`~loyalloop.services.consent.withdrawn_by_unsubscribe`)."""
    inv = session.get(Invitation, invitation_id)
    if inv is None:
        raise NotFoundError(f"no invitation {invitation_id}")
    return withdrawn_by_unsubscribe(inv.channel)


def unsubscribe_invitation(session: Session, invitation_id: int) -> str:
    """The invitation's unsubscribe link followed: its customer's consent to the channel it
    was sent on is withdrawn (recorded, audited, at once; :func:`unsubscribe`). Returns that
    channel."""
    channel = unsubscribe_channel(session, invitation_id)
    inv = session.get(Invitation, invitation_id)
    assert inv is not None
    unsubscribe(session, inv.customer_id, channel, f"link:invitation:{inv.id}")
    return channel


@dataclass(frozen=True)
class SendResult:
    sent: int
    reminded: int
    failed: int
    suppressed: int


def send_due(
    store: Store,
    now: datetime | None = None,
    *,
    limit: int = 500,
    survey_ids: Sequence[int] | None = None,
) -> SendResult:
    """Send the e-mail and SMS invitations that are due, and due reminders (module docstring);
    only those of ``survey_ids`` when given.

    Each message is its own transaction: the invitation is re-checked (unsubscribed since?
    answered?), sent, and marked; a failure is recorded on the invitation and retried on the
    next call.
    """
    s = store.settings
    now = now or utcnow()
    mailer = Mailer(s) if s.email_enabled else None
    sms = SmsGateway(s) if s.sms_enabled else None
    sent = reminded = failed = suppressed = 0
    only = sa.true() if survey_ids is None else Invitation.survey_id.in_(list(survey_ids))
    with store.session() as session:
        due = session.scalars(
            sa.select(Invitation.id)
            .join(Survey, Survey.id == Invitation.survey_id)
            .where(
                only,
                Survey.status == SurveyStatus.live.value,
                Invitation.channel.in_([Channel.email.value, Channel.sms.value]),
                Invitation.expires_at > now,
                sa.or_(
                    sa.and_(
                        Invitation.contacted_at.is_(None),
                        sa.or_(Invitation.send_after.is_(None), Invitation.send_after <= now),
                    ),
                    sa.and_(
                        Invitation.contacted_at.is_not(None),
                        Invitation.reminded_at.is_(None),
                        # the follow-up after a resolved case is one message: no reminder
                        ~Invitation.source.startswith(FOLLOWUP_SOURCE_PREFIX),
                        Invitation.contacted_at <= now - timedelta(days=s.reminder_days),
                    ),
                ),
            )
            .order_by(Invitation.id)
            .limit(limit)
        ).all()
    for inv_id in due:
        with store.session() as session:
            inv = session.get(Invitation, inv_id)
            assert inv is not None
            answered = session.scalar(
                sa.select(Response.id).where(Response.invitation_id == inv.id)
            )
            reminder = inv.contacted_at is not None
            if reminder and answered is not None:
                inv.reminded_at = now  # nothing to remind: mark so it is not looked at again
                session.commit()
                continue
            blocked = session.scalar(
                sa.select(Suppression.id).where(
                    Suppression.customer_id == inv.customer_id,
                    Suppression.channel.in_(["all", inv.channel]),
                )
            )
            if blocked is not None:
                inv.status = InvitationStatus.failed.value
                inv.error = "unsubscribed"
                inv.send_after = None
                inv.expires_at = now
                session.commit()
                suppressed += 1
                continue
            survey = session.get(Survey, inv.survey_id)
            assert survey is not None
            spec = spec_of(session, survey.id, survey.current_version)
            link = invitation_link(store, inv)
            unsub = f"{s.public_url}/u/{link.rsplit('/', 1)[1]}"
            title = spec.title.get(inv.language) or survey.title
            try:
                if inv.channel == Channel.email.value:
                    if mailer is None:
                        raise ConfigError("e-mail is not configured (LOYALLOOP_SMTP_HOST)")
                    mailer.send(
                        invitation_email(s, inv, title, link, unsub, reminder=reminder),
                    )
                else:
                    if sms is None:
                        raise ConfigError("SMS is not configured (LOYALLOOP_SMS_GATEWAY_URL)")
                    sms.send(
                        inv.contact,
                        invitation_sms(inv, title, link, reminder=reminder),
                        f"inv-{inv.id}-{'r' if reminder else 's'}",
                    )
            except (OSError, ConfigError) as exc:
                inv.error = f"{type(exc).__name__}: {exc}"[:500]
                inv.status = InvitationStatus.failed.value
                session.commit()
                failed += 1
                log.warning("invitation %s not sent: %s", inv.id, exc)
                continue
            inv.error = ""
            inv.status = InvitationStatus.sent.value
            if reminder:
                inv.reminded_at = now
                reminded += 1
            else:
                inv.contacted_at = now
                sent += 1
            record(
                session,
                Actor("sender"),
                "invitation.reminded" if reminder else "invitation.sent",
                f"invitation:{inv.id}",
                {"channel": inv.channel},
            )
            session.commit()
    return SendResult(sent, reminded, failed, suppressed)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def list_invitations(
    session: Session, survey_ref: int | str, *, limit: int = 200
) -> Sequence[Invitation]:
    survey = get_survey(session, survey_ref)
    return session.scalars(
        sa.select(Invitation)
        .where(Invitation.survey_id == survey.id)
        .order_by(Invitation.id.desc())
        .limit(limit)
    ).all()
