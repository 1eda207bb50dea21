"""The outbox worker: claim due messages, re-check them, send them, mark them.

Guarantee: **every message is delivered at least once, and each delivery carries the
message's idempotency key** (e-mail ``Message-ID``, HTTP ``Idempotency-Key``), so a receiver
that keeps the keys it has seen sees each message exactly once. This is the industry's answer
(Stripe's and most SMS gateways' idempotency keys, the transactional outbox pattern): no
sender can make "sent" and "marked sent" one atomic step across two systems. A worker killed
after the server accepted a message and before it was marked sends that message again after
the lease runs out — with the same key.

How a worker runs (:func:`run_worker`), each step its own short transaction:

1. **Claim** up to ``batch`` due messages: ``pending`` whose ``next_attempt_at`` has come, or
   ``sending`` whose lease has run out (its worker died), of launched campaigns. They become
   ``sending`` with ``claimed_by`` = this worker and ``lease_until`` = now + lease. On
   PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``; on SQLite the claim is one
   ``BEGIN IMMEDIATE`` write transaction. Two workers never hold the same message.
2. **Re-check** at send time: unsubscribed (``suppressions``, channel ``all`` or the
   message's), consent withdrawn in the warehouse after the launch (``customer_consent``,
   refreshed from the warehouse's ``customers`` by :func:`refresh_consent` when the worker
   starts and every ``consent_refresh_seconds``; a profile has a channel's consent only if
   every record merged into it has it, unless a newer grant was recorded in the store:
   :mod:`loyalloop.services.consent`) → ``no_consent``, the frequency cap across campaigns
   (another message to the customer sent in the last ``campaign_frequency_cap_days``) →
   ``skipped`` with the reason; quiet hours in the business time zone → back to ``pending``
   until they end (not an attempt).
3. **Send** each message whose lease still has a safety margin left (a worker never sends on a
   lease that may have passed to another worker), at most ``<channel>_per_second`` per channel.
4. **Mark**: ``sent`` (only if this worker still holds the claim), in small groups: the
   messages the receivers accepted are marked together in one transaction when
   ``mark_every`` of them are waiting, half a second after the first of them, before a
   failure is marked, and at the end of the round. A kill can therefore repeat up to
   ``mark_every`` messages (each with its key) instead of one; the store's transactions per
   message drop by that factor (benchmarks/results/campaigns.md). A failure → ``pending``
   with ``next_attempt_at`` = now + backoff × 2^(attempts − 1) (capped at one hour); after
   ``outbox_max_attempts`` failures, or a permanent refusal (HTTP 4xx), ``dead``. A message
   claimed ``3 × max_attempts`` times without an outcome (a worker dies on it each time)
   goes to ``dead`` too. Each outcome adds a :class:`DeliveryEvent`.

**Whose clock.** Everything the worker does — claims, leases, quiet hours, retries, and the
time stamped on each :class:`DeliveryEvent` and on ``sent_at`` — follows one clock, the
``clock`` of :func:`run_worker`: the wall clock for real sends (the default), or the clock of
a simulation's data. The demo launches its campaign "as of" the sample's days and delivers it
with :func:`simulated_clock` started at that launch, so its sends fall on the days of the
campaign's own window — where ``loyalloop sync`` exports them to ``interactions`` and a run's
outcome window reads them — and not on the day the demo happened to run (they used to carry
the wall-clock date). :func:`~loyalloop.services.campaigns.record_link` and
:func:`~loyalloop.services.campaigns.record_bounce` take the same ``now``.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from loyalloop.campaigns import LinkSigner
from loyalloop.errors import BusyError, ConfigError, EngineError, RunFormatError
from loyalloop.services.bulk import bulk_insert
from loyalloop.services.consent import CHANNELS, profile_links, store_grants, suppressed_ids
from loyalloop.services.delivery import PermanentDeliveryError, Sender
from loyalloop.services.store import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import (
    Campaign,
    CampaignStatus,
    CustomerConsent,
    DeliveryEvent,
    OutboxMessage,
    OutboxStatus,
)
from loyalloop.surveys.policy import quiet_hours_end

__all__ = [
    "Claimed",
    "RateLimiter",
    "WorkerResult",
    "campaign_signer",
    "claim",
    "deliver",
    "outbox_counts",
    "refresh_consent",
    "run_worker",
    "simulated_clock",
    "worker_id",
]

log = logging.getLogger(__name__)

#: Longest retry delay.
MAX_BACKOFF_SECONDS = 3600.0
#: A message claimed this many times max_attempts without an outcome is dead.
CLAIMS_PER_ATTEMPT = 3
#: Accepted messages marked sent together (at most; see the module docstring, step 4).
MARK_EVERY = 10
#: The oldest accepted, unmarked message waits at most this long for its group.
MARK_WITHIN_SECONDS = 0.5
#: The worker re-reads the warehouse's consent this often.
CONSENT_REFRESH_SECONDS = 300.0


def campaign_signer(store: Store) -> LinkSigner:
    """Tracked and unsubscribe links of campaign messages: ``<public_url>/c/l|u/<token>``."""
    return LinkSigner(store.settings.secret, f"{store.settings.public_url}/c")


def simulated_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at ``start`` and runs at the wall clock's pace (a simulation's
    worker: module docstring, "Whose clock")."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Claimed:
    """A claimed message, detached from its session."""

    id: int
    campaign_id: int
    campaign_key: str
    customer_id: str
    channel: str
    key: str
    contact: str
    subject: str
    body: str
    attempts: int
    lease_until: datetime


@dataclass(frozen=True)
class WorkerResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0
    lease_lost: int = 0

    def __add__(self, other: WorkerResult) -> WorkerResult:
        a, b = asdict(self), asdict(other)
        return WorkerResult(**{k: a[k] + b[k] for k in a})

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class RateLimiter:
    """At most ``rate`` sends per second per channel in this process (0 = unlimited)."""

    def __init__(self, rates: dict[str, float], clock: Callable[[], float] = time.monotonic):
        self.interval = {k: (1.0 / v if v > 0 else 0.0) for k, v in rates.items()}
        self.next: dict[str, float] = {}
        self.clock = clock

    def wait(self, channel: str, stop: threading.Event | None = None) -> None:
        step = self.interval.get(channel, 0.0)
        if step <= 0:
            return
        now = self.clock()
        at = max(now, self.next.get(channel, now))
        self.next[channel] = at + step
        if at > now:
            if stop is not None:
                stop.wait(at - now)
            else:
                time.sleep(at - now)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(
            OutboxMessage.status == OutboxStatus.pending.value,
            OutboxMessage.next_attempt_at <= now,
        ),
        sa.and_(
            OutboxMessage.status == OutboxStatus.sending.value,
            OutboxMessage.lease_until < now,
        ),
    )


def claim(
    store: Store, worker: str, *, batch: int = 50, now: datetime | None = None
) -> list[Claimed]:
    """Claim up to ``batch`` due messages for ``worker`` (module docstring, step 1)."""
    s = store.settings
    now = now or utcnow()
    lease = now + timedelta(seconds=s.outbox_lease_seconds)
    max_claims = CLAIMS_PER_ATTEMPT * s.outbox_max_attempts
    with store.session() as session, session.begin():
        query = (
            sa.select(OutboxMessage.id)
            .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
            .where(_due(now), Campaign.status == CampaignStatus.launched.value)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=OutboxMessage, skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        rows = session.execute(
            sa.select(OutboxMessage, Campaign.campaign_key)
            .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id)
        ).all()
        out: list[Claimed] = []
        for m, ckey in rows:
            if m.claims >= max_claims:
                m.status = OutboxStatus.dead.value
                m.last_error = (
                    f"claimed {m.claims} times without an outcome (a worker died holding it)"
                )
                session.add(_event(m, "dead", {"reason": m.last_error}, now))
                continue
            m.status = OutboxStatus.sending.value
            m.claimed_by = worker
            m.lease_until = lease
            m.claims += 1
            out.append(
                Claimed(
                    m.id,
                    m.campaign_id,
                    ckey,
                    m.customer_id,
                    m.channel,
                    m.idempotency_key,
                    m.contact,
                    m.subject,
                    m.body,
                    m.attempts,
                    lease,
                )
            )
    return out


def _event(m: OutboxMessage, kind: str, detail: dict[str, Any], at: datetime) -> DeliveryEvent:
    return DeliveryEvent(
        message_id=m.id,
        campaign_id=m.campaign_id,
        customer_id=m.customer_id,
        kind=kind,
        at=at,
        detail=detail,
    )


#: Every channel a suppression row can name.
_ALL_CHANNELS = ("all", *CHANNELS)


def _suppression_channels(channel: str) -> list[str]:
    return ["all", channel] if channel in ("email", "sms") else ["all", "phone"]


def _consent_column(channel: str) -> str:
    return channel if channel in ("email", "sms") else "phone"


def _recheck(
    store: Store, worker: str, claimed: list[Claimed], now: datetime
) -> tuple[list[Claimed], int, int]:
    """Step 2: skip the unsubscribed and capped, defer quiet hours. Returns (to send, skipped,
    deferred)."""
    s = store.settings
    if not claimed:
        return [], 0, 0
    ids = [c.id for c in claimed]
    customers = list({c.customer_id for c in claimed})
    quiet_until = quiet_hours_end(now, s.timezone, s.quiet_hours_start, s.quiet_hours_end)
    skipped = deferred = 0
    go: list[Claimed] = []
    with store.session() as session, session.begin():
        # a withdrawal on any record of the profile counts (services/consent.py)
        links = profile_links(store.analytics.runs_dir)
        blocked = {
            (cid, ch)
            for cid, chs in suppressed_ids(session, _ALL_CHANNELS, links, among=customers).items()
            for ch in chs
        }
        consent = {
            row.customer_id: row
            for row in session.scalars(
                sa.select(CustomerConsent).where(CustomerConsent.customer_id.in_(customers))
            )
        }
        granted = store_grants(session, customers)  # consent granted in the store since
        recent: set[str] = set()
        if s.campaign_frequency_cap_days > 0:
            since = now - timedelta(days=s.campaign_frequency_cap_days)
            recent = set(
                session.scalars(
                    sa.select(OutboxMessage.customer_id).where(
                        OutboxMessage.customer_id.in_(customers),
                        OutboxMessage.status == OutboxStatus.sent.value,
                        OutboxMessage.sent_at >= since,
                        OutboxMessage.id.not_in(ids),
                    )
                )
            )
        msgs = {
            m.id: m
            for m in session.scalars(
                sa.select(OutboxMessage).where(
                    OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker
                )
            )
        }
        for c in claimed:
            m = msgs.get(c.id)
            if m is None or m.status != OutboxStatus.sending.value:
                continue
            reason = ""
            known = consent.get(c.customer_id)
            if any((c.customer_id, ch) in blocked for ch in _suppression_channels(c.channel)):
                reason = "unsubscribed"
            elif (
                known is not None
                and not getattr(known, _consent_column(c.channel))
                and (c.customer_id, _consent_column(c.channel)) not in granted
            ):
                reason = "no_consent"
            elif c.customer_id in recent and c.channel != "webhook":
                reason = "frequency_cap"
            if reason:
                m.status = OutboxStatus.skipped.value
                m.last_error = reason
                m.lease_until = None
                session.add(_event(m, "skipped", {"reason": reason}, now))
                skipped += 1
            elif quiet_until > now and c.channel != "webhook":
                m.status = OutboxStatus.pending.value
                m.next_attempt_at = quiet_until
                m.lease_until = None
                deferred += 1
            else:
                go.append(c)
    return go, skipped, deferred


def _backoff(store: Store, attempts: int) -> float:
    return float(
        min(MAX_BACKOFF_SECONDS, store.settings.outbox_backoff_seconds * 2 ** (attempts - 1))
    )


def _mark_sent(store: Store, worker: str, accepted: list[Claimed], now: datetime) -> int:
    """Step 4 for messages the receivers accepted: one transaction for the group. Returns how
    many were still this worker's (the rest passed to another worker; logged)."""
    if not accepted:
        return 0
    ids = [c.id for c in accepted]
    with store.session() as session, session.begin():
        done = set(
            session.scalars(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.claimed_by == worker,
                    OutboxMessage.status == OutboxStatus.sending.value,
                )
                .values(
                    status=OutboxStatus.sent.value, sent_at=now, last_error="", lease_until=None
                )
                .returning(OutboxMessage.id)
            )
        )
        for c in accepted:
            if c.id not in done:
                log.warning(
                    "message %s: the claim passed to another worker before it was marked", c.id
                )
        events = [
            {
                "message_id": c.id,
                "campaign_id": c.campaign_id,
                "customer_id": c.customer_id,
                "kind": "sent",
                "at": now,
                "detail": {"attempt": c.attempts + 1},
                "synced_at": None,
            }
            for c in accepted
            if c.id in done
        ]
        if events:
            session.execute(sa.insert(DeliveryEvent), events)
    return len(done)


