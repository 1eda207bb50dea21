"""Feedback stage cost at 10k, 100k and 200k comments: does it grow linearly or better?

    python benchmarks/feedback_scale.py [--sizes 10000 100000 200000] [--out FILE.md]

Comments: the sample generator's card comments (10,000 customers per seed, seeds 0, 1, 2, …,
own brand and competitors, each seed's ``feedback_id`` prefixed with its seed) until the size
is reached — the same mix of channels, templates and typing slips as the demo, at scale. Each
size runs ``benchmarks/feedback_stage.py`` (what the pipeline's feedback stage does with the
library) in a fresh process; CPU is the child's user + system time (``getrusage``), wall the
elapsed time, peak the child's maximum resident set. The machine is shared, so CPU seconds per
1,000 comments is the comparable figure.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

log = logging.getLogger("feedback_scale")
HERE = Path(__file__).resolve().parent


def comments(n: int) -> pd.DataFrame:
    from loyalloop.sample import generate

    parts: list[pd.DataFrame] = []
    total, seed = 0, 0
    while total < n:
        data = generate(customers=10_000, seed=seed, business="card")
        fb = data.feedback[data.feedback["text"].notna()].copy()
        fb["brand"] = fb["brand"].fillna("own")
        fb["feedback_id"] = f"s{seed}-" + fb["feedback_id"].astype(str)
        fb["customer_id"] = f"s{seed}-" + fb["customer_id"].astype(str)
        parts.append(fb)
        total += len(fb)
        seed += 1
    return pd.concat(parts, ignore_index=True).iloc[:n]


def timed(cmd: list[str]) -> tuple[float, float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, after.ru_maxrss / 1024, done.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 200_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/feedback_scale"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)
    everything = comments(max(args.sizes))
    rows = []
    for n in sorted(args.sizes):
        path = args.work / f"comments_{n}.parquet"
        everything.iloc[:n].to_parquet(path, index=False)
        load = os.getloadavg()[0]
        cpu, wall, peak, steps = timed([sys.executable, str(HERE / "feedback_stage.py"), str(path)])
        rows.append((n, cpu, wall, peak, load, steps))
        log.info("%d: cpu %.1f s, wall %.1f s, peak %.0f MiB; %s", n, cpu, wall, peak, steps)
    lines = [
        "| comments | CPU s | wall s | CPU s per 1,000 | peak MiB* | load at start "
        "| steps (CPU s) |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, cpu, wall, peak, load, steps in rows:
        lines.append(
            f"| {n:,} | {cpu:.1f} | {wall:.1f} | {1000 * cpu / n:.2f} | {peak:.0f} | {load:.1f} "
            f"| {steps} |"
        )
    text = "\n".join(lines) + "\n\n*largest child so far (getrusage RUSAGE_CHILDREN)\n"
    log.info("\n%s", text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
