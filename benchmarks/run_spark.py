"""The whole run on Spark local mode beside DuckDB: ``loyalloop run --engine duckdb|spark``.

For each size, one home is made with ``loyalloop sample --customers N`` (kept for the next
call), then the real command runs once per engine in its own session (process group), counted
by :func:`run_grouped`:

* **wall**, and **CPU** (user + system) of every process of the command's session, read from
  ``/proc/<pid>/stat`` every half second until the last one has ended: the Python driver and,
  on Spark, the JVM it starts (which the driver does not wait for, so ``/usr/bin/time`` misses
  it: a first Spark run counted 7 s of CPU in 21 min that way). Python and JVM are shown apart;
  the load average before and after;
* **peak RSS** of the Python process and of the JVM (each its own ``VmHWM``), and the largest
  sum of the group's resident memory seen at one sample;
* **stage seconds** from the run's manifest (wall time per stage), for per-stage slopes.

On Spark the canonical tables are first copied from the DuckDB warehouse to Parquet
(docs/scale-out.md); that copy is inside the measured run. The Spark session gets Loyalloop's
local-mode settings (``loyalloop.core.spark.local_defaults``); ``--spark-conf`` passes
``LOYALLOOP_SPARK_CONF`` to measure others, e.g. Spark's own defaults for the comparison::

    python benchmarks/run_spark.py --engines spark --spark-conf \
        "spark.sql.shuffle.partitions=200; spark.default.parallelism=2; spark.driver.memory=1g"

    python benchmarks/run_spark.py --sizes 10000 --homes /tmp/runspark
    python benchmarks/run_spark.py --sizes 10000 100000 --json run_spark.json

``--compare HOME_A HOME_B`` compares the latest runs of two homes table by table (a DuckDB and
a Spark run of copies of one loaded home: each engine's run must be the first of its home, as
a run compares itself with the previous one) with the tolerances of
``tests/pipeline/test_engines.py``: per table the rows, the non-float cells that differ after
sorting by the non-float columns, and the largest relative difference of the float columns::

    python benchmarks/run_spark.py --compare /tmp/duck/h100000 /tmp/spark/h100000

The results and their reading are in benchmarks/results/run_spark.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loyalloop.core.export import write_text_atomic
from loyalloop.pipeline.engines import FITTED_TABLES

_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class _Member:
    """What was last seen of one process of the measured process group."""

    name: str
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class GroupUsage:
    """CPU and memory of every process of one command's process group.

    ``cpu_by_name`` and ``peak_rss_by_name`` add up the processes of the same executable name
    (``python``/``loyalloop`` for the driver, ``java`` for Spark's JVM); ``peak_rss_sum_mb`` is
    the largest total resident memory of the group seen at one sample.
    """

    wall_s: float
    returncode: int
    cpu_by_name: dict[str, float] = field(default_factory=dict)
    peak_rss_by_name: dict[str, float] = field(default_factory=dict)
    peak_rss_sum_mb: float = 0.0
    stdout: str = ""
    stderr: str = ""

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu_by_name.values())


def _read_stat(pid: int) -> tuple[str, int, float] | None:
    """(executable name, session id, user + system seconds) of ``pid``, or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the name is in parentheses and may hold spaces: split after the last ')'
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): session id is field 6, utime 14, stime 15
    sid = int(fields[3])
    return name, sid, (int(fields[11]) + int(fields[12])) / _CLK_TCK


