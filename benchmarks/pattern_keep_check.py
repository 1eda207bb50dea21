"""A keep-check on the patterns' matches, chosen on complaints, leaving one author out (fb27a).

Issue 10, session 27.

Run from the repository root, on the pairs of a ``detector_loao.py score … --pairs FILE`` run
(which records what read each pair, ``source``) and its detector cache (``--oos FILE``)::

    python benchmarks/pattern_keep_check.py --pairs /tmp/base27_pairs.pkl \\
        --oos /tmp/base27_oos.pkl [--features /tmp/X_feat.pkl] [--examples N]

Every pair the patterns read (``source == "pattern"``) gets the inputs fb23a's check lacked:
its own read sentiment; whether another aspect of the sentence is read negative (the halo) and
how many others are read; whether the match is the clause's head (the first aspect named in
its clause) or a side mention (another aspect's match comes first in the same clause), whether
its clause also holds a match of an aspect read negative; the detector's out-of-sample
log-odds for the aspect (the fold detector fitted without the pair's author); the matched
term's precision (labelled / matched) and complaint precision (labelled negative / read
negative) leaving the pair's author out, shrunk towards the aspect's; the aspect and language.

Two L2 logistic regressions, each fitted without the author whose pairs they score:
``P(labelled)`` over every pattern match and ``P(labelled negative)`` over the matches read
negative. Variants on the matches read negative, each with a probability threshold chosen for
each held-out author and language on the other authors' pairs (by complaint F1, or by complaint
F1 among thresholds whose agreement falls by at most 0.001 there — "capped"): drop the match
(beside another read aspect), read it ``neutral`` (halo only, or anywhere), or both. Replayed on
the pairs: the other mentions keep the sentiment they were read with, and a dropped match gives
no other aspect its place (fb23a measured neither effect in the real reading). Prints, per
variant and language: agreement, recall, precision, sentiment when found, complaint recall and
precision (:func:`~loyalloop.feedback.evaluate.complaint_figures`), authors up / down.
"""

from __future__ import annotations

import argparse
import math
import pickle
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback.aspects import _clauses_and_spans, load_taxonomy
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.evaluate import complaint_figures, pair_figures, read_labelled

THRESHOLDS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
#: Log-odds of the detector for the rule variant (-inf: the rule off).
LOGODDS = (-math.inf, -8.0, -7.0, -6.0, -5.5, -5.0, -4.5, -4.0, -3.5, -3.0, -2.0)
SHRINK = 5.0  # pseudo-matches pulling a term's precision towards its aspect's


def _domains(data: Path) -> dict[tuple[str, str], list[str]]:
    out = {}
    for name in ta.TRAIN_SETS:
        author = ta.AUTHOR_OF[name.rsplit("_", 1)[0]]
        if author in ta.BLIND_AUTHORS:
            out[(author, name.rsplit("_", 1)[1])] = read_labelled(data / f"{name}.tsv")[
                "domain"
            ].tolist()
    return out


def features(pairs: pd.DataFrame, oos_path: Path, data: Path) -> pd.DataFrame:
    """The pattern pairs of ``pairs`` with their inputs (see the module docs)."""
    _, folds = pickle.loads(oos_path.read_bytes())
    domains = _domains(data)
    key = [pairs["author"], pairs["lang"], pairs["row"]]
    neg = (pairs["predicted"] == "negative").astype(int)
    read = pairs["predicted"].notna().astype(int)
    p = pairs.assign(
        other_neg=neg.groupby(key).transform("sum") - neg,
        other_read=read.groupby(key).transform("sum") - read,
    )
    negs = p[p["predicted"] == "negative"].groupby(["author", "lang", "row"])["aspect"].agg(set)
    pat = p[(p["source"] == "pattern") & p["predicted"].notna()].copy()
    rows = []
    cache: dict[tuple[str, str, int], tuple] = {}
    for r in pat.itertuples():
        k = (r.author, r.lang, r.row)
        if k not in cache:
            tax = load_taxonomy(domains[(r.author, r.lang)][r.row])
            clauses, spans = _clauses_and_spans(clean_text(r.text, normalize=False), tax)
            det = folds[r.author]
            z = det.probabilities([c.norm for c in clauses]) if clauses else None
            cache[k] = (clauses, spans, z, list(det.aspects_))
        clauses, spans, z, order = cache[k]
        mine = [
            (i, s, e, t) for i, sp in enumerate(spans) for s, e, a, t in sp if a.key == r.aspect
        ]
        bad = negs.get(k, set()) - {r.aspect}
        if mine:
            i, s, _, term = mine[0]
            others = [(s2, a.key) for s2, _, a, _ in spans[i] if a.key != r.aspect]
            shared = bool(others)
            side = any(s2 < s for s2, _ in others)
            neg_clause = any(a in bad for _, a in others)
            pos = i / max(len(clauses) - 1, 1)
        else:
            term, shared, side, neg_clause, pos = "", False, False, False, 0.0
        if z is not None and r.aspect in order:
            q = float(np.clip(z[order.index(r.aspect)], 1e-6, 1 - 1e-6))
            logit = math.log(q / (1 - q))
        else:
            logit = 0.0
        rows.append((term.lower(), shared, side, neg_clause, pos, logit, len(clauses)))
    extra = pd.DataFrame(
        rows,
        columns=["term", "shared", "side", "neg_clause", "pos", "logit", "clauses"],
        index=pat.index,
    )
    return pat.join(extra)


