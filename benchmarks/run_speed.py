"""The 10k sample run, before and after a change: stage times side by side, and whether the
outputs are the same.

Runs ``benchmarks/run_stages.py`` (the real ``run_pipeline``, each stage wrapped to read the
clocks) alternately on the code under test and on another source tree (``--before``: a copy of
``src/`` of the commit to compare with, e.g. ``git archive main src | tar -x -C /tmp/before``),
``--rounds`` times each, on the same home. Each run is its own process, started in a session of
its own whose scheduling group gets nice -20 (``setsid``; ``/proc/self/autogroup``): on a
machine shared with other sessions the kernel shares the CPU between sessions before it looks
at nice values, so this gives the run the two cores about as on an idle machine. When the
autogroup cannot be set the run goes ahead at normal priority and the script says so.

Reported per stage: wall and CPU seconds (user + system of the process, every thread) and
"main" (CPU of the thread that runs the stages), the fastest round of each side; and for the
whole process ``/usr/bin/time``'s wall, user + system and peak RSS, and the 1-minute load
average before and after each run; then every round's CPU seconds per stage. Then every
output table and model file of the last run of each side is compared (Parquet tables cell by
cell, JSON files byte by byte; the manifest without its times and paths).

    loyalloop --home /tmp/h10k sample
    git archive main src | tar -x -C /tmp/before
    python benchmarks/run_speed.py /tmp/h10k --before /tmp/before/src --rounds 2 --json t.json

``--after`` runs another source tree as "after" (e.g. a ``git archive`` of this branch, so that
editing the work tree during a long A/B does not change what is measured).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _one(home: Path, src: Path | None) -> dict[str, object]:
    """One run in its own process; its stage figures and whole-process figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stages.json"
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
        if src is not None:
            env["PYTHONPATH"] = str(src)
        command = (
            "(echo -20 > /proc/self/autogroup) 2>/dev/null || echo 'autogroup not set' >&2; "
            f'exec /usr/bin/time -v "{sys.executable}" "{HERE / "run_stages.py"}" "{home}" '
            f'--json "{out}"'
        )
        load = os.getloadavg()[0]
        done = subprocess.run(
            ["setsid", "bash", "-c", command], env=env, capture_output=True, text=True, check=True
        )
        figures = json.loads(out.read_text(encoding="utf-8"))
    err = done.stderr

    def field(name: str) -> float:
        m = re.search(rf"{re.escape(name)}: (.+)", err)
        if m is None:
            raise RuntimeError(f"no {name!r} in /usr/bin/time's output:\n{err[-2000:]}")
        value = m.group(1).strip()
        if ":" in value:  # h:mm:ss or m:ss
            parts = [float(p) for p in value.split(":")]
            return sum(p * 60**i for i, p in enumerate(reversed(parts)))
        return float(value)

    run_dir = re.search(r"run (\d+): ", done.stdout)
    return {
        "stages": {**figures["stages"], "run (in process)": figures["run"]},
        "process": {
            "wall": field("Elapsed (wall clock) time (h:mm:ss or m:ss)"),
            "cpu": round(field("User time (seconds)") + field("System time (seconds)"), 2),
            "rss_mb": round(field("Maximum resident set size (kbytes)") / 1024),
        },
        "load_at_start": load,
        "load_at_end": os.getloadavg()[0],
        "run_dir": f"{int(run_dir.group(1)):06d}" if run_dir else None,
        "autogroup": "autogroup not set" not in err,
    }


