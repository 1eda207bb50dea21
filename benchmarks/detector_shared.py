"""A shared multi-label aspect detector against one regression per aspect, out of sample (fb16).

Run from the repository root, after ``benchmarks/detector_thresholds.py --cache FILE`` (its
out-of-sample pass: the shipped per-aspect regressions fitted without each blind author)::

    python benchmarks/detector_shared.py --cache /tmp/detector_oos.pkl --stack
    python benchmarks/detector_shared.py --cache /tmp/detector_oos.pkl --mlp 64 --out /tmp/mlp.pkl
    python benchmarks/detector_shared.py --cache /tmp/detector_oos.pkl --report /tmp/mlp.pkl

Two candidates, each scored as ``detector_thresholds.py`` scores the shipped detector (for
every blind author in turn the per-aspect thresholds are chosen on the other authors'
out-of-sample sentences and applied to that author's; patterns plus detector, pooled by pairs):

- ``--mlp H``: one scikit-learn ``MLPClassifier`` over all aspects at once (one hidden layer of
  ``H`` ReLU units, the detector's sentence n-gram counts as sparse input, ``min_df`` as
  shipped; Adam, batches of 1,024, learning rate 0.003, ``--epochs`` passes, L2 ``--alpha``),
  fitted without each blind author in turn (the folds of
  :func:`~loyalloop.feedback.train_aspects.out_of_sample`).
- ``--stack``: a second logistic regression per aspect over the first level's out-of-sample
  log-odds of every aspect, the patterns' hits of every aspect and the sentence's language
  (:func:`stack_features`; four variants: fitted on all sentences or only where the patterns
  did not find the aspect, with or without the log-odds times the English flag). Each
  author's second-level values come from a second level fitted without that author, on the
  others' first-level out-of-sample values (whose regressions saw the held-out author: a leak
  that can only flatter stacking, like the thresholds' in ``detector_thresholds.py``);
  ``--nested`` removes it for the thresholds (for held-out ``h``, each other author ``k``'s
  values from a second level fitted without ``h`` and ``k``; 13 times the cost).
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from loyalloop.feedback import train_aspects as ta

sys.path.insert(0, str(Path(__file__).parent))
from detector_embedding import fold_matrices
from detector_thresholds import _score


def fit_mlp(data: Path, hidden: int, alpha: float, epochs: int) -> np.ndarray:
    """Out-of-sample probabilities of the scored sentences from a shared network per fold."""
    from sklearn.neural_network import MLPClassifier

    frame = ta.load_sentences(data).frame
    feats = [ta._sentence_counts(cl) for cl in frame["clauses"]]
    aspects = sorted({a for g in frame["gold"] for a in g})
    gold = np.array([[a in g for a in aspects] for g in frame["gold"]], dtype=int)
    scored = (frame["author"] != "lexicon").to_numpy()
    others = sorted(set(frame.loc[scored, "author"]))
    folds = frame["author"].map({a: k for k, a in enumerate(others)}).fillna(-1).to_numpy()
    probs = np.zeros((len(frame), len(aspects)))
    for k in range(len(others)):
        start = time.process_time()
        train, test = np.flatnonzero(folds != k), np.flatnonzero((folds == k) & scored)
        x, xt = fold_matrices(feats, train, test)
        x = x.tocsr()
        clf = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, batch_size=1024,
                            max_iter=epochs, random_state=0, learning_rate_init=3e-3)  # fmt: skip
        clf.fit(x, gold[train])
        probs[test] = clf.predict_proba(xt)
        print(f"fold {others[k]}: {time.process_time() - start:.0f} CPU s", flush=True)
    return probs[scored]


def stack_features(probabilities: np.ndarray, found: np.ndarray, language: np.ndarray,
                   interactions: bool = False) -> np.ndarray:  # fmt: skip
    """Second-level inputs: first-level log-odds of every aspect, the patterns' hits of every
    aspect, 1 for an English sentence (and with ``interactions`` the log-odds times it)."""
    p = np.clip(probabilities, 1e-6, 1 - 1e-6)
    z = np.log(p / (1 - p))
    en = (language == "en").astype(float)[:, None]
    parts = [z, found.astype(float), en]
    if interactions:
        parts.append(z * en)
    return np.hstack(parts)


def _fit_predict(x: np.ndarray, oos: ta.OutOfSample, train: np.ndarray, test: np.ndarray,
                 c: float, residual: bool) -> np.ndarray:  # fmt: skip
    from sklearn.linear_model import LogisticRegression

    out = np.zeros((int(test.sum()), len(oos.aspects)))
    for j in range(len(oos.aspects)):
        rows = train & oos.allowed[:, j]
        if residual:
            rows &= ~oos.found[:, j]
        y = oos.gold[rows, j]
        if y.sum() < 3:
            continue
        clf = LogisticRegression(C=c, solver="liblinear", max_iter=2000)
        out[:, j] = clf.fit(x[rows], y).predict_proba(x[test])[:, 1]
    return out


def stacked(oos: ta.OutOfSample, c: float, residual: bool, interactions: bool,
            nested: bool = True) -> dict[str, np.ndarray] | np.ndarray:  # fmt: skip
    """Second-level probabilities of every scored sentence, each author's from a second level
    fitted without that author; with ``nested``, per held-out author ``h`` (``h``'s from a
    second level fitted without ``h``, each other author ``k``'s from one fitted without ``h``
    and ``k``), as the module docs say."""
    x = stack_features(oos.probabilities, oos.found, oos.language, interactions)
    authors = sorted(set(oos.author))
    if not nested:  # one pass: each author's values from a second level fitted without it
        probs = np.zeros_like(oos.probabilities)
        for k in authors:
            train = oos.author != k
            probs[oos.author == k] = _fit_predict(x, oos, train, oos.author == k, c, residual)
        return probs
    out = {}
    for h in authors:
        probs = np.zeros_like(oos.probabilities)
        for k in authors:
            train = (oos.author != h) & (oos.author != k)
            probs[oos.author == k] = _fit_predict(x, oos, train, oos.author == k, c, residual)
        out[h] = probs
    return out


def score(base: ta.OutOfSample, probs_for: dict[str, np.ndarray] | np.ndarray,
          ) -> dict[str, np.ndarray]:  # fmt: skip
    """tp, fp, fn per language: thresholds chosen on the other authors, applied to each."""
    totals = {"zh": np.zeros(3), "en": np.zeros(3)}
    for held in sorted(set(base.author)):
        probs = probs_for if isinstance(probs_for, np.ndarray) else probs_for[held]
        oos = dataclasses.replace(base, probabilities=probs)
        chosen = ta.choose_thresholds(oos, oos.author != held, per_language=False)
        for lang in totals:
            totals[lang] += _score(oos, (oos.author == held) & (oos.language == lang), chosen)
    return totals


def row(name: str, totals: dict[str, np.ndarray]) -> str:
    cells = []
    for lang in ("zh", "en"):
        tp, fp, fn = totals[lang]
        cells.append(f"{tp / (tp + fn):.4f} / {tp / (tp + fp):.4f} / "
                     f"{2 * tp / (2 * tp + fp + fn):.4f}")  # fmt: skip
    return f"| {name} | {cells[0]} | {cells[1]} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/detector_oos.pkl"))
    parser.add_argument("--mlp", type=int, default=0, help="hidden units (0: no network)")
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--stack", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--report", type=Path, nargs="*", default=[])
    parser.add_argument("--nested", action="store_true")
    parser.add_argument("-C", type=float, nargs="*", default=[1.0])
    args = parser.parse_args()
    base = pickle.loads(args.cache.read_bytes())
    print("| detector (LOAO) | zh R / P / F1 | en R / P / F1 |")
    print("|---|---|---|")
    print(row("one regression per aspect (shipped)", score(base, base.probabilities)))
    for path in args.report:
        print(row(path.name, score(base, pickle.loads(path.read_bytes()))))
    if args.stack:
        for c in args.C:
            for residual in (False, True):
                for inter in (False, True):
                    start = time.process_time()
                    probs = stacked(base, c, residual, inter, args.nested)
                    name = f"stacked, C {c}, residual {residual}, x en {inter}"
                    print(row(name, score(base, probs)) + f" {time.process_time() - start:.0f} s",
                          flush=True)  # fmt: skip
    if args.mlp:
        start = time.process_time()
        probs = fit_mlp(args.data, args.mlp, args.alpha, args.epochs)
        print(f"network fits: {time.process_time() - start:.0f} CPU s")
        if args.out is not None:
            args.out.write_bytes(pickle.dumps(probs))
        print(row(f"shared network, {args.mlp} hidden units", score(base, probs)))


if __name__ == "__main__":
    main()
