"""Where the reading's complaints go wrong, and what two people reach (issue 10, session 34).

Run from the repository root on held-out labelled sets (the shipped models never saw them)::

    python benchmarks/complaint_errors.py kinds FILE [FILE ...] [--lang en]
    python benchmarks/complaint_errors.py terms FILE [FILE ...] [--lang en] [--top 25]
    python benchmarks/complaint_errors.py people --sets 26 27 28 29

``kinds``: every aspect the reading reads ``negative`` (the strongest mention of an aspect in a
sentence speaks for it, :func:`~loyalloop.feedback.evaluate.strongest_mentions`),
by what read it — a pattern of the taxonomy (``AspectMention.matched`` not empty) or the
learned detector — and by what the labels say of that aspect: labelled ``negative`` (right),
labelled ``neutral`` or ``positive`` (a sentiment error of a found aspect), or not labelled at
all (``extra``: the sentence names an aspect its author did not). Complaint precision is
right / all; only the second kind can be mended by the mention-sentiment model.

``terms``: the pattern terms behind the aspects read ``negative``: how many, how many are not
labelled at all, how many are not labelled ``negative``.

``people``: complaint precision and recall (:func:`~loyalloop.feedback.evaluate.
complaint_figures`) of the second annotator against the author (``second<N>_blind<N>`` against
``blind<N>``, both blind), and of each against the adjudicated labels — the ceiling a reading can
be held to.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pandas as pd

from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.evaluate import (
    complaint_figures,
    label_pairs,
    pair_figures,
    parse_labels,
    read_labelled,
    strongest_mentions,
)

DATA = Path("tests/feedback/data")


def read_negatives(files: list[Path]) -> pd.DataFrame:
    """One row per aspect read ``negative``: file, lang, aspect, source, term, gold."""
    out = []
    for path in files:
        df = read_labelled(path)
        lang = path.stem.rsplit("_", 1)[-1]
        for i, rec in enumerate(df.to_dict("records")):
            gold = parse_labels(rec["aspects"], f"{path.name} row {i + 2}")
            reading = read_comment(rec["text"], load_taxonomy(rec["domain"]))
            for aspect, m in strongest_mentions(reading.mentions).items():
                if m.sentiment.label != "negative":
                    continue
                source = "pattern" if m.matched else "detector"
                term = m.matched[0] if m.matched else ""
                out.append((path.name, lang, aspect, source, term, gold.get(aspect)))
    return pd.DataFrame(out, columns=["file", "lang", "aspect", "source", "term", "gold"])


def _kind(gold: object) -> str:
    if gold is None or gold != gold:  # NaN
        return "extra"
    return "right" if gold == "negative" else f"labelled {gold}"


def kinds(frame: pd.DataFrame) -> None:
    frame = frame.assign(kind=frame["gold"].map(_kind))
    for lang, part in frame.groupby("lang", sort=False):
        table = pd.crosstab(part["source"], part["kind"], margins=True)
        right = int((part["kind"] == "right").sum())
        print(f"== {lang}: {len(part)} aspects read negative, {right} labelled negative "
              f"(complaint precision {right / len(part):.3f})")  # fmt: skip
        print(table.to_string())
        extra = part[part["kind"] == "extra"]
        print("extra, by aspect:", Counter(extra["aspect"]).most_common(10))


def terms(frame: pd.DataFrame, top: int) -> None:
    pat = frame[frame["source"] == "pattern"].assign(
        extra=frame["gold"].isna(), wrong=frame["gold"] != "negative"
    )
    for lang, part in pat.groupby("lang", sort=False):
        t = part.groupby(["aspect", "term"]).agg(
            read=("extra", "size"), extra=("extra", "sum"), not_negative=("wrong", "sum")
        )
        t["precision"] = (1 - t["not_negative"] / t["read"]).round(3)
        print(f"== {lang}: pattern terms behind the aspects read negative")
        print(t.sort_values(["extra", "read"], ascending=False).head(top).to_string())


def people(sets: list[str]) -> None:
    for lang in ("zh", "en"):
        for n in sets:
            author = read_labelled(DATA / f"blind{n}_{lang}.tsv")
            second = read_labelled(DATA / f"second{n}_blind{n}_{lang}.tsv")
            adjudicated = read_labelled(DATA / f"adjudicated{n}_blind{n}_{lang}.tsv")
            for name, gold, other in (
                ("second vs author", author, second),
                ("author vs adjudicated", adjudicated, author),
                ("second vs adjudicated", adjudicated, second),
            ):
                both = gold.merge(other[["text", "aspects"]], on="text", suffixes=("", "_o"))
                both = both.drop_duplicates("text")
                p = label_pairs(both["aspects"].fillna("").tolist(),
                                both["aspects_o"].fillna("").tolist())  # fmt: skip
                c, f = complaint_figures(p, len(both)), pair_figures(p)
                print(f"blind{n} {lang} {name}: {len(both)} sentences, agreement "
                      f"{f['agreement']:.3f}, complaint precision {c['complaint_precision']:.3f}, "
                      f"recall {c['complaint_recall']:.3f}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("kinds", "terms"):
        s = sub.add_parser(name)
        s.add_argument("files", nargs="+", type=Path)
        s.add_argument("--lang", default="", help="zh or en (default: both)")
        s.add_argument("--top", type=int, default=25)
    s = sub.add_parser("people")
    s.add_argument("--sets", nargs="+", default=["26", "27", "28", "29"])
    args = ap.parse_args(argv)
    if args.cmd == "people":
        people(args.sets)
        return
    frame = read_negatives(args.files)
    if args.lang:
        frame = frame[frame["lang"] == args.lang]
    if args.cmd == "kinds":
        kinds(frame)
    else:
        terms(frame, args.top)


if __name__ == "__main__":
    main()