def _term_rates(f: pd.DataFrame) -> pd.DataFrame:
    """Each pair's term precision and term complaint precision, leaving its author out."""
    lab = f["gold"].notna().astype(float)
    rneg = (f["predicted"] == "negative").astype(float)
    gneg = ((f["gold"] == "negative") & (f["predicted"] == "negative")).astype(float)
    g = f.assign(lab=lab, rneg=rneg, gneg=gneg, one=1.0)
    tot_t = g.groupby(["lang", "aspect", "term"])[["lab", "rneg", "gneg", "one"]].sum()
    by_a = g.groupby(["author", "lang", "aspect", "term"])[["lab", "rneg", "gneg", "one"]].sum()
    tot_a = g.groupby(["lang", "aspect"])[["lab", "rneg", "gneg", "one"]].sum()
    by_aa = g.groupby(["author", "lang", "aspect"])[["lab", "rneg", "gneg", "one"]].sum()
    t_prec, t_cprec = [], []
    for r in g[["author", "lang", "aspect", "term"]].itertuples(index=False):
        t = tot_t.loc[(r.lang, r.aspect, r.term)] - by_a.loc[(r.author, r.lang, r.aspect, r.term)]
        a = tot_a.loc[(r.lang, r.aspect)] - by_aa.loc[(r.author, r.lang, r.aspect)]
        pa = a["lab"] / max(a["one"], 1.0)
        ca = a["gneg"] / max(a["rneg"], 1.0)
        t_prec.append((t["lab"] + SHRINK * pa) / (t["one"] + SHRINK))
        t_cprec.append((t["gneg"] + SHRINK * ca) / (t["rneg"] + SHRINK))
    return f.assign(t_prec=t_prec, t_cprec=t_cprec)


def _design(f: pd.DataFrame, aspects: list[str]) -> np.ndarray:
    en = (f["lang"] == "en").to_numpy(float)
    cols = [
        (f["predicted"] == "negative").to_numpy(float),
        (f["predicted"] == "positive").to_numpy(float),
        (f["other_neg"] > 0).to_numpy(float),
        np.minimum(f["other_read"].to_numpy(float), 4),
        f["shared"].to_numpy(float),
        f["side"].to_numpy(float),
        f["neg_clause"].to_numpy(float),
        f["pos"].to_numpy(float),
        np.clip(f["logit"].to_numpy(float), -8, 8) / 4,
        f["t_prec"].to_numpy(float),
        f["t_cprec"].to_numpy(float),
        (f["other_neg"] > 0).to_numpy(float) * f["side"].to_numpy(float),
        en,
        en * np.clip(f["logit"].to_numpy(float), -8, 8) / 4,
    ]
    one = [(f["aspect"] == a).to_numpy(float) for a in aspects]
    return np.column_stack(cols + one + [o * en for o in one])