def _read_hwm_mb(pid: int) -> float:
    """The process's own peak resident memory (VmHWM) in MB; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _read_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_grouped(cmd: list[str], env: dict[str, str], interval: float = 0.5) -> GroupUsage:
    """Run ``cmd`` in its own session and count every process of it until all have ended.

    ``/usr/bin/time`` counts only the processes its child waits for; Spark's JVM is started by
    the Python driver and not reaped by it, so its CPU (the engine work) is missed. Here the
    command gets a new session (``setsid``): every process it starts, the JVM included, keeps
    that session id. ``/proc`` is sampled every ``interval`` seconds; each process's
    ``utime + stime`` and its own peak RSS (``VmHWM``) are kept as last seen, and the group's
    CPU is their sum. A process that lives less than ``interval`` is missed (none does here
    that matters: the driver and the JVM live for the whole run). The sampling continues after
    the command exits until no process of the session is left.
    """
    start = time.monotonic()
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, env=env, text=True, start_new_session=True
        )
        sid = proc.pid
        members: dict[int, _Member] = {}
        peak_sum = 0.0
        returncode: int | None = None
        wall = 0.0
        while True:
            alive = 0
            rss_sum = 0.0
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                pid = int(entry.name)
                stat = _read_stat(pid)
                if stat is None or stat[1] != sid:
                    continue
                if pid != sid:
                    alive += 1  # the leader itself may linger as a zombie until polled
                member = members.setdefault(pid, _Member(stat[0]))
                # the name as last seen: Spark's launcher script execs into the JVM
                member.name = stat[0]
                member.cpu_s = stat[2]
                member.peak_rss_mb = max(member.peak_rss_mb, _read_hwm_mb(pid))
                rss_sum += _read_rss_mb(pid)
            peak_sum = max(peak_sum, rss_sum)
            if returncode is None:
                returncode = proc.poll()
                if returncode is not None:
                    wall = time.monotonic() - start
            if returncode is not None and alive == 0:
                break
            time.sleep(interval)
        out.seek(0)
        err.seek(0)
        usage = GroupUsage(wall_s=wall, returncode=returncode, peak_rss_sum_mb=peak_sum)
        usage.stdout, usage.stderr = out.read(), err.read()
    for member in members.values():
        key = "java" if member.name == "java" else "python"
        usage.cpu_by_name[key] = usage.cpu_by_name.get(key, 0.0) + member.cpu_s
        usage.peak_rss_by_name[key] = max(usage.peak_rss_by_name.get(key, 0.0), member.peak_rss_mb)
    return usage


def _loyalloop(home: Path, *args: str) -> list[str]:
    exe = Path(sys.executable).with_name("loyalloop")
    return [str(exe), "--home", str(home), *args]


def measure(
    size: int, homes: Path, engines: list[str], spark_conf: str = ""
) -> list[dict[str, object]]:
    home = homes / f"h{size}"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "LOYALLOOP_SPARK_MASTER": "local[2]"}
    if spark_conf:
        env["LOYALLOOP_SPARK_CONF"] = spark_conf
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
        usage = run_grouped(_loyalloop(home, "run", "--engine", engine, "--json"), env)
        row: dict[str, object] = {
            "customers": size,
            "engine": engine,
            "wall_s": round(usage.wall_s, 1),
            "cpu_s": round(usage.cpu_s, 1),
            "cpu_python_s": round(usage.cpu_by_name.get("python", 0.0), 1),
            "cpu_jvm_s": round(usage.cpu_by_name.get("java", 0.0), 1),
            "peak_rss_python_mb": round(usage.peak_rss_by_name.get("python", 0.0)),
            "peak_rss_jvm_mb": round(usage.peak_rss_by_name.get("java", 0.0)),
            "peak_rss_sum_mb": round(usage.peak_rss_sum_mb),
            "load_before": round(load, 1),
            "load_after": round(os.getloadavg()[0], 1),
            "returncode": usage.returncode,
            "spark_conf": spark_conf if engine == "spark" else "",
        }
        # the whole output, kept: a failure's message precedes the JVM's stack trace
        log_path = homes / f"{home.name}-{engine}.log"
        write_text_atomic(log_path, usage.stdout + "\n--- stderr ---\n" + usage.stderr)
        row["log"] = str(log_path)
        if usage.returncode == 0:
            manifest = json.loads(usage.stdout)
            row["stage_seconds"] = manifest.get("stage_seconds") or manifest.get(
                "manifest", {}
            ).get("stage_seconds")
        else:
            row["error"] = usage.stdout[-2000:]
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _frame(path: Path) -> Any:
    """A run table as pandas, sorted by its id (else its non-float columns), values made
    comparable."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    frame = pq.read_table(path).to_pandas()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            ts = pd.to_datetime(frame[col])
            frame[col] = (ts.dt.tz_convert(None) if ts.dt.tz is not None else ts).astype(
                "datetime64[us]"
            )
        elif frame[col].map(lambda v: isinstance(v, np.ndarray | list)).any():
            frame[col] = frame[col].map(lambda v: repr(list(v)) if v is not None else None)
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    keys = [c for c in frame.columns if c not in floats]
    # by its id where it has one (a column of unique known values), else by every key
    unique = [c for c in keys if frame[c].notna().all() and frame[c].is_unique][:1]
    if keys:
        frame = frame.sort_values(unique or keys, key=lambda s: s.astype(str))
    return frame.reset_index(drop=True)


