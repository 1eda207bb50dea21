"""Detector thresholds per language against pooled ones, out of sample (issue 10, session 13).

Run from the repository root::

    python benchmarks/detector_thresholds.py [--cache /tmp/detector_oos.pkl]

One :func:`~loyalloop.feedback.train_aspects.out_of_sample` pass over the shipped training sets
(the detector fitted once without each blind author, as :func:`~loyalloop.feedback.
train_aspects.fit_detector` does; cached with ``--cache`` so that re-choosing costs no refit).
Then for each blind author in turn the thresholds are chosen (:func:`~loyalloop.feedback.
train_aspects.choose_thresholds`) on the other authors' out-of-sample sentences only and applied
to that author's: detection recall / precision / F1 of patterns plus detector per language,
pooled over authors by pairs. (The other authors' probabilities come from detectors that saw the
held-out author's sentences, a small leak through the choice of thresholds only; the held-out
author's own probabilities never saw them.)
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path

import numpy as np

from loyalloop.feedback import train_aspects as ta


def _score(oos: ta.OutOfSample, rows: np.ndarray, chosen: ta.Thresholds) -> np.ndarray:
    """tp, fp, fn over ``rows`` with ``chosen`` applied per sentence language."""
    out = np.zeros(3)
    for lang in ("zh", "en", ""):
        part = rows & (oos.language == lang)
        if not part.any():
            continue
        thr = chosen.vector(oos.aspects, lang)
        pred = (oos.found[part] | (oos.probabilities[part] >= thr)) & oos.allowed[part]
        g = oos.gold[part]
        out += [(pred & g).sum(), (pred & ~g).sum(), (~pred & g).sum()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    if args.cache is not None and args.cache.is_file():
        oos = pickle.loads(args.cache.read_bytes())
    else:
        start = time.process_time()
        _, oos = ta.out_of_sample(ta.load_sentences(args.data).frame)
        print(f"out-of-sample pass: {time.process_time() - start:.1f} CPU s")
        if args.cache is not None:
            args.cache.write_bytes(pickle.dumps(oos))
    variants = {
        "one overall": {"per_aspect": False, "per_language": False},
        "per aspect (session 12)": {"per_aspect": True, "per_language": False},
        "per aspect, >= 300 pairs": {"per_language": False, "min_pairs": 300},
        "per language and aspect, >= 40 pairs": {"per_language": True},
        "per language and aspect, >= 150 pairs": {"per_language": True, "min_pairs": 150},
    }
    print("| thresholds | zh recall | zh precision | zh F1 | en recall | en precision | en F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, kw in variants.items():
        totals = {"zh": np.zeros(3), "en": np.zeros(3)}
        for held in sorted(set(oos.author)):
            chosen = ta.choose_thresholds(oos, oos.author != held, **kw)  # type: ignore[arg-type]
            for lang in totals:
                totals[lang] += _score(oos, (oos.author == held) & (oos.language == lang), chosen)
        _row(name, totals)
    totals = {"zh": np.zeros(3), "en": np.zeros(3)}
    for held in sorted(set(oos.author)):
        for lang in totals:
            own = oos.language == lang
            chosen = ta.choose_thresholds(oos, (oos.author != held) & own, per_aspect=False,
                                          per_language=False)  # fmt: skip
            totals[lang] += _score(oos, (oos.author == held) & own, chosen)
    _row("one overall per language", totals)


def _row(name: str, totals: dict[str, np.ndarray]) -> None:
    cells = []
    for lang in ("zh", "en"):
        tp, fp, fn = totals[lang]
        cells += [tp / (tp + fn), tp / (tp + fp), 2 * tp / (2 * tp + fp + fn)]
    print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in cells) + " |")


if __name__ == "__main__":
    main()
