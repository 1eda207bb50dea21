"""Masked re-read of the aspects missed beside a found one: a detection-only screen (session 26).

Run from the repository root after ``detector_loao.py score --oos OOS`` has written its cache::

    python benchmarks/detector_masked_screen.py --oos /tmp/base26_oos.pkl

The question (fb26b): the detector is one logistic regression per aspect over a comment's summed
n-grams, so the words of a found aspect A carry their weights for every other aspect B too. Do
A's words push B below its threshold where B is also labelled (would the detector find B if A's
words were not there)? For each scored sentence, with the detector fitted without its author
(the cache's folds) and the aspects the patterns and the first pass found (``found``: thresholds
chosen without each author, as ``detector_loao.py score`` does), and for each other aspect B:

- ``push``: the sum of B's weights over the sentence's n-grams that carry weight > 0 for a
  found aspect A (the found aspect whose words push B lowest), so ``z - push`` is B's log-odds
  with A's words removed (the masked re-read);
- ``deficit``: minus the sum of only the negative B weights of those n-grams (``z + deficit``:
  A's words may no longer push B down, but still up).

Part 1 prints, per language, for the labelled aspects the whole detector (first and second pass)
misses beside a found aspect and for the unlabelled candidates there, the mean gap to the
first-pass threshold, the mean push and deficit, and how many would cross the first-pass
threshold on a masked score. Part 2 scores, left out one author at a time (thresholds chosen on
the other authors; second passes fitted without the author, adding, each aspect may abstain as
shipped), the detector with one more input: ``extra-*`` a decision on a masked score at a
threshold of its own per aspect (beside a found aspect, after the second pass); ``second-*`` the
second pass with the asked aspect's masked log-odds (``second-masked``), its push and deficit
(``second-push``), or found × English (``second-found-en``). Recall / precision / F1 of the
aspects found (patterns, first and second pass; no fallback, no sentiment) per language, in
sentences with two or more labelled aspects apart, and how many authors' F1 rose / fell.
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback.detector_features import detector_features

VARIANTS = (
    "extra-deficit",
    "extra-masked",
    "second-masked",
    "second-push",
    "second-found-en",
)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def _first_pass(oos: ta.OutOfSample) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence, the first-pass decisions (patterns or detector, thresholds chosen without
    its author) and the logit thresholds used."""
    decided = np.zeros_like(oos.gold)
    limits = np.zeros(oos.probabilities.shape)
    for held in sorted(set(oos.author)):
        rows = oos.author == held
        lim = ta.choose_thresholds(oos, ~rows).matrix(oos)
        decided[rows] = (oos.found | (oos.probabilities >= lim))[rows]
        limits[rows] = lim[rows]
    return decided & oos.allowed, _logit(limits)


def _push(oos: ta.OutOfSample, folds: dict, data: Path, found: np.ndarray) -> tuple:
    """``push`` and ``deficit`` (module docs), ``(sentences, aspects)``."""
    frame = ta.load_sentences(data).frame
    part = frame[(frame["author"] != "lexicon").to_numpy()]
    part = part[part["author"].isin(set(oos.author))].reset_index(drop=True)
    if not (part["author"].to_numpy() == oos.author).all():
        raise SystemExit("the cache's sentences are not this checkout's training sets")
    n = len(oos.aspects)
    push, deficit = np.zeros((len(part), n)), np.zeros((len(part), n))
    for i, (author, clauses) in enumerate(zip(part["author"], part["clauses"], strict=True)):
        have = np.flatnonzero(found[i])
        if not len(have):
            continue
        det = folds[author]
        get = det.vocabulary_.get
        rows = [
            j
            for c in clauses
            for j in map(get, detector_features(c, det.features))
            if j is not None
        ]
        if not rows:
            continue
        w = det.weights_[rows][:, [det.aspects_.index(a) for a in oos.aspects]]
        carries = (w[:, have] > 0).T.astype(float)  # (found, n-grams)
        by_a, neg_a = carries @ w, carries @ np.minimum(w, 0.0)  # (found, aspects)
        for b in range(n):
            other = have != b
            if other.any():
                push[i, b] = by_a[other, b].min()
                deficit[i, b] = -neg_a[other, b].min()
    return push, deficit