def _compare(a: Path, b: Path) -> list[str]:
    """Names of the outputs that differ between two run directories."""
    import pandas as pd

    different = []
    for path in sorted(a.iterdir()):
        other = b / path.name
        if not other.exists():
            different.append(f"{path.name} (missing)")
        elif path.suffix == ".parquet":
            x, y = pd.read_parquet(path), pd.read_parquet(other)
            if not x.equals(y):
                try:  # same to 1e-9 (e.g. sums whose order the engine's threads pick)?
                    pd.testing.assert_frame_equal(x, y, rtol=1e-9, atol=0)
                    different.append(f"{path.name} (within 1e-9)")
                except AssertionError:
                    different.append(path.name)
        elif path.name == "manifest.json":
            timing = ("created_at", "stage_seconds", "seconds", "run")
            x_doc, y_doc = (json.loads(p.read_text(encoding="utf-8")) for p in (path, other))
            for doc in (x_doc, y_doc):
                for key in timing:
                    doc.pop(key, None)
                doc.get("config", {}).pop("home", None)
                doc.get("loyalty", {}).pop("compared_with_run", None)  # the run before it
            if x_doc != y_doc:
                different.append(path.name)
        elif path.suffix == ".json" and path.read_bytes() != other.read_bytes():
            different.append(path.name)
    return different


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path, help="a Loyalloop home made by `loyalloop sample`")
    parser.add_argument("--before", type=Path, required=True, help="src/ of the code before")
    parser.add_argument(
        "--after", type=Path, help="src/ of the code after (default: the installed code)"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every run's figures to this file too")
    args = parser.parse_args(argv)

    runs: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
    for i in range(args.rounds):
        for side, src in (("before", args.before), ("after", args.after)):
            r = _one(args.home, src)
            runs[side].append(r)
            p = r["process"]
            print(
                f"round {i + 1} {side}: run {r['run_dir']}, whole process {p['wall']:.2f} s wall "  # type: ignore[index]
                f"{p['cpu']:.2f} s CPU, load {r['load_at_start']:.1f} -> {r['load_at_end']:.1f}",  # type: ignore[index]
                flush=True,
            )

    def best(side: str, stage: str, key: str) -> float:
        """The fastest round's figure (``process``: the whole process)."""
        values = [
            float(r["process"][key] if stage == "process" else r["stages"][stage][key])  # type: ignore[index]
            for r in runs[side]
            if stage == "process" or stage in r["stages"]  # type: ignore[operator]
        ]
        return min(values) if values else float("nan")

    stages = list(runs["after"][0]["stages"])  # type: ignore[call-overload]
    print(
        f"\n{'stage':<20}{'before wall':>12}{'CPU':>7}{'main':>7}"
        f"{'after wall':>12}{'CPU':>7}{'main':>7}"
    )
    for stage in [*stages, "process"]:
        keys = ("wall", "cpu", "cpu") if stage == "process" else ("wall", "cpu", "main")
        row = [best(side, stage, k) for side in ("before", "after") for k in keys]
        print(
            f"{stage:<20}"
            + "".join(f"{v:>{12 if i % 3 == 0 else 7}.2f}" for i, v in enumerate(row))
        )
    print("\nCPU seconds (user + system, every thread) of each round, before | after:")
    for stage in [*stages, "process"]:
        cpu = {
            side: [
                float(r["process"]["cpu"] if stage == "process" else r["stages"][stage]["cpu"])  # type: ignore[index]
                for r in runs[side]
                if stage == "process" or stage in r["stages"]  # type: ignore[operator]
            ]
            for side in ("before", "after")
        }
        print(
            f"{stage:<20}"
            + " ".join(f"{v:6.2f}" for v in cpu["before"])
            + "  | "
            + " ".join(f"{v:6.2f}" for v in cpu["after"])
        )
    print(
        f"peak RSS: before {best('before', 'process', 'rss_mb'):.0f} MB, "
        f"after {best('after', 'process', 'rss_mb'):.0f} MB"
    )
    if not all(r["autogroup"] for side in runs.values() for r in side):
        print("note: the autogroup could not be set for some runs (normal priority)")
    last = {side: runs[side][-1]["run_dir"] for side in runs}
    runs_dir = args.home / "runs"
    diff = _compare(runs_dir / str(last["before"]), runs_dir / str(last["after"]))
    print(
        f"outputs of run {last['before']} and run {last['after']}: "
        + ("identical" if not diff else "differ in " + ", ".join(diff))
    )
    if args.json:
        args.json.write_text(
            json.dumps({"runs": runs, "different": diff}, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
