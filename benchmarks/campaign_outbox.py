"""Campaign launch (assignment + outbox fill) and worker delivery throughput (not a timed test).

What it measures, per backend (SQLite file, PostgreSQL):

1. **Launch**: a synthetic audience view of ``--customers`` profiles in DuckDB (consent,
   e-mail, CLV, churn probability, P(alive)); an e-mail win-back campaign whose segment takes
   about 70 % of them, 10 % holdout, two arms (a fixed offer, a plain message), every treated
   customer's e-mail rendered in Jinja's sandbox. ``launch_campaign`` = plan (library) +
   assignments and outbox rows written in one transaction. Wall time and the process's peak
   RSS (each launch runs in its own child process, so the peak is that launch's). **Peer**,
   measured in the same run: ``plan_campaign`` alone (the library, nothing written) — the
   ratio is the cost of persisting.
2. **Worker**: ``--messages`` e-mails and as many SMS queued, delivered by ``run_worker`` (one
   process, rates unlimited) to aiosmtpd and a local HTTP gateway, each in its own process.
   Messages/s. **Peer**: the same messages sent straight to the same receivers over one SMTP
   session / one HTTP client with no store (the transport's floor on this machine) — the ratio
   is what claiming, re-checking and marking cost.

Usage::

    python benchmarks/campaign_outbox.py --backend both --customers 1000000 --messages 2000 \\
        --out benchmarks/results/campaigns.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

SECRET = secrets.token_urlsafe(48)
AS_OF = date(2026, 6, 30)
CAMPAIGN: dict[str, Any] = {
    "name": "bench-winback",
    "goal": "win-back",
    "channel": "email",
    "audience": {
        "name": "slipping",
        "conditions": [{"field": "churn_probability", "op": ">=", "value": 0.3}],
    },
    "holdout_share": 0.1,
    "arms": [
        {"name": "offer", "share": 0.5, "offer": "coupon_30", "template": "mail_offer"},
        {"name": "message", "share": 0.5, "template": "mail_plain"},
    ],
    "budget": 1e12,
    "contact_cost": 0.05,
    "templates": {
        "mail_offer": {
            "channel": "email",
            "subject": {"zh": "{{ customer.name }}，专属回馈", "en": "A gift for you"},
            "body": {
                "zh": "{{ customer.name }}您好：{{ offer.name }} {{ link('offer') }}",
                "en": "Hello {{ customer.name }}: {{ offer.name }} {{ link('offer') }}",
            },
            "links": {"offer": "https://example.com/offer"},
        },
        "mail_plain": {
            "channel": "email",
            "subject": {"zh": "好久不见", "en": "We miss you"},
            "body": {"zh": "{{ customer.name }}您好，欢迎回来。", "en": "Welcome back."},
        },
    },
}
GATEWAY = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def view_of(con: Any, n: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:08d}" for i in range(n)],
            "consent_email": rng.random(n) < 0.85,
            "has_email": True,
            "email": [f"c{i}@example.com" for i in range(n)],
            "name": [f"客户{i}" for i in range(n)],
            "clv": rng.gamma(1.5, 4000, n),
            "churn_probability": rng.random(n),
            "probability_alive": rng.random(n),
            "preferred_language": np.where(rng.random(n) < 0.8, "zh", "en"),
        }
    )
    return con.create_table("bench_view", frame, overwrite=True)


def store_for(url: str, home: Path, **kw: Any) -> Any:
    from loyalloop.core.config import Settings
    from loyalloop.core.service_settings import ServiceSettings
    from loyalloop.services import open_store

    settings = ServiceSettings(
        home=home,
        database_url=url,
        secret_key=SECRET,  # type: ignore[arg-type]
        env="production",  # type: ignore[arg-type]
        quiet_hours_start="00:00",  # type: ignore[arg-type]
        quiet_hours_end="00:00",  # type: ignore[arg-type]
        campaign_frequency_cap_days=0,
        **kw,
    )
    return open_store(settings, Settings(home=home))


def child_launch(url: str, home: str, customers: int, mode: str) -> None:
    """One launch (or the library plan alone) in this process; prints JSON."""
    import ibis

    from loyalloop.campaigns import LinkSigner, plan_campaign
    from loyalloop.services import Actor
    from loyalloop.services.campaigns import create_campaign, launch_campaign, parse_bundle

    con = ibis.duckdb.connect()
    view = view_of(con, customers)
    base = peak_rss_mb()
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    if mode == "plan":
        b = parse_bundle(CAMPAIGN)
        plan = plan_campaign(
            b.spec,
            view,
            AS_OF,
            now=datetime(2026, 7, 1, 10, 0),
            catalogue=b.catalogue,
            policy=b.policy,
            templates=b.templates,
            signer=LinkSigner(SECRET.encode(), "https://loop.example.com/c"),
        )
        out = {"assigned": plan.counts.assigned, "messages": len(plan.messages)}
    else:
        store = store_for(url, Path(home))
        with store.session() as session:
            create_campaign(session, CAMPAIGN, Actor("bench"))
        r = launch_campaign(store, "bench-winback", view, AS_OF, Actor("bench"))
        out = {"assigned": r.counts["assigned"], "messages": r.queued + r.failed}
        store.close()
    out["seconds"] = time.perf_counter() - t0
    out["cpu_s"] = cpu_seconds() - c0
    out["peak_rss_mb"] = peak_rss_mb()
    out["view_rss_mb"] = base
    print(json.dumps(out))


def run_child(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    p = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env
    )
    if p.returncode != 0:
        raise SystemExit(p.stderr[-3000:])
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


def worker_bench(url: str, home: Path, messages: int, mark_every: int) -> dict[str, Any]:
    import httpx
    import sqlalchemy as sa

    from loyalloop.services import outbox as _outbox
    from loyalloop.services.delivery import Sender, campaign_email

    run_worker = _outbox.run_worker
    from loyalloop.store.models import Campaign, OutboxMessage

    smtp_port, http_port = free_port(), free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c",
             "aiosmtpd.handlers.Sink"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen([sys.executable, "-c", GATEWAY, str(http_port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]  # fmt: skip
    try:
        time.sleep(3)
        store = store_for(
            url,
            home,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            sms_gateway_url=f"http://127.0.0.1:{http_port}/sms",
            email_per_second=0,
            sms_per_second=0,
        )
        now = datetime.now(UTC)
        tag = f"worker-bench-{mark_every}"
        with store.session() as session, session.begin():
            c = Campaign(
                name=tag, campaign_key=tag, goal="win-back",
                channel="email", status="launched", launched_at=now,
            )  # fmt: skip
            session.add(c)
            session.flush()
            rows = []
            for ch in ("email", "sms"):
                for i in range(messages):
                    rows.append(
                        {
                            "campaign_id": c.id, "customer_id": f"C{i:08d}", "channel": ch,
                            "idempotency_key": f"{ch}-{i:08d}-{secrets.token_hex(4)}",
                            "contact": f"c{i}@example.com" if ch == "email" else "13800000000",
                            "language": "zh", "subject": "好久不见",
                            "body": f"客户{i}您好，欢迎回来。<a href=\"https://x\">退订</a>",
                            "status": "pending", "next_attempt_at": now, "created_at": now,
                        }
                    )  # fmt: skip
            session.execute(sa.insert(OutboxMessage), rows)
        t0 = time.perf_counter()
        c0 = cpu_seconds()
        total = run_worker(store, once=True, batch=100, mark_every=mark_every)
        worker_s = time.perf_counter() - t0
        worker_cpu = cpu_seconds() - c0
        # peer: the same messages straight to the receivers, no store
        s = store.settings
        sender = Sender(s)
        t0 = time.perf_counter()
        for r in rows:
            if r["channel"] == "email":
                sender._mail(
                    campaign_email(s, key=r["idempotency_key"], to=r["contact"],
                                   subject=r["subject"], html_body=r["body"])
                )  # fmt: skip
            else:
                sender._post(s.sms_gateway_url, "", {"to": r["contact"], "text": r["body"]},
                             r["idempotency_key"], "SMS")  # fmt: skip
        peer_s = time.perf_counter() - t0
        sender.close()
        store.close()
        _ = httpx
        return {
            "messages": 2 * messages,
            "sent": total.sent,
            "worker_s": worker_s,
            "worker_per_s": total.sent / worker_s,
            "worker_cpu_s": worker_cpu,
            "peer_s": peer_s,
            "peer_per_s": 2 * messages / peer_s,
        }
    finally:
        for p in procs:
            p.terminate()
            p.wait()


def pg_database(admin_url: str) -> tuple[str, Any]:
    import sqlalchemy as sa

    name = f"loyalloop_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--skip-launch", action="store_true")
    ap.add_argument(
        "--pg-admin-url", default="postgresql+psycopg:///postgres?host=/var/run/postgresql"
    )
    ap.add_argument("--out", type=Path)
    ap.add_argument("--child", nargs=4, metavar=("URL", "HOME", "N", "MODE"))
    a = ap.parse_args()
    if a.child:
        url, home, n, mode = a.child
        child_launch(url, home, int(n), mode)
        return
    backends = ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]
    lines = []
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    peer = None if a.skip_launch else run_child(["-", "-", str(a.customers), "plan"])
    for backend in backends:
        tmp = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
        drop = None
        drops: list[Any] = []
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'l' / 'service.sqlite3'}"
            url_w = f"sqlite:///{tmp / 'w' / 'service.sqlite3'}"
        else:  # the worker gets its own database: the launch's outbox must not be in its way
            url, drop = pg_database(a.pg_admin_url)
            url_w, drop_w = pg_database(a.pg_admin_url)
            drops.append(drop_w)
        try:
            if not a.skip_launch:
                r = run_child([url, str(tmp / "l"), str(a.customers), "launch"])
                assert peer is not None
                lines.append(
                    f"| launch | {backend} | {a.customers:,} | {r['assigned']:,} assigned, "
                    f"{r['messages']:,} outbox rows | {r['seconds']:.1f} s "
                    f"(CPU {r['cpu_s']:.1f} s) | "
                    f"{r['peak_rss_mb']:,.0f} MB (view {r['view_rss_mb']:,.0f}) | "
                    f"{r['seconds'] / peer['seconds']:.2f} × the plan alone "
                    f"({peer['seconds']:.1f} s, CPU {peer['cpu_s']:.1f} s, "
                    f"{peer['peak_rss_mb']:,.0f} MB) |"
                )
                print(lines[-1], flush=True)
            for mark_every in (1, 10):  # 1 = the previous behaviour (a transaction per message)
                w = worker_bench(url_w, tmp / "w", a.messages, mark_every)
                lines.append(
                    f"| worker, marks per {mark_every} | {backend} | {w['messages']:,} messages | "
                    f"{w['sent']:,} sent | {w['worker_s']:.1f} s = {w['worker_per_s']:,.0f} "
                    f"msg/s (CPU {w['worker_cpu_s']:.1f} s) | – | "
                    f"{w['worker_per_s'] / w['peer_per_s']:.2f} × straight sending "
                    f"({w['peer_per_s']:,.0f} msg/s) |"
                )
                print(lines[-1], flush=True)
        finally:
            for d in [drop, *drops]:
                if d:
                    d()
    import sqlite3

    import sqlalchemy

    header = (
        f"Recorded {started} (load average at start {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} on {os.cpu_count()} CPUs); {platform.platform()}, Python "
        f"{platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, SQLite "
        f"{sqlite3.sqlite_version}.\n\n"
        "| what | backend | size | result | time | peak RSS | peer (same run) |\n"
        "|---|---|---:|---|---:|---:|---|\n"
    )
    end_load = os.getloadavg()
    text = (
        header
        + "\n".join(lines)
        + "\n\nLoad average at the end "
        + " / ".join(f"{x:.1f}" for x in end_load)
        + ".\n"
    )
    print(text)
    if a.out:
        with a.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
