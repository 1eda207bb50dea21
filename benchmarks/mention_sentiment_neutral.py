"""Benchmark: a neutral mention beside a complaint — mention-sentiment variants out of sample.

Run from the repository root (session 21, fb21a)::

    python benchmarks/mention_sentiment_neutral.py cache --cache M.pkl
    python benchmarks/mention_sentiment_neutral.py oof --cache M.pkl --out OOF.npz [--variant V]
        [--on FLAG] [--off FLAG] [--lang en] [--comment-languages zh,en]
        [--word-scale zh=1,en=0.7] [--neutral]
    python benchmarks/mention_sentiment_neutral.py score --cache M.pkl OOF.npz [OOF2.npz ...]
    python benchmarks/mention_sentiment_neutral.py errors --cache M.pkl OOF.npz --lang en \
        [--n 80] [--seed 0]

``cache`` pickles the mentions the rules and the shipped detector find in every training set
(:func:`~loyalloop.feedback.train_mention_sentiment.load_mentions`). ``oof`` fits the mention
model (:func:`~loyalloop.feedback.train_mention_sentiment.fit`, with the features the module has
at the time, or with a variant of ``mention_sentiment_variants.py`` switched on) once without
each blind author and keeps its class probabilities on that author's found mentions: leave-one-
author-out probabilities for every blind author's rows (the lexicon's author is always in
training, as in ``train_mention_sentiment --loao``). ``score`` applies the shipped use rule
(:meth:`~loyalloop.feedback.mention_sentiment.MentionSentimentModel.accepts`) and prints
sentiment when found (swf) pooled per language, gold × read, and per author against the first
file (``A.npz<B.npz``: A's rows, B's where A has none — a run of one language, ``oof --lang``,
completed by another run). ``errors`` prints a seeded sample of errors (``--gold`` / ``--read``,
``any`` for every kind; default neutral read as a complaint) with their sentence and the
comment's aspect-free sentences, for reading by hand.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from loyalloop.feedback import mention_sentiment as ms
from loyalloop.feedback import train_mention_sentiment as tms
from loyalloop.feedback.aspect_model import LABELS, MentionContext

sys.path.insert(0, str(Path(__file__).parent))
import mention_sentiment_variants as variants


def _load(cache: Path) -> tms.Mentions:
    with cache.open("rb") as fh:
        return pickle.load(fh)


def write_cache(path: Path) -> None:
    ms.COMMENT_FEATURES = True  # fill the comment-level fields (session 23), used or not
    m = tms.load_mentions(Path("tests/feedback/data"), tms.TRAIN_SETS)
    with path.open("wb") as fh:
        pickle.dump(m, fh)


def oof(m: tms.Mentions, out: Path, authors: list[str] | None = None,
        word_scale: dict[str, float] | None = None, lang: str = "") -> None:  # fmt: skip
    """Leave-one-author-out class probabilities (zeros for the lexicon author's rows; with
    ``lang``, only that language's regression is fitted and the other's rows stay zero — the
    regressions are fitted per language, so that language's figures are the same)."""
    rows, ctxs = m.rows, m.contexts
    who = rows["author"].to_numpy()
    if lang:
        tms.LANGUAGES = (lang,)  # type: ignore[misc]
        read_as = np.array([ms.language_of(c.clause + c.next_free) for c in ctxs], dtype=object)
        who = np.where(read_as == lang, who, "")
    proba = np.zeros((len(ctxs), 3))
    labels = rows["label"].to_numpy()
    t0 = time.process_time()
    for held in authors or tms.BLIND_AUTHORS:
        train = np.flatnonzero((who != held) & (who != ""))
        test = np.flatnonzero(who == held)
        model = tms.fit([ctxs[i] for i in train], labels[train].tolist(), word_scale=word_scale)
        proba[test] = model.probabilities([ctxs[i] for i in test])
        print(held, f"{time.process_time() - t0:.0f} CPU s", file=sys.stderr, flush=True)
    np.savez(out, proba=proba)


def fit_neutral(ctxs: list[MentionContext], labels: list[str]) -> dict[str, object]:
    """A neutral-vs-opinion regression per language (same features, min_df and C as the
    mention model): ``{lang: (vectorizer, classifier)}``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    out: dict[str, object] = {}
    langs = [ms.language_of(x.clause + x.next_free) for x in ctxs]
    for lang in ms.LANGUAGES:
        idx = [i for i, g in enumerate(langs) if g == lang]
        feats = [dict(ms.feature_items(ctxs[i])) for i in idx]
        counts: dict[str, int] = {}
        for f in feats:
            for k in f:
                counts[k] = counts.get(k, 0) + 1
        feats = [{k: v for k, v in f.items() if counts[k] >= tms.MIN_DF} for f in feats]
        vec = DictVectorizer(sparse=True, sort=True)
        x = vec.fit_transform(feats)
        y = np.array([labels[i] == "neutral" for i in idx], dtype=int)
        clf = LogisticRegression(C=tms.DEFAULT_C, max_iter=5000, tol=1e-6, fit_intercept=False)
        out[lang] = (vec, clf.fit(x, y))
    return out


def neutral_oof(m: tms.Mentions, out: Path) -> None:
    """Leave-one-author-out P(neutral) of :func:`fit_neutral` (column 1; others zero)."""
    rows, ctxs = m.rows, m.contexts
    who = rows["author"].to_numpy()
    labels = rows["label"].to_numpy()
    langs = np.array([ms.language_of(x.clause + x.next_free) for x in ctxs], dtype=object)
    proba = np.zeros((len(ctxs), 3))
    t0 = time.process_time()
    for held in tms.BLIND_AUTHORS:
        train = np.flatnonzero(who != held)
        fitted = fit_neutral([ctxs[i] for i in train], labels[train].tolist())
        for lang in ms.LANGUAGES:
            test = np.flatnonzero((who == held) & (langs == lang))
            vec, clf = fitted[lang]  # type: ignore[misc]
            x = vec.transform([dict(ms.feature_items(ctxs[i])) for i in test])
            proba[test, 1] = clf.predict_proba(x)[:, 1]
        print(held, f"{time.process_time() - t0:.0f} CPU s", file=sys.stderr, flush=True)
    np.savez(out, proba=proba)


def used_labels(ctxs: list[MentionContext], proba: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The shipped use rule over class probabilities: (labels used, |score|)."""
    model = ms.MentionSentimentModel({}, {})
    model.margins, model.neutral_needs_margin = dict(tms.MARGINS), True
    model.flip_margin = tms.FLIP_MARGIN
    model.flip_margin_without_evidence = tms.FLIP_MARGIN_WITHOUT_EVIDENCE
    lab = [LABELS[int(k)] for k in proba.argmax(axis=1)]
    sc = np.round(proba[:, 2] - proba[:, 0], 4)
    used = [
        la if model.accepts(x, (la, float(s))) else x.rule
        for x, la, s in zip(ctxs, lab, sc, strict=True)
    ]
    return used, np.abs(sc)


def pairs(m: tms.Mentions, proba: np.ndarray, force: np.ndarray | None = None) -> pd.DataFrame:
    """Found labelled pairs of the blind authors, the strongest mention speaking for a pair:
    ``sentence, aspect, author, lang, gold, pred, row`` (the mention's row)."""
    used, st = used_labels(m.contexts, proba)
    if force is not None:  # read neutral, strength unchanged
        used = ["neutral" if f else u for u, f in zip(used, force, strict=True)]
    frame = m.rows[["sentence", "aspect"]].assign(pred=used, strength=st, row=np.arange(len(st)))
    frame = frame.sort_values("strength", ascending=False, kind="stable").drop_duplicates(
        ["sentence", "aspect"]
    )
    merged = m.gold.merge(frame[["sentence", "aspect", "pred", "row"]], on=["sentence", "aspect"])
    return merged[merged["author"].isin(tms.BLIND_AUTHORS)].reset_index(drop=True)


GATE_GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)


