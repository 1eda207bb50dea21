"""Benchmark: start-up of ``loyalloop --help`` and ``loyalloop CMD --help``, before and after.

Each figure is a whole process (fresh interpreter): wall time, CPU time (user + system) and
peak resident memory (``wait4`` ``ru_maxrss`` of that child). "Before" is the CLI at a given
git revision (default ``fe8df89``, the last commit before the CLI was split), extracted with
``git archive`` into a temporary directory and put first on ``PYTHONPATH``; "after" is the
working tree. The two run in turn (A B A B …) so a drift in the machine's load hits both;
the ratio before/after is taken pair by pair and its median reported.

Usage::

    .venv/bin/python benchmarks/cli_startup.py [--runs 7] [--before fe8df89] [--write]

``--write`` records the table in ``benchmarks/results/cli.md``. The targets (issue 8):
``--help`` and every ``CMD --help`` under 0.5 s and 80 MB. Not a timed test: the test that
guards start-up (tests/cli/test_startup.py) checks which modules are imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("ingest", "--help"),
    ("run", "--help"),
    ("report", "--help"),
    ("export", "--help"),
    ("demo", "--help"),
    ("runs", "--help"),
    ("clv", "--help"),
    ("clv", "fit", "--help"),
    ("churn", "train", "--help"),
    ("feedback", "analyze", "--help"),
    # command groups added after the split (the "before" column still runs the old CLI, which
    # answers these with a usage error: those rows have no before figures)
    ("experiments", "--help"),
    ("uplift", "--help"),
    ("campaigns", "--help"),
    ("serve", "--help"),
    ("db", "--help"),
    ("users", "--help"),
    ("surveys", "--help"),
    ("sync", "--help"),
    ("cases", "--help"),
    ("worker", "--help"),
    ("erase", "--help"),
    ("consent", "--help"),
)

#: Before the split the entry point was the Typer app itself; after, ``main()``.
ENTRY_BEFORE = "from loyalloop.cli.main import app; app()"
ENTRY_AFTER = "from loyalloop.cli.main import main; raise SystemExit(main())"
#: The floor: a one-command Typer app with a root option, as small as a Typer CLI gets.
ENTRY_FLOOR = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.callback()\n"
    "def root(home: str = typer.Option('', help='home')) -> None: ...\n"
    "@app.command()\n"
    "def hello(name: str = typer.Option('x', help='name')) -> None: ...\n"
    "app()"
)


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    code: int


def run_once(entry: str, args: tuple[str, ...], pythonpath: str | None) -> Sample:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    argv = [sys.executable, "-c", f"import sys; sys.argv[0] = 'loyalloop'; {entry}", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        code=proc.returncode,
    )


def extract(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def _fmt(value: float | None, unit: str, spec: str = ".2f") -> str:
    return "" if value is None else f"{value:{spec}}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", default="fe8df89")
    parser.add_argument("--write", action="store_true")
    opts = parser.parse_args()
    rows = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        before_src = str(extract(opts.before, Path(tmp)))
        for args in COMMANDS:
            pairs: list[tuple[Sample, Sample]] = []
            probe = run_once(ENTRY_BEFORE, args, before_src)  # warm-up (file cache)
            run_once(ENTRY_AFTER, args, None)
            # A group added after the split does not exist in the old CLI: no "before" figures.
            has_before = probe.code == 0
            for _ in range(opts.runs):
                b = run_once(ENTRY_BEFORE, args, before_src) if has_before else probe
                a = run_once(ENTRY_AFTER, args, None)
                pairs.append((b, a))
            before = [b for b, _ in pairs] if has_before else []
            after = [a for _, a in pairs]
            assert all(s.code == 0 for s in before + after), f"{args} failed"
            rows.append(
                (
                    "loyalloop " + " ".join(args),
                    statistics.median(s.cpu for s in before) if before else None,
                    statistics.median(s.cpu for s in after),
                    statistics.median(s.wall for s in after),
                    max(s.rss_mb for s in before) if before else None,
                    max(s.rss_mb for s in after),
                    statistics.median(b.cpu / a.cpu for b, a in pairs) if before else None,
                )
            )
            print(rows[-1], flush=True)
        floor = [run_once(ENTRY_FLOOR, ("hello", "--help"), None) for _ in range(opts.runs + 1)]
        floor = floor[1:]  # the first is the warm-up
    floor_wall = statistics.median(s.wall for s in floor)
    floor_cpu = statistics.median(s.cpu for s in floor)
    floor_rss = max(s.rss_mb for s in floor)
    load = os.getloadavg()
    lines = [
        "# CLI start-up",
        "",
        f"Recorded {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/cli_startup.py` "
        "(not a timed test; `tests/cli/test_startup.py` guards the imports).",
        "",
        f"- Machine: {platform.system()} {platform.release()}, {platform.processor() or 'CPU'}, "
        f"{os.cpu_count()} CPUs; 1-minute load average {load_start:.1f} at the start and "
        f"{load[0]:.1f} at the end (shared with other work)",
        f"- Python {platform.python_version()}; Typer {_version('typer')}, "
        f"Rich {_version('rich')}, pydantic {_version('pydantic')}",
        f"- Before: revision `{opts.before}` (every command module imported pandas, SciPy, "
        "LightGBM, Ibis and the pipeline at start-up); after: this tree. Groups added after "
        "the split have no before figures",
        f"- Each figure: median of {opts.runs} whole-process runs per command, before and after "
        "in turn; CPU = user + system time of the process; peak RSS is the maximum over the "
        "runs; the ratio is the median of before/after CPU ratios taken pair by pair",
        "",
        "| command | CPU before | CPU after | wall after | RSS before | RSS after | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, cb, ca, wa, rb, ra, ratio in rows:
        lines.append(
            f"| `{name}` | {_fmt(cb, ' s')} | {ca:.2f} s | {wa:.2f} s | "
            f"{_fmt(rb, ' MB', '.0f')} | {ra:.0f} MB | {_fmt(ratio, '×', '.1f')} |"
        )
    lines += [
        "| floor: a one-command Typer app, `hello --help` | "
        f"| {floor_cpu:.2f} s | {floor_wall:.2f} s | | {floor_rss:.0f} MB | |",
        "",
        "The floor row is what any Typer CLI costs here for a command's help (Typer 0.2x "
        "validates the root options with pydantic and renders help with Rich, Markdown "
        "included); the difference between it and a `loyalloop CMD --help` is the project's "
        "own command modules. Wall times depend on the machine's load (see the load average "
        "above); CPU time and memory do much less, which is why the targets (0.5 s, 80 MB) are "
        "read against CPU time here.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if opts.write:
        (HERE / "results" / "cli.md").write_text(text, encoding="utf-8")


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
