"""Benchmark: identity resolution on the sample's customers, against the exact-key pass alone.

Each step runs as its own process so whole-process time and peak memory compare fairly:

    python benchmarks/identity_resolution.py make-data --customers 1000000 --business retail
    python benchmarks/identity_resolution.py exact          # exact keys only (data.unify)
    python benchmarks/identity_resolution.py probabilistic  # exact keys + splink model

``make-data`` generates the sample (planted duplicates and households, truth kept apart),
writes ``customers.csv`` and ingests it into a warehouse under ``benchmarks/data/identity``.
The two runs read that warehouse, resolve identities, and print one JSON line: the time of the
resolution itself, peak resident memory of the process, pairs compared, profiles, and pair
precision and recall against the truth. Results are in benchmarks/results/identity.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / "data" / "identity"


def _settings():  # type: ignore[no-untyped-def]
    from loyalloop.core import Settings

    return Settings(home=DATA / "home", timezone="UTC", phone_region="CN", memory_limit="4GB")


def make_data(customers: int, business: str, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse
    from loyalloop.sample import generate
    from loyalloop.sample.io import _to_arrow

    DATA.mkdir(parents=True, exist_ok=True)
    sample = generate(customers=customers, seed=seed, business=business)  # type: ignore[arg-type]
    path = DATA / "customers.csv"
    pacsv.write_csv(_to_arrow("customers", sample.customers), path)
    truth = sample.truth[["customer_id", "person_id", "duplicate_of", "household_of"]]
    pq.write_table(pa.Table.from_pandas(truth, preserve_index=False), DATA / "truth.parquet")
    del sample
    import shutil

    shutil.rmtree(DATA / "home", ignore_errors=True)
    with open_warehouse(_settings()) as wh:
        result = ingest(wh, "customers", [path])
    print(json.dumps({"customers": customers, "business": business, "ingest": str(result)}))


def run(method: str) -> None:
    import ibis

    from loyalloop.core import Warehouse
    from loyalloop.data.identity import IdentityConfig, MatchMode, pair_metrics, resolve_identities
    from loyalloop.data.unify import build_profiles

    with Warehouse(_settings()) as wh:
        customers = wh.table("customers")
        truth = wh.ibis.read_parquet(DATA / "truth.parquet", table_name="_truth")
        started = time.perf_counter()
        extra: dict[str, object] = {}
        if method == "exact":
            id_map, _ = build_profiles(wh.ibis, customers)
            id_map = wh.ibis.create_table("_bench_map", id_map, temp=True, overwrite=True)
        else:
            mode = MatchMode.PROBABILISTIC if method == "probabilistic" else MatchMode.EXACT
            result = resolve_identities(wh.ibis, customers, IdentityConfig(mode=mode))
            id_map = result.id_map
            extra = result.summary.to_dict()
        seconds = time.perf_counter() - started
        metrics = pair_metrics(id_map, truth)
        records = int(customers.count().execute())
        profiles = int(id_map.profile_id.nunique().execute())
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out = {
            "method": method,
            "records": records,
            "profiles": profiles,
            "seconds": round(seconds, 1),
            "peak_mib": round(peak_mib),
            **metrics.to_dict(),
            "summary": extra,
        }
        del ibis
        print(json.dumps(out, default=str))


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-data")
    m.add_argument("--customers", type=int, default=1_000_000)
    m.add_argument("--business", default="retail", choices=["card", "retail"])
    m.add_argument("--seed", type=int, default=1)
    for name in ("exact", "exact-with-conflicts", "probabilistic"):
        sub.add_parser(name)
    args = p.parse_args(argv)
    if args.cmd == "make-data":
        make_data(args.customers, args.business, args.seed)
    else:
        run(args.cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
