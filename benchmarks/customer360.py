"""Customer 360 page: server time per page on a million-customer home (not a timed test).

A home with a real ``loyalloop run`` of ``--customers`` people is out of reach on a loaded
shared machine (the identity stage alone did not finish at 1M records, see
benchmarks/results/identity.md), so this builds a **synthetic** home with the same schemas:

1. a real sample home (``load_sample`` 300 customers, seed 1, card) and a real run of it;
2. every per-customer output of that run (profile_map, profiles, rfm, clv, churn_scores,
   loyalty, statuses, early_warning, win_back, feedback_analysis, feedback_aspects) tiled to
   ``--customers`` profiles with suffixed ids, rows shuffled (a run's files are in engine
   order, not sorted by key); the other outputs copied; a second run copied from the first
   (history has two points);
3. a warehouse whose ``customers`` and ``feedback`` tables are the sample's tiled the same
   way (unique synthetic phones and e-mails, so a search finds one person).

Then it measures, in one process, over ``--pages`` random customers (seeded):

* the index build (first page after a run is published): wall, CPU, RSS growth;
* ``customer_view`` (the service function) per page: median and p95;
* ``GET /customers/{id}`` through the app (TestClient, signed in as an agent): median, p95;
* ``search_customers`` by phone: median and p95;
* **peer**: the naive page — every output Parquet read in full with pandas and filtered —
  over ``--naive`` customers, as a ratio to the service's median.

    python benchmarks/customer360.py --customers 1000000 --work /tmp/c360bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TILED = {
    "profile_map": ("customer_id", "profile_id"),
    "profiles": ("profile_id",),
    "rfm": ("customer_id",),
    "clv": ("customer_id",),
    "churn_scores": ("customer_id",),
    "loyalty": ("customer_id",),
    "statuses": ("customer_id",),
    "early_warning": ("customer_id",),
    "win_back": ("customer_id",),
    "feedback_analysis": ("feedback_id", "customer_id", "profile_id"),
    "feedback_aspects": ("feedback_id", "customer_id"),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _template(work: Path) -> Path:
    from loyalloop.apps.demo import load_sample
    from loyalloop.core.config import Settings
    from loyalloop.pipeline import RunConfig, run_pipeline

    home = work / "template"
    if not (home / "runs" / "000001" / "manifest.json").exists():
        shutil.rmtree(home, ignore_errors=True)
        settings = Settings(home=home, timezone="UTC")
        load_sample(settings, customers=300, seed=1, business="card")
        run_pipeline(settings, RunConfig())
    return home


def _tile(table: pa.Table, keys: tuple[str, ...], copies: int, seed: int) -> pa.Table:
    parts = []
    for k in range(copies):
        t = table
        suffix = f"-{k:05d}"
        for key in keys:
            col = t[key].cast(pa.string())
            t = t.set_column(
                t.schema.get_field_index(key),
                key,
                pc.if_else(pc.is_valid(col), pc.binary_join_element_wise(col, suffix, ""), col),
            )
        parts.append(t)
    out = pa.concat_tables(parts)
    order = list(range(out.num_rows))
    random.Random(seed).shuffle(order)
    return out.take(pa.array(order))


def build_home(work: Path, customers: int) -> Path:
    """The synthetic home (module docstring); reused when it exists."""
    from loyalloop.core.config import Settings
    from loyalloop.data.schema import open_warehouse

    tpl = _template(work)
    home = work / f"home-{customers}"
    if (home / "runs" / "000002" / "manifest.json").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    src = tpl / "runs" / "000001"
    profiles = pq.read_metadata(src / "profiles.parquet").num_rows
    copies = -(-customers // profiles)
    run1 = home / "runs" / "000001"
    run1.mkdir(parents=True)
    manifest = json.loads((src / "manifest.json").read_text("utf-8"))
    for f in src.iterdir():
        name = f.name.removesuffix(".parquet")
        if f.suffix == ".parquet" and name in TILED:
            t = _tile(pq.read_table(f), TILED[name], copies, seed=len(name))
            pq.write_table(t, run1 / f.name)
            manifest["tables"][name]["rows"] = t.num_rows
        elif f.name != "manifest.json":
            shutil.copy(f, run1 / f.name)
    (run1 / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    run2 = home / "runs" / "000002"
    shutil.copytree(run1, run2)
    manifest["run"] = 2
    (run2 / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    (home / "runs" / ".last-run").write_text("2", "ascii")

    settings = Settings(home=home, timezone="UTC")
    with open_warehouse(settings) as wh:
        con = wh.raw
        con.execute(f"ATTACH '{tpl / 'warehouse.duckdb'}' AS tpl (READ_ONLY)")
        for table, replace in (
            (
                "customers",
                "c.customer_id || '-' || lpad(k.range::VARCHAR, 5, '0') AS customer_id, "
                "'+86139' || lpad((row_number() OVER ())::VARCHAR, 8, '0') AS phone_e164, "
                "'c' || (row_number() OVER ())::VARCHAR || '@example.com' AS email_normalized",
            ),
            (
                "feedback",
                "c.feedback_id || '-' || lpad(k.range::VARCHAR, 5, '0') AS feedback_id, "
                "CASE WHEN c.customer_id IS NULL THEN NULL "
                "ELSE c.customer_id || '-' || lpad(k.range::VARCHAR, 5, '0') END AS customer_id",
            ),
        ):
            mine = {str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()}
            theirs = [str(r[0]) for r in con.execute(f"DESCRIBE tpl.{table}").fetchall()]
            cols = [c for c in theirs if c in mine]
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM ("
                f"SELECT * REPLACE ({replace}) FROM tpl.{table} c, range({copies}) k)"
            )
        con.execute("DETACH tpl")
    return home


def _stats(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return statistics.median(ms), p95


def _naive_page(run_dir: Path, pid: str) -> int:
    """The peer: every per-customer output read in full with pandas, then filtered."""
    import pandas as pd

    rows = 0
    for name, keys in TILED.items():
        df = pd.read_parquet(run_dir / f"{name}.parquet")
        key = "profile_id" if "profile_id" in keys and name != "profile_map" else keys[0]
        if name == "profile_map":
            key = "profile_id"
        rows += int((df[key] == pid).sum())
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--naive", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/c360bench"))
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    home = build_home(args.work, args.customers)
    built_s = time.perf_counter() - t0

    from fastapi.testclient import TestClient

    from loyalloop.api import create_app
    from loyalloop.api.deps import SESSION_COOKIE
    from loyalloop.core.config import Settings
    from loyalloop.core.service_settings import load_service_settings
    from loyalloop.services import Actor, open_store
    from loyalloop.services.customer360 import customer_index, customer_view, search_customers
    from loyalloop.services.users import add_user, create_session
    from loyalloop.store.models import User

    settings = Settings(home=home, timezone="UTC")
    store = open_store(load_service_settings(home, env="local"), settings)
    with store.session() as s:
        user = s.query(User).filter_by(email="bench-agent@bank.example").one_or_none()
        if user is None:
            user = add_user(
                s, "bench-agent@bank.example", "agent", "bench password 2026", Actor.cli()
            )
        login = create_session(s, store.settings, user)

    rss0 = _rss_mb()
    w0, c0 = time.perf_counter(), time.process_time()
    index = customer_index(settings)
    build = (time.perf_counter() - w0, time.process_time() - c0, _rss_mb() - rss0)
    ids = [
        str(r[0])
        for r in index._con.execute(
            f"SELECT profile_id FROM profiles USING SAMPLE reservoir({int(args.pages)} ROWS) "
            "REPEATABLE (7)"
        ).fetchall()
    ]
    with_feedback = len(
        index._con.execute(
            "SELECT DISTINCT profile_id FROM feedback_analysis "
            "WHERE profile_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
    )

    service: list[float] = []
    cpu0 = time.process_time()
    with store.session() as s:
        for pid in ids:
            t = time.perf_counter()
            customer_view(settings, s, pid, unmask=True)
            service.append(time.perf_counter() - t)
    service_cpu = (time.process_time() - cpu0) / len(ids)

    app = create_app(store.settings, settings, store=store)
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, login.session_token)
    http: list[float] = []
    for pid in ids:
        t = time.perf_counter()
        r = client.get(f"/customers/{pid}")
        http.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text[:500]

    phones = [
        str(r[0])
        for r in index._con.execute(
            "SELECT customer_id FROM profile_map USING SAMPLE reservoir(50 ROWS) REPEATABLE (8)"
        ).fetchall()
    ]
    from loyalloop.core.warehouse import Warehouse

    with Warehouse(settings, read_only=True) as wh:
        marks = ", ".join("?" for _ in phones)
        numbers = [
            str(r[0])
            for r in wh.execute(
                f"SELECT phone_e164 FROM customers WHERE customer_id IN ({marks})", phones
            ).fetchall()
        ]
    search: list[float] = []
    for number in numbers:
        local = number[3:6] + " " + number[6:10] + " " + number[10:]
        t = time.perf_counter()
        found = search_customers(settings, local, unmask=False)
        search.append(time.perf_counter() - t)
        assert len(found) == 1, (number, found)

    naive: list[float] = []
    for pid in ids[: args.naive]:
        t = time.perf_counter()
        _naive_page(index.run.path, pid)
        naive.append(time.perf_counter() - t)
    store.close()

    med_s, p95_s = _stats(service)
    med_h, p95_h = _stats(http)
    med_q, p95_q = _stats(search)
    med_n, p95_n = _stats(naive)
    import duckdb
    import fastapi

    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs",
        "load_average": os.getloadavg(),
        "versions": {
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "pyarrow": pa.__version__,
            "fastapi": fastapi.__version__,
        },
        "customers": int(pq.read_metadata(index.run.path / "profiles.parquet").num_rows),
        "home_built_seconds": round(built_s, 1),
        "index_build": {"wall_s": build[0], "cpu_s": build[1], "rss_growth_mb": build[2]},
        "pages": len(ids),
        "pages_with_feedback": with_feedback,
        "service_ms": {"median": med_s, "p95": p95_s, "cpu_per_page_ms": service_cpu * 1000},
        "http_ms": {"median": med_h, "p95": p95_h},
        "search_phone_ms": {"median": med_q, "p95": p95_q, "n": len(search)},
        "naive_ms": {"median": med_n, "p95": p95_n, "n": len(naive)},
        "naive_over_service": med_n / med_s,
    }
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
