"""The kill -9 test: a real ``loyalloop worker`` process, killed with SIGKILL many times at
random moments and restarted, delivers every message to a real SMTP server (aiosmtpd) and a
local HTTP gateway; none is lost, and each message's idempotency key arrives — receivers that
keep the keys they have seen (the guarantee) see each message exactly once. Raw deliveries
(a message accepted by the receiver again because the worker died before marking it sent)
are counted and reported, not hidden."""

from __future__ import annotations

import copy
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import ibis
import pytest
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, Gateway, make_view, sms_campaign, smtp_server
from svc_fixtures import SECRET, make_store

from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import create_campaign, launch_campaign
from loyalloop.services.outbox import MARK_EVERY
from loyalloop.store.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
ME = Actor("ana@example.com", "analyst", 1)
KILLS = 12


def _sent(store: Store) -> int:
    with store.session() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.sent.value)
            )
            or 0
        )


class SlowInbox:
    """aiosmtpd handler: records every accepted message, ``delay`` seconds per message."""

    def __init__(self, inner: Any, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        return str(await self.inner.handle_DATA(server, session, envelope))


@pytest.mark.slow
def test_kill_9_loses_nothing_and_each_key_arrives(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261130)
    controller, inbox, port = smtp_server()
    # the receivers are slow while the workers are killed, so that a kill lands while one is
    # sending (between a receiver's acceptance and the mark, where a repeat can happen)
    slow_inbox = SlowInbox(controller.handler, delay=0.04)
    controller.handler = slow_inbox
    try:
        with Gateway(delay=0.04) as gw:
            env = {
                **os.environ,
                "LOYALLOOP_DATABASE_URL": store_url,
                "LOYALLOOP_SECRET_KEY": SECRET,
                "LOYALLOOP_ENV": "production",
                "LOYALLOOP_SMTP_HOST": "127.0.0.1",
                "LOYALLOOP_SMTP_PORT": str(port),
                "LOYALLOOP_SMS_GATEWAY_URL": gw.url,
                "LOYALLOOP_QUIET_HOURS_START": "00:00",
                "LOYALLOOP_QUIET_HOURS_END": "00:00",
                "LOYALLOOP_CAMPAIGN_FREQUENCY_CAP_DAYS": "0",
                "LOYALLOOP_OUTBOX_LEASE_SECONDS": "1.5",
                "LOYALLOOP_EMAIL_PER_SECOND": "0",
                "LOYALLOOP_SMS_PER_SECOND": "0",
                "OMP_WAIT_POLICY": "PASSIVE",
            }
            # no quiet hours for the launch either (as for the worker above): otherwise what the
            # launch plans depends on the time of day the test runs
            store = make_store(
                tmp_path,
                store_url,
                campaign_frequency_cap_days=0,
                quiet_hours_start=dt_time(0, 0),
                quiet_hours_end=dt_time(0, 0),
            )
            con = ibis.duckdb.connect()
            view = make_view(con)
            with store.session() as session:
                create_campaign(session, {**copy.deepcopy(CAMPAIGN), "holdout_share": 0.0}, ME)
            with store.session() as session:
                create_campaign(session, {**sms_campaign(), "holdout_share": 0.0}, ME)
            launch_campaign(store, "winback-test", view, AS_OF, ME)
            launch_campaign(store, "sms-test", view, AS_OF, ME)
            con.disconnect()
            with store.session() as session:
                keys = {
                    k: ch
                    for k, ch in session.execute(
                        sa.select(OutboxMessage.idempotency_key, OutboxMessage.channel).where(
                            OutboxMessage.status == OutboxStatus.pending.value
                        )
                    )
                }
            assert len(keys) > 200
            cmd = [
                sys.executable, "-m", "loyalloop", "--home", str(tmp_path / "home"),
                "worker", "--batch", "5", "--idle", "0.2",
            ]  # fmt: skip
            kills = 0
            sent_at_kill: list[int] = []
            deadline = time.monotonic() + 600
            while kills < KILLS and time.monotonic() < deadline:
                proc = subprocess.Popen(
                    cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                # wait until this worker is sending (start-up time depends on the machine's
                # load), then kill it at a random moment of its sending
                before = _sent(store)
                while _sent(store) == before and proc.poll() is None:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.0, 0.6))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                sent_at_kill.append(_sent(store))
            # a last worker finishes the queue (leases of the killed ones run out first); no
            # kill comes any more, so the receivers no longer wait before accepting (this
            # worker only sends the rest: over 200 messages, 0.04 s each made it ~10 s longer)
            slow_inbox.delay = gw.delay = 0.0
            time.sleep(2)
            done = subprocess.run(
                [*cmd, "--once"], env=env, capture_output=True, text=True, timeout=240
            )
            assert done.returncode == 0, done.stderr
            with store.session() as session:
                status = Counter(session.scalars(sa.select(OutboxMessage.status)))
            store.close()
    finally:
        controller.stop()
    mail_keys = [m.strip("<>").split("@")[0] for m in inbox.ids()]
    sms_keys = [g["key"] for g in gw.received]
    raw = Counter(mail_keys + sms_keys)
    expected = set(keys)
    assert status == {OutboxStatus.sent.value: len(expected)}, status
    assert set(raw) == expected  # every message arrived, nothing else did
    duplicates = sum(n - 1 for n in raw.values())
    log.warning(
        "kill -9 test: %d kills, %d messages, %d raw deliveries (%d repeated after a kill, "
        "recognised by their idempotency key)",
        kills,
        len(expected),
        sum(raw.values()),
        duplicates,
    )
    assert kills == KILLS
    # the kills hit a worker that was sending: the queue was neither empty nor untouched
    mid_queue = sum(1 for n in sent_at_kill if 0 < n < len(expected))
    log.warning("sent when each kill came: %s of %d", sent_at_kill, len(expected))
    assert mid_queue >= KILLS // 2
    assert len(set(sent_at_kill)) >= KILLS // 2  # progress between kills
    # a repeat needs a kill between the receivers' acceptance and the mark: accepted messages
    # are marked in groups of at most min(--batch, MARK_EVERY), so at most that many per kill
    assert duplicates <= kills * min(5, MARK_EVERY)
