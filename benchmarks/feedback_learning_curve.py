"""The learning curve of the whole reading: agreement on a held-out author against the number of
blind authors it was trained on (issue 10, session 27, fb27b).

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/feedback_learning_curve.py run \\
        --out /tmp/fb27b_points.pkl [--mentions-cache /tmp/fb27b_mentions.pkl] \\
        [--grid 2,4,8,13,19] [--draws 3] [--folds 0] [--full-mentions /tmp/base27_m.pkl]
    python benchmarks/feedback_learning_curve.py report --points /tmp/fb27b_points.pkl \\
        [--anchor /tmp/base27_pairs.pkl]

``run``: a fixed **panel** of blind authors (:data:`PANEL`, eight spread over the sessions, three
of them adjudicated) is never trained on; the other nineteen blind authors are the **pool**. For
each ``k`` of the grid and each draw, ``k`` pool authors are drawn at random (seeded) and the
whole reading is trained on them plus the lexicon author's sets, as the shipped training does
(:func:`~loyalloop.feedback.train_aspects.fit_detector`: the detector, its per-aspect thresholds,
second pass, fallback and its gate chosen on out-of-sample probabilities; then the mention-
sentiment model, :func:`~loyalloop.feedback.train_mention_sentiment.fit` with the shipped use
rule), and scored on every panel author's labelled sets
(:func:`~loyalloop.feedback.evaluate.evaluate_aspects`). One training serves all eight panel
authors, which is what makes the curve affordable.

Two shortcuts, both the same at every ``k`` (so the curve's shape is fair, its level a little
off): the out-of-sample probabilities that choose the thresholds leave out one of ``--folds``
groups of the ``k`` authors at a time (each group a random set of whole authors; with ``k`` at
most ``--folds`` that is leave one author out, the shipped rule) instead of one author at a
time; and the mention model's training mentions are those the shipped detector finds (as in
``benchmarks/detector_loao.py mentions``; the shipped detector saw every author, the panel
included, so the mention *finder* leaks a little, the sentiment labels do not). With
``--full-mentions`` (``detector_loao.py mentions``' cache: a mention model fitted without each
blind author, on all the others) every panel author is scored a second time with the ``k``-author
detector and the all-but-one mention model: the curve of detection alone.

Every training's pairs are appended to ``--out`` as soon as it is done (a cut-off run keeps its
points; a rerun skips the trainings already there). The plan is ordered draw by draw over the
whole grid, so the first draw of every ``k`` comes first.

``report``: per ``k`` and language the panel's pooled agreement, recall, precision, sentiment
when found, complaint recall and precision (mean over draws, and the spread: min–max over draws,
the mean of the per-author standard deviations over draws), the same by training sentences, a fit
of agreement against log(k) and a power law to an asymptote (scipy ``curve_fit``), each with a
bootstrap over panel authors (1,000 resamples), and what the fits say about the target of 0.85:
the number of authors at which the log fit reaches it, started from the leave-one-author-out
level of the shipped method. ``--anchor``: a ``detector_loao.py score --pairs`` file (the shipped
method, each author left out of twenty-six others): its figures on the panel authors as the
``k`` = 26 point (another threshold rule; shown apart, not in the fits).
"""

from __future__ import annotations

import argparse
import math
import pickle
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback import train_mention_sentiment as tms
from loyalloop.feedback.aspect_detector import Readers
from loyalloop.feedback.evaluate import (
    evaluate_aspects,
    pair_figures,
    read_labelled,
)

#: Held out from every training: eight blind authors spread over the sessions (every third or
#: fourth), three of them adjudicated (blind16, blind20, blind24).
PANEL = ("blind", "blind4", "blind8", "blind12", "blind16", "blind20", "blind24", "train26b")
ADJUDICATED = tuple(f"blind{n}" for n in range(15, 25))
TARGET = 0.85


def _sets_of(author: str) -> list[str]:
    return [n for n in ta.TRAIN_SETS if ta.AUTHOR_OF[n.rsplit("_", 1)[0]] == author]