def _finish_failed(store: Store, worker: str, c: Claimed, error: Exception, now: datetime) -> str:
    """Step 4 for a message not delivered; returns the outcome (retried, dead, lease_lost)."""
    s = store.settings
    with store.session() as session, session.begin():
        m = session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.id == c.id,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == OutboxStatus.sending.value,
            )
        )
        if m is None:
            log.warning("message %s: the claim passed to another worker before it was marked", c.id)
            return "lease_lost"
        m.lease_until = None
        m.attempts += 1
        m.last_error = f"{type(error).__name__}: {error}"[:500]
        if isinstance(error, PermanentDeliveryError) or m.attempts >= s.outbox_max_attempts:
            m.status = OutboxStatus.dead.value
            session.add(_event(m, "dead", {"error": m.last_error, "attempts": m.attempts}, now))
            log.warning("message %s dead after %d attempts: %s", m.id, m.attempts, error)
            return "dead"
        m.status = OutboxStatus.pending.value
        m.next_attempt_at = now + timedelta(seconds=_backoff(store, m.attempts))
        session.add(_event(m, "failed", {"error": m.last_error, "attempts": m.attempts}, now))
        return "retried"


def deliver(
    store: Store,
    sender: Sender,
    worker: str,
    *,
    batch: int = 50,
    limiter: RateLimiter | None = None,
    stop: threading.Event | None = None,
    now: Callable[[], datetime] = utcnow,
    mark_every: int = MARK_EVERY,
) -> WorkerResult:
    """One round: claim a batch, re-check, send and mark it (module docstring)."""
    claimed = claim(store, worker, batch=batch, now=now())
    if not claimed:
        return WorkerResult()
    go, skipped, deferred = _recheck(store, worker, claimed, now())
    signer = campaign_signer(store)
    margin = timedelta(seconds=min(15.0, store.settings.outbox_lease_seconds / 4))
    counts = {"sent": 0, "retried": 0, "dead": 0, "lease_lost": 0}
    accepted: list[Claimed] = []
    first_accepted = 0.0

    def flush() -> None:
        if accepted:
            marked = _mark_sent(store, worker, accepted, now())
            counts["sent"] += marked
            counts["lease_lost"] += len(accepted) - marked
            accepted.clear()

    for c in go:
        if stop is not None and stop.is_set():
            break  # unsent claims return to the queue when their lease runs out
        if limiter is not None:
            limiter.wait(c.channel, stop)
        if now() >= c.lease_until - margin:
            counts["lease_lost"] += 1  # too late to send safely; another worker will
            continue
        error: Exception | None = None
        try:
            sender.send(
                channel=c.channel,
                key=c.key,
                to=c.contact,
                subject=c.subject,
                body=c.body,
                campaign=c.campaign_key,
                customer_id=c.customer_id,
                unsubscribe_url=signer.unsubscribe_url(c.campaign_key, c.customer_id, c.channel)
                if c.channel == "email"
                else "",
            )
        except (OSError, ConfigError) as exc:  # DeliveryError is an OSError
            error = exc
            log.info("message %s (%s) not delivered: %s", c.id, c.channel, exc)
        if error is None:
            if not accepted:
                first_accepted = time.monotonic()
            accepted.append(c)
            if (
                len(accepted) >= mark_every
                or time.monotonic() - first_accepted >= MARK_WITHIN_SECONDS
            ):
                flush()
            continue
        flush()
        counts[_finish_failed(store, worker, c, error, now())] += 1
    flush()
    return WorkerResult(
        claimed=len(claimed),
        sent=counts["sent"],
        retried=counts["retried"],
        dead=counts["dead"],
        skipped=skipped,
        deferred=deferred,
        lease_lost=counts["lease_lost"],
    )


