"""CPU per response of the case worker's rules (not a timed test).

The case worker (``services/response_hooks.py``) takes about a third of the server's CPU per
accepted submission in ``service_submit.py``'s runs (most answers there are detractors, each
opens a case). This script measures that share alone, in one process: a fresh store (SQLite
file or PostgreSQL), ``--responses`` detractor answers stored through the submission use case,
then :func:`loyalloop.services.cases.cases_from_responses` on them in the worker's batches of
500 — the process's CPU time (user+sys) and the wall time per response, and the cases made
(one per customer, checked). With ``--profile`` it prints the cProfile of the rules' batches.

Usage::

    python benchmarks/case_rules_cost.py --backend both --responses 2000
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from loyalloop.core.config import Settings
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.services import Actor, open_store
from loyalloop.services.cases import cases_from_responses
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.responses import submit_personal
from loyalloop.services.surveys import create_survey
from loyalloop.store.models import CaseRow

sys.path.insert(0, str(Path(__file__).parent))
from service_submit import PG_ADMIN, SECRET, SPEC


def measure(url: str, home: Path, n: int, profile: bool) -> dict[str, float]:
    settings = ServiceSettings(
        home=home,
        database_url=url,
        secret_key=SECRET,
        env="production",  # type: ignore[arg-type]
    )
    store = open_store(settings, Settings(home=home))
    with store.session() as s:
        create_survey(s, SPEC, Actor.cli(), publish=True)
        links = invite(store, s, "bench", [Recipient(f"C{i:06d}") for i in range(n)], Actor.cli())
    ids = []
    detractor = {"nps": 3, "why": "办卡流程太慢 slow", "improve": "快一点"}
    with store.session() as s:
        for link in links.links:
            token = link.url.rsplit("/", 1)[1]
            ids.append(submit_personal(s, settings.secret, token, detractor, lang="zh").response_id)
    prof = cProfile.Profile() if profile else None
    c0, w0 = time.process_time(), time.perf_counter()
    if prof is not None:
        prof.enable()
    for start in range(0, n, 500):
        cases_from_responses(store, ids[start : start + 500])
    if prof is not None:
        prof.disable()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    with store.session() as s:
        made = s.scalar(sa.select(sa.func.count()).select_from(CaseRow))
    store.close()
    if made != n:
        raise SystemExit(f"expected {n} cases, found {made}")
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return {"cpu_ms": 1000 * cpu / n, "wall_ms": 1000 * wall / n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--responses", type=int, default=2000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--pg-admin-url", default=PG_ADMIN)
    args = ap.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            if backend == "sqlite":
                res = measure(
                    f"sqlite:///{home / 'service.sqlite3'}", home, args.responses, args.profile
                )
            else:
                name = f"loyalloop_cases_{os.getpid()}_{secrets.token_hex(3)}"
                admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                try:
                    url = sa.make_url(args.pg_admin_url).set(database=name)
                    plain = url.render_as_string(hide_password=False)
                    res = measure(plain, home, args.responses, args.profile)
                finally:
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    admin.dispose()
        load = os.getloadavg()[0]
        print(
            f"{backend}: {args.responses} detractor answers -> {args.responses} cases; "
            f"CPU {res['cpu_ms']:.2f} ms/response, wall {res['wall_ms']:.2f} ms/response, "
            f"load average {load:.1f}"
        )


if __name__ == "__main__":
    main()