def _second(
    oos: ta.OutOfSample, first: np.ndarray, extra: Callable[[int], np.ndarray] | None
) -> np.ndarray:
    """Patterns, first and second pass (second pass fitted without each author over
    :func:`~loyalloop.feedback.train_aspects.second_pass_inputs` plus ``extra(aspect)``
    columns; thresholds chosen without the author, adding, may abstain)."""
    from sklearn.linear_model import LogisticRegression

    x = ta._second_inputs(oos)
    probs = np.zeros_like(oos.probabilities)
    for held in sorted(set(oos.author)):
        rows = oos.author == held
        out = oos.probabilities[rows].copy()
        for j in range(len(oos.aspects)):
            r = ~rows & oos.allowed[:, j] & ~oos.found[:, j]
            y = oos.gold[r, j]
            if y.sum() < 3 or y.all():
                continue
            xj = x if extra is None else np.hstack([x, extra(j)])
            clf = LogisticRegression(C=ta.SECOND_PASS_C, max_iter=5000).fit(xj[r], y)
            out[:, j] = clf.predict_proba(xj[rows])[:, 1]
        probs[rows] = out
    second = replace(oos, probabilities=probs, found=first)
    decided = np.zeros_like(oos.gold)
    grid = (*ta.THRESHOLDS, ta.SECOND_PASS_NEVER)
    for held in sorted(set(oos.author)):
        rows = oos.author == held
        lim = ta.choose_thresholds(second, ~rows, per_language=False, candidates=grid).matrix(oos)
        decided[rows] = (first | (probs >= lim))[rows]
    return decided & oos.allowed


def _extra(oos: ta.OutOfSample, decided: np.ndarray, score: np.ndarray) -> np.ndarray:
    """``decided`` plus, beside a decided aspect, each aspect whose ``score`` reaches a logit
    threshold of its own (chosen without each author for the F1 of that aspect; none when no
    candidate raises it)."""
    out = decided.copy()
    beside = decided.any(axis=1)
    grid = np.arange(-4.0, 6.01, 0.25)
    g = oos.gold
    for held in sorted(set(oos.author)):
        rows = oos.author == held
        tr = ~rows
        for j in range(len(oos.aspects)):
            cand = ~decided[:, j] & oos.allowed[:, j] & beside
            tp0 = (decided[tr, j] & g[tr, j]).sum()
            fp0 = (decided[tr, j] & ~g[tr, j]).sum()
            fn0 = (~decided[tr, j] & g[tr, j]).sum()
            best, at = 2 * tp0 / max(2 * tp0 + fp0 + fn0, 1), None
            for t in grid:
                add = cand & (score[:, j] >= t) & tr
                right = (add & g[:, j]).sum()
                f1 = 2 * (tp0 + right) / max(2 * (tp0 + right) + fp0 + add.sum() - right + fn0
                                             - right, 1)  # fmt: skip
                if f1 > best + 1e-12:
                    best, at = f1, t
            if at is not None:
                out[rows, j] |= (cand & (score[:, j] >= at))[rows]
    return out


def _figures(oos: ta.OutOfSample, decided: np.ndarray, mask: np.ndarray) -> tuple:
    g = oos.gold & oos.allowed
    tp = int((decided & g & mask).sum())
    fp = int((decided & ~g & mask).sum())
    gold = int((g & mask).sum())
    r, p = tp / max(gold, 1), tp / max(tp + fp, 1)
    return r, p, 2 * r * p / max(r + p, 1e-12), tp, fp


