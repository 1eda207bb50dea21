"""Survey submissions through personal links against the real server (not a timed test).

What it does, per backend (SQLite file, PostgreSQL):

1. makes a fresh store with one live NPS survey and enough invitations;
2. starts ``loyalloop serve`` (uvicorn, ``--workers N`` processes) on 127.0.0.1 with the rate
   limits raised;
3. sends ``POST /r/<token>`` with JSON answers, each request on its own invitation, with one of
   two load generators on the same machine:

   * ``--client asyncio``: **open loop** at a fixed rate (raw HTTP/1.1 keep-alive connections).
     Latency runs from the moment a request was *due*, so a server that falls behind shows it
     (no coordinated omission);
   * ``--client wrk``: Debian's ``wrk`` (C) with a Lua script that gives each request the next
     personal link, a **closed loop** of N connections for the run's seconds (its latency is
     per request answered; the rate is what the server sustains at that concurrency);

4. reports the CPU seconds per answered request of the server (all its processes) and of the
   load generator — on a shared machine CPU figures hold where wall-clock rates do not;
5. checks that the store holds exactly the responses that were acknowledged (``201``), none
   twice ("zero lost"; wrk stops with at most one unanswered request per connection in flight,
   which may be stored), and counts the cases the case worker opened;
6. measures the same server's ``GET /healthz`` — the framework's floor, the peer the
   submission is compared with — and the submission use case called in-process without HTTP.

Usage (the quiet-machine run of both backends)::

    python benchmarks/service_submit.py --backend both --client wrk --seconds 60 \
        --wrk-connections 32 --links-per-second 1500 --out benchmarks/results/service.md

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
import resource
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
    client_cpu: float = 0.0  # CPU seconds of the load generator
    server_cpu: float = 0.0  # CPU seconds of the server (all its processes)
    #: percentiles (q → ms) when the load generator reports them instead of latencies (wrk)
    percentiles: dict[float, float] = field(default_factory=dict)
    label: str = ""

    def pct(self, q: float) -> float:
        if q in self.percentiles:
            return self.percentiles[q]
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


WRK_LUA = r"""
-- Each request a new invitation's personal link (tokens split between wrk's threads).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(args[2])
  tokens = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % n == tid then tokens[#tokens + 1] = line end
    i = i + 1
  end
  idx = 0
  created = 0
  updated = 0
  other = 0
  reused = 0
end

function request()
  idx = idx + 1
  local t = tokens[idx]
  if t == nil then  -- out of links: repeat one (counted; the run is then invalid)
    reused = reused + 1
    t = tokens[1]
  end
  local nps = idx % 11
  local improve = ""
  if nps <= 6 then improve = "年费" end
  local body = '{"answers":{"nps":' .. nps .. ',"why":"办卡流程很快 fast","improve":"'
    .. improve .. '"}}'
  return wrk.format("POST", "/r/" .. t, {
    ["Content-Type"] = "application/json",
    ["Accept-Language"] = "zh-CN",
    ["Idempotency-Key"] = "w" .. tid .. "-" .. idx,
  }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then updated = updated + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c, u, o, r = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    u = u + t:get("updated")
    o = o + t:get("other")
    r = r + t:get("reused")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"created":%d,"updated":%d,"other":%d,"reused":%d,'
    .. '"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, c, u, o, r, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


def wrk_load(
    port: int, tokens: list[str], seconds: float, connections: int, threads: int, home: Path
) -> LoadResult:
    """Closed loop with ``wrk`` (C; Debian package ``wrk``): ``connections`` clients each send
    the next request as soon as the last was answered, for ``seconds``."""
    script = home / "submit.lua"
    script.write_text(WRK_LUA, encoding="utf-8")
    token_file = home / "tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    cpu0 = children_cpu()
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(token_file),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line[8:])
    if data["reused"]:
        raise RuntimeError(f"wrk ran out of personal links ({data['reused']} reused)")
    res = LoadResult(
        rate=float("nan"),
        seconds=seconds,
        sent=data["requests"],
        status={201: data["created"], 200: data["updated"], 0: data["other"]},
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        elapsed=data["duration_us"] / 1e6,
        client_cpu=children_cpu() - cpu0,
        percentiles={q: data[k] / 1000 for q, k in ((0.5, "p50"), (0.99, "p99"), (1.0, "max"))},
        label=f"wrk, {connections} connections",
    )
    if not data["other"]:
        res.status.pop(0)
    return res


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


def server(settings: ServiceSettings, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
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
        [
            sys.executable,
            "-m",
            "loyalloop",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    for _ in range(1200):  # two minutes: a loaded machine migrates and imports slowly
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                # every worker up: each answers /healthz (they share the listening socket)
                time.sleep(2.0 if workers > 1 else 0.0)
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (uvicorn's workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError):
            children += task.read_text().split()
    return own + sum(cpu_seconds(int(c)) for c in children)


def own_cpu() -> float:
    """CPU seconds of this process (the asyncio load generator)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def children_cpu() -> float:
    """CPU seconds of this process's finished children (``wrk``, once waited for)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_backend(
    name: str,
    url: str,
    home: Path,
    rates: list[float],
    seconds: float,
    connections: int,
    *,
    client: str = "asyncio",
    workers: int = 1,
    wrk_connections: list[int] | None = None,
    wrk_threads: int = 1,
    links_per_second: int = 2500,
) -> dict[str, Any]:
    wrk_connections = wrk_connections or [32]
    if client == "wrk":
        # a closed loop sends as fast as it is answered: links for 2,500/s per run
        need = int(links_per_second * seconds) * len(wrk_connections) + 5_000
    else:
        need = int(sum(rates) * seconds) + 5_000
    settings, tokens, invite_s = prepare(home, url, need)
    out: dict[str, Any] = {
        "backend": name,
        "invitations": len(tokens),
        "invite_seconds": invite_s,
        "workers": workers,
        "client": client,
        "wrk_connections": wrk_connections,
    }
    port = free_port()
    proc = server(settings, port, workers)
    try:
        # warm-up on separate invitations (first requests load modules, caches)
        warm = [submit_request(t, -i) for i, t in enumerate(tokens[-2000:], start=1)]
        wres = asyncio.run(open_loop(port, warm, 200, 5, 16))
        print(f"{name} warm-up: {wres.status}, errors {wres.errors}", flush=True)
        runs: list[LoadResult] = []
        used = 0
        if client == "wrk":
            for c in wrk_connections:
                chunk = tokens[used : used + int(links_per_second * seconds)]
                cpu0 = cpu_seconds(proc.pid)
                res = wrk_load(port, chunk, seconds, c, wrk_threads, settings.home)
                res.server_cpu = cpu_seconds(proc.pid) - cpu0
                used += len(chunk)
                runs.append(res)
                _say(name, res)
        else:
            for rate in rates:
                reqs = [
                    submit_request(t, used + i)
                    for i, t in enumerate(tokens[used : used + int(rate * seconds)])
                ]
                used += len(reqs)
                cpu0, own0 = cpu_seconds(proc.pid), own_cpu()
                res = asyncio.run(open_loop(port, reqs, rate, seconds, connections))
                res.server_cpu = cpu_seconds(proc.pid) - cpu0
                res.client_cpu = own_cpu() - own0
                res.label = f"asyncio open loop, {rate:,.0f}/s offered"
                runs.append(res)
                _say(name, res)
                if res.pct(0.99) < 50 and res.accepted == res.sent:
                    break
        hrate = rates[0]
        health = [b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"] * int(hrate * 20)
        cpu0, own0 = cpu_seconds(proc.pid), own_cpu()
        hres = asyncio.run(open_loop(port, health, hrate, 20, connections))
        hres.server_cpu = cpu_seconds(proc.pid) - cpu0
        hres.client_cpu = own_cpu() - own0
        hres.label = f"GET /healthz, {hrate:,.0f}/s offered"
        _say(name, hres)
        # the case worker evaluates the last answers within moments; the scheduler's sweep
        # takes what is left
        time.sleep(3)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print((settings.home / "server.log").read_text()[-3000:], flush=True)
    out.update(runs=runs, health=hres, warm=wres, **store_counts(settings.store_url))
    out["in_process"] = (
        in_process(settings, tokens[used : used + 3000], 3000)
        if len(tokens) > used + 3000
        else None
    )
    return out


def store_counts(url: str) -> dict[str, int]:
    """Responses stored, on how many invitations, how many edited (revision > 1), and how many
    still wait for the case rules."""
    from loyalloop.store.models import CaseRow

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        one = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(Response.invitation_id)),
                sa.func.count().filter(Response.revision > 1),
                sa.func.count().filter(Response.rules_revision < Response.revision),
            ).select_from(Response)
        ).one()
        cases = conn.execute(sa.select(sa.func.count()).select_from(CaseRow)).scalar_one()
        detractors = conn.execute(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.answers["nps"].as_integer() <= 6)
        ).scalar_one()
    engine.dispose()
    return {
        "stored": one[0],
        "distinct": one[1],
        "edited": one[2],
        "rules_waiting": one[3],
        "cases": cases,
        "detractors": detractors,
    }


