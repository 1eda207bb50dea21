"""Double annotation with adjudication for a labelled feedback set (issue 10).

A held-out set labelled by its author alone carries that one person's slips and conventions;
two careful people agree on only ~0.86 of aspect-sentiment pairs (see
``benchmarks/feedback_human_agreement.py``). So from blind15 on a set is labelled twice, blind,
and the disagreements are settled by a third person who sees both labels (shuffled, so neither
annotator is favoured) and never the reader's output. Run from the repository root::

    # 1. the rows where the author and the second annotator differ, for the adjudicator
    python benchmarks/feedback_adjudication.py disputes \
        --author tests/feedback/data/blind15_zh.tsv \
        --second tests/feedback/data/second15_blind15_zh.tsv --out /work/blind15c/disputes_zh.tsv
    # 2. the adjudicated set: agreed rows as both labelled them, disputed rows as decided
    python benchmarks/feedback_adjudication.py merge \
        --author tests/feedback/data/blind15_zh.tsv \
        --second tests/feedback/data/second15_blind15_zh.tsv \
        --disputes /work/blind15c/disputes_zh.tsv --decided /work/blind15c/decided_zh.tsv \
        --out tests/feedback/data/adjudicated15_blind15_zh.tsv

Two rows agree when they name the same aspects with the same sentiments (order and spacing
ignored, as :func:`loyalloop.feedback.evaluate.parse_labels` reads them) and the same intent.
``merge`` refuses (naming file, row and field) when the second file's texts are not the
author's in the same order, when a disputed row has no decision, or when a decision names a
row that was not disputed; it prints how many disputed rows were decided as annotator 1, as
annotator 2 or otherwise. The adjudicated file keeps the author's columns and row order, so
``python -m loyalloop.feedback.evaluate`` reads it like any labelled set.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pandas as pd

from loyalloop.feedback.evaluate import INTENT_ALIASES, parse_labels, read_labelled

COLUMNS = ["domain", "lang", "text", "aspects", "intent"]


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    frame = read_labelled(path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SystemExit(f"{path}: missing column(s) {', '.join(missing)}")
    return frame


def _key(aspects: str, intent: str, where: str) -> tuple[tuple[tuple[str, str], ...], str]:
    labels = parse_labels(aspects, where)
    return tuple(sorted(labels.items())), INTENT_ALIASES.get(intent.strip(), intent.strip())


def _paired(author: Path, second: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    a = _read(author, COLUMNS)
    s = _read(second, COLUMNS)
    if len(a) != len(s):
        raise SystemExit(f"{second}: {len(s)} rows, {author} has {len(a)}")
    for i, (x, y) in enumerate(zip(a["text"], s["text"], strict=True)):
        if x != y:
            raise SystemExit(f"{second}: row {i + 2} field text differs from {author}")
    return a, s


def _differs(a: pd.DataFrame, s: pd.DataFrame, author: Path, second: Path) -> list[int]:
    out = []
    for i in range(len(a)):
        ka = _key(a.at[i, "aspects"], a.at[i, "intent"], f"{author} row {i + 2}")
        ks = _key(s.at[i, "aspects"], s.at[i, "intent"], f"{second} row {i + 2}")
        if ka != ks:
            out.append(i)
    return out


def disputes(author: Path, second: Path, out: Path, seed: int) -> int:
    a, s = _paired(author, second)
    rows = _differs(a, s, author, second)
    rng = random.Random(seed)
    lines = ["id\tdomain\tlang\ttext\taspects_1\tintent_1\taspects_2\tintent_2"]
    for i in rows:
        first, other = (a, s) if rng.random() < 0.5 else (s, a)
        lines.append(
            "\t".join(
                [
                    str(i + 2),
                    *(a.at[i, c] for c in ("domain", "lang", "text")),
                    *(first.at[i, c] for c in ("aspects", "intent")),
                    *(other.at[i, c] for c in ("aspects", "intent")),
                ]
            )
        )
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}: {len(rows)} disputed rows of {len(a)} ({len(rows) / len(a):.1%})")
    return 0


def merge(author: Path, second: Path, disputes_file: Path, decided: Path, out: Path) -> int:
    a, s = _paired(author, second)
    rows = set(_differs(a, s, author, second))
    shown = _read(disputes_file, ["id", "aspects_1", "intent_1", "aspects_2", "intent_2"])
    dec = _read(decided, ["id", "aspects", "intent"])
    shown_ids = [int(v) for v in shown["id"]]
    if sorted(shown_ids) != sorted(i + 2 for i in rows):
        raise SystemExit(f"{disputes_file}: its ids are not the disputed rows of {second}")
    by_id = dict(zip((int(v) for v in dec["id"]), range(len(dec)), strict=True))
    extra = sorted(set(by_id) - set(shown_ids))
    if extra:
        raise SystemExit(f"{decided}: id {extra[0]} (row {by_id[extra[0]] + 2}) was not disputed")
    result = a.copy()
    counts = {"annotator 1": 0, "annotator 2": 0, "other": 0}
    for j, row_id in enumerate(shown_ids):
        if row_id not in by_id:
            raise SystemExit(f"{decided}: no decision for id {row_id}")
        k = by_id[row_id]
        where = f"{decided} row {k + 2}"
        final = _key(dec.at[k, "aspects"], dec.at[k, "intent"], where)
        if final == _key(shown.at[j, "aspects_1"], shown.at[j, "intent_1"], where):
            counts["annotator 1"] += 1
        elif final == _key(shown.at[j, "aspects_2"], shown.at[j, "intent_2"], where):
            counts["annotator 2"] += 1
        else:
            counts["other"] += 1
        result.at[row_id - 2, "aspects"] = dec.at[k, "aspects"]
        result.at[row_id - 2, "intent"] = dec.at[k, "intent"]
    lines = ["\t".join(COLUMNS)] + ["\t".join(r) for r in result[COLUMNS].itertuples(index=False)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    agreed = len(a) - len(rows)
    print(
        f"{out}: {len(a)} rows, {agreed} agreed, {len(rows)} decided "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("disputes", help="write the rows the two annotators label differently")
    m = sub.add_parser("merge", help="write the adjudicated set")
    for p in (d, m):
        p.add_argument("--author", type=Path, required=True)
        p.add_argument("--second", type=Path, required=True)
        p.add_argument("--out", type=Path, required=True)
    d.add_argument("--seed", type=int, default=15, help="shuffles which annotator is '1'")
    m.add_argument("--disputes", type=Path, required=True)
    m.add_argument("--decided", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "disputes":
        return disputes(args.author, args.second, args.out, args.seed)
    return merge(args.author, args.second, args.disputes, args.decided, args.out)


if __name__ == "__main__":
    sys.exit(main())
