"""How well two people agree on aspect sentiment: the ceiling of the reader's agreement (issue 10).

Run from the repository root::

    python benchmarks/feedback_human_agreement.py \
        --author tests/feedback/data/blind13_zh.tsv \
        --second tests/feedback/data/relabel14_blind13_zh.tsv \
        [--author … --second …] [--json]

``--author`` is a labelled set as its author wrote and labelled it; ``--second`` holds some of
its sentences (same ``text``), labelled again by another person working blind (for blind13,
blind14's author labelled 150 sentences per language with docs/feedback_labelling_guide.md).
For each pair of files, on the sentences both labelled: the second person's labels scored
against the author's with the figures of :mod:`loyalloop.feedback.evaluate` (agreement, recall,
precision, sentiment when found, intent), the same the other way round, and the shipped
reader's figures on the same sentences against the author — a fair comparison only while the
author's set is held out (blind13 is training data since session 16, so the reader's figures on
it are in-sample now; the held-out ones are in benchmarks/results/feedback.md). Issue 10's
target (agreement ≥ 0.85 against an unseen author) is only meaningful if two careful people
reach it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from loyalloop.feedback.evaluate import (
    INTENT_ALIASES,
    evaluate_aspects,
    label_pairs,
    pair_figures,
    read_labelled,
)


def _intent(a: pd.Series, b: pd.Series) -> float:
    x = a.str.strip().map(lambda v: INTENT_ALIASES.get(v, v))
    y = b.str.strip().map(lambda v: INTENT_ALIASES.get(v, v))
    keep = (x != "") & (y != "")
    return float((x[keep] == y[keep]).mean()) if keep.any() else float("nan")


def compare(author: Path, second: Path) -> dict[str, object]:
    """The figures of one author file against one re-labelled file (see the module docs)."""
    a = read_labelled(author).drop_duplicates("text").set_index("text")
    s = read_labelled(second)
    missing = [t for t in s["text"] if t not in a.index]
    if missing:
        raise SystemExit(f"{second}: {len(missing)} texts not in {author}, e.g. {missing[0]!r}")
    gold = a.loc[s["text"]].reset_index()
    human = pair_figures(label_pairs(list(gold["aspects"]), list(s["aspects"])))
    human["intent_accuracy"] = _intent(gold["intent"], s["intent"])
    reverse = pair_figures(label_pairs(list(s["aspects"]), list(gold["aspects"])))
    reverse["intent_accuracy"] = human["intent_accuracy"]  # the same comparison either way
    model = evaluate_aspects(gold, taxonomy_column="domain").overall
    return {
        "author": str(author),
        "second": str(second),
        "sentences": len(s),
        "second_vs_author": human,
        "author_vs_second": reverse,
        "reader_vs_author": model,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--author", type=Path, action="append", required=True)
    ap.add_argument("--second", type=Path, action="append", required=True)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if len(args.author) != len(args.second):
        ap.error("give one --second per --author")
    results = [compare(a, s) for a, s in zip(args.author, args.second, strict=True)]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    keys = ("pairs", "agreement", "recall", "precision", "sentiment_accuracy", "intent_accuracy")
    for r in results:
        print(f"{r['second']} against {r['author']} ({r['sentences']} sentences)")
        for who in ("second_vs_author", "author_vs_second", "reader_vs_author"):
            figs = r[who]
            assert isinstance(figs, dict)
            print(f"  {who:18s} " + "  ".join(f"{k} {figs.get(k, float('nan')):.3f}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
