"""The whole run on Spark local mode beside DuckDB: ``loyalloop run --engine duckdb|spark``.

For each size, one home is made with ``loyalloop sample --customers N`` (kept for the next
call), then the real command runs once per engine, each under ``/usr/bin/time -v``:

* **wall** and **CPU** (user + system of the command and every process it waited for), and
  the load average before. KNOWN GAP: on Spark the JVM, which does the engine work, is not
  waited for by the Python process (a first Spark run counted 7 s of CPU in 21 min), so the
  CPU column undercounts Spark; it needs the JVM's own CPU (e.g. from ``/proc/<pid>/stat``
  before it exits) — not done yet;
* **peak RSS**: the largest single process (on Spark usually the JVM; the driver's Python
  beside it is not added);
* **stage seconds** from the run's manifest (wall time per stage), for per-stage slopes.

On Spark the canonical tables are first copied from the DuckDB warehouse to Parquet
(docs/scale-out.md); that copy is inside the measured run.

    python benchmarks/run_spark.py --sizes 10000 --homes /tmp/runspark
    python benchmarks/run_spark.py --sizes 10000 100000 --json run_spark.json

The results and their reading are in benchmarks/results/run_spark.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

_TIME_FIELDS = {
    "user": r"User time \(seconds\): ([\d.]+)",
    "sys": r"System time \(seconds\): ([\d.]+)",
    "rss_kb": r"Maximum resident set size \(kbytes\): (\d+)",
    "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
}


def _seconds(clock: str) -> float:
    parts = [float(p) for p in clock.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def _loyalloop(home: Path, *args: str) -> list[str]:
    exe = Path(sys.executable).with_name("loyalloop")
    return [str(exe), "--home", str(home), *args]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[dict[str, float], str]:
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out: dict[str, float] = {}
    for key, pattern in _TIME_FIELDS.items():
        m = re.search(pattern, proc.stderr)
        if m is None:
            raise SystemExit(f"/usr/bin/time gave no {key}")
        out[key] = _seconds(m.group(1)) if key == "wall" else float(m.group(1))
    return out, proc.stdout


def measure(size: int, homes: Path, engines: list[str]) -> list[dict[str, object]]:
    home = homes / f"h{size}"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "LOYALLOOP_SPARK_MASTER": "local[2]"}
    if not (home / "warehouse.duckdb").exists():
        print(f"making the {size:,}-customer sample in {home}", flush=True)
        subprocess.run(
            _loyalloop(home, "sample", "--customers", str(size), "--json"),
            check=True,
            env=env,
            capture_output=True,
        )
    rows = []
    for engine in engines:
        load = os.getloadavg()[0]
        t, stdout = _timed(_loyalloop(home, "run", "--engine", engine, "--json"), env)
        manifest = json.loads(stdout)
        stages = manifest.get("stage_seconds") or manifest.get("manifest", {}).get("stage_seconds")
        row = {
            "customers": size,
            "engine": engine,
            "wall_s": round(t["wall"], 1),
            "cpu_s": round(t["user"] + t["sys"], 1),
            "peak_rss_mb": round(t["rss_kb"] / 1024),
            "load_before": round(load, 1),
            "stage_seconds": stages,
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--homes", type=Path, default=Path("/tmp/loyalloop-run-spark"))
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    args = parser.parse_args(argv)
    rows = [r for size in args.sizes for r in measure(size, args.homes, args.engines)]
    print("\n| customers | engine | wall s | CPU s | peak RSS MB | load before |")
    print("|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['customers']:,} | {r['engine']} | {r['wall_s']} | {r['cpu_s']} | "
            f"{r['peak_rss_mb']} | {r['load_before']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
