"""The run at 10k, 100k and 1M customers in the issue's shape: sample, then the run stage by stage.

For each size ``N`` the script makes a home with the real command

    loyalloop --home H sample --customers N --transactions 10N --comments N/5

(the issue's 1M run: 1M customers, 10M transactions, 200k comments; the smaller sizes keep the
same shape so that the stage costs are comparable), then times the real run with
``benchmarks/run_stages.py`` (wall, CPU = user + system of the process with the engine's
threads, per stage). Both commands run under ``/usr/bin/time -v`` for the whole-process CPU,
wall and peak resident memory. The load average before and after each command is recorded:
on a shared machine wall time follows the load, CPU time much less.

    python benchmarks/run_scale.py --sizes 10000 100000 1000000 --work /tmp/scale
    python benchmarks/run_scale.py --report /tmp/scale      # the tables from saved figures
    python benchmarks/run_scale.py --config clv-bgnbd.yaml   # run settings for every run

Slopes: ``log(cost_b / cost_a) / log(N_b / N_a)`` between successive sizes; 1 is linear growth,
below 1 better than linear. The homes are deleted after each size unless ``--keep``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_BIN = Path(sys.executable).parent


def _time_v(stderr: str) -> dict[str, float]:
    """User, system, wall seconds and peak RSS (MB) from ``/usr/bin/time -v`` output."""
    out: dict[str, float] = {}
    for key, pattern in (
        ("user", r"User time \(seconds\): ([\d.]+)"),
        ("sys", r"System time \(seconds\): ([\d.]+)"),
        ("rss_mb", r"Maximum resident set size \(kbytes\): (\d+)"),
    ):
        m = re.search(pattern, stderr)
        out[key] = float(m.group(1)) if m else float("nan")
    out["rss_mb"] = round(out["rss_mb"] / 1024, 1)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", stderr)
    wall = float("nan")
    if m:
        wall = 0.0
        for part in m.group(1).split(":"):
            wall = wall * 60 + float(part)
    out["wall"] = wall
    out["cpu"] = round(out["user"] + out["sys"], 2)
    return out


def _timed(cmd: list[str], log: Path) -> dict[str, float]:
    """Run ``cmd`` under ``/usr/bin/time -v``; its output goes to ``log``."""
    before = os.getloadavg()[0]
    timing = log.with_suffix(".time")
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    with log.open("w") as fh:
        done = subprocess.run(
            ["/usr/bin/time", "-v", "-o", str(timing), *cmd],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}); see {log}")
    out = _time_v(timing.read_text())
    out["load_before"] = round(before, 1)
    out["load_after"] = round(os.getloadavg()[0], 1)
    return out


def measure(n: int, work: Path, keep: bool, config: Path | None) -> dict[str, object]:
    """Sample and run at ``n`` customers; the figures, also written to ``work/N.json``."""
    home = work / f"home{n}"
    shutil.rmtree(home, ignore_errors=True)
    sample = _timed(
        [
            str(_BIN / "loyalloop"),
            "--home",
            str(home),
            "sample",
            "--customers",
            str(n),
            "--transactions",
            str(10 * n),
            "--comments",
            str(n // 5),
            "--json",
        ],
        work / f"sample{n}.log",
    )
    stages_json = work / f"stages{n}.json"
    extra = ["--config", str(config)] if config else []
    run = _timed(
        [
            sys.executable,
            str(_HERE / "run_stages.py"),
            str(home),
            "--json",
            str(stages_json),
            *extra,
        ],
        work / f"run{n}.log",
    )
    counts = {}
    for table in ("transactions", "feedback"):
        with (home / "sample" / f"{table}.csv").open("rb") as fh:
            counts[table] = sum(1 for _ in fh) - 1  # physical lines: comments may span lines
    figures = {
        "customers": n,
        "sample": sample,
        "run": run,
        "stages": json.loads(stages_json.read_text())["stages"],
        "csv_lines": counts,
    }
    (work / f"{n}.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return figures


def report(work: Path) -> str:
    """Markdown tables of the saved figures in ``work``."""
    runs = sorted(
        (json.loads(p.read_text()) for p in work.glob("[0-9]*.json")),
        key=lambda f: f["customers"],
    )
    lines = [
        "| customers | command | wall s | CPU s | peak RSS MB | load before → after |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for f in runs:
        for cmd in ("sample", "run"):
            t = f[cmd]
            lines.append(
                f"| {f['customers']:,} | {cmd} | {t['wall']:.0f} | {t['cpu']:.0f} | "
                f"{t['rss_mb']:,.0f} | {t['load_before']} → {t['load_after']} |"
            )
    lines += ["", "| stage | " + " | ".join(f"{f['customers']:,} wall / CPU" for f in runs) + " |"]
    lines.append("|---|" + "---:|" * len(runs))
    for stage in runs[-1]["stages"] if runs else []:
        cells = []
        for f in runs:
            s = f["stages"].get(stage)
            cells.append(f"{s['wall']:.1f} / {s['cpu']:.1f}" if s else "—")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines += ["", "CPU slopes (1 = linear): " + _slopes(runs, ("churn", "feedback", "profiles"))]
    return "\n".join(lines)


def _slopes(runs: list[dict], stages: tuple[str, ...]) -> str:  # type: ignore[type-arg]
    parts = []
    for stage in stages:
        pieces = []
        for a, b in itertools.pairwise(runs):
            ca, cb = a["stages"][stage]["cpu"], b["stages"][stage]["cpu"]
            slope = math.log(cb / ca) / math.log(b["customers"] / a["customers"])
            pieces.append(f"{a['customers']:,}→{b['customers']:,} {slope:.2f}")
        parts.append(f"{stage}: " + ", ".join(pieces))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/loyalloop-scale"))
    parser.add_argument("--keep", action="store_true", help="keep the homes (large at 1M)")
    parser.add_argument("--report", type=Path, help="only print the tables of saved figures")
    parser.add_argument("--config", type=Path, help="run settings (YAML) for every run")
    args = parser.parse_args(argv)
    if args.report:
        print(report(args.report))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        f = measure(n, args.work, args.keep, args.config)
        print(f"{n:,}: sample {f['sample']['cpu']} s CPU, run {f['run']['cpu']} s CPU", flush=True)
    print(report(args.work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