def check_probabilities(f: pd.DataFrame) -> pd.DataFrame:
    """``p_lab`` and ``p_neg`` for every pattern pair, each from checks fitted without its
    author."""
    aspects = sorted(f["aspect"].unique())
    x = _design(f, aspects)
    lab = f["gold"].notna().to_numpy()
    isneg = (f["predicted"] == "negative").to_numpy()
    gneg = (f["gold"] == "negative").to_numpy()
    p_lab = np.full(len(f), np.nan)
    p_neg = np.full(len(f), np.nan)
    authors = f["author"].to_numpy()
    for held in dict.fromkeys(authors):
        mine = authors == held
        m1 = LogisticRegression(C=1.0, max_iter=2000).fit(x[~mine], lab[~mine])
        p_lab[mine] = m1.predict_proba(x[mine])[:, 1]
        tr = ~mine & isneg
        m2 = LogisticRegression(C=1.0, max_iter=2000).fit(x[tr], gneg[tr])
        p_neg[mine] = m2.predict_proba(x[mine])[:, 1]
    return f.assign(p_lab=p_lab, p_neg=p_neg)


def _apply(pairs: pd.DataFrame, drop: pd.Series, neutral: pd.Series) -> pd.DataFrame:
    out = pairs.copy()
    out.loc[neutral & ~drop, "predicted"] = "neutral"
    out.loc[drop, "predicted"] = None
    return out[out["gold"].notna() | out["predicted"].notna()]


def _moves(
    pairs: pd.DataFrame, f: pd.DataFrame, kind: str, t: float
) -> tuple[pd.Series, pd.Series]:
    """(drop, neutral) masks over ``pairs`` for variant ``kind`` at threshold ``t``."""
    drop = pd.Series(False, index=pairs.index)
    neutral = pd.Series(False, index=pairs.index)
    neg = f["predicted"] == "negative"
    halo = f["other_neg"] > 0
    beside = f["other_read"] > 0
    if kind == "drop":
        idx = f.index[neg & beside & (f["p_lab"] < t)]
        drop.loc[idx] = True
    elif kind == "neutral halo":
        neutral.loc[f.index[neg & halo & (f["p_neg"] < t)]] = True
    elif kind == "neutral any":
        neutral.loc[f.index[neg & (f["p_neg"] < t)]] = True
    elif kind == "neutral halo side":  # no learning: side mentions beside a complaint
        if t > 0:
            neutral.loc[f.index[neg & halo & f["side"]]] = True
    elif kind == "rule: neutral halo below log-odds":  # t is the detector's log-odds
        neutral.loc[f.index[neg & halo & (f["logit"] < t)]] = True
    elif kind == "rule: neutral clause halo below log-odds":  # the halo in the same clause
        neutral.loc[f.index[neg & f["neg_clause"] & (f["logit"] < t)]] = True
    elif kind == "drop+neutral halo":  # drop the unlikely labelled, neutralise the rest
        drop.loc[f.index[neg & beside & (f["p_lab"] < t / 2)]] = True
        neutral.loc[f.index[neg & halo & (f["p_neg"] < t)]] = True
    return drop, neutral


KINDS = ("drop", "neutral halo", "neutral any", "drop+neutral halo")


def _cf1(p: pd.DataFrame) -> float:
    c = complaint_figures(p, 1)
    r, q = c["complaint_recall"], c["complaint_precision"]
    return 2 * r * q / (r + q)


def run(pairs: pd.DataFrame, f: pd.DataFrame) -> None:
    authors = list(dict.fromkeys(pairs["author"]))
    print("\nscreen (fixed threshold, every author): moved pairs, of them extra / gold neg / "
          "gold neu / gold pos")  # fmt: skip
    for kind in KINDS:
        for lang in ("zh", "en"):
            cells = []
            for t in THRESHOLDS[1:]:
                d, n = _moves(pairs, f, kind, t)
                m = pairs[(d | n) & (pairs["lang"] == lang)]
                g = m["gold"]
                cells.append(
                    f"{t}: {len(m)} ({int(g.isna().sum())}/{int((g == 'negative').sum())}"
                    f"/{int((g == 'neutral').sum())}/{int((g == 'positive').sum())})"
                )
            print(f"  {kind}, {lang}: " + "; ".join(cells))
    base = {a: {g: pairs[(pairs["author"] == a) & (pairs["lang"] == g)] for g in ("zh", "en")}
            for a in authors}  # fmt: skip
    rules = ("rule: neutral halo below log-odds", "rule: neutral clause halo below log-odds")
    for kind in (*KINDS, "neutral halo side", *rules):
        for how in ("cF1", "capped"):
            if kind == "neutral halo side" and how == "capped":
                continue
            drops = pd.Series(False, index=pairs.index)
            neus = pd.Series(False, index=pairs.index)
            chosen = []
            grid = (0.0, 1.0) if kind == "neutral halo side" else THRESHOLDS
            if kind.startswith("rule"):
                grid = LOGODDS
            moves = {t: _moves(pairs, f, kind, t) for t in grid}
            for held in authors:
                for lang in ("zh", "en"):
                    other = (pairs["author"] != held) & (pairs["lang"] == lang)
                    before = pairs[other]
                    agr0 = pair_figures(before)["agreement"]
                    best, best_v = 0.0, -1.0
                    for t in grid:
                        d, n = moves[t]
                        after = _apply(before, d[other], n[other])
                        if how == "capped" and pair_figures(after)["agreement"] < agr0 - 0.001:
                            continue
                        v = _cf1(after)
                        if v > best_v + 1e-12:
                            best, best_v = t, v
                    chosen.append(best)
                    mine = (pairs["author"] == held) & (pairs["lang"] == lang)
                    d, n = moves[best]
                    drops |= mine & d
                    neus |= mine & n
            _report(f"{kind} by {how}", pairs, _apply(pairs, drops, neus), chosen, base)