def _compare(oos: ta.OutOfSample, name: str, base: np.ndarray, after: np.ndarray) -> None:
    two = ((oos.gold & oos.allowed).sum(axis=1) >= 2)[:, None]
    for lang in ("zh", "en"):
        lang_rows = (oos.language == lang)[:, None]
        r0, p0, f0, tp0, fp0 = _figures(oos, base, lang_rows)
        r1, p1, f1, tp1, fp1 = _figures(oos, after, lang_rows)
        r20 = _figures(oos, base, lang_rows & two)[0]
        r21 = _figures(oos, after, lang_rows & two)[0]
        up = down = 0
        for held in sorted(set(oos.author)):
            m = lang_rows & (oos.author == held)[:, None]
            if not (oos.gold & m).any():
                continue
            d = _figures(oos, after, m)[2] - _figures(oos, base, m)[2]
            up, down = up + (d > 1e-9), down + (d < -1e-9)
        print(f"| {name} | {lang} | {tp1 - tp0:+d} / {fp1 - fp0:+d} | {r0:.4f} → {r1:.4f} | "
              f"{p0:.4f} → {p1:.4f} | {f0:.4f} → {f1:.4f} | {r20:.4f} → {r21:.4f} | "
              f"{up} / {down} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--oos", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    args = parser.parse_args()
    oos, folds = pickle.loads(args.oos.read_bytes())
    start = time.process_time()
    first, limit = _first_pass(oos)
    base = _second(oos, first, None)
    fitted = time.process_time()
    push, deficit = _push(oos, folds, args.data, first)
    print(f"{len(oos.author)} sentences; push and deficit {time.process_time() - fitted:.1f} CPU s "
          f"(one sentence at a time), baseline passes {fitted - start:.1f} CPU s")  # fmt: skip
    z = _logit(oos.probabilities)
    g, ok = oos.gold, oos.allowed
    beside = first.any(axis=1, keepdims=True)
    print("\n| lang | missed beside a found aspect | unlabelled candidates there | gap to "
          "threshold (missed) | push: missed / unlabelled | deficit: missed / unlabelled | "
          "z − push crosses: missed / unlabelled | z + deficit crosses: missed / unlabelled | "
          "within 1 logit of threshold: missed / unlabelled |")  # fmt: skip
    print("|---|---:|---:|---:|---|---|---|---|---|")
    for lang in ("zh", "en"):
        lang_rows = (oos.language == lang)[:, None]
        miss = g & ok & ~base & beside & ~first & lang_rows
        cand = ~g & ok & ~base & beside & ~first & lang_rows
        gap = limit - z
        print(f"| {lang} | {miss.sum()} | {cand.sum()} | {gap[miss].mean():.2f} | "
              f"{push[miss].mean():+.2f} / {push[cand].mean():+.2f} | "
              f"{deficit[miss].mean():.2f} / {deficit[cand].mean():.2f} | "
              f"{(miss & (z - push >= limit)).sum()} / {(cand & (z - push >= limit)).sum()} | "
              f"{(miss & (z + deficit >= limit)).sum()} / "
              f"{(cand & (z + deficit >= limit)).sum()} | "
              f"{(miss & (gap <= 1)).sum()} / {(cand & (gap <= 1)).sum()} |")  # fmt: skip
    english = (oos.language == "en").astype(float)[:, None]
    extras: dict[str, Callable[[int], np.ndarray]] = {
        "second-masked": lambda j: (z[:, j] - push[:, j])[:, None],
        "second-push": lambda j: np.column_stack([push[:, j], deficit[:, j]]),
        "second-found-en": lambda j: oos.found * english,
    }
    print("\n| variant | lang | pairs right / wrong | recall | precision | F1 | recall, 2+ aspects "
          "| authors' F1 up / down |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in args.variants:
        t0 = time.process_time()
        if name == "extra-deficit":
            after = _extra(oos, base, z + deficit)
        elif name == "extra-masked":
            after = _extra(oos, base, z - push)
        else:
            after = _second(oos, first, extras[name])
        _compare(oos, f"{name} ({time.process_time() - t0:.0f} CPU s)", base, after)


if __name__ == "__main__":
    main()
