"""Does a static English word embedding help the aspect detector on unseen authors? (fb15)

Run from the repository root (wordllama, tokenizers and safetensors installed; none of them is
a dependency of the package)::

    python benchmarks/detector_embedding.py --scales 0,1 --out /tmp/detector_embedding.pkl
    python benchmarks/detector_embedding.py --report /tmp/detector_embedding.pkl \
        --cache /tmp/detector_oos.pkl   # the cache of benchmarks/detector_thresholds.py

Leave one author out over the training sets' authors other than the lexicon's (the folds of
:func:`~loyalloop.feedback.train_aspects.out_of_sample`): per held-out author, one logistic
regression per aspect (the shipped recipe: the same n-gram counts, ``min_df``, ``C``) fitted on
the other authors, with and without a dense block: for an English sentence, the sum over its
clauses of each clause's unit-length mean token vector from wordllama's 256-d table (read from
the wheel's files directly: ``WordLlama.load()`` of 0.4.0.post1 looks for its tokenizer where
the wheel does not put it and downloads it), times ``scale``; zeros for other sentences.
``--report`` swaps each variant's probabilities into the cache's out-of-sample record and
scores detection as ``detector_thresholds.py`` does (thresholds chosen on the other authors).
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
from loyalloop.feedback.aspect_detector import AspectDetector


def _embedding_block(frame) -> np.ndarray:  # type: ignore[no-untyped-def]
    try:
        import wordllama
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - a benchmark's optional parts
        raise SystemExit(f"{exc}: pip install wordllama tokenizers safetensors") from exc
    root = Path(wordllama.__file__).parent
    tok = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    table = load_file(str(root / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"]
    table = table.astype(np.float64)
    dense = np.zeros((len(frame), table.shape[1]))
    for i, clauses in enumerate(frame["clauses"]):
        if AspectDetector.language_of(clauses) != "en":
            continue
        for c in clauses:
            ids = tok.encode(c, add_special_tokens=False).ids
            if ids:
                v = table[ids].mean(axis=0)
                dense[i] += v / (np.linalg.norm(v) + 1e-9)
    return dense


def fold_matrices(feats: list[dict[str, float]], train: np.ndarray, test: np.ndarray):  # type: ignore[no-untyped-def]
    """Sparse n-gram count matrices of one fold: n-grams in at least the detector's ``min_df``
    training sentences, vectorised on the training sentences."""
    from sklearn.feature_extraction import DictVectorizer

    counts: dict[str, int] = {}
    for i in train:
        for f in feats[i]:
            counts[f] = counts.get(f, 0) + 1
    kept = [{f: v for f, v in feats[i].items() if counts[f] >= ta.DETECTOR_MIN_DF}
            for i in train]  # fmt: skip
    vec = DictVectorizer(sparse=True, sort=True)
    return vec.fit_transform(kept), vec.transform([feats[i] for i in test])


def fit(data: Path, scales: list[float]) -> dict[float, np.ndarray]:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    frame = ta.load_sentences(data).frame
    dense = _embedding_block(frame)
    feats = [ta._sentence_counts(cl) for cl in frame["clauses"]]
    aspects = sorted({a for g in frame["gold"] for a in g})
    gold = np.array([[a in g for a in aspects] for g in frame["gold"]])
    scored = (frame["author"] != "lexicon").to_numpy()
    others = sorted(set(frame.loc[scored, "author"]))
    folds = frame["author"].map({a: k for k, a in enumerate(others)}).fillna(-1).to_numpy()
    out = {}
    for scale in scales:
        start = time.process_time()
        probs = np.zeros((len(frame), len(aspects)))
        for k in range(len(others)):
            train, test = np.flatnonzero(folds != k), np.flatnonzero((folds == k) & scored)
            x, xt = fold_matrices(feats, train, test)
            if scale:
                x = sp.hstack([x, sp.csr_matrix(dense[train] * scale)])
                xt = sp.hstack([xt, sp.csr_matrix(dense[test] * scale)])
            x = x.tocsr()
            for j in range(len(aspects)):
                y = gold[train, j].astype(int)
                if y.sum() >= 3:
                    clf = LogisticRegression(C=ta.DETECTOR_C, solver="liblinear", max_iter=2000)
                    probs[test, j] = clf.fit(x, y).predict_proba(xt)[:, 1]
        print(f"scale {scale}: {time.process_time() - start:.0f} CPU s", flush=True)
        out[scale] = probs[scored]
    return out


def report(variants: dict[float, np.ndarray], cache: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from detector_thresholds import _score

    base = pickle.loads(cache.read_bytes())
    print("| scale | thresholds | zh R / P / F1 | en R / P / F1 |")
    print("|---|---|---|---|")
    for scale, probs in variants.items():
        oos = dataclasses.replace(base, probabilities=probs)
        for name, per_aspect in (("per aspect", True), ("one overall", False)):
            totals = {"zh": np.zeros(3), "en": np.zeros(3)}
            for held in sorted(set(oos.author)):
                chosen = ta.choose_thresholds(oos, oos.author != held, per_aspect=per_aspect,
                                              per_language=False)  # fmt: skip
                for lang in totals:
                    rows = (oos.author == held) & (oos.language == lang)
                    totals[lang] += _score(oos, rows, chosen)
            cells = []
            for lang in ("zh", "en"):
                tp, fp, fn = totals[lang]
                cells.append(f"{tp / (tp + fn):.4f} / {tp / (tp + fp):.4f} / "
                             f"{2 * tp / (2 * tp + fp + fn):.4f}")  # fmt: skip
            print(f"| {scale} | {name} | {cells[0]} | {cells[1]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--scales", default="0,1")
    parser.add_argument("--out", type=Path, default=Path("/tmp/detector_embedding.pkl"))
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/detector_oos.pkl"))
    args = parser.parse_args()
    if args.report is not None:
        report(pickle.loads(args.report.read_bytes()), args.cache)
        return
    variants = fit(args.data, [float(s) for s in args.scales.split(",")])
    args.out.write_bytes(pickle.dumps(variants))


if __name__ == "__main__":
    main()