def gated(m: tms.Mentions, proba: np.ndarray, neutral: np.ndarray, *,
          without_evidence: bool = False) -> np.ndarray:  # fmt: skip
    """The mention model's reading with a neutral gate: a mention whose P(neutral) from the
    neutral-vs-opinion regression reaches ``t`` reads neutral (with ``without_evidence`` only
    where its clause holds no lexicon evidence). ``t`` is chosen per language for each blind
    author on the other blind authors' pairs (most right pairs; ties to the higher ``t``):
    returns the mask of mentions read neutral."""
    ev = np.array([c.evidence for c in m.contexts])
    chosen = {}
    right_at = {}
    for t in GATE_GRID:
        hit = (neutral >= t) & ~(ev & without_evidence)
        pp = pairs(m, proba, hit)
        right_at[t] = (
            pp.assign(right=pp["gold"] == pp["pred"]).groupby(["author", "lang"])["right"].sum()
        )
    table = pd.DataFrame(right_at)
    out = np.zeros(len(proba), dtype=bool)
    who = m.rows["author"].to_numpy()
    langs = m.rows["lang"].to_numpy()
    for author, lang in table.index:
        others = table.xs(lang, level="lang").drop(index=author).sum()
        t = max(GATE_GRID, key=lambda g: (others[g], g))
        chosen[(author, lang)] = t
        rows = (who == author) & (langs == lang) & (neutral >= t) & ~(ev & without_evidence)
        out |= rows
    print("thresholds chosen:", pd.Series(chosen).groupby(level=1).value_counts().to_dict(),
          file=sys.stderr)  # fmt: skip
    return out


