"""Escalation exactly once across kill -9: the real ``loyalloop cases tick`` process is killed
with SIGKILL at random moments and started again; afterwards every breach has been decided
once and e-mailed (aiosmtpd records the messages). On SQLite and PostgreSQL."""

from __future__ import annotations

import collections
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from smtpkit import free_port, smtp_server
from svc_fixtures import SECRET, make_store

from loyalloop.cases import Signal, SignalKind
from loyalloop.services import Actor
from loyalloop.services.cases import apply_signals, set_team
from loyalloop.store.models import CaseNotification, CaseRow

MON_9 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
CASES = 60
KILLS = 6


def test_each_breach_escalates_once_across_kill_9(tmp_path: Path, store_url: str) -> None:
    port = free_port()
    store = make_store(tmp_path, store_url, smtp_host="127.0.0.1", smtp_port=port,
                       smtp_from="cases@bank.example")  # fmt: skip
    try:
        with store.session() as s:
            set_team(s, "cx_callback", actor=Actor.cli(), manager_email="boss@bank.example")
            signals = [
                Signal(f"r{i}", f"C{i}", SignalKind.FEEDBACK, MON_9, score_type="nps", score=0)
                for i in range(CASES)
            ]
            assert len(apply_signals(s, signals, now=MON_9).opened) == CASES
    finally:
        store.close()
    env = {
        **os.environ,
        "LOYALLOOP_HOME": str(tmp_path / "home"),
        "LOYALLOOP_DATABASE_URL": store_url,
        "LOYALLOOP_ENV": "production",
        "LOYALLOOP_SECRET_KEY": SECRET,
        "LOYALLOOP_SMTP_HOST": "127.0.0.1",
        "LOYALLOOP_SMTP_PORT": str(port),
        "LOYALLOOP_SMTP_FROM": "cases@bank.example",
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    later = (MON_9 + dt.timedelta(hours=6)).isoformat()
    cmd = [sys.executable, "-m", "loyalloop", "cases", "tick", "--now", later, "--json"]
    rng = random.Random(13)
    killed_during_work = 0
    with smtp_server(port) as inbox:
        for _ in range(KILLS):
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(rng.uniform(0.3, 4.0))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed_during_work += 1
            proc.wait(30)
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-2000:]
        ids = inbox.ids()
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            breaches = conn.execute(
                sa.select(CaseNotification.case_id, CaseNotification.message_id,
                          CaseNotification.status)
                .where(CaseNotification.kind == "breach", CaseNotification.target ==
                       "first_response")
            ).all()  # fmt: skip
            escalated = conn.scalar(
                sa.select(sa.func.count()).select_from(CaseRow).where(
                    CaseRow.escalated_at.is_not(None))
            )  # fmt: skip
    finally:
        engine.dispose()
    # every breach decided exactly once (the unique key), every case marked escalated
    assert sorted(b[0] for b in breaches) == sorted(set(b[0] for b in breaches))
    assert len(breaches) == CASES and escalated == CASES
    assert {b[2] for b in breaches} == {"sent"}
    # every escalation e-mailed; a message re-sent after a kill keeps its Message-ID
    expected = {b[1] for b in breaches}
    counts = collections.Counter(i for i in ids if "breach" in i)
    assert set(counts) == expected
    resent = sum(c - 1 for c in counts.values())
    # a duplicate is possible only if a kill fell between the server's "250 OK" and the
    # commit of the "sent" mark: at most one per kill
    assert resent <= killed_during_work
