"""The SLA scheduler inside ``loyalloop serve``: one background thread, one holder per home.

Each web process of ``loyalloop serve`` (``--workers N`` starts N) runs a
:class:`BackgroundScheduler` thread (unless ``--no-scheduler``). Before every round the thread
takes or renews the home's **lease** in the operational store; only the holder runs
:func:`loyalloop.services.sla_scheduler.tick`. So with two workers — or two ``serve``
commands on the same store — one scheduler works and the others wait; when the holder stops
cleanly it gives the lease back at once, and when it is killed its lease runs out after
``LOYALLOOP_SCHEDULER_LEASE_SECONDS`` and another process takes over. A round that overlaps
another (a lease taken over during a very long tick, or ``loyalloop cases tick`` from cron at
the same time) is still safe: each breach is decided once by the store's unique keys.

The lease is the row ``lease:scheduler`` of ``case_sweeps`` (``last_id`` = the holder's token,
``updated_at`` = when the lease runs out): the sweeps table already holds the scheduler's
durable state as "name → number and time", so the lease needs no schema change. Taking it is
one conditional ``UPDATE`` (``… WHERE holder = me OR expired``), atomic on SQLite and
PostgreSQL; the first ``INSERT`` races on the primary key and one process wins.

Shutdown: :meth:`BackgroundScheduler.stop` sets an event the thread waits on between rounds,
joins it (a round in progress finishes; its transactions are each short) and releases the
lease. The web app calls it from its lifespan's exit (uvicorn's SIGTERM / Ctrl-C).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
from collections.abc import Callable

import sqlalchemy as sa

from loyalloop.errors import LoyalloopError
from loyalloop.services.sla_scheduler import MailSender, TickResult, tick
from loyalloop.services.store import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import CaseSweep

__all__ = ["LEASE", "BackgroundScheduler", "acquire_lease", "lease_holder", "release_lease"]

log = logging.getLogger(__name__)

LEASE = "lease:scheduler"


def new_holder() -> int:
    """A token naming one scheduler: the process id in the high bits (readable in the store),
    random low bits (two schedulers of one process differ)."""
    return (os.getpid() << 24) | secrets.randbits(24)


def acquire_lease(store: Store, holder: int, now: dt.datetime, seconds: float) -> bool:
    """Take or renew the home's scheduler lease until ``now + seconds``; ``False`` when another
    holder's lease is still running."""
    until = now + dt.timedelta(seconds=seconds)
    t = CaseSweep.__table__
    with store.session() as s:
        res = s.execute(
            sa.update(t)  # type: ignore[arg-type]
            .where(
                t.c.name == LEASE,
                sa.or_(t.c.last_id == holder, t.c.updated_at <= now),
            )
            .values(last_id=holder, updated_at=until)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            s.commit()
            return True
        if s.get(CaseSweep, LEASE) is not None:
            s.rollback()
            return False
        s.add(CaseSweep(name=LEASE, last_id=holder, updated_at=until))
        try:
            s.commit()
        except sa.exc.IntegrityError:
            s.rollback()  # another process inserted it first: its lease
            return False
    return True


def release_lease(store: Store, holder: int, now: dt.datetime | None = None) -> None:
    """Give the lease back (it expires now) if ``holder`` has it."""
    now = now or utcnow()
    t = CaseSweep.__table__
    with store.session() as s:
        s.execute(
            sa.update(t)  # type: ignore[arg-type]
            .where(t.c.name == LEASE, t.c.last_id == holder)
            .values(updated_at=now - dt.timedelta(seconds=1))
        )
        s.commit()


def lease_holder(store: Store, now: dt.datetime | None = None) -> int | None:
    """The token of the scheduler holding the lease at ``now`` (``None``: nobody)."""
    now = now or utcnow()
    with store.session() as s:
        row = s.get(CaseSweep, LEASE)
        out = row.last_id if row is not None and row.updated_at > now else None
        s.rollback()
    return out


class BackgroundScheduler:
    """The scheduler thread of one web process (see the module docstring).

    Parameters
    ----------
    store
        The operational store (its settings give the interval and the lease's length).
    clock
        The time of each round (injectable for tests); the wall clock by default.
    mailer
        Where escalations go (SMTP from the settings by default).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        mailer: MailSender | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.mailer = mailer
        self.holder = new_holder()
        self.interval = store.settings.scheduler_interval_seconds
        self.lease_seconds = max(store.settings.scheduler_lease_seconds, 2 * self.interval)
        self.rounds = 0
        self.last: TickResult | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> TickResult | None:
        """One round: take the lease, tick; ``None`` when another scheduler holds the lease."""
        now = self.clock()
        if not acquire_lease(self.store, self.holder, now, self.lease_seconds):
            return None
        result = tick(self.store, now, mailer=self.mailer)
        self.rounds += 1
        self.last = result
        return result

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except (LoyalloopError, sa.exc.SQLAlchemyError, OSError) as exc:
                # the store or the mail server is away: the next round tries again
                log.warning("scheduler round failed (retried in %ss): %s", self.interval, exc)
            self._stop.wait(self.interval)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="loyalloop-scheduler", daemon=True)
        self._thread.start()
        log.info("SLA scheduler started (holder %s, every %ss)", self.holder, self.interval)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after the round in progress and give the lease back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("scheduler round still running after %ss; lease expires", timeout)
                return
            self._thread = None
        try:
            release_lease(self.store, self.holder, self.clock())
        except sa.exc.SQLAlchemyError as exc:
            log.warning("scheduler lease not released (it expires by itself): %s", exc)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