def chosen(m: tms.Mentions, files: list[str]) -> np.ndarray:
    """Per language and blind author, the probabilities of the file (a variant, e.g. a word
    scale) with the most right pairs on the *other* blind authors (ties to the first file)."""
    probas = [_proba(f) for f in files]
    right = pd.DataFrame({
        k: pp.assign(right=pp["gold"] == pp["pred"]).groupby(["author", "lang"])["right"].sum()
        for k, pp in enumerate(pairs(m, pr) for pr in probas)
    })  # fmt: skip
    out = probas[0].copy()
    who = m.rows["author"].to_numpy()
    langs = m.rows["lang"].to_numpy()
    picks = {}
    for author, lang in right.index:
        others = right.xs(lang, level="lang").drop(index=author).sum()
        k = max(range(len(files)), key=lambda j: (others[j], -j))
        picks[(author, lang)] = files[k]
        rows = (who == author) & (langs == lang)
        out[rows] = probas[k][rows]
    print("chosen:", pd.Series(picks).groupby(level=1).value_counts().to_dict(), file=sys.stderr)
    return out


def _proba(name: str) -> np.ndarray:
    """``A.npz`` or ``A.npz<B.npz``: A's probabilities, B's where A's row is all zero (a run of
    one language, ``oof --lang``, completed by a run of both)."""
    first, _, fill = name.partition("<")
    pr = np.load(first)["proba"]
    if fill:
        empty = ~pr.any(axis=1)
        pr[empty] = np.load(fill)["proba"][empty]
    return pr


def score(m: tms.Mentions, files: list[Path | str]) -> None:
    base = None
    for f in files:
        name = str(f)
        if "|" in name:  # A.npz|B.npz|…: chosen per author on the other authors
            pr, force = chosen(m, name.split("|")), None
        elif "+" in name:  # BASE.npz+NEUTRAL.npz[+noev]: the gate
            parts = name.split("+")
            pr = np.load(parts[0])["proba"]
            force = gated(m, pr, np.load(parts[1])["proba"][:, 1], without_evidence=len(parts) > 2)
        else:
            pr, force = _proba(name), None
        p = pairs(m, pr, force)
        p["right"] = p["gold"] == p["pred"]
        print(f"== {f}")
        for lang, part in p.groupby("lang", sort=False):
            r = part["right"]
            line = f"{lang}: swf {r.mean():.4f} ({int(r.sum())} of {len(part)})"
            if base is not None:
                b = base[base["lang"] == lang]
                per = part.groupby("author")["right"].mean()
                bper = b.groupby("author")["right"].mean()
                d = (per - bper).reindex(bper.index)
                line += f"  authors better {(d > 1e-9).sum()} / worse {(d < -1e-9).sum()}"
                now, was = r.to_numpy(), b["right"].to_numpy()
                line += f"  pairs +{int((now & ~was).sum())} -{int((~now & was).sum())}"
            print(line)
            print(pd.crosstab(part["gold"], part["pred"]).to_string())
        if base is None:
            base = p


