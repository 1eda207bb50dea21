"""What reading a file of mixed channels costs ``analyze_comments`` (issue 10, session 23).

``analyze_comments`` reads the comments grouped by the aspect their channel implies
(``feedback.channel_aspects``): a file with app-store reviews among other comments is read in two
groups, each with its own distinct texts and batches. This times the same 10,000 comments (the
card sample's, seed 0) as one channel and as a mix:

* ``survey``: every row a survey (no aspect implied, one group);
* ``app_review``: every row an app-store review (the rule on every comment, one group);
* ``mixed``: the same texts, every other row an app-store review (two groups, half each).

With the grouping free, ``mixed`` costs the mean of the two single-channel runs (half of the
comments get the rule); the excess over that mean is what the second group costs.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/feedback_channel_groups.py [--n 10000] [--repeat 3]``
(CPU seconds of the process, ``time.process_time``, median of the repeats, the three
configurations in turn in each repeat, after one untimed run of the mixed file).
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from loyalloop.feedback import analyze_comments
from loyalloop.sample import generate


def comments(n: int) -> pd.DataFrame:
    """``n`` comments of the card sample (seed 0) without their app-store reviews."""
    customers = 10_000
    while True:
        data = generate(customers=customers, seed=0, business="card")
        fb = data.feedback[
            data.feedback["text"].notna() & (data.feedback["channel"] != "app_review")
        ]
        if len(fb) >= n:
            return fb.head(n)[["feedback_id", "timestamp", "brand", "text"]].reset_index(drop=True)
        customers *= 2


def frames(fb: pd.DataFrame) -> dict[str, pd.DataFrame]:
    mixed = ["app_review" if i % 2 else "survey" for i in range(len(fb))]
    return {
        "survey": fb.assign(channel="survey"),
        "app_review": fb.assign(channel="app_review"),
        "mixed": fb.assign(channel=mixed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fb = comments(args.n)
    runs = frames(fb)
    # load the models and fill the reading's caches (clause spans) once, so that every timed
    # run finds them the same
    analyze_comments(runs["mixed"], taxonomy="banking")
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, frame in runs.items():
            start = time.process_time()
            result = analyze_comments(frame, taxonomy="banking")
            times[name].append(time.process_time() - start)
            assert len(result.comments) == len(frame)
    med = {name: statistics.median(t) for name, t in times.items()}
    expected = (med["survey"] + med["app_review"]) / 2
    print(
        f"{len(fb):,} comments, {fb['text'].nunique():,} distinct; CPU s, median of {args.repeat}"
    )
    print("| file | CPU s (median) | runs |")
    print("|---|---:|---|")
    for name, t in times.items():
        print(f"| {name} | {med[name]:.2f} | {', '.join(f'{x:.2f}' for x in t)} |")
    print(
        f"\nmixed against the mean of the single-channel runs ({expected:.2f}): "
        f"{100 * (med['mixed'] / expected - 1):+.1f} %; against survey only: "
        f"{100 * (med['mixed'] / med['survey'] - 1):+.1f} %"
    )


if __name__ == "__main__":
    main()