def _report(label: str, before: pd.DataFrame, after: pd.DataFrame, chosen: list[float],
            base: dict) -> None:  # fmt: skip
    counts = ", ".join(f"{t}: {n}" for t, n in sorted(Counter(chosen).items()))
    print(f"\n  {label} (chosen per author and language: {counts}):")
    for lang in ("zh", "en"):
        b, a = before[before["lang"] == lang], after[after["lang"] == lang]
        fb, fa = pair_figures(b), pair_figures(a)
        cb, ca = complaint_figures(b, 1), complaint_figures(a, 1)
        up = down = 0
        for held in base:
            d = (pair_figures(a[a["author"] == held])["agreement"]
                 - pair_figures(base[held][lang])["agreement"])  # fmt: skip
            up, down = up + (d > 1e-9), down + (d < -1e-9)
        print(f"    {lang} agr {fb['agreement']:.4f}->{fa['agreement']:.4f} "
              f"({fa['agreement'] - fb['agreement']:+.4f}) R {fa['recall']:.4f} "
              f"P {fa['precision']:.4f} swf {fa['sentiment_accuracy']:.4f} "
              f"cR {cb['complaint_recall']:.4f}->{ca['complaint_recall']:.4f} "
              f"cP {cb['complaint_precision']:.4f}->{ca['complaint_precision']:.4f} "
              f"({ca['complaint_precision'] - cb['complaint_precision']:+.4f}) "
              f"up/down {up}/{down}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--oos", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--features", type=Path, default=None, help="cache of the inputs")
    parser.add_argument("--examples", type=int, default=0, help="print N neutralised halos")
    args = parser.parse_args()
    start = time.process_time()
    pairs = pd.read_pickle(args.pairs)
    pairs = pairs[pairs["author"].isin(ta.BLIND_AUTHORS)].reset_index(drop=True)
    if args.features is not None and args.features.is_file():
        f = pd.read_pickle(args.features)
    else:
        f = features(pairs, args.oos, args.data)
        if args.features is not None:
            f.to_pickle(args.features)
    f = check_probabilities(_term_rates(f))
    print(f"{len(f)} pattern pairs, {time.process_time() - start:.0f} CPU s")
    for lang in ("zh", "en"):
        q = f[(f["lang"] == lang) & (f["predicted"] == "negative")]
        auc = roc_auc_score(q["gold"] == "negative", q["p_neg"])
        print(
            f"  {lang}: read negative {len(q)}, labelled negative "
            f"{int((q['gold'] == 'negative').sum())}, AUC p_neg {auc:.3f}, "
            f"halo {int((q['other_neg'] > 0).sum())}, side {int(q['side'].sum())}"
        )
    run(pairs, f)
    if args.examples:
        q = f[(f["predicted"] == "negative") & (f["other_neg"] > 0)].sort_values("p_neg")
        for r in q.head(args.examples).itertuples():
            print(
                f"  {r.lang} {r.p_neg:.2f} {r.aspect} gold={r.gold} term={r.term!r} | {r.text[:90]}"
            )
    print(f"done, {time.process_time() - start:.0f} CPU s")


if __name__ == "__main__":
    main()
