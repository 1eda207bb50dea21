"""Time the feedback stage's analyses on the demo's comments (whole process, timed from outside).

The per-step figures it logs are CPU seconds of this process (time.process_time).

The script does what ``pipeline/feedback_stage.py`` does with the library — read every comment,
the aspect mention table, weekly and monthly trends and alerts, key drivers for NPS and CSAT,
topics over all and over unmatched own-brand comments, the brand benchmark and the channel
check — on a Parquet file of comments (``--write`` makes it from the demo's sample: 10,000
customers, seed 0). It runs against whichever ``loyalloop`` is imported, so the same file times
an older checkout (``PYTHONPATH=old/src``): with ``analyze_comments`` it uses the one-pass
reading of the current stage, otherwise the two passes of the old one.

    python benchmarks/feedback_stage.py --write /tmp/comments.parquet
    python benchmarks/feedback_stage.py /tmp/comments.parquet --save /tmp/after
    env PYTHONPATH=OLD/src python benchmarks/feedback_stage.py /tmp/comments.parquet \\
        --save /tmp/before
    python benchmarks/feedback_compare.py /tmp/before /tmp/after   # identical outputs?
    /usr/bin/time -v python benchmarks/feedback_stage.py /tmp/comments.parquet
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path

import pandas as pd

log = logging.getLogger("feedback_stage_bench")


def write_input(path: Path) -> None:
    from loyalloop.sample import generate

    data = generate(customers=10_000, seed=0, business="card")
    fb = data.feedback[data.feedback["text"].notna()].copy()
    fb["brand"] = fb["brand"].fillna("own")
    fb.to_parquet(path, index=False)


def run(path: Path, save: Path | None = None) -> dict[str, float]:
    import loyalloop.feedback as fb_lib

    comments = pd.read_parquet(path)
    times: dict[str, float] = {}
    outputs: dict[str, pd.DataFrame] = {}
    t = time.process_time()
    try:
        from loyalloop.feedback.analyze import analyze_comments

        result = analyze_comments(comments, taxonomy="banking")
        analysed, mentions = result.comments, result.mentions
    except ImportError:  # the old stage: two passes
        analysed = fb_lib.analyze_feedback(comments, taxonomy="banking")
        mentions = fb_lib.aspect_mentions(comments, taxonomy="banking")
    times["read comments"] = time.process_time() - t
    outputs["comments"], outputs["mentions"] = analysed, mentions
    own = comments[comments["brand"] == "own"]
    own_m = mentions[mentions["brand"] == "own"]
    t = time.process_time()
    outputs["summary"] = fb_lib.aspect_summary(own_m, fb_lib.load_taxonomy("banking"))
    for freq in ("W", "M"):
        trends = fb_lib.aspect_trends(own_m, freq)  # type: ignore[arg-type]
        outputs[f"trends_{freq}"] = trends
        outputs[f"alerts_{freq}"] = fb_lib.detect_alerts(trends)
    times["summary, trends, alerts"] = time.process_time() - t
    t = time.process_time()
    for score_type in ("nps", "csat"):
        drivers = fb_lib.key_drivers(own, own_m, score_type=score_type)
        outputs[f"drivers_{score_type}"] = drivers.table.assign(r_squared=drivers.r_squared)
    times["key drivers"] = time.process_time() - t
    t = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, unmatched in (("topics_all", False), ("topics_unmatched", True)):
            model = fb_lib.discover_topics(
                own["text"], 8, taxonomy="banking", only_unmatched=unmatched
            )
            outputs[name] = model.topics.assign(unassigned=model.unassigned)
            outputs[f"{name}_assignments"] = model.assignments
    times["topics"] = time.process_time() - t
    t = time.process_time()
    scores = comments.merge(analysed[["feedback_id", "sentiment_score"]], on="feedback_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs["benchmark"] = fb_lib.brand_benchmark(scores)
        outputs["channels"] = fb_lib.channel_comparison(own_m)
    times["benchmark, channels"] = time.process_time() - t
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for name, frame in outputs.items():
            frame.reset_index(drop=True).to_parquet(save / f"{name}.parquet", index=False)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--write", action="store_true", help="write the input file and stop")
    parser.add_argument("--save", type=Path, help="write every output as Parquet to this folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.write:
        write_input(args.input)
        return
    times = run(args.input, args.save)
    log.info("; ".join(f"{k} {v:.2f}s" for k, v in times.items()))


if __name__ == "__main__":
    main()