def plan(pool: list[str], grid: list[int], draws: int, seed: int) -> list[tuple[int, int, tuple]]:
    """``(k, draw, authors)`` for every point, draw by draw over the grid (the first draw of
    every ``k`` first); a ``k`` as large as the pool has one draw."""
    rng = random.Random(seed)
    out = []
    for d in range(draws):
        for k in grid:
            if k >= len(pool) and d > 0:
                continue
            out.append((k, d, tuple(sorted(rng.sample(pool, min(k, len(pool)))))))
    return out


def _grouped(frame: pd.DataFrame, authors: tuple, folds: int, seed: int) -> pd.DataFrame:
    """The training sentences of ``authors`` and the lexicon author, each blind author renamed
    to one of ``folds`` groups (whole authors, at random): :func:`~loyalloop.feedback.
    train_aspects.fit_detector` then leaves one group out at a time."""
    order = list(authors)
    random.Random(seed).shuffle(order)
    k = min(folds, len(order))
    group = {a: f"group{i % k}" for i, a in enumerate(order)}
    sub = frame[frame["author"].isin([*authors, "lexicon"])].copy()
    sub["author"] = sub["author"].map(lambda a: group.get(a, a))
    return sub.reset_index(drop=True)


def _mention_model(found: tms.Mentions, authors: tuple) -> Any:
    """The mention-sentiment model on the mentions of ``authors`` and the lexicon author, with
    the shipped use rule (as ``detector_loao.py mentions``)."""
    keep = np.flatnonzero(found.rows["author"].isin([*authors, "lexicon"]).to_numpy())
    model = tms.fit([found.contexts[i] for i in keep], found.rows["label"].iloc[keep].tolist())
    model.margins, model.neutral_needs_margin = dict(tms.MARGINS), True
    model.flip_margin = tms.FLIP_MARGIN
    model.flip_margin_without_evidence = tms.FLIP_MARGIN_WITHOUT_EVIDENCE
    return model


def run(args: argparse.Namespace) -> None:
    start = time.process_time()
    panel = [a for a in args.panel.split(",") if a]
    pool = [a for a in ta.BLIND_AUTHORS if a not in panel]
    if args.pool == "adjudicated":  # the contrast: only adjudicated, or only single-labelled
        pool = [a for a in pool if a in ADJUDICATED]
    elif args.pool == "single":
        pool = [a for a in pool if a not in ADJUDICATED]
    grid = [int(k) for k in args.grid.split(",")]
    points = plan(pool, grid, args.draws, args.seed)
    done: dict[tuple[int, int], dict[str, Any]] = {}
    if args.out.is_file():
        done = pickle.loads(args.out.read_bytes())
    frame = ta.load_sentences(args.data).frame
    if args.mentions_cache is not None and args.mentions_cache.is_file():
        found = pickle.loads(args.mentions_cache.read_bytes())
    else:
        found = tms.load_mentions(args.data, ta.TRAIN_SETS)
        if args.mentions_cache is not None:
            args.mentions_cache.write_bytes(pickle.dumps(found))
    full = pickle.loads(args.full_mentions.read_bytes()) if args.full_mentions else {}
    labelled = {n: read_labelled(args.data / f"{n}.tsv") for a in panel for n in _sets_of(a)}
    print(f"loaded: {time.process_time() - start:.0f} CPU s; panel {panel}; pool {len(pool)}; "
          f"{len(points)} trainings, {len(done)} done", flush=True)  # fmt: skip
    for (k, d), point in sorted(done.items()):  # detection alone for points scored before
        if full and not (point["pairs"]["reading"] == "full_sentiment").any():
            t0 = time.process_time()
            extra = _score(panel, labelled, full, None, point["detector"])
            point["pairs"] = pd.concat([point["pairs"], extra], ignore_index=True)
            args.out.write_bytes(pickle.dumps(done))
            print(f"k={k} draw={d}: scored with the all-but-one mention models, "
                  f"{time.process_time() - t0:.0f} CPU s", flush=True)  # fmt: skip
    for k, d, authors in points:
        if (k, d) in done:
            continue
        t0 = time.process_time()
        sub = _grouped(frame, authors, args.folds or len(authors), args.seed + 1000 * k + d)
        det = ta.fit_detector(ta.Sentences(sub))
        t1 = time.process_time()
        model = _mention_model(found, authors)
        t2 = time.process_time()
        pairs = _score(panel, labelled, full, model, det)
        train = frame[frame["author"].isin(authors)]
        done[(k, d)] = {
            "authors": authors,
            "sentences": {g: int((train["lang"] == g).sum()) for g in ("zh", "en")},
            "adjudicated": sum(a in ADJUDICATED for a in authors),
            "fallback": (det.fallback, det.fallback_gate),
            "cpu": (t1 - t0, t2 - t1, time.process_time() - t2),
            "detector": det,
            "pairs": pairs,
        }
        args.out.write_bytes(pickle.dumps(done))
        k_only = pairs[pairs["reading"] == "k"]
        figs = " ".join(f"{g} {pair_figures(k_only[k_only['lang'] == g])['agreement']:.4f}"
                        for g in ("zh", "en"))  # fmt: skip
        print(f"k={k} draw={d}: {figs}; CPU detector {t1 - t0:.0f} s, mentions {t2 - t1:.0f} s, "
              f"scoring {time.process_time() - t2:.0f} s; authors {','.join(authors)}",
              flush=True)  # fmt: skip
    print(f"done: {time.process_time() - start:.0f} CPU s", flush=True)


