"""Benchmark: identity resolution on the sample's customers, against the exact-key pass alone.

Each step runs as its own process so whole-process time and peak memory compare fairly:

    python benchmarks/identity_resolution.py make-data --customers 1000000 --business retail
    python benchmarks/identity_resolution.py exact          # exact keys only (data.unify)
    python benchmarks/identity_resolution.py exact-with-conflicts  # exact keys, conflict guards
    python benchmarks/identity_resolution.py probabilistic  # exact keys + splink model
    python benchmarks/identity_resolution.py probabilistic --max-name-group 1000000000  # uncapped
    python benchmarks/identity_resolution.py samples --seeds 0 1 2  # precision/recall on samples
    python benchmarks/identity_resolution.py engines --customers 10000  # DuckDB against Spark

``make-data`` generates the sample (planted duplicates and households, truth kept apart),
writes ``customers.csv`` and ingests it into a warehouse under ``benchmarks/data/identity``.
The three runs read that warehouse, resolve identities, and print one JSON line: the time of the
resolution itself, peak resident memory of the process, pairs compared, profiles, and pair
precision and recall against the truth. ``samples`` generates the sample as ``loyalloop sample``
does (10,000 customers, card and retail, the given seeds), resolves it both ways and prints pair
precision and recall, and for the probabilistic pass the share of planted duplicates found per
kind of variation. ``engines`` resolves one sample on DuckDB and on Spark local mode in one
process and compares them pair for pair, with precision and recall by script of the two names
(both Han, both Latin, one of each). Results are in benchmarks/results/identity.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / "data" / "identity"


def _use(data: Path) -> None:
    """Work under ``data`` instead of the default folder (``--data``)."""
    global DATA
    DATA = data


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


def run(method: str, max_name_group: int | None = None) -> None:
    import dataclasses

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
            config = IdentityConfig(mode=mode)
            if max_name_group is not None:
                config = dataclasses.replace(config, max_name_group=max_name_group)
            result = resolve_identities(wh.ibis, customers, config)
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


def blocks(max_name_group: int | None) -> None:
    """Pairs each blocking rule gives, and the true pairs it holds (alone and with others).

    One JSON line per rule: ``pairs`` (Σ C(n, 2) over its blocks), ``largest_block``,
    ``true_pairs`` (pairs of one person inside its blocks) and ``only_here`` (true pairs no
    other rule blocks); then a line for all rules together (``pairs`` there counts a pair once
    per rule that gives it, as the rules' union is what splink compares).
    """
    import dataclasses

    from loyalloop.core import Warehouse
    from loyalloop.data.identity import IdentityConfig
    from loyalloop.data.identity.features import BLOCK_COLUMNS as RULES
    from loyalloop.data.identity.features import with_blocks
    from loyalloop.data.identity.resolve import _keyed_features, _materialize

    cfg = IdentityConfig()
    if max_name_group is not None:
        cfg = dataclasses.replace(cfg, max_name_group=max_name_group)
    with Warehouse(_settings()) as wh:
        con = wh.ibis
        keyed = _keyed_features(con, wh.table("customers"))
        f = _materialize(
            con, with_blocks(keyed, cfg.max_key_group, cfg.max_name_group), "_bench_features"
        )
        truth = con.read_parquet(DATA / "truth.parquet", table_name="_truth")
        t = truth.select("customer_id", "person_id")
        true = t.join(t, "person_id").filter(lambda x: x.customer_id < x.customer_id_right)
        cols = ["customer_id", *RULES]
        fl = f.select(*cols).rename({f"{c}_l": c for c in cols})
        fr = f.select(*cols).rename({f"{c}_r": c for c in cols})
        tp = true.join(fl, true.customer_id == fl.customer_id_l).join(
            fr, true.customer_id_right == fr.customer_id_r
        )
        tp = tp.mutate(
            **{f"in_{r}": (tp[f"{r}_l"] == tp[f"{r}_r"]).fill_null(False) for r in RULES}
        )
        flags = tp.select(*[f"in_{r}" for r in RULES]).to_pandas()
        total_true = len(flags)
        union = flags.any(axis=1)
        print(json.dumps({"max_name_group": cfg.max_name_group, "true_pairs": total_true}))
        total = 0
        for r in RULES:
            nn = f.filter(f[r].notnull())
            g = nn.group_by(r).aggregate(n=nn.count())
            pairs = round(float((g.n * (g.n - 1) / 2).sum().fill_null(0).execute()))
            largest = int(g.n.max().fill_null(0).execute())
            others = flags.drop(columns=[f"in_{r}"]).any(axis=1)
            only = int((flags[f"in_{r}"] & ~others).sum())
            total += pairs
            print(
                json.dumps(
                    {
                        "rule": r,
                        "pairs": pairs,
                        "largest_block": largest,
                        "true_pairs": int(flags[f"in_{r}"].sum()),
                        "only_here": only,
                    }
                )
            )
        print(
            json.dumps(
                {"rule": "all", "pairs_summed": total, "true_pairs_blocked": int(union.sum())}
            )
        )


def samples(customers: int, seeds: list[int]) -> None:
    import tempfile

    import ibis
    import pandas as pd

    from loyalloop.core import Settings
    from loyalloop.data.identity import IdentityConfig, MatchMode, pair_metrics, resolve_identities
    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse
    from loyalloop.sample import generate, write_sample

    for business in ("card", "retail"):
        for seed in seeds:
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                sample = generate(customers=customers, seed=seed, business=business)  # type: ignore[arg-type]
                files = write_sample(sample, root / "sample")
                settings = Settings(home=root / "home", timezone="UTC", phone_region="CN")
                truth = ibis.memtable(sample.truth[["customer_id", "person_id"]])
                with open_warehouse(settings) as wh:
                    ingest(wh, "customers", [files["customers"]])
                    out: dict[str, object] = {"business": business, "seed": seed}
                    for mode in (MatchMode.EXACT, MatchMode.PROBABILISTIC):
                        started = time.perf_counter()
                        r = resolve_identities(
                            wh.ibis, wh.table("customers"), IdentityConfig(mode=mode)
                        )
                        m = pair_metrics(r.id_map, truth)
                        out[mode.value] = {
                            "seconds": round(time.perf_counter() - started, 1),
                            "precision": round(m.precision or 0.0, 4),
                            "recall": round(m.recall or 0.0, 4),
                            "predicted_pairs": m.predicted_pairs,
                            "true_pairs": m.true_pairs,
                            "correct_pairs": m.correct_pairs,
                            "review_pairs": r.summary.review_pairs,
                            "refused_pairs": r.summary.refused_pairs,
                            "compared_pairs": r.summary.compared_pairs,
                        }
                    t = sample.truth.set_index("customer_id")
                    profile = r.id_map.to_pandas().set_index("customer_id")["profile_id"]
                    dups = t[t["duplicate_of"].notna()]
                    found = (
                        profile.loc[dups.index].to_numpy()
                        == profile.loc[dups["duplicate_of"]].to_numpy()
                    )
                    kinds = dups["duplicate_variation"].fillna("").str.split(";").explode()
                    hit = pd.Series(found, index=dups.index).reindex(kinds.index)
                    by_kind = hit.groupby(kinds.to_numpy()).agg(["mean", "size"])
                    out["found_by_variation"] = {
                        str(k): [round(float(v["mean"]), 3), int(v["size"])]
                        for k, v in by_kind.iterrows()
                    }
                print(json.dumps(out), flush=True)


def _pairs(frame, group: str):  # type: ignore[no-untyped-def]
    """Record pairs ``(a, b)``, ``a < b``, of the groups of ``frame[group]``."""
    g = frame[["customer_id", group]].dropna()
    p = g.merge(g, on=group, suffixes=("_l", "_r"))
    p = p[p.customer_id_l < p.customer_id_r]
    return set(zip(p.customer_id_l, p.customer_id_r, strict=True))


def _by_script(id_map, truth, han: dict[str, bool]) -> dict[str, dict[str, float | int]]:  # type: ignore[no-untyped-def]
    """Pair precision and recall for pairs of two Han names, two Latin names, one of each."""
    predicted = _pairs(id_map, "profile_id")
    true = _pairs(truth, "person_id")

    def kind(pair: tuple[str, str]) -> str:
        a, b = han[pair[0]], han[pair[1]]
        return "zh" if a and b else "latin" if not (a or b) else "mixed"

    out: dict[str, dict[str, float | int]] = {}
    for k in ("zh", "latin", "mixed"):
        pk = {q for q in predicted if kind(q) == k}
        tk = {q for q in true if kind(q) == k}
        right = len(pk & tk)
        out[k] = {
            "true_pairs": len(tk),
            "merged_pairs": len(pk),
            "correct": right,
            "precision": round(right / len(pk), 4) if pk else float("nan"),
            "recall": round(right / len(tk), 4) if tk else float("nan"),
        }
    return out


def engines(customers: int, business: str, seed: int) -> None:
    """Resolve one sample on DuckDB and on Spark local mode; compare pair for pair."""
    import re
    import tempfile

    from loyalloop.core import Settings
    from loyalloop.core.spark import SparkWarehouse, local_session
    from loyalloop.data.identity import IdentityConfig, resolve_identities
    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse
    from loyalloop.sample import generate, write_sample

    han_re = re.compile(r"[\u3400-\u9fff]")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = generate(customers=customers, seed=seed, business=business)  # type: ignore[arg-type]
        files = write_sample(sample, root / "sample")
        settings = Settings(home=root / "home", timezone="UTC", phone_region="CN")
        truth = sample.truth[["customer_id", "person_id"]]
        han = {
            str(c): bool(han_re.search(str(n)))
            for c, n in zip(sample.customers.customer_id, sample.customers.name, strict=True)
        }
        results = {}
        with open_warehouse(settings) as wh:
            ingest(wh, "customers", [files["customers"]])
            arrow = wh.table("customers").to_pyarrow()
            t0, c0 = time.perf_counter(), time.process_time()
            r = resolve_identities(wh.ibis, wh.table("customers"), IdentityConfig())
            results["duckdb"] = (r, time.perf_counter() - t0, time.process_time() - c0)
            duck_map = r.id_map.to_pandas()
            duck_review = r.review.to_pandas()
        spark = local_session(root / "spark", app="identity-bench")
        sw = SparkWarehouse(spark, settings)
        sw.register("customers", arrow)
        t0, c0 = time.perf_counter(), time.process_time()
        r = resolve_identities(sw.ibis, sw.table("customers"), IdentityConfig())
        results["spark"] = (r, time.perf_counter() - t0, time.process_time() - c0)
        spark_map = r.id_map.to_pandas()
        spark_review = r.review.to_pandas()
        sw.close()
        spark.stop()
        out: dict[str, object] = {"customers": customers, "business": business, "seed": seed}
        for name, (res, wall, cpu) in results.items():
            m = duck_map if name == "duckdb" else spark_map
            out[name] = {
                "wall_s": round(wall, 1),
                "driver_cpu_s": round(cpu, 1),
                "compared_pairs": res.summary.compared_pairs,
                "profiles": res.summary.profiles,
                "merged_by_model": res.summary.merged_by_model,
                "review_pairs": res.summary.review_pairs,
                "by_script": _by_script(m, truth, han),
            }
        a = duck_map.sort_values("customer_id").reset_index(drop=True)
        b = spark_map.sort_values("customer_id").reset_index(drop=True)
        key = ["customer_id_l", "customer_id_r"]
        ra = set(map(tuple, duck_review[key].to_numpy().tolist()))
        rb = set(map(tuple, spark_review[key].to_numpy().tolist()))
        out["same_profiles"] = bool(
            a[["customer_id", "profile_id"]].equals(b[["customer_id", "profile_id"]])
        )
        out["same_review_pairs"] = ra == rb
        out["review_only_duckdb"] = len(ra - rb)
        out["review_only_spark"] = len(rb - ra)
        print(json.dumps(out, default=str), flush=True)


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA, help="folder of the generated data")
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-data")
    m.add_argument("--customers", type=int, default=1_000_000)
    m.add_argument("--business", default="retail", choices=["card", "retail"])
    m.add_argument("--seed", type=int, default=1)
    for name in ("exact", "exact-with-conflicts", "probabilistic"):
        r = sub.add_parser(name)
        r.add_argument(
            "--max-name-group",
            type=int,
            default=None,
            help="identity.max_name_group (default: the configuration's); a huge value "
            "leaves the name / birth-date / city blocks uncapped, as before they were capped",
        )
    b = sub.add_parser("blocks")
    b.add_argument("--max-name-group", type=int, default=None)
    s = sub.add_parser("samples")
    s.add_argument("--customers", type=int, default=10_000)
    s.add_argument("--seeds", type=int, nargs="+", default=[0])
    e = sub.add_parser("engines")
    e.add_argument("--customers", type=int, default=10_000)
    e.add_argument("--business", default="card", choices=["card", "retail"])
    e.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    _use(args.data)
    if args.cmd == "engines":
        engines(args.customers, args.business, args.seed)
    elif args.cmd == "make-data":
        make_data(args.customers, args.business, args.seed)
    elif args.cmd == "blocks":
        blocks(args.max_name_group)
    elif args.cmd == "samples":
        samples(args.customers, args.seeds)
    else:
        run(args.cmd, args.max_name_group)


if __name__ == "__main__":
    main(sys.argv[1:])
