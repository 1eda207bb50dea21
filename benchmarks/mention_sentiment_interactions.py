"""Benchmark: interaction-learning mention-sentiment readers against the shipped regression.

Run from the repository root (session 17, fb17)::

    python benchmarks/mention_sentiment_interactions.py cache --cache M.pkl [--without blind14]
    python benchmarks/mention_sentiment_interactions.py oof --cache M.pkl --out OOF.npz \
        [--crossed]
    python benchmarks/mention_sentiment_interactions.py score --cache M.pkl OOF.npz [...]
    python benchmarks/mention_sentiment_interactions.py gbm --cache M.pkl --oof OOF.npz

``oof`` fits the shipped per-language logistic regression
(:func:`loyalloop.feedback.train_mention_sentiment.fit`) once without each author (the
lexicon's author and the fourteen blind authors) and keeps its class probabilities on that
author's found mentions: leave-one-author-out (LOAO) probabilities for every row. With
``--crossed`` the features are :func:`crossed_items` added to the shipped ones.

``score`` prints sentiment when found (swf) per language and per blind author for each OOF
file, the shipped use rule applied (margins, flip margin: ``MentionSentimentModel.accepts``),
pooled by pairs as ``train_mention_sentiment --loao`` does.

``gbm`` fits LightGBM (``deterministic``, one thread, seed 0) per language over dense rows: the
regression's OOF class log-odds, the lexicon's log-odds of the clause and both sides, the
structural cues (clause position, contrast, negation, question, hope, sentence cues, rule,
evidence) and the OOF log-odds of the other found mentions of the sentence; again one author
held out at a time. Its second level is fitted on other authors' OOF values from regressions
that saw the held-out author (the leak fb16's stacking carried): it can only flatter the GBM.

The mentions (``--cache``) are those the rules and the shipped detector find, pickled once by
``cache`` (:func:`~loyalloop.feedback.train_mention_sentiment.load_mentions`, ~20 CPU s);
session 17's figures are over the fourteen blind authors blind … blind13 (``--without
blind14``, read with session 16's models).
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

AUTHORS = ("lexicon", *tms.BLIND_AUTHORS)


def _sign(x: float) -> str:
    return "+" if x > 0.5 else "-" if x < -0.5 else "0"


def crossed_items(ctx: MentionContext) -> list[tuple[str, float]]:
    """Explicit crosses (candidate b): the clause's position in its sentence and the lexicon
    sign of the clause crossed with the signs of the clauses before and after it and with the
    clause cues (negation, contrast, question, hope)."""
    pos = (
        "only"
        if not (ctx.before or ctx.after)
        else "first"
        if not ctx.before
        else "last"
        if not ctx.after
        else "mid"
    )
    own = _sign(ctx.logit)
    b = _sign(ctx.before_logit) if ctx.before else "x"
    a = _sign(ctx.after_logit) if ctx.after else "x"
    ctr = "c" if ctx.contrast_after else ""
    out = [
        ("x:pos:" + pos + own, 1.0),
        ("x:ba:" + own + b + a + ctr, 1.0),
        ("x:b:" + own + b, 1.0),
        ("x:a:" + own + a + ctr, 1.0),
        ("x:ev:" + str(ctx.evidence) + ctx.rule + a + b, 1.0),
    ]
    for c in ms.mood_cues(ctx.clause):
        out.append(("x:" + c + ":" + pos + own, 1.0))
    return out


def _with_crosses() -> None:
    base = ms.feature_items

    def items(ctx: MentionContext) -> list[tuple[str, float]]:
        return base(ctx) + crossed_items(ctx)

    ms.feature_items = items  # type: ignore[assignment]
    tms.feature_items = items  # type: ignore[assignment]


def _load(cache: Path) -> tms.Mentions:
    with cache.open("rb") as fh:
        return pickle.load(fh)


def write_cache(path: Path, without: list[str]) -> None:
    """Pickle the found mentions of every training set but the authors in ``without``."""
    names = [n for n in tms.TRAIN_SETS if n.rsplit("_", 1)[0] not in without]
    m = tms.load_mentions(Path("tests/feedback/data"), names)
    with path.open("wb") as fh:
        pickle.dump(m, fh)


def oof(m: tms.Mentions, out: Path) -> None:
    rows, ctxs = m.rows, m.contexts
    authors = rows["author"].to_numpy()
    proba = np.zeros((len(ctxs), 3))
    labels = rows["label"].to_numpy()
    t0 = time.process_time()
    for held in [a for a in AUTHORS if a in set(authors)]:
        train = np.flatnonzero(authors != held)
        test = np.flatnonzero(authors == held)
        model = tms.fit([ctxs[i] for i in train], labels[train].tolist())
        proba[test] = model.probabilities([ctxs[i] for i in test])
        print(held, f"{time.process_time() - t0:.0f} CPU s", file=sys.stderr, flush=True)
    np.savez(out, proba=proba)


def used_labels(
    ctxs: list[MentionContext], proba: np.ndarray, keep_strong: float = 0.0
) -> tuple[list[str], np.ndarray]:
    """The shipped use rule over class probabilities: (labels used, |score|). With
    ``keep_strong`` > 0 a neutral label does not replace the rules' polar reading of a clause
    whose own lexicon log-odds reach ``keep_strong`` in size (a variant)."""
    model = ms.MentionSentimentModel({}, {})
    model.margins, model.neutral_needs_margin = dict(tms.MARGINS), True
    model.flip_margin = tms.FLIP_MARGIN
    lab = [LABELS[int(k)] for k in proba.argmax(axis=1)]
    sc = np.round(proba[:, 2] - proba[:, 0], 4)
    used = [
        la
        if model.accepts(x, (la, float(s)))
        and not (keep_strong and la == "neutral" and x.rule != "neutral"
                 and abs(x.logit) >= keep_strong)
        else x.rule
        for x, la, s in zip(ctxs, lab, sc, strict=True)
    ]  # fmt: skip
    return used, np.abs(sc)


def swf_table(m: tms.Mentions, proba: np.ndarray, keep_strong: float = 0.0) -> pd.DataFrame:
    """Per blind author and language: pairs found, swf; plus a pooled row per language."""
    used, st = used_labels(m.contexts, proba, keep_strong)
    frame = m.rows[["sentence", "aspect", "author", "lang"]].assign(pred=used, strength=st)
    frame = frame.sort_values("strength", ascending=False, kind="stable").drop_duplicates(
        ["sentence", "aspect"]
    )
    merged = m.gold.merge(frame[["sentence", "aspect", "pred"]], on=["sentence", "aspect"])
    merged = merged[merged["author"].isin(tms.BLIND_AUTHORS)]
    merged["right"] = merged["gold"] == merged["pred"]
    per = merged.groupby(["author", "lang"])["right"].agg(["size", "mean"]).reset_index()
    pooled = merged.groupby("lang")["right"].agg(["size", "mean"]).reset_index()
    pooled.insert(0, "author", "ALL")
    return pd.concat([per, pooled], ignore_index=True)


_MOODS = ("rhet", "infoq", "hope", "neg1", "neg2", "hedge")
_CUES = [n for n, _ in ms._CLAUSE_CUES] + [n for n, _ in ms._SENTENCE_CUES]
_CUE_NAMES = [n.replace(":", "_") for n in _CUES]


def dense_rows(m: tms.Mentions, proba: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The GBM's rows (see the module docs) and their column names."""
    eps = 1e-6
    lp = np.log(proba + eps)
    score = proba[:, 2] - proba[:, 0]
    aspects = sorted(set(m.rows["aspect"]))
    sent = m.rows["sentence"].to_numpy()
    by_sentence: dict[str, list[int]] = {}
    for i, s in enumerate(sent):
        by_sentence.setdefault(s, []).append(i)
    out = []
    for i, c in enumerate(m.contexts):
        others = [j for j in by_sentence[sent[i]] if j != i]
        same = [j for j in others if m.contexts[j].clause == c.clause]
        osc = score[others] if others else np.zeros(1)
        moods = ms.mood_cues(c.clause)
        cues = set(ms._cues(c.clause)) | set(ms._sentence_cues(ms._whole(c)))
        out.append(
            [
                lp[i, 0] - lp[i, 1],
                lp[i, 2] - lp[i, 1],
                score[i],
                c.logit,
                c.before_logit if c.before else np.nan,
                c.after_logit if c.after else np.nan,
                float(bool(c.before)),
                float(bool(c.after)),
                float(
                    c.before.count(" | ") + c.after.count(" | ") + bool(c.before) + bool(c.after)
                ),
                float(c.contrast_after),
                float(bool(ms._CONTRAST_SELF.search(c.clause))),
                float(c.evidence),
                float(c.asks),
                float(c.complains),
                float(bool(c.next_free)),
                float(LABELS.index(c.rule)),
                float(aspects.index(c.aspect)),
                *[float(k in moods) for k in _MOODS],
                *[float(k in cues) for k in _CUES],
                float(len(others)),
                float(len(same)),
                osc.mean() if others else np.nan,
                osc.min() if others else np.nan,
                osc.max() if others else np.nan,
            ]
        )
    names = ["lo_neg", "lo_pos", "score", "logit", "before_logit", "after_logit", "has_before",
             "has_after", "n_other_clauses", "contrast_after", "contrast_self", "evidence", "asks",
             "complains", "next_free", "rule", "aspect", *_MOODS, *_CUE_NAMES, "n_others",
             "n_same_clause", "others_mean", "others_min", "others_max"]  # fmt: skip
    return np.asarray(out, dtype=np.float64), names


