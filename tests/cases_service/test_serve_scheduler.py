"""The SLA scheduler inside ``loyalloop serve``: one lease holder per home, a clean shutdown that
gives the lease back, ``--no-scheduler``; a real ``serve --workers 2`` escalates a late case
once (aiosmtpd) with one holder throughout."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import sqlalchemy as sa
from smtpkit import free_port, smtp_server
from svc_fixtures import SECRET, make_store

from loyalloop.cases import Signal, SignalKind
from loyalloop.services import Actor, Store
from loyalloop.services.background import (
    BackgroundScheduler,
    acquire_lease,
    lease_holder,
    release_lease,
)
from loyalloop.services.cases import apply_signals, set_team
from loyalloop.store.models import CaseNotification

MON_9 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)


class Outbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)


def _late_cases(store: Store, n: int, opened: dt.datetime) -> None:
    with store.session() as s:
        set_team(s, "cx_callback", actor=Actor.cli(), manager_email="boss@bank.example")
        signals = [
            Signal(f"r{i}", f"C{i}", SignalKind.FEEDBACK, opened, score_type="nps", score=0)
            for i in range(n)
        ]
        assert len(apply_signals(s, signals, now=opened).opened) == n


def test_one_lease_holder_takeover_and_release(tmp_path: Path, store_url: str) -> None:
    store = make_store(tmp_path, store_url, scheduler_lease_seconds=60)
    clock = {"now": MON_9}
    try:
        _late_cases(store, 2, MON_9)
        clock["now"] = MON_9 + dt.timedelta(hours=6)
        a = BackgroundScheduler(store, clock=lambda: clock["now"], mailer=Outbox())
        b = BackgroundScheduler(store, clock=lambda: clock["now"], mailer=Outbox())
        assert a.holder != b.holder
        first = a.run_once()
        assert first is not None and first.breaches == 2  # a holds the lease and works
        assert b.run_once() is None  # b waits
        assert lease_holder(store, clock["now"]) == a.holder
        clock["now"] += dt.timedelta(seconds=30)
        assert a.run_once() is not None and b.run_once() is None  # a renews
        # a is killed (never renews): after the lease runs out, b takes over
        clock["now"] += dt.timedelta(seconds=61)
        assert b.run_once() is not None and a.run_once() is None
        assert lease_holder(store, clock["now"]) == b.holder
        # b stops cleanly: the lease is given back at once, a works again
        release_lease(store, b.holder, clock["now"])
        assert lease_holder(store, clock["now"]) is None
        assert a.run_once() is not None
        # a release by a non-holder changes nothing
        release_lease(store, b.holder, clock["now"])
        assert lease_holder(store, clock["now"]) == a.holder
        assert acquire_lease(store, 12345, clock["now"], 60) is False
    finally:
        store.close()


def test_thread_escalates_and_stops_cleanly(tmp_path: Path, store_url: str) -> None:
    store = make_store(tmp_path, store_url, scheduler_interval_seconds=0.05)
    try:
        _late_cases(store, 3, MON_9)
        outbox = Outbox()
        runner = BackgroundScheduler(store, clock=lambda: MON_9 + dt.timedelta(hours=6),
                                     mailer=outbox)  # fmt: skip
        runner.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(outbox.messages) < 3:
            time.sleep(0.05)
        runner.stop(timeout=30)
        assert not runner.running and runner.rounds >= 1
        assert lease_holder(store, MON_9 + dt.timedelta(hours=6)) is None  # given back
        ids = [str(m["Message-ID"]) for m in outbox.messages]
        assert len(ids) == 3 and len(set(ids)) == 3 and all("breach" in i for i in ids)
    finally:
        store.close()


def _serve(
    tmp_path: Path, store_url: str, port: int, smtp: int, *flags: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALLOOP_HOME": str(tmp_path / "home"),
        "LOYALLOOP_DATABASE_URL": store_url,
        "LOYALLOOP_ENV": "production",
        "LOYALLOOP_SECRET_KEY": SECRET,
        "LOYALLOOP_SMTP_HOST": "127.0.0.1",
        "LOYALLOOP_SMTP_PORT": str(smtp),
        "LOYALLOOP_SMTP_FROM": "cases@bank.example",
        "LOYALLOOP_SCHEDULER_INTERVAL_SECONDS": "0.2",
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "loyalloop", "serve", "--port", str(port), *flags],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise AssertionError("server did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("serve did not shut down within 60 s of SIGTERM") from None


def _breaches(store_url: str) -> list[tuple[int, str, str]]:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(CaseNotification.case_id, CaseNotification.message_id,
                          CaseNotification.status).where(CaseNotification.kind == "breach")
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    return [(int(a), str(b), str(c)) for a, b, c in rows]


def test_serve_two_workers_one_scheduler_escalates_once(tmp_path: Path, store_url: str) -> None:
    smtp = free_port()
    store = make_store(tmp_path, store_url)
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)  # long past every target
    try:
        _late_cases(store, 4, opened)
    finally:
        store.close()
    port = free_port()
    with smtp_server(smtp) as inbox:
        proc = _serve(tmp_path, store_url, port, smtp, "--workers", "2")
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                rows = _breaches(store_url)
                if len(rows) == 8 and all(r[2] == "sent" for r in rows):
                    break
                time.sleep(0.3)
            store = make_store(tmp_path, store_url)
            try:
                holders = set()
                for _ in range(10):  # the same holder round after round
                    holders.add(lease_holder(store))
                    time.sleep(0.2)
            finally:
                store.close()
        finally:
            _stop(proc)
        ids = inbox.ids()
    rows = _breaches(store_url)
    # 4 cases × (first response, resolution) breaches, each decided and e-mailed once
    assert len(rows) == 8 and {r[2] for r in rows} == {"sent"}
    counts = collections.Counter(i for i in ids if "breach" in i)
    assert set(counts) == {r[1] for r in rows} and set(counts.values()) == {1}
    assert len(holders) == 1 and None not in holders
    store = make_store(tmp_path, store_url)
    try:
        assert lease_holder(store) is None  # SIGTERM: each worker stopped, the lease given back
    finally:
        store.close()


def test_serve_no_scheduler(tmp_path: Path, store_url: str) -> None:
    smtp = free_port()
    store = make_store(tmp_path, store_url)
    try:
        _late_cases(store, 1, dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    finally:
        store.close()
    port = free_port()
    with smtp_server(smtp) as inbox:
        proc = _serve(tmp_path, store_url, port, smtp, "--no-scheduler")  # returns once up
        try:
            time.sleep(3)  # fifteen scheduler intervals after the server answered
            assert _breaches(store_url) == []
            # a scheduler takes the lease as it starts (the other tests see a holder at once):
            # without one, nobody holds it
            store = make_store(tmp_path, store_url)
            try:
                assert lease_holder(store) is None
            finally:
                store.close()
        finally:
            _stop(proc)
        assert inbox.messages == []