def _score(
    panel: list[str],
    labelled: dict[str, pd.DataFrame],
    full: dict[str, Any],
    model: Any,
    det: Any,
) -> pd.DataFrame:
    """Every panel author's pairs read by ``det`` with ``model`` (reading ``k``; skipped when
    ``None``) and with the author's all-but-one mention model of ``full`` (``full_sentiment``)."""
    parts = []
    for held in panel:
        readings = {} if model is None else {"k": Readers(model, det)}
        if held in full:
            readings["full_sentiment"] = Readers(full[held], det)
        for name in _sets_of(held):
            lang = name.rsplit("_", 1)[1]
            for what, readers in readings.items():
                ev = evaluate_aspects(labelled[name], taxonomy_column="domain", readers=readers)
                parts.append(ev.pairs[["row", "aspect", "gold", "predicted"]].assign(
                    author=held, lang=lang, reading=what))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


FIGURES = ("agreement", "recall", "precision", "sentiment_accuracy", "complaint_recall",
           "complaint_precision")  # fmt: skip
COUNTS = ("gold", "right", "found", "predicted", "gold_neg", "pred_neg", "both_neg")


def _counts(pairs: pd.DataFrame) -> dict[str, int]:
    """The sums every pooled figure is made of (:func:`_ratios`)."""
    gold, pred = pairs["gold"].notna(), pairs["predicted"].notna()
    gneg, pneg = pairs["gold"] == "negative", pairs["predicted"] == "negative"
    return {
        "gold": int(gold.sum()),
        "right": int((gold & (pairs["gold"] == pairs["predicted"])).sum()),
        "found": int((gold & pred).sum()),
        "predicted": int(pred.sum()),
        "gold_neg": int(gneg.sum()),
        "pred_neg": int(pneg.sum()),
        "both_neg": int((gneg & pneg).sum()),
    }


def _ratios(c: Any) -> dict[str, Any]:
    """Pooled figures from summed counts (as :func:`~loyalloop.feedback.evaluate.pair_figures`
    and :func:`~loyalloop.feedback.evaluate.complaint_figures`); works on arrays too."""
    return {
        "agreement": c["right"] / c["gold"],
        "recall": c["found"] / c["gold"],
        "precision": c["found"] / c["predicted"],
        "sentiment_accuracy": c["right"] / c["found"],
        "complaint_recall": c["both_neg"] / c["gold_neg"],
        "complaint_precision": c["both_neg"] / c["pred_neg"],
    }


def _count_table(done: dict[tuple[int, int], dict[str, Any]]) -> pd.DataFrame:
    """One row per (reading, lang, k, draw, author) with :data:`COUNTS`."""
    rows = []
    for (k, d), point in sorted(done.items()):
        for (reading, lang, author), part in point["pairs"].groupby(["reading", "lang", "author"]):
            rows.append({"reading": reading, "lang": lang, "k": k, "draw": d, "author": author,
                         "sentences": point["sentences"][lang],
                         "adjudicated": point["adjudicated"], **_counts(part)})  # fmt: skip
    return pd.DataFrame(rows)


