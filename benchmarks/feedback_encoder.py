"""Does a pretrained sentence encoder help the mention-sentiment reader on unseen authors?

Leave-one-author-out (LOAO) over the seven blind labelling authors (``blind``, ``train3``,
``blind2``–``blind6``; the lexicon author's sets are always training data), the mentions those
of :func:`loyalloop.feedback.train_mention_sentiment.load_mentions` (rules + shipped detector).
Per held-out author and language, three readers trained on the other authors:

``mention model``
    the shipped reader's recipe (:func:`~loyalloop.feedback.train_mention_sentiment.fit`,
    ``C`` = 0.3, n-gram, aspect and lexicon features);
``encoder only``
    a logistic regression on the encoder's embedding of the mention window (the clause and
    the next aspect-free clause), plus the aspect and the rules' label as one-hot features;
``mention + encoder``
    the mention model's sparse features and the embedding (times each ``--alpha``: the
    embedding's weight against the sparse features under the same L2 penalty) in one
    regression.

Each reader is scored ungated (its label always) and gated (the reading's rule,
:meth:`~loyalloop.feedback.mention_sentiment.MentionSentimentModel.accepts`, with the shipped
margins). Figures: sentiment when the aspect is found, and agreement (found and right), over
the held-out author's labelled ``(sentence, aspect)`` pairs.

Run from the repository root (the encoder's package must be installed; it is not a
Loyalloop dependency)::

    python benchmarks/feedback_encoder.py --encoder e5-small [--cache DIR] [--speed]

``--cache DIR`` keeps the embeddings in ``DIR/<encoder>_windows.npz`` between runs;
``--speed`` also times start-up and the encoding of 1,000 fresh mention windows (CPU and
wall seconds). Results: benchmarks/results/feedback.md, "Encoder search".
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from feedback_encoder_models import TextEncoder  # type: ignore[import-not-found]

from loyalloop.feedback import train_mention_sentiment as tms
from loyalloop.feedback.aspect_model import LABELS, MentionContext
from loyalloop.feedback.mention_sentiment import (
    LANGUAGES,
    MentionSentimentModel,
    feature_items,
    language_of,
)

HELD_OUT = (*tms.BLIND_AUTHORS, "blind6")
SETS = (*tms.TRAIN_SETS, "blind6_zh", "blind6_en")


def window(ctx: MentionContext) -> str:
    """The text the encoder reads for a mention: its clause and the next aspect-free one."""
    return (ctx.clause + " " + ctx.next_free).strip()


def _sparse(ctxs: Sequence[MentionContext], vocab: dict[str, int] | None) -> tuple[object, dict]:
    from scipy.sparse import csr_matrix

    feats = [dict(feature_items(c)) for c in ctxs]
    if vocab is None:
        counts: dict[str, int] = {}
        for f in feats:
            for k in f:
                counts[k] = counts.get(k, 0) + 1
        vocab = {k: i for i, k in enumerate(sorted(k for k, n in counts.items() if n >= 2))}
    indptr, cols, vals = [0], [], []
    for f in feats:
        for k, v in f.items():
            j = vocab.get(k)
            if j is not None and v:
                cols.append(j)
                vals.append(v)
        indptr.append(len(cols))
    x = csr_matrix((vals, cols, indptr), shape=(len(ctxs), len(vocab)), dtype=np.float64)
    return x, vocab


def _onehots(ctxs: Sequence[MentionContext]) -> list[dict[str, float]]:
    return [{"aspect:" + c.aspect: 1.0, "rule:" + c.rule: 1.0} for c in ctxs]


class Reader:
    """One per-language logistic regression over sparse features and/or the embedding."""

    def __init__(self, kind: str, c: float, alpha: float) -> None:
        self.kind, self.c, self.alpha = kind, c, alpha
        self.parts: dict[str, tuple[object, object, object]] = {}

    def _x(self, lang: str, ctxs: Sequence[MentionContext], emb: np.ndarray, fit: bool) -> object:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction import DictVectorizer

        blocks = []
        vocab, dv, _ = self.parts.get(lang, (None, None, None))
        if self.kind == "mention + encoder":
            xs, vocab = _sparse(ctxs, None if fit else vocab)  # type: ignore[arg-type]
            blocks.append(xs)
        else:
            if fit:
                dv = DictVectorizer(sparse=True)
                blocks.append(dv.fit_transform(_onehots(ctxs)))
            else:
                blocks.append(dv.transform(_onehots(ctxs)))  # type: ignore[union-attr]
        blocks.append(csr_matrix(emb * self.alpha))
        if fit:
            self.parts[lang] = (vocab, dv, None)
        return hstack(blocks, format="csr")

    def fit(self, ctxs: list[MentionContext], labels: list[str], emb: np.ndarray) -> Reader:
        from sklearn.linear_model import LogisticRegression

        langs = np.array([language_of(c.clause + c.next_free) for c in ctxs])
        for lang in LANGUAGES:
            idx = np.flatnonzero(langs == lang)
            x = self._x(lang, [ctxs[i] for i in idx], emb[idx], fit=True)
            y = np.array([LABELS.index(labels[i]) for i in idx])
            clf = LogisticRegression(C=self.c, max_iter=3000, tol=1e-5)
            clf.fit(x, y)
            vocab, dv, _ = self.parts[lang]
            self.parts[lang] = (vocab, dv, clf)
        return self

    def predict(self, ctxs: list[MentionContext], emb: np.ndarray) -> tuple[list[str], np.ndarray]:
        langs = np.array([language_of(c.clause + c.next_free) for c in ctxs])
        p = np.zeros((len(ctxs), 3))
        for lang in LANGUAGES:
            idx = np.flatnonzero(langs == lang)
            if not len(idx):
                continue
            x = self._x(lang, [ctxs[i] for i in idx], emb[idx], fit=False)
            clf = self.parts[lang][2]
            q = clf.predict_proba(x)  # type: ignore[attr-defined]
            for r, cls in enumerate(clf.classes_):  # type: ignore[attr-defined]
                p[idx, int(cls)] = q[:, r]
        return [LABELS[int(k)] for k in p.argmax(axis=1)], p[:, 2] - p[:, 0]


def _gated(ctxs: Sequence[MentionContext], labels: Sequence[str], scores: np.ndarray) -> list[str]:
    rule = MentionSentimentModel({}, {})
    rule.margins, rule.neutral_needs_margin = dict(tms.MARGINS), True
    rule.flip_margin = tms.FLIP_MARGIN
    return [
        la if rule.accepts(x, (la, float(s))) else x.rule
        for x, la, s in zip(ctxs, labels, scores, strict=True)
    ]


def loao(
    mentions: tms.Mentions,
    emb: np.ndarray,
    alphas: Sequence[float],
    c_enc: float,
    held_out: Sequence[str] = HELD_OUT,
) -> pd.DataFrame:
    """The readers of the module docs, each author of ``held_out`` held out in turn."""
    out = []
    rows, ctxs = mentions.rows, mentions.contexts
    authors = rows["author"].to_numpy()
    for held in held_out:
        tr, te = np.flatnonzero(authors != held), np.flatnonzero(authors == held)
        tr_c, te_c = [ctxs[i] for i in tr], [ctxs[i] for i in te]
        tr_y = rows["label"].to_numpy()[tr].tolist()
        te_rows, gold = rows.iloc[te], mentions.gold[mentions.gold["author"] == held]
        preds: dict[str, tuple[list[str], np.ndarray]] = {
            "rules": (te_rows["rule"].tolist(), np.abs(te_rows["logit"].to_numpy()))
        }
        base = tms.fit(tr_c, tr_y)
        lab, sc = base.predict_batch(te_c)
        preds["mention model"] = (lab, sc)
        preds["encoder only"] = (
            Reader("encoder only", c_enc, 1.0).fit(tr_c, tr_y, emb[tr]).predict(te_c, emb[te])
        )
        for alpha in alphas:
            reader = Reader("mention + encoder", tms.DEFAULT_C, alpha).fit(tr_c, tr_y, emb[tr])
            preds[f"mention + encoder a={alpha:g}"] = reader.predict(te_c, emb[te])
        for name, (lab, sc) in preds.items():
            variants = {name: lab} if name == "rules" else {
                name + ", ungated": lab, name + ", gated": _gated(te_c, lab, sc)}  # fmt: skip
            for what, labels in variants.items():
                acc = tms._pair_accuracy(gold, te_rows, labels, np.abs(sc))
                out += [{"held_out": held, "reader": what, **r} for r in acc.to_dict("records")]
        print(f"held out {held}: done", flush=True)
    return pd.DataFrame(out)


def embeddings(encoder: TextEncoder, texts: list[str], cache: Path | None) -> np.ndarray:
    """Embeddings of ``texts``, read from / written to ``cache`` when given."""
    if cache is not None:
        path = cache / f"{encoder.name}_windows.npz"
        if path.is_file():
            z = np.load(path, allow_pickle=False)
            encoder.remember([str(t) for t in z["texts"]], z["emb"])
        known = len(encoder)
        vecs = encoder.encode(texts)
        if len(encoder) > known:
            from loyalloop.core.export import atomic_output

            cache.mkdir(parents=True, exist_ok=True)
            uniq = sorted(set(texts))
            with atomic_output(path) as tmp:
                np.savez(tmp, texts=np.array(uniq), emb=encoder.encode(uniq))
        return vecs
    return encoder.encode(texts)


def speed(name: str, texts: list[str]) -> dict[str, float]:
    """Start-up and encoding of ``texts`` (fresh encoder), CPU and wall seconds."""
    enc = TextEncoder(name)
    c0, w0 = time.process_time(), time.perf_counter()
    enc.load()
    c1, w1 = time.process_time(), time.perf_counter()
    enc.encode(texts)
    c2, w2 = time.process_time(), time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"texts": len(set(texts)), "startup_cpu_s": c1 - c0, "startup_wall_s": w1 - w0,
            "encode_cpu_s": c2 - c1, "encode_wall_s": w2 - w1, "peak_rss_mb": rss}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--alpha", type=float, nargs="+", default=[1.0])
    parser.add_argument("--c-encoder", type=float, default=1.0)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument(
        "--held-out",
        nargs="+",
        default=list(HELD_OUT),
        help="authors to hold out (one process "
        "per author and a concatenation of the --out tables spreads the work)",
    )
    parser.add_argument("--out", type=Path, help="write the per-author table here (CSV)")
    args = parser.parse_args(argv)
    # blind6 is training data from session 9 on; the trainer's table may not name it yet.
    tms.AUTHOR_OF.setdefault("blind6", "blind6")
    mentions = tms.load_mentions(args.data, SETS)
    texts = [window(c) for c in mentions.contexts]
    if args.speed:
        sample = sorted(set(texts))[:: max(1, len(set(texts)) // 1000)][:1000]
        print("speed:", speed(args.encoder, sample), flush=True)
    emb = embeddings(TextEncoder(args.encoder), texts, args.cache)
    table = loao(mentions, emb, args.alpha, args.c_encoder, args.held_out)
    if args.out is not None:
        from loyalloop.core.export import write_text_atomic

        write_text_atomic(args.out, table.to_csv(index=False))
    print(summary(table))


def summary(table: pd.DataFrame) -> str:
    """Mean over the held-out authors, and blind6 alone, per reader and language."""
    cols = ["sentiment_when_found", "agreement"]
    mean = table.groupby(["reader", "lang"])[cols].mean().unstack("lang").round(3)
    n = table["held_out"].nunique()
    text = f"mean over {n} held-out authors\n{mean.to_string()}"
    b6 = table[table["held_out"] == "blind6"]
    if len(b6):
        b6 = b6.set_index(["reader", "lang"])[cols].unstack("lang").round(3)
        text += f"\nblind6 held out\n{b6.to_string()}"
    return text


if __name__ == "__main__":
    main()
