"""Detection-only screen of second-pass variants on the cached out-of-sample pass (session 20).

Run from the repository root after ``detector_loao.py score --oos OOS`` has written its cache::

    python benchmarks/detector_second_screen.py --oos /tmp/fb20a_oos.pkl [VARIANT ...]

Variants: ``words`` (a second pass over the sentence's n-grams — the detector's features, seen
in two or more scored sentences — and the first pass's numbers, ``--c``), ``words-only``,
``numbers`` (the first pass's numbers alone, session 19's inputs), ``decide`` (``words``
deciding instead of adding), ``beside`` (first-pass thresholds chosen apart beside a found
aspect). Second passes are fitted
without each author and used only in sentences in which the patterns found an aspect, adding
to the first pass (``--english-only``: English sentences only); thresholds, the second pass's
and the fallback's, are chosen without each blind author as ``detector_loao.py score`` does.
Prints recall / precision / F1 of the aspects found (patterns, detector, fallback; no
sentiment) pooled over the blind authors per language, and per language how many authors' F1
rose and fell against the first pass with the fallback.
"""

from __future__ import annotations

import argparse
import pickle
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback.detector_features import parse_kinds


def _words(data: Path) -> tuple[np.ndarray, sp.csr_matrix]:
    from sklearn.feature_extraction import DictVectorizer

    frame = ta.load_sentences(data).frame
    part = frame[(frame["author"] != "lexicon").to_numpy()].reset_index(drop=True)
    kinds = parse_kinds(ta.DETECTOR_FEATURES)
    feats = [ta._sentence_counts(cl, kinds) for cl in part["clauses"]]
    df: dict[str, int] = {}
    for f in feats:
        for k in f:
            df[k] = df.get(k, 0) + 1
    feats = [{k: v for k, v in f.items() if df[k] >= 2} for f in feats]
    return part["lang"].to_numpy(), DictVectorizer(sparse=True, sort=True).fit_transform(feats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", default=["numbers"])
    parser.add_argument("--oos", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--english-only", action="store_true")
    args = parser.parse_args()
    oos, _ = pickle.loads(args.oos.read_bytes())
    lang, xw = _words(args.data)
    authors = oos.author
    blind = np.isin(authors, ta.BLIND_AUTHORS)
    ctx = oos.found.any(axis=1)
    grid = (*ta.THRESHOLDS, ta.SECOND_PASS_NEVER)

    def fallback(decided: np.ndarray, others: np.ndarray) -> np.ndarray:
        fb = ta.choose_fallback(oos, others, decided)
        out = decided & oos.allowed
        if fb is not None:
            open_p = np.where(oos.allowed, oos.probabilities, -1.0)
            best = open_p.argmax(axis=1)
            take = ~out.any(axis=1) & ~ctx & (open_p[np.arange(len(best)), best] >= fb)
            out = out.copy()
            out[np.flatnonzero(take), best[take]] = True
        return out

    def f1(pred: np.ndarray, rows: np.ndarray) -> tuple[float, float, float]:
        p, g = pred[rows] & oos.allowed[rows], oos.gold[rows]
        tp, fp, fn = (p & g).sum(), (p & ~g).sum(), (~p & g).sum()
        r, q = tp / max(tp + fn, 1), tp / max(tp + fp, 1)
        return float(r), float(q), float(2 * r * q / max(r + q, 1e-9))

    def report(label: str, pred: np.ndarray, base: np.ndarray | None) -> None:
        parts = []
        for g in ("zh", "en"):
            r, q, f = f1(pred, blind & (lang == g))
            text = f"{g} R {r:.4f} P {q:.4f} F1 {f:.4f}"
            if base is not None:
                mine = [(authors == a) & (lang == g) for a in ta.BLIND_AUTHORS]
                d = [f1(pred, m)[2] - f1(base, m)[2] for m in mine]
                text += f" (authors better {sum(x > 1e-9 for x in d)}, worse "
                text += f"{sum(x < -1e-9 for x in d)})"
            parts.append(text)
        print(f"{label}: " + " | ".join(parts), flush=True)

    firsts = {}
    base = np.zeros_like(oos.gold)
    for held in ta.BLIND_AUTHORS:
        chosen = ta.choose_thresholds(oos, authors != held)
        firsts[held] = oos.found | (oos.probabilities >= chosen.matrix(oos))
        base[authors == held] = fallback(firsts[held], authors != held)[authors == held]
    report("first pass + fallback", base, None)

    def second(words: bool, numbers: bool) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        start = time.process_time()
        mats = ([xw] if words else []) + (
            [sp.csr_matrix(ta._second_inputs(oos))] if numbers else []
        )
        x = sp.hstack(mats).tocsr()
        out = np.zeros_like(oos.probabilities)
        for held in sorted(set(authors)):
            h = authors == held
            for j in range(len(oos.aspects)):
                r = ~h & oos.allowed[:, j] & ~oos.found[:, j] & ctx
                if oos.gold[r, j].sum() < 3:
                    continue
                clf = LogisticRegression(C=args.c, solver="liblinear", max_iter=2000)
                out[h, j] = clf.fit(x[r], oos.gold[r, j]).predict_proba(x[h])[:, 1]
        print(f"  second pass fitted: {time.process_time() - start:.0f} CPU s", flush=True)
        return out

    use = ctx & (lang == "en") if args.english_only else ctx
    for variant in args.variants:
        pred = np.zeros_like(base)
        if variant in ("words", "words-only", "numbers", "decide"):
            s2 = second(variant != "numbers", variant != "words-only")
            s2 = np.where(use[:, None] & ~oos.found, s2, 0.0)
        for held in ta.BLIND_AUTHORS:
            others = authors != held
            dec = firsts[held]
            if variant == "decide":
                tw = ta.choose_thresholds(replace(oos, probabilities=s2), others & use)
                dec = np.where(use[:, None], oos.found | (s2 >= tw.matrix(oos)), dec)
            elif variant in ("words", "words-only", "numbers"):
                tw = ta.choose_thresholds(replace(oos, probabilities=s2, found=dec), others,
                                          candidates=grid)  # fmt: skip
                dec = dec | (s2 >= tw.matrix(oos))
            elif variant == "beside":
                apart = ta.choose_thresholds(oos, others, beside=True)
                dec = oos.found | (oos.probabilities >= apart.matrix(oos))
            pred[authors == held] = fallback(dec, others)[authors == held]
        report(f"{variant} (C {args.c})", pred, base)


if __name__ == "__main__":
    main()