def _curve(t: pd.DataFrame, weights: np.ndarray | None = None) -> dict[str, pd.Series]:
    """Per figure: the pooled value per k (panel authors summed, with ``weights`` per author in
    the order of ``sorted(authors)``, then the mean over draws); ``t`` one reading and language."""
    authors = sorted(t["author"].unique())
    w = pd.Series(1.0 if weights is None else weights, index=authors)
    x = t[list(COUNTS)].mul(t["author"].map(w).to_numpy(), axis=0)
    summed = x.groupby([t["k"], t["draw"]]).sum()
    figs = pd.DataFrame(_ratios(summed))
    return {f: figs[f].groupby(level="k").mean() for f in FIGURES}


def _log_fit(k: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    b, a = np.polyfit(np.log(k), y, 1)
    return float(a), float(b)


def _power_fit(k: np.ndarray, y: np.ndarray) -> tuple[float, float, float] | None:
    """``y = A - B * k ** -c`` (``A`` the asymptote), or ``None`` when it does not converge."""
    from scipy.optimize import curve_fit

    try:
        (a, b, c), _ = curve_fit(lambda x, a, b, c: a - b * x ** (-c), k, y,
                                 p0=(float(y.max()) + 0.02, 0.1, 0.5),
                                 bounds=([0, 0, 0.01], [1, 5, 3]), maxfev=20000)  # fmt: skip
    except (RuntimeError, ValueError):
        return None
    return float(a), float(b), float(c)


def _q(v: Any, digits: int = 4) -> str:
    """The 5 % and 95 % quantiles of ``v`` (infinite values count as the largest)."""
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return "–"
    lo, hi = np.quantile(v, 0.05), np.quantile(v, 0.95)
    return f"{lo:+.{digits}f} .. {hi:+.{digits}f}" if digits else f"{lo:.0f} .. {hi:.0f}"


def _power_need(fit: tuple[float, float, float], gain: float) -> float:
    """The k at which ``A - B k^-c`` is ``gain`` above its value at 26 (inf: never)."""
    _, b, c = fit
    rest = b * 26 ** (-c) - gain
    return math.inf if rest <= 0 else float((b / rest) ** (1 / c))


def report(args: argparse.Namespace) -> None:
    done: dict[tuple[int, int], dict[str, Any]] = pickle.loads(args.points.read_bytes())
    counts = _count_table(done)
    print(f"{len(done)} trainings: " + ", ".join(f"k={k}/{d}" for k, d in sorted(done)))
    cpu = sum(sum(p["cpu"]) for p in done.values())
    print(f"CPU of the trainings and their scoring: {cpu / 60:.1f} min")
    panel = sorted(counts["author"].unique())
    anchor = None
    if args.anchor is not None and args.anchor.is_file():
        anchor = pd.read_pickle(args.anchor)
        anchor = anchor[anchor["author"].isin(panel)]
    rng = np.random.default_rng(args.seed)
    picks = [np.bincount(rng.integers(0, len(panel), len(panel)), minlength=len(panel))
             for _ in range(args.boot)]  # fmt: skip
    for reading in sorted(counts["reading"].unique()):
        for lang in ("zh", "en"):
            t = counts[(counts["reading"] == reading) & (counts["lang"] == lang)]
            _print_table(t, reading, lang, anchor if reading == "k" else None)
            _fits(t, picks, {"zh": args.now_zh, "en": args.now_en}[lang])
    if "full_sentiment" in set(counts["reading"]):
        print(
            "\n### the k-author detector with the all-but-one mention model, minus the whole "
            "k-author reading (pooled, mean over draws)"
        )
        for lang in ("zh", "en"):
            a = _curve(counts[(counts["reading"] == "k") & (counts["lang"] == lang)])
            b = _curve(counts[(counts["reading"] == "full_sentiment") & (counts["lang"] == lang)])
            for f in ("agreement", "sentiment_accuracy", "recall"):
                print(f"  {lang} {f}: " + ", ".join(f"k={k} {b[f][k] - a[f][k]:+.4f}"
                                                   for k in a[f].index))  # fmt: skip
    _composition(counts[counts["reading"] == "k"], done)


def _print_table(t: pd.DataFrame, reading: str, lang: str, anchor: pd.DataFrame | None) -> None:
    summed = t.groupby(["k", "draw"])[list(COUNTS)].sum()
    figs = pd.DataFrame(_ratios(summed))
    sent = t.groupby(["k", "draw"])["sentences"].first().groupby(level="k").mean()
    per = pd.DataFrame(_ratios(t.set_index(["k", "draw", "author"])[list(COUNTS)]))
    sd = per["agreement"].groupby(level=["k", "author"]).std().groupby(level="k").mean()
    print(
        f"\n### {reading}, {lang}: pooled over the panel; mean over draws [min–max]; author sd: "
        "the sd over draws of one author's agreement, mean over authors"
    )
    print(
        "| k | draws | sentences | agreement | recall | precision | sentiment when found | "
        "complaint recall | complaint precision | author sd |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k, part in figs.groupby(level="k"):
        cells = [f"{part[f].mean():.4f}" + (f" [{part[f].min():.3f}–{part[f].max():.3f}]"
                                            if len(part) > 1 else "") for f in FIGURES]  # fmt: skip
        print(f"| {k} | {len(part)} | {sent[k]:.0f} | " + " | ".join(cells) + " | "
              + (f"{sd[k]:.4f}" if np.isfinite(sd[k]) else "–") + " |")  # fmt: skip
    if anchor is not None:
        c = _counts(anchor[anchor["lang"] == lang])
        f = _ratios(c)
        print("| 26 (detector_loao, each panel author left out of all) | 1 | – | "
              + " | ".join(f"{f[x]:.4f}" for x in FIGURES) + " | – |")  # fmt: skip


def _fits(t: pd.DataFrame, picks: list[np.ndarray], level: float) -> None:
    """Log fit (``y = a + b ln k``) of each figure, the gain per doubling between neighbouring
    grid points, a power law to an asymptote for agreement; 90 % intervals by resampling panel
    authors (``picks``)."""
    base = _curve(t)
    boot = [_curve(t, w.astype(float)) for w in picks]
    ks = base["agreement"].index.to_numpy(float)
    print(
        f"\nfits (log: y = a + b ln k, gain per doubling b ln 2; 90% over {len(picks)} "
        "resamples of the panel authors):"
    )
    for f in ("agreement", "recall", "precision", "sentiment_accuracy", "complaint_precision"):
        a, b = _log_fit(ks, base[f].to_numpy())
        bs = np.array([_log_fit(ks, c[f].to_numpy())[1] for c in boot])
        seg = []
        for i in range(1, len(ks)):
            lo, hi = ks[i - 1], ks[i]
            step = math.log2(hi / lo)
            g = (base[f].iloc[i] - base[f].iloc[i - 1]) / step
            gb = [(c[f].iloc[i] - c[f].iloc[i - 1]) / step for c in boot]
            seg.append(f"{lo:.0f}→{hi:.0f} {g:+.4f} ({_q(gb)})")
        print(f"  {f}: a {a:.4f}, per doubling {b * math.log(2):+.4f} ({_q(bs * math.log(2))}); "
              f"fit at k=19 {a + b * math.log(19):.4f}, 27 {a + b * math.log(27):.4f}, "
              f"54 {a + b * math.log(54):.4f}")  # fmt: skip
        print("    per doubling between grid points: " + "; ".join(seg))
        if f == "agreement":
            k_need = 26 * math.exp((TARGET - level) / b) if b > 0 else math.inf
            need = [26 * math.exp((TARGET - level) / x) if x > 0 else math.inf for x in bs]
            print(f"    from the leave-one-author-out level {level:.4f} (26 authors), this slope "
                  f"reaches {TARGET} at k ≈ {k_need:.0f} blind authors (90% "
                  f"{np.quantile(need, 0.05):.0f} .. {np.quantile(need, 0.95):.0f})")  # fmt: skip
            pw = _power_fit(ks, base[f].to_numpy())
            if pw is not None:
                fits = [_power_fit(ks, c[f].to_numpy()) for c in boot[:200]]
                asym = [r[0] for r in fits if r is not None]
                ok = [r for r in fits if r is not None]
                gain = [r[1] * 26 ** (-r[2]) for r in ok]
                print(f"    power law y = A - B k^-c: A {pw[0]:.4f} (90% {_q(asym)}), "
                      f"B {pw[1]:.4f}, c {pw[2]:.3f}; left to gain beyond k=26: "
                      f"{pw[1] * 26 ** (-pw[2]):.4f} (90% {_q(gain)}; {len(asym)} of "
                      f"{len(fits)} resamples converged); the gain {TARGET - level:.4f} needs "
                      f"k ≈ {_power_need(pw, TARGET - level):.0f} (90% "
                      f"{_q([_power_need(r, TARGET - level) for r in ok], 0)})")  # fmt: skip


def _r2(x: np.ndarray, y: np.ndarray) -> float:
    m = np.column_stack([np.ones(len(x)), x])
    res = y - m @ np.linalg.lstsq(m, y, rcond=None)[0]
    return 1 - float(res @ res) / float(((y - y.mean()) ** 2).sum())


def _composition(t: pd.DataFrame, done: dict[tuple[int, int], dict[str, Any]]) -> None:
    """Per language, over the trainings: pooled agreement against ln(training sentences in the
    language) and against ln k (R²); and, within each k (deviations from that k's mean), the
    agreement against the share of adjudicated authors and ln sentences (least squares, se)."""
    print("\n### by sentences and by adjudicated authors (pooled agreement; one row per training)")
    for lang in ("zh", "en"):
        q = t[t["lang"] == lang]
        s = q.groupby(["k", "draw"])[list(COUNTS)].sum()
        y = pd.Series(_ratios(s)["agreement"])
        info = q.groupby(["k", "draw"])[["sentences", "adjudicated"]].first()
        k = info.index.get_level_values("k").to_numpy(float)
        ls = np.log(info["sentences"].to_numpy(float))

        print(f"  {lang}: R² of pooled agreement on ln sentences {_r2(ls, y.to_numpy()):.3f}, "
              f"on ln k {_r2(np.log(k), y.to_numpy()):.3f} ({len(y)} trainings)")  # fmt: skip
        dev = pd.DataFrame({"y": y.to_numpy(), "share": info["adjudicated"].to_numpy() / k,
                            "ls": ls, "k": k})  # fmt: skip
        dev = dev[dev.groupby("k")["y"].transform("size") > 1]
        if len(dev) >= 4:
            z = dev[["y", "share", "ls"]] - dev.groupby("k")[["y", "share", "ls"]].transform("mean")
            x = z[["share", "ls"]].to_numpy()
            coef, *_ = np.linalg.lstsq(x, z["y"].to_numpy(), rcond=None)
            res = z["y"].to_numpy() - x @ coef
            dof = max(len(z) - 2 - dev["k"].nunique(), 1)
            se = np.sqrt(np.diag(np.linalg.pinv(x.T @ x)) * float(res @ res) / dof)
            print(f"    within k: agreement {coef[0]:+.4f} (se {se[0]:.4f}) per unit share of "
                  f"adjudicated authors, {coef[1]:+.4f} (se {se[1]:.4f}) per unit ln sentences "
                  f"({len(z)} trainings, {dof} dof)")  # fmt: skip
        for (kk, d), point in sorted(done.items()):
            if (kk, d) in y.index:
                print(
                    f"    k={kk} draw={d}: {point['sentences'][lang]} sentences, "
                    f"{point['adjudicated']} adjudicated, agreement {y[(kk, d)]:.4f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["run", "report"])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--out", type=Path, help="run: the points (pickle, appended)")
    parser.add_argument("--points", type=Path, help="report: the points of `run`")
    parser.add_argument("--panel", default=",".join(PANEL))
    parser.add_argument("--grid", default="2,4,8,13,19")
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--folds", type=int, default=0,
                        help="groups of authors the thresholds' out-of-sample pass leaves out "
                        "(default 0: one author at a time, the shipped rule)")  # fmt: skip
    parser.add_argument("--pool", choices=["all", "adjudicated", "single"], default="all",
                        help="run: draw the training authors from these only")  # fmt: skip
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--mentions-cache", type=Path, default=None,
                        help="the shipped detector's mentions (read or written)")  # fmt: skip
    parser.add_argument("--full-mentions", type=Path, default=None,
                        help="detector_loao.py mentions' cache: score with those too")  # fmt: skip
    parser.add_argument("--anchor", type=Path, default=None, help="detector_loao --pairs file")
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--now-zh", type=float, default=0.8484, help="today's LOAO agreement")
    parser.add_argument("--now-en", type=float, default=0.8095, help="today's LOAO agreement")
    args = parser.parse_args()
    if args.what == "run":
        run(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