def _say(name: str, res: LoadResult) -> None:
    n = max(res.ok, 1)
    print(
        f"{name} {res.label}: 2xx {res.ok} ({res.ok / res.elapsed:.0f}/s), "
        f"p50 {res.pct(0.5):.1f} ms p99 {res.pct(0.99):.1f} ms, status {res.status}, "
        f"errors {res.errors}, server CPU {1000 * res.server_cpu / n:.2f} ms/submission "
        f"({100 * res.server_cpu / res.elapsed:.0f}% of a core), load generator CPU "
        f"{1000 * res.client_cpu / n:.2f} ms/submission, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


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


def report(results: list[dict[str, Any]], command: str) -> str:
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
        f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}` (not a timed test).",
        "",
        f"- Machine: {machine()}; 1-minute load average at the end {load[0]:.1f} on "
        f"{os.cpu_count()} CPUs.",
        f"- Versions: Python {platform.python_version()}, FastAPI {fastapi.__version__}, uvicorn "
        f"{uvicorn.__version__}, SQLAlchemy {sqlalchemy.__version__}{pg}, SQLite "
        f"{sqlite3.sqlite_version}.",
        "",
        "| backend | workers | load | s | 2xx | 2xx/s | p50 ms | p99 ms | max ms "
        "| non-2xx / errors | server CPU ms per request | load generator CPU ms per request "
        "| server CPU, cores |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        for res in [*r["runs"], r["health"]]:
            bad = {k: v for k, v in res.status.items() if not 200 <= k < 300}
            n = max(res.ok, 1)
            lines.append(
                f"| {r['backend']} | {r['workers']} | {res.label} | {res.seconds:.0f} | "
                f"{res.ok:,} | {res.ok / res.elapsed:,.0f} | {res.pct(0.5):.1f} | "
                f"{res.pct(0.99):.1f} | {res.pct(1.0):.1f} | {bad or 0} / {res.errors} | "
                f"{1000 * res.server_cpu / n:.2f} | {1000 * res.client_cpu / n:.2f} | "
                f"{res.server_cpu / res.elapsed:.2f} |"
            )
    lines += ["", "Zero lost (responses in the store = responses acknowledged with 2xx):", ""]
    for r in results:
        acked = sum(res.accepted for res in r["runs"]) + r["warm"].accepted
        # wrk stops with up to one request per connection in flight, unanswered: those may be
        # stored without an acknowledgement (not lost: nobody was told "accepted")
        in_flight = sum(c for c in r["wrk_connections"]) if r["client"] == "wrk" else 0
        ok = acked <= r["stored"] <= acked + in_flight and r["edited"] == 0
        lines.append(
            f"- {r['backend']}: {acked:,} submissions acknowledged (warm-up included), "
            f"{r['stored'] - acked} stored but unanswered when the load generator stopped (at "
            f"most {in_flight} in flight); {r['stored']:,} responses in the store on "
            f"{r['distinct']:,} "
            f"invitations, {r['edited']} edited twice: "
            + ("**none lost, none doubled**" if ok else "**MISMATCH**")
            + f". Case rules: {r['cases']:,} cases for {r['detractors']:,} detractor answers, "
            f"{r['rules_waiting']:,} responses still waiting for the rules at the end. "
            f"({r['invitations']:,} invitations were created in {r['invite_seconds']:.1f} s.)"
        )
    lines += ["", "The use case alone (token check, validation, upsert, commit; no HTTP):", ""]
    for r in results:
        ip = r["in_process"]
        lines.append(
            f"- {r['backend']}: {ip:,.0f}/s in one thread" if ip else f"- {r['backend']}: n/a"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--client", choices=["asyncio", "wrk"], default="asyncio")
    ap.add_argument("--rate", type=float, default=1000, help="offered rate (asyncio client)")
    ap.add_argument(
        "--fallback-rates",
        default="250",
        help="rates tried (in order) when the target is missed (asyncio client)",
    )
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, default=64, help="asyncio client's connections")
    ap.add_argument(
        "--wrk-connections", default="32", help="wrk's connections, one run per value: 16,32"
    )
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument(
        "--links-per-second",
        type=int,
        default=2500,
        help="personal links made per second of a wrk run (more than the server can take)",
    )
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--pg-admin-url", default=PG_ADMIN)
    ap.add_argument("--out", type=Path, help="append the report to this file")
    args = ap.parse_args()
    rates = [args.rate, *[float(x) for x in args.fallback_rates.split(",") if x]]
    opts: dict[str, Any] = {
        "client": args.client,
        "workers": args.workers,
        "wrk_connections": [int(x) for x in args.wrk_connections.split(",") if x],
        "wrk_threads": args.wrk_threads,
        "links_per_second": args.links_per_second,
    }
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
                    **opts,
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
                        "PostgreSQL",
                        url,
                        Path(tmp) / "pg",
                        rates,
                        args.seconds,
                        args.connections,
                        **opts,
                    )
                )
            finally:
                with admin.connect() as c:
                    c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    command = "python benchmarks/service_submit.py " + " ".join(sys.argv[1:])
    text = report(results, command)
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