def errors(m: tms.Mentions, proba: np.ndarray, lang: str, n: int, seed: int,
           gold: str, read: str) -> None:  # fmt: skip
    p = pairs(m, proba)
    bad = p[(p["lang"] == lang) & (p["gold"] != p["pred"])]  # gold / read "any": every error
    bad = bad[(bad["gold"] == gold) | (gold == "any")]
    bad = bad[(bad["pred"] == read) | (read == "any")]
    print(f"{len(bad)} {lang} {gold} read {read}", file=sys.stderr)
    if not len(bad):
        return
    rng = np.random.default_rng(seed)
    pick = bad.iloc[sorted(rng.choice(len(bad), size=min(n, len(bad)), replace=False))]
    gold_of = m.gold.groupby("sentence")
    for rec in pick.to_dict("records"):
        ctx = m.contexts[int(rec["row"])]
        others = {a: g for a, g in gold_of.get_group(rec["sentence"])[["aspect", "gold"]].values
                  if a != rec["aspect"]}  # fmt: skip
        pr = proba[int(rec["row"])]
        print(f"{rec['sentence']}\t{rec['aspect']}\tgold={rec['gold']} read={rec['pred']} "
              f"rule={ctx.rule} lex={ctx.logit:+.2f} "
              f"ev={int(ctx.evidence)} p=({pr[0]:.2f},{pr[1]:.2f},{pr[2]:.2f})\t"
              f"[{ctx.before}] <<{ctx.clause}>> [{ctx.after}]\tother={others}"
              + (f"\tfree: before {ctx.free_before} ({ctx.free_before_logit:+.1f}) after "
                 f"{ctx.free_after} ({ctx.free_after_logit:+.1f}) [{ctx.free_text}]"
                 if ctx.free_text else ""))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cache")
    c.add_argument("--cache", type=Path, required=True)
    o = sub.add_parser("oof")
    o.add_argument("--cache", type=Path, required=True)
    o.add_argument("--out", type=Path, required=True)
    o.add_argument("--authors", nargs="*")
    o.add_argument("--neutral", action="store_true", help="the neutral-vs-opinion regression")
    o.add_argument("--word-scale", default="", help="zh=1,en=0.7 (default: the trainer's)")
    o.add_argument("--on", nargs="*", default=[], help="mention_sentiment flags to switch on")
    o.add_argument("--off", nargs="*", default=[], help="mention_sentiment flags to switch off")
    o.add_argument("--lang", default="", help="fit and predict this language only")
    o.add_argument("--comment-languages", default="", help="zh,en (default: the module's)")
    o.add_argument(
        "--variant",
        nargs="*",
        default=[],
        choices=variants.VARIANTS,
        help="benchmarks/mention_sentiment_variants.py variants to switch on",
    )
    s = sub.add_parser("score")
    s.add_argument("--cache", type=Path, required=True)
    s.add_argument("files", nargs="+", help="OOF files; BASE+NEUTRAL[+noev]: the gate; A|B: chosen")
    e = sub.add_parser("errors")
    e.add_argument("--cache", type=Path, required=True)
    e.add_argument("file", type=str)
    e.add_argument("--lang", default="en")
    e.add_argument("--n", type=int, default=80)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--gold", default="neutral")
    e.add_argument("--read", default="negative")
    a = ap.parse_args(argv)
    if a.cmd == "cache":
        write_cache(a.cache)
    elif a.cmd == "oof":
        for flag in a.on:  # NAME (switched on) or NAME=NUMBER
            name, _, value = flag.partition("=")
            if not hasattr(ms, name):
                raise SystemExit(f"no flag {name} in mention_sentiment")
            setattr(ms, name, float(value) if value else True)
        for name in a.off:
            if not hasattr(ms, name):
                raise SystemExit(f"no flag {name} in mention_sentiment")
            setattr(ms, name, False)
        if a.comment_languages:
            ms.COMMENT_LANGUAGES = tuple(a.comment_languages.split(","))
        variants.install(a.variant)
        if a.neutral:
            neutral_oof(_load(a.cache), a.out)
        else:
            scale = None
            if a.word_scale:
                scale = {k: float(v) for k, v in (x.split("=") for x in a.word_scale.split(","))}
            oof(_load(a.cache), a.out, a.authors, scale, a.lang)
    elif a.cmd == "score":
        score(_load(a.cache), a.files)
    else:
        errors(_load(a.cache), _proba(str(a.file)), a.lang, a.n, a.seed, a.gold, a.read)


if __name__ == "__main__":
    main()