def run_worker(
    store: Store,
    *,
    once: bool = False,
    batch: int = 50,
    idle_seconds: float = 2.0,
    max_messages: int | None = None,
    on_round: Callable[[WorkerResult], None] | None = None,
    mark_every: int = MARK_EVERY,
    consent_refresh_seconds: float = CONSENT_REFRESH_SECONDS,
    clock: Callable[[], datetime] = utcnow,
) -> WorkerResult:
    """Deliver the outbox until stopped (SIGTERM / SIGINT finish the message in hand), or,
    with ``once``, until nothing is due. Returns the totals. The warehouse's consent is read
    at the start and every ``consent_refresh_seconds`` (:func:`refresh_consent`). ``clock``
    is the time everything is done and stamped at (module docstring, "Whose clock"): the
    wall clock unless a simulation passes its own (:func:`simulated_clock`)."""
    s = store.settings
    stop = threading.Event()
    me = worker_id()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    sender = Sender(s)
    limiter = RateLimiter(
        {"email": s.email_per_second, "sms": s.sms_per_second, "webhook": s.webhook_per_second}
    )
    total = WorkerResult()
    log.info("worker %s started", me)
    refreshed = -math.inf
    try:
        while not stop.is_set():
            if time.monotonic() - refreshed >= consent_refresh_seconds:
                refresh_consent(store)
                refreshed = time.monotonic()
            r = deliver(
                store,
                sender,
                me,
                batch=batch,
                limiter=limiter,
                stop=stop,
                now=clock,
                mark_every=mark_every,
            )
            total = total + r
            if on_round is not None and r.claimed:
                on_round(r)
            if max_messages is not None and total.sent >= max_messages:
                break
            if r.claimed == 0:
                if once:
                    break
                stop.wait(idle_seconds)
    finally:
        sender.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("worker %s stopped: %s", me, total)
    return total