def compare_homes(home_a: Path, home_b: Path) -> list[dict[str, object]]:
    """The latest run of ``home_a`` against that of ``home_b``, table by table."""
    import numpy as np
    import pandas as pd

    from loyalloop.core.runs import RunStore

    a, b = RunStore(home_a / "runs").latest(), RunStore(home_b / "runs").latest()
    rows: list[dict[str, object]] = []
    for name in sorted(set(a.tables) | set(b.tables)):
        row: dict[str, object] = {"table": name}
        if name not in a.tables or name not in b.tables:
            row["equal"] = False
            row["note"] = "only in " + (str(home_a) if name in a.tables else str(home_b))
            rows.append(row)
            continue
        x, y = _frame(a.table_path(name)), _frame(b.table_path(name))
        row.update(rows_a=len(x), rows_b=len(y))
        if len(x) != len(y) or list(x.columns) != list(y.columns):
            row["equal"] = False
            rows.append(row)
            continue
        rtol = 1e-6 if name in FITTED_TABLES else 1e-9
        other, worst, ok = 0, 0.0, True
        for col in x.columns:
            if pd.api.types.is_float_dtype(x[col]) or pd.api.types.is_float_dtype(y[col]):
                u, v = x[col].to_numpy(dtype="float64"), y[col].to_numpy(dtype="float64")
                both = ~(np.isnan(u) | np.isnan(v))
                ok &= bool((np.isnan(u) == np.isnan(v)).all())
                diff = np.abs(u[both] - v[both])
                if diff.size:
                    ok &= bool((diff <= 1e-12 + rtol * np.abs(v[both])).all())
                    rel = diff / np.maximum(np.abs(v[both]), 1e-12)
                    worst = max(worst, float(rel[diff > 1e-12].max(initial=0.0)))
            else:
                # a missing value is missing whatever the reader made of it (None, NaN, <NA>)
                both_missing = x[col].isna().to_numpy() & y[col].isna().to_numpy()
                differ = (x[col].astype(str) != y[col].astype(str)).to_numpy() & ~both_missing
                other += int(differ.sum())
        row.update(cells_differ=other, max_rel_diff=worst, rtol=rtol, equal=ok and other == 0)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--homes", type=Path, default=Path("/tmp/loyalloop-run-spark"))
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    parser.add_argument(
        "--spark-conf", default="", help="LOYALLOOP_SPARK_CONF for the Spark runs (key=value;…)"
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar="HOME",
        help="compare the latest runs of two homes table by table (no run is made)",
    )
    args = parser.parse_args(argv)
    if args.compare:
        diffs = compare_homes(*args.compare)
        print("| table | rows | non-float cells differing | max relative difference | equal |")
        print("|---|---:|---:|---:|---|")
        for d in diffs:
            print(
                f"| {d['table']} | {d.get('rows_a', '')} / {d.get('rows_b', '')} | "
                f"{d.get('cells_differ', '')} | {d.get('max_rel_diff', 0.0):.1e} | "
                f"{'yes' if d['equal'] else 'NO'} {d.get('note', '')}|"
            )
        if args.json:
            write_text_atomic(args.json, json.dumps(diffs, indent=1))
        return 0 if all(d["equal"] for d in diffs) else 1
    rows = [
        r for size in args.sizes for r in measure(size, args.homes, args.engines, args.spark_conf)
    ]
    print(
        "\n| customers | engine | wall s | CPU s (Python + JVM) | peak RSS MB (Python / JVM) "
        "| load before / after |"
    )
    print("|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['customers']:,} | {r['engine']} | {r['wall_s']} | {r['cpu_s']} "
            f"({r['cpu_python_s']} + {r['cpu_jvm_s']}) | {r['peak_rss_python_mb']} / "
            f"{r['peak_rss_jvm_mb']} | {r['load_before']} / {r['load_after']} |"
        )
    if args.json:
        write_text_atomic(args.json, json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