GBM_PARAMS = {
    "objective": "multiclass", "num_class": 3, "learning_rate": 0.05, "num_leaves": 15,
    "min_data_in_leaf": 40, "lambda_l2": 1.0, "deterministic": True, "num_threads": 1,
    "seed": 0, "verbosity": -1, "force_row_wise": True,
}  # fmt: skip
ROUNDS = 200


def gbm(
    m: tms.Mentions,
    proba: np.ndarray,
    rounds: int = ROUNDS,
    *,
    init: bool = False,
    leaves: int = 15,
) -> np.ndarray:
    """LOAO LightGBM probabilities for the blind authors' rows (others keep ``proba``). With
    ``init`` the boosting starts from the regression's OOF log-probabilities (it learns a
    correction of the regression rather than a new reader)."""
    import lightgbm as lgb

    x, names = dense_rows(m, proba)
    y = np.array([LABELS.index(g) for g in m.rows["label"]])
    authors = m.rows["author"].to_numpy()
    langs = m.rows["lang"].to_numpy()
    out = proba.copy()
    t0 = time.process_time()
    cat = [names.index("aspect"), names.index("rule")]
    for lang in ms.LANGUAGES:
        for held in tms.BLIND_AUTHORS:
            tr = np.flatnonzero((authors != held) & (langs == lang))
            te = np.flatnonzero((authors == held) & (langs == lang))
            base = np.log(proba + 1e-6)
            ds = lgb.Dataset(x[tr], y[tr], feature_name=names, categorical_feature=cat,
                             init_score=base[tr] if init else None)  # fmt: skip
            params = {**GBM_PARAMS, "num_leaves": leaves}
            booster = lgb.train(params, ds, num_boost_round=rounds)
            if init:
                raw = booster.predict(x[te], raw_score=True) + base[te]
                e = np.exp(raw - raw.max(axis=1, keepdims=True))
                out[te] = e / e.sum(axis=1, keepdims=True)
            else:
                out[te] = booster.predict(x[te])
        print(lang, f"{time.process_time() - t0:.0f} CPU s", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=("cache", "oof", "score", "gbm"))
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--out", type=Path)
    p.add_argument("--crossed", action="store_true")
    p.add_argument("--oof", type=Path)
    p.add_argument("--without", nargs="*", default=[], help="cache: authors left out")
    p.add_argument("--rounds", type=int, default=ROUNDS)
    p.add_argument("--leaves", type=int, default=15)
    p.add_argument("--init", action="store_true", help="boost from the regression's log-odds")
    p.add_argument("--keep-strong", type=float, nargs="+", default=[0.0])
    args = p.parse_intermixed_args(argv)
    if args.command == "cache":
        write_cache(args.cache, args.without)
        return
    m = _load(args.cache)
    if args.command == "oof":
        if args.crossed:
            _with_crosses()
        oof(m, args.out)
    elif args.command == "score":
        tables = []
        for f in args.files:
            for k in args.keep_strong:
                name = f.stem + (f" keep {k}" if k else "")
                t = swf_table(m, np.load(f)["proba"], k).rename(columns={"mean": name})
                tables.append(t.set_index(["author", "lang", "size"]))
        print(pd.concat(tables, axis=1).round(4).to_string())
    else:
        proba = gbm(m, np.load(args.oof)["proba"], args.rounds, init=args.init,
                    leaves=args.leaves)  # fmt: skip
        if args.out:
            np.savez(args.out, proba=proba)


if __name__ == "__main__":
    main()