def outbox_counts(store: Store, campaign_id: int | None = None) -> dict[str, int]:
    """Messages by status (of one campaign, or all)."""
    with store.session() as session:
        q = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        if campaign_id is not None:
            q = q.where(OutboxMessage.campaign_id == campaign_id)
        found = {str(k): int(n) for k, n in session.execute(q)}
    return {st.value: found.get(st.value, 0) for st in OutboxStatus}


def refresh_consent(store: Store) -> int | None:
    """Copy each profile's consent per channel from the warehouse into ``customer_consent``.

    A profile (the id campaigns address) has a channel's consent only if every ``customers``
    record merged into it says yes (empty = unknown = no; merging keeps the most restrictive
    consent), through the latest run's ``profile_map``; records not in it (ingested after
    the run) are their own profile. Only rows that changed are written. Returns the number of
    rows written, or ``None`` when the warehouse could not be read now (none yet, or another
    command holds it): the previous copy stands and the next refresh tries again.
    """
    settings = store.analytics
    if not settings.warehouse_path.exists():
        return None
    # the engine only when there is a warehouse to read (a worker without one starts lighter)
    from loyalloop.core.runs import RunStore
    from loyalloop.core.warehouse import Warehouse

    try:
        wh = Warehouse(settings, read_only=True)
    except (BusyError, EngineError) as exc:
        log.warning("consent not refreshed (the previous copy stands): %s", exc)
        return None
    with wh:
        if not wh.has_table("customers"):
            return None
        cust = wh.table("customers")
        pm_path = None
        try:
            latest = RunStore(settings.runs_dir).get(None)
            candidate = latest.path / "profile_map.parquet"
            pm_path = candidate if candidate.exists() else None
        except (LookupError, RunFormatError):  # no readable run: each record is its own profile
            pm_path = None
        t = cust.select("customer_id", "consent_email", "consent_sms", "consent_phone")
        if pm_path is not None:
            pm = wh.ibis.read_parquet(pm_path)
            pm = pm.select(_src=pm.customer_id, _prof=pm.profile_id)
            j = t.left_join(pm, t.customer_id == pm._src)
            t = j.select(
                customer_id=j._prof.fill_null(j.customer_id),
                consent_email=j.consent_email,
                consent_sms=j.consent_sms,
                consent_phone=j.consent_phone,
            )
        g = t.group_by("customer_id").aggregate(
            email=t.consent_email.fill_null(False).all(),
            sms=t.consent_sms.fill_null(False).all(),
            phone=t.consent_phone.fill_null(False).all(),
        )
        fresh = g.to_pyarrow().to_pylist()
    now = utcnow()
    written = 0
    with store.session() as session, session.begin():
        old = {
            cid: (e, sm, ph)
            for cid, e, sm, ph in session.execute(
                sa.select(
                    CustomerConsent.customer_id,
                    CustomerConsent.email,
                    CustomerConsent.sms,
                    CustomerConsent.phone,
                )
            )
        }
        new_rows, changed = [], []
        for r in fresh:
            cid = str(r["customer_id"])
            value = (bool(r["email"]), bool(r["sms"]), bool(r["phone"]))
            row = {"customer_id": cid, "email": value[0], "sms": value[1], "phone": value[2]}
            if cid not in old:
                new_rows.append({**row, "refreshed_at": now})
            elif old[cid] != value:
                changed.append({**row, "_cid": cid})
        written += bulk_insert(session, CustomerConsent.__table__, new_rows)  # type: ignore[arg-type]
        if changed:
            table: sa.Table = CustomerConsent.__table__  # type: ignore[assignment]
            session.execute(
                sa.update(table).where(table.c.customer_id == sa.bindparam("_cid")),
                [
                    {"_cid": c["_cid"], "email": c["email"], "sms": c["sms"],
                     "phone": c["phone"], "refreshed_at": now}
                    for c in changed
                ],
            )  # fmt: skip
            written += len(changed)
    if written:
        log.info("consent refreshed from the warehouse: %d profiles changed or new", written)
    return written
