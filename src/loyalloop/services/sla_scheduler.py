"""The SLA scheduler: warnings before a breach, escalation to the team's manager on breach.

Durable: the next moment to look at each case is stored (``sla_timers``), so a scheduler that
is killed and started again picks up where it was, and a deadline that passed while nothing
ran is acted on at the next tick. One tick (:func:`tick`) has two steps:

1. **Decide** (:func:`decide`): for each case whose timer is due, the library's
   :func:`~loyalloop.cases.sla_due` says which notifications are due now, given those already
   decided. Each is written as a ``case_notifications`` row under a unique key in the same
   transaction as the case's "escalated" mark and its next timer, so a breach is decided
   exactly once however often (or by how many schedulers) the tick runs; a racing scheduler
   meets the unique key and leaves the case to the winner. A warning overtaken by its breach
   is recorded as superseded, never sent late.
2. **Deliver** (:func:`deliver`): each pending notification is e-mailed to the team's manager
   with a stable ``Message-ID`` (``<case-N-target-kind@domain>``) and marked sent in its own
   transaction right after the SMTP server accepted it. When SMTP is down the row stays
   pending with the error and its attempt count, and the next tick retries it; it is never
   lost. The one window left — the process dies after the server accepted the message and
   before the "sent" mark is committed — re-sends the same message with the same
   ``Message-ID`` (which mail systems use to drop a duplicate); no e-mail is ever sent for a
   notification that was not decided, and no notification is decided twice.

The clock is injectable (``now``): tests and ``loyalloop cases tick --now`` pass one.
Escalation e-mails name the case, topic, priority, target and deadline and link to the case
page; they carry no customer text or contact details.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import sqlalchemy as sa

from loyalloop.cases import NotificationKind, sla_due
from loyalloop.services.cases import _case_of, active_config
from loyalloop.services.channels import DeliveryError, Mailer
from loyalloop.services.store import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import CaseNotification, CaseRow, CaseTeam, DeliveryStatus, SlaTimer

__all__ = ["MailSender", "TickResult", "decide", "deliver", "escalation_email", "tick"]

log = logging.getLogger(__name__)

#: A notification is given up after this many failed deliveries (it stays visible, unsent).
MAX_ATTEMPTS = 50


class MailSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class TickResult:
    """What one tick did."""

    checked: int
    warnings: int
    breaches: int
    superseded: int
    sent: int
    failed: int
    pending: int
    #: The follow-up survey after resolved cases (services/followup.py): invited, sent, and
    #: why the round could not run ("" when it ran or none is configured).
    followups_invited: int = 0
    followups_sent: int = 0
    followup_error: str = ""

    def to_dict(self) -> dict[str, int | str]:
        return {
            "followups_invited": self.followups_invited,
            "followups_sent": self.followups_sent,
            "followup_error": self.followup_error,
            "checked": self.checked,
            "warnings": self.warnings,
            "breaches": self.breaches,
            "superseded": self.superseded,
            "sent": self.sent,
            "failed": self.failed,
            "pending": self.pending,
        }


def _domain(store: Store) -> str:
    return store.settings.smtp_from.rpartition("@")[2] or "localhost"


def decide(
    store: Store, now: dt.datetime | None = None, *, limit: int = 500
) -> tuple[int, int, int, int]:
    """Record the notifications due at ``now`` (see the module docstring).

    Returns (cases checked, warnings, breaches, superseded warnings).
    """
    now = now or utcnow()
    with store.session() as s:
        due_ids = list(
            s.scalars(
                sa.select(SlaTimer.case_id)
                .where(SlaTimer.next_check_at.is_not(None), SlaTimer.next_check_at <= now)
                .order_by(SlaTimer.next_check_at)
                .limit(limit)
            )
        )
        s.rollback()
    warnings = breaches = superseded = 0
    domain = _domain(store)
    for cid in due_ids:
        with store.session() as s:
            try:
                w, b, sup = _decide_case(s, cid, now, domain)
                s.commit()
            except sa.exc.IntegrityError:
                # another scheduler decided this case's notification first: it is done
                s.rollback()
                log.info("case %s: notification decided by another scheduler", cid)
                continue
        warnings += w
        breaches += b
        superseded += sup
    return len(due_ids), warnings, breaches, superseded


def _decide_case(
    s: sa.orm.Session, cid: int, now: dt.datetime, domain: str
) -> tuple[int, int, int]:
    q = sa.select(CaseRow).where(CaseRow.id == cid)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    row = s.scalars(q).first()
    timer = s.get(SlaTimer, cid)
    if row is None or timer is None:
        return 0, 0, 0
    if timer.next_check_at is None or timer.next_check_at > now:
        return 0, 0, 0  # moved meanwhile (the case changed)
    config = active_config(s)
    case = _case_of(s, row)
    calendar = config.calendar_for(case.sla_class)
    done = set(s.scalars(sa.select(CaseNotification.key).where(CaseNotification.case_id == cid)))
    status = sla_due(case.sla_timeline(), calendar, now, done=done)
    manager = s.scalar(sa.select(CaseTeam.manager_email).where(CaseTeam.name == row.team)) or ""
    w = b = 0
    for n in status.due:
        s.add(
            CaseNotification(
                key=n.key,
                case_id=cid,
                kind=n.kind.value,
                target=n.target.value,
                due_at=n.due_at,
                decided_at=now,
                recipient=manager,
                message_id=f"<case-{cid}-{n.target.value}-{n.kind.value}@{domain}>",
                status=(DeliveryStatus.pending if manager else DeliveryStatus.no_recipient).value,
            )
        )
        if n.kind is NotificationKind.BREACH:
            b += 1
        else:
            w += 1
    for n in status.superseded:
        s.add(
            CaseNotification(
                key=n.key,
                case_id=cid,
                kind=n.kind.value,
                target=n.target.value,
                due_at=n.due_at,
                decided_at=now,
                recipient=manager,
                message_id=f"<case-{cid}-{n.target.value}-{n.kind.value}@{domain}>",
                status=DeliveryStatus.superseded.value,
            )
        )
    if b:
        # the "escalated" mark, in the same transaction as the escalation row; a Core update,
        # so an agent editing the case is not told of a conflict by the scheduler
        s.execute(
            sa.update(CaseRow.__table__)  # type: ignore[arg-type]
            .where(CaseRow.__table__.c.id == cid)
            .values(escalated_at=now)
        )
    s.flush()
    after = sla_due(case.sla_timeline(), calendar, now, done=done | {n.key for n in status.due}
                    | {n.key for n in status.superseded})  # fmt: skip
    timer.next_check_at = after.next_check_at
    timer.updated_at = now
    return w, b, len(status.superseded)


_SUBJECT = {
    (
        "breach",
        "first_response",
    ): "SLA breached 已超时: case {id} — no first response ({topic}, {priority})",
    ("breach", "resolution"): "SLA breached 已超时: case {id} — not resolved ({topic}, {priority})",
    (
        "warning",
        "first_response",
    ): "SLA warning 即将超时: case {id} — first response due ({topic}, {priority})",
    (
        "warning",
        "resolution",
    ): "SLA warning 即将超时: case {id} — resolution due ({topic}, {priority})",
}


def escalation_email(
    store: Store, n: CaseNotification, row: CaseRow, base_url: str = ""
) -> EmailMessage:
    """The e-mail of one notification (plain text, English and Chinese, no customer data)."""
    msg = EmailMessage()
    msg["Subject"] = _SUBJECT[(n.kind, n.target)].format(
        id=row.id, topic=row.topic, priority=row.priority
    )
    msg["From"] = store.settings.smtp_from
    msg["To"] = n.recipient
    msg["Message-ID"] = n.message_id
    link = f"{base_url.rstrip('/')}/cases/{row.id}" if base_url else f"/cases/{row.id}"
    deadline = n.due_at.isoformat(timespec="minutes")
    what = "first response" if n.target == "first_response" else "resolution"
    what_zh = "首次响应" if n.target == "first_response" else "解决"
    if n.kind == "breach":
        en = f"Case {row.id} missed its {what} target at {deadline} (UTC)."
        zh = f"工单 {row.id} 的{what_zh}时限已于 {deadline}（UTC）超时。"
    else:
        en = f"Case {row.id} is close to its {what} target: due {deadline} (UTC)."
        zh = f"工单 {row.id} 的{what_zh}时限即将到期：{deadline}（UTC）。"
    msg.set_content(
        f"{en}\nTeam: {row.team} · topic: {row.topic} · priority: {row.priority} · "
        f"owner: {row.owner or '(unassigned)'} · status: {row.status}\n{link}\n\n"
        f"{zh}\n团队：{row.team} · 主题：{row.topic} · 优先级：{row.priority} · "
        f"负责人：{row.owner or '（未分配）'} · 状态：{row.status}\n{link}\n"
    )
    return msg


def deliver(
    store: Store,
    mailer: MailSender | None = None,
    now: dt.datetime | None = None,
    *,
    limit: int = 200,
) -> tuple[int, int, int]:
    """E-mail pending notifications; returns (sent, failed, still pending)."""
    mailer = mailer or Mailer(store.settings)
    now = now or utcnow()
    with store.session() as s:
        ids = list(
            s.scalars(
                sa.select(CaseNotification.id)
                .where(
                    CaseNotification.status == DeliveryStatus.pending.value,
                    CaseNotification.attempts < MAX_ATTEMPTS,
                )
                .order_by(CaseNotification.id)
                .limit(limit)
            )
        )
        s.rollback()
    sent = failed = 0
    for nid in ids:
        with store.session() as s:
            n = s.get(CaseNotification, nid)
            if n is None or n.status != DeliveryStatus.pending.value:
                s.rollback()
                continue
            row = s.get(CaseRow, n.case_id)
            assert row is not None
            message = escalation_email(store, n, row, store.settings.public_url)
            s.rollback()  # no transaction stays open while talking to the mail server
            try:
                mailer.send(message)
            except (DeliveryError, OSError) as exc:
                failed += 1
                s.execute(
                    sa.update(CaseNotification)
                    .where(CaseNotification.id == nid)
                    .values(attempts=CaseNotification.attempts + 1, last_error=str(exc)[:500])
                )
                s.commit()
                log.warning("SLA notification %s not sent (retried next tick): %s", nid, exc)
                continue
            s.execute(
                sa.update(CaseNotification)
                .where(CaseNotification.id == nid)
                .values(
                    status=DeliveryStatus.sent.value,
                    sent_at=now,
                    attempts=CaseNotification.attempts + 1,
                    last_error="",
                )
            )
            s.commit()
            sent += 1
    with store.session() as s:
        pending = int(
            s.scalar(
                sa.select(sa.func.count())
                .select_from(CaseNotification)
                .where(CaseNotification.status == DeliveryStatus.pending.value)
            )
            or 0
        )
        s.rollback()
    return sent, failed, pending


def tick(
    store: Store, now: dt.datetime | None = None, *, mailer: MailSender | None = None
) -> TickResult:
    """One round of the scheduler: the response sweep, decide, deliver, then the follow-up
    surveys of resolved cases (a follow-up that cannot run is reported in ``followup_error``
    and retried next round; it never holds up an escalation)."""
    from loyalloop.errors import ConfigError, EngineError
    from loyalloop.services.cases import sweep_responses
    from loyalloop.services.followup import queue_followups

    now = now or utcnow()
    sweep_responses(store, now=now)
    checked, w, b, sup = decide(store, now)
    sent, failed, pending = deliver(store, mailer, now)
    try:
        f = queue_followups(store, now)
    except (ConfigError, EngineError) as exc:
        log.warning("follow-up surveys not queued (next tick retries): %s", exc)
        return TickResult(checked, w, b, sup, sent, failed, pending, followup_error=str(exc))
    return TickResult(checked, w, b, sup, sent, failed, pending, f.invited, f.sent)
