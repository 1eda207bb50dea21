"""The rule naming a comment's complaint, chosen on the training authors (issue 10, session 35).

Run from the repository root::

    python benchmarks/complaint_chooser.py [--cache /tmp/chooser_oos.pkl] [--folds 7]

A sentence read negative about several aspects names one of them (:func:`~loyalloop.feedback.
complaints.main_complaint`; a ``negative_aspect`` case names it). Candidate rules weigh each
aspect's severity (its worst mention's score, negated) by the learned detector's probability
that the sentence is about the aspect. To choose among them honestly the probabilities must be
out of sample: :func:`~loyalloop.feedback.train_aspects.out_of_sample` fits the detector
without each of ``--folds`` groups of the training authors and scores that group's sentences
(29 CPU minutes on two cores; ``--cache`` keeps it). The aspects read negative and their
scores come from the shipped reading (which saw these sentences: in-sample, so the figures
are above the held-out ones; only the choice between rules is measured here).

Prints, per language, each rule's precision (named aspect labelled negative, over sentences
that name one) and recall (over sentences labelled with a complaint), and over how many
authors its precision is above / below severity alone's. Held-out figures: ``python -m
loyalloop.feedback.evaluate`` on blind26–29 and ``pending33``.
"""

from __future__ import annotations

import argparse
import math
import pickle
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.complaints import complaint_inputs
from loyalloop.feedback.evaluate import parse_labels

#: The candidate rules: a key to maximise from (confidence, severity, aspect).
RULES: dict[str, Callable[[float, float, str], tuple[float | bool | str, ...]]] = {
    "severity alone (before)": lambda p, s, a: (s, a),
    "confidence, then severity": lambda p, s, a: (p, s, a),
    "confidence >= 0.5 first": lambda p, s, a: (p >= 0.5, s, a),
    "confidence x severity (shipped)": lambda p, s, a: (p * s, s, a),
    "sqrt(confidence) x severity": lambda p, s, a: (math.sqrt(p) * s, s, a),
    "confidence^2 x severity": lambda p, s, a: (p * p * s, s, a),
}


def _out_of_sample(data: Path, folds: int, cache: Path | None) -> tuple[list[str], ta.OutOfSample]:
    """The scored training sentences' texts and their out-of-sample probabilities."""
    if cache is not None and cache.is_file():
        texts, oos = pickle.loads(cache.read_bytes())
        return texts, oos
    frame = ta.load_sentences(data).frame
    start = time.process_time()
    _, oos = ta.out_of_sample(frame, by_authors=folds)
    print(f"out-of-sample pass ({oos.how}): {time.process_time() - start:.0f} CPU s")
    texts = frame.loc[frame["author"] != "lexicon", "text"].tolist()
    if cache is not None:
        cache.write_bytes(pickle.dumps((texts, oos)))
    return texts, oos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--folds", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    texts, oos = _out_of_sample(args.data, args.folds, args.cache)
    frame = ta.load_sentences(args.data).frame
    frame = frame[frame["author"] != "lexicon"].reset_index(drop=True)
    if frame["text"].tolist() != texts:
        raise SystemExit("the cache was made from other training sets: run without --cache")
    column = {a: j for j, a in enumerate(oos.aspects)}
    # per (language, author), per rule: named, named right, labelled, labelled and named right
    counts: dict[tuple[str, str], dict[str, np.ndarray]] = defaultdict(
        lambda: {r: np.zeros(4) for r in RULES}
    )
    for i, rec in enumerate(frame[["author", "domain", "text", "aspects"]].to_dict("records")):
        raw = rec["aspects"]
        gold = parse_labels(raw, f"row {i + 1}") if isinstance(raw, str) else {}
        complained = {a for a, s in gold.items() if s == "negative"}
        worst = complaint_inputs(read_comment(rec["text"], load_taxonomy(rec["domain"])).mentions)[
            0
        ]
        sure = {a: float(oos.probabilities[i, column[a]]) if a in column else 1.0 for a in worst}
        key = (str(oos.language[i]), str(rec["author"]))
        for name, rule in RULES.items():
            named = max(worst, key=lambda a: rule(sure[a], -worst[a], a)) if worst else None
            hit = named is not None and named in complained
            told = bool(complained)
            counts[key][name] += [named is not None, hit, told, hit and told]
    print("| language | rule | precision | recall | authors above / below severity alone |")
    print("|---|---|---:|---:|---:|")
    for lang in ("zh", "en"):
        keys = [k for k in counts if k[0] == lang]
        base = {k: counts[k]["severity alone (before)"] for k in keys}
        for name in RULES:
            tot = sum((counts[k][name] for k in keys), np.zeros(4))
            own = {k: counts[k][name][1] / max(counts[k][name][0], 1) for k in keys}
            ref = {k: base[k][1] / max(base[k][0], 1) for k in keys}
            above = sum(own[k] > ref[k] + 1e-12 for k in keys)
            below = sum(own[k] < ref[k] - 1e-12 for k in keys)
            print(f"| {lang} ({len(keys)} authors) | {name} | {tot[1] / tot[0]:.4f} | "
                  f"{tot[3] / tot[2]:.4f} | {above} / {below} |")  # fmt: skip


if __name__ == "__main__":
    main()
