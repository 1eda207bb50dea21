"""Survey submissions through personal links against the real server (not a timed test).

What it does, per backend (SQLite file, PostgreSQL):

1. makes a fresh store with one live NPS survey and ``rate × seconds × 1.2`` invitations;
2. starts ``loyalloop serve`` (uvicorn, one process) on 127.0.0.1 with the rate limits raised;
3. sends ``POST /r/<token>`` with JSON answers, **open loop** at a fixed rate from an asyncio
   load generator on the same machine (raw HTTP/1.1 keep-alive connections, each request on
   its own invitation). Latency runs from the moment a request was *due*, so a server that
   falls behind shows it (no coordinated omission);
4. checks that the store holds exactly the responses that were acknowledged (``201``), none
   twice ("zero lost");
5. measures the same server's ``GET /healthz`` at the same rate — the framework's floor on this
   machine, the peer the submission figure is compared with — and the submission use case
   called in-process without HTTP, which splits the time between the web layer and the
   service + database.

Usage::

    python benchmarks/service_submit.py --backend both --rate 1000 --seconds 60 \\
        --out benchmarks/results/service.md

PostgreSQL: ``--pg-admin-url`` (default: the local cluster through its Unix socket); the script
creates and drops its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loyalloop.core.config import Settings
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.services import Actor, open_store
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.responses import submit_personal
from loyalloop.services.surveys import create_survey
from loyalloop.store.models import Response

SECRET = secrets.token_urlsafe(48)
SPEC = {
    "key": "bench",
    "title": {"zh": "网点服务调查", "en": "Branch visit"},
    "questions": [
        {"id": "nps", "type": "nps", "text": {"zh": "推荐？", "en": "Recommend?"}},
        {"id": "why", "type": "text", "about": "nps", "text": {"zh": "原因", "en": "Why"}},
        {"id": "improve", "type": "text", "show_if": {"question": "nps", "max": 6},
         "required": False, "text": {"zh": "改进", "en": "Improve"}},
    ],
}  # fmt: skip
PG_ADMIN = "postgresql+psycopg:///postgres?host=/var/run/postgresql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LoadResult:
    rate: float
    seconds: float
    sent: int = 0
    status: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, accepted requests
    elapsed: float = 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return 1000 * xs[min(len(xs) - 1, int(q * len(xs)))]

    @property
    def ok(self) -> int:
        return sum(v for k, v in self.status.items() if 200 <= k < 300)

    @property
    def accepted(self) -> int:
        return self.status.get(201, 0) + self.status.get(200, 0)


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length) if length else b""
        if b"connection: close" in head.lower():
            self.writer.close()
            self.writer = None
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def open_loop(
    port: int, requests: list[bytes], rate: float, seconds: float, connections: int
) -> LoadResult:
    """Send ``requests`` at ``rate`` per second for ``seconds`` (open loop)."""
    result = LoadResult(rate, seconds)
    n = min(len(requests), int(rate * seconds))
    pool: asyncio.Queue[Conn] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Conn("127.0.0.1", port))
    start = time.perf_counter() + 0.2
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    pending = 0

    async def one(i: int, due: float) -> None:
        nonlocal pending
        conn = await pool.get()
        try:
            status, _ = await conn.request(requests[i])
            result.status[status] = result.status.get(status, 0) + 1
            if 200 <= status < 300:
                result.latencies.append(time.perf_counter() - due)
        except (OSError, asyncio.IncompleteReadError):
            result.errors += 1
            conn.close()
            conn = Conn("127.0.0.1", port)
        finally:
            pool.put_nowait(conn)
            pending -= 1
            if pending == 0 and result.sent == n:
                done.set()

    tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending += 1
        result.sent += 1
        task = loop.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    # every request is waited for (up to 10 minutes), so "acknowledged" is complete
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=600)
    result.elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return result


def submit_request(token: str, i: int) -> bytes:
    body = json.dumps(
        {
            "answers": {
                "nps": i % 11,
                "why": "办卡流程很快 fast",
                "improve": "年费" if i % 11 <= 6 else "",
            }
        },
        ensure_ascii=False,
    ).encode()
    return (
        f"POST /r/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Accept-Language: zh-CN\r\nIdempotency-Key: k{i}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def prepare(home: Path, url: str, invitations: int) -> tuple[ServiceSettings, list[str], float]:
    home.mkdir(parents=True, exist_ok=True)
    settings = ServiceSettings(
        home=home,
        database_url=url,
        secret_key=SECRET,
        env="production",  # type: ignore[arg-type]
        submit_per_minute_per_client=10**9,
        submit_per_minute_per_token=10**9,
    )
    store = open_store(settings, Settings(home=home))
    with store.session() as s:
        create_survey(s, SPEC, Actor.cli(), publish=True)
    tokens: list[str] = []
    t0 = time.perf_counter()
    for start in range(0, invitations, 20_000):
        people = [Recipient(f"C{i:08d}") for i in range(start, min(start + 20_000, invitations))]
        with store.session() as s:
            result = invite(store, s, "bench", people, Actor.cli())
        tokens += [link.url.rsplit("/", 1)[1] for link in result.links]
    invite_seconds = time.perf_counter() - t0
    store.close()
    return settings, tokens, invite_seconds


def in_process(settings: ServiceSettings, tokens: list[str], n: int) -> float:
    """Submissions per second through the use case alone (no HTTP), one thread."""
    store = open_store(settings, Settings(home=settings.home))
    t0 = time.perf_counter()
    for i, token in enumerate(tokens[:n]):
        with store.session() as s:
            submit_personal(s, settings.secret, token, {"nps": i % 11, "why": "x"}, lang="zh")
    rate = n / (time.perf_counter() - t0)
    store.close()
    return rate


def server(settings: ServiceSettings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALLOOP_HOME": str(settings.home),
        "LOYALLOOP_DATABASE_URL": settings.store_url,
        "LOYALLOOP_SECRET_KEY": SECRET,
        "LOYALLOOP_ENV": "production",
        "LOYALLOOP_SUBMIT_PER_MINUTE_PER_CLIENT": str(10**9),
        "LOYALLOOP_SUBMIT_PER_MINUTE_PER_TOKEN": str(10**9),
    }
    log = (settings.home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "loyalloop", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_backend(
    name: str, url: str, home: Path, rates: list[float], seconds: float, connections: int
) -> dict[str, Any]:
    need = int(sum(rates) * seconds) + 5_000
    settings, tokens, invite_s = prepare(home, url, need)
    out: dict[str, Any] = {"backend": name, "invitations": len(tokens), "invite_seconds": invite_s}
    port = free_port()
    proc = server(settings, port)
    try:
        # warm-up on separate invitations (first requests load modules, caches)
        warm = [submit_request(t, -i) for i, t in enumerate(tokens[-2000:], start=1)]
        wres = asyncio.run(open_loop(port, warm, 200, 5, 16))
        print(f"{name} warm-up: {wres.status}, errors {wres.errors}", flush=True)
        runs = []
        used = 0
        for rate in rates:
            reqs = [
                submit_request(t, used + i)
                for i, t in enumerate(tokens[used : used + int(rate * seconds)])
            ]
            used += len(reqs)
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            res = asyncio.run(open_loop(port, reqs, rate, seconds, connections))
            cpu = (cpu_seconds(proc.pid) - cpu0) / (time.perf_counter() - t0)
            runs.append((res, cpu))
            print(
                f"{name} rate {rate:.0f}/s: accepted {res.accepted} "
                f"({res.accepted / res.elapsed:.0f}/s), "
                f"p50 {res.pct(0.5):.1f} ms p99 {res.pct(0.99):.1f} ms, status {res.status}, "
                f"errors {res.errors}, server CPU {100 * cpu:.0f}%",
                flush=True,
            )
            if res.pct(0.99) < 50 and res.accepted == res.sent:
                break
        health = [b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"] * int(rates[0] * 20)
        hres = asyncio.run(open_loop(port, health, rates[0], 20, connections))
        print(
            f"{name} healthz at {rates[0]:.0f}/s: {hres.ok / hres.elapsed:.0f}/s, "
            f"p99 {hres.pct(0.99):.1f} ms",
            flush=True,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print((settings.home / "server.log").read_text()[-3000:], flush=True)
    engine = sa.create_engine(settings.store_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(Response)).scalar_one()
        distinct = conn.execute(
            sa.select(sa.func.count(sa.distinct(Response.invitation_id)))
        ).scalar_one()
    engine.dispose()
    out.update(runs=runs, health=hres, stored=stored, distinct=distinct, warm=wres)
    out["in_process"] = (
        in_process(settings, tokens[used : used + 3000], 3000)
        if len(tokens) > used + 3000
        else None
    )
    return out


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, {mem:.0f} GB RAM"
    )


def report(results: list[dict[str, Any]], seconds: float) -> str:
    import fastapi
    import sqlalchemy
    import uvicorn

    try:
        import psycopg

        pg = f", psycopg {psycopg.__version__}"
    except ModuleNotFoundError:
        pg = ""
    load = os.getloadavg()
    lines = [
        "# Service benchmark: survey submissions through personal links",
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/service_submit.py` "
        "(not a timed test).",
        "",
        f"- Machine: {machine()}; shared with other work (1-minute load average at the end "
        f"{load[0]:.1f} on {os.cpu_count()} CPUs), so the figures are a lower bound.",
        f"- Versions: Python {platform.python_version()}, FastAPI {fastapi.__version__}, uvicorn "
        f"{uvicorn.__version__}, SQLAlchemy {sqlalchemy.__version__}{pg}, SQLite "
        f"{sqlite3.sqlite_version}.",
        "- Server: `loyalloop serve` (one uvicorn process) on 127.0.0.1; load generator: an "
        "asyncio "
        "open-loop client on the same machine (raw HTTP/1.1 keep-alive, 64 connections), each "
        "request a new invitation's link with JSON answers (NPS, a why text, an improvement text "
        "for detractors) and an `Idempotency-Key`. Latency counts from the moment a request was "
        "due. Target: 1,000 accepted submissions/s for 60 s, p99 < 50 ms, zero lost.",
        "",
        "| backend | offered rate | seconds | accepted | accepted/s | p50 ms | p99 ms | max ms "
        "| non-2xx / errors | server CPU | `/healthz` at the same rate (peer) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in results:
        h = r["health"]
        peer = f"{h.ok / h.elapsed:,.0f}/s, p99 {h.pct(0.99):.1f} ms"
        for res, cpu in r["runs"]:
            bad = {k: v for k, v in res.status.items() if not 200 <= k < 300}
            lines.append(
                f"| {r['backend']} | {res.rate:,.0f}/s | {res.seconds:.0f} | {res.accepted:,} | "
                f"{res.accepted / res.elapsed:,.0f} | {res.pct(0.5):.1f} | {res.pct(0.99):.1f} | "
                f"{res.pct(1.0):.1f} | {bad or 0} / {res.errors} | {100 * cpu:.0f}% | {peer} |"
            )
    lines += ["", "Zero lost (responses in the store = responses acknowledged with 2xx):", ""]
    for r in results:
        acked = sum(res.accepted for res, _ in r["runs"]) + r["warm"].accepted
        same = r["stored"] == acked == r["distinct"]
        lines.append(
            f"- {r['backend']}: {acked:,} submissions acknowledged (warm-up included), "
            f"{r['stored']:,} responses in the store, on {r['distinct']:,} distinct invitations: "
            + ("**none lost, none doubled**" if same else "**MISMATCH**")
            + f". ({r['invitations']:,} invitations were created in {r['invite_seconds']:.1f} s.)"
        )
    lines += ["", "Where the time goes (submissions per second on one core):", ""]
    for r in results:
        ip = r["in_process"]
        lines.append(
            f"- {r['backend']}: the use case alone (token check, validation, upsert, commit; no "
            f"HTTP) runs at {ip:,.0f}/s in one thread"
            if ip
            else f"- {r['backend']}: n/a"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument(
        "--fallback-rates",
        default="250",
        help="rates tried (in order) when the target is missed",
    )
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--pg-admin-url", default=PG_ADMIN)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rates = [args.rate, *[float(x) for x in args.fallback_rates.split(",") if x]]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            home = Path(tmp) / "sqlite"
            results.append(
                run_backend(
                    "SQLite",
                    f"sqlite:///{home / 'service.sqlite3'}",
                    home,
                    rates,
                    args.seconds,
                    args.connections,
                )
            )
        if args.backend in ("postgresql", "both"):
            name = f"loyalloop_bench_{os.getpid()}"
            admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{name}"')
            url = (
                sa.make_url(args.pg_admin_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
            try:
                results.append(
                    run_backend(
                        "PostgreSQL", url, Path(tmp) / "pg", rates, args.seconds, args.connections
                    )
                )
            finally:
                with admin.connect() as c:
                    c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    text = report(results, args.seconds)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
