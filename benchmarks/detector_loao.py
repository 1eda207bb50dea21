"""Leave-one-author-out agreement of the whole reading for detector variants (issue 10, session 18).

Run from the repository root::

    python benchmarks/detector_loao.py mentions --cache /tmp/mention_loao.pkl
    python benchmarks/detector_loao.py score --mentions /tmp/mention_loao.pkl \\
        [--features ngrams+skip] [--en-scale 1.5] [--per-language] [--misses misses.tsv]
        [--fallback [--without-fallback added.tsv] [--gate]] [--beside]
        [--second-pass [--second-adds] [--second-per-language] [--second-may-abstain]]
        [--pairs after.pkl] [--against before.pkl]

``mentions``: the mention-sentiment model fitted without each blind author
(:func:`~loyalloop.feedback.train_mention_sentiment.fit` on the mentions the rules and the
shipped detector find in the other authors' sentences, the shipped use rule), pickled once: the
same sentiment reader for every detector variant.

``score``: one :func:`~loyalloop.feedback.train_aspects.out_of_sample` pass (the detector, with
the variant's features and English scale, fitted once without each blind author). For each
blind author in turn, the detector fitted without that author gets the thresholds chosen on the
other authors' out-of-sample probabilities (:func:`~loyalloop.feedback.train_aspects.
choose_thresholds`, per aspect; per language and aspect with ``--per-language``), and the whole
reading — patterns, that detector, the sentiment model fitted without the author — is scored on
the author's labelled sets (:func:`~loyalloop.feedback.evaluate.evaluate_aspects`). Pairs are
pooled over the authors per language: agreement, recall, precision, sentiment when found, and
English recall per aspect.

Session 19: ``--fallback`` gives each held-out author's detector the fallback
(:func:`~loyalloop.feedback.train_aspects.choose_fallback` on the other authors' out-of-sample
probabilities); ``--second-pass`` a second pass fitted without the author
(:func:`~loyalloop.feedback.train_aspects.second_pass_out_of_sample`), its thresholds chosen on
the other authors' second-pass probabilities (:func:`~loyalloop.feedback.train_aspects.
set_passes`). Session 20: ``--beside`` chooses each aspect's threshold apart for sentences in
which the patterns found an aspect (:func:`~loyalloop.feedback.train_aspects.choose_thresholds`
``beside``); ``--second-beside`` fits and uses the second pass only in sentences in which the
patterns found an aspect (else in every sentence, as in session 19), ``--second-languages``
only in those languages (default all). ``--against`` prints pair F1 before → after and how
many authors' agreement rose and fell against the pairs of an earlier run (``--pairs``).
Session 21: every run prints how many of the sentences the authors labelled with no aspect the
reading gives one (and its false pairs there); ``--without-fallback TSV`` (with ``--fallback``)
scores each held-out author again with the same detector, its fallback dropped, prints the same
figure for that reading and how many of the pairs the fallback adds have the right aspect, and
writes those pairs to ``TSV``. Session 22: ``--gate`` (with ``--fallback``) gives each held-out
author's detector the fallback's gate (:func:`~loyalloop.feedback.train_aspects.fit_gate`,
fitted without the author) and chooses the fallback and its gate together on the other authors'
out-of-sample gate probabilities (:func:`~loyalloop.feedback.train_aspects.gate_out_of_sample`,
:func:`~loyalloop.feedback.train_aspects.choose_fallback_gate`).

Session 26 (fb26a): every scored pair records what read it (``source``: ``pattern``, the
detector's ``first`` pass, ``second`` pass or ``fallback``; the detector's margins over its
thresholds, ``margin1`` first-pass log-odds, ``margin2`` second-pass score; ``patterns``, how
many aspects the patterns found in the sentence; in ``--pairs``); every run prints the reading's
false complaints (read negative, not labelled negative) by source, kind, aspect and whether
another aspect of the sentence is a labelled complaint (the halo), and simulated variants that
drop detector adds beside another aspect below a margin chosen for each held-out author on the
other authors' pairs (replayed on the pairs). ``report --pairs FILE`` prints the same for an
earlier run's pairs.

Against ``train_aspects --loao`` this saves the inner leave-one-author-out of every held-out
fold (one pass of 17 fits instead of 16 × 16): the other authors' probabilities that choose a
held-out author's thresholds come from detectors that saw the held-out author's sentences, and
the mention model's training mentions are those of the shipped detector (which saw every author)
— leaks that touch every variant alike; the held-out author's own probabilities and sentiment
never saw its sentences.
"""

from __future__ import annotations

import argparse
import math
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.feedback import train_aspects as ta
from loyalloop.feedback import train_mention_sentiment as tms
from loyalloop.feedback.aspect_detector import (
    DETECTOR_LANGUAGES,
    AspectDetector,
    Readers,
    second_pass_inputs,
)
from loyalloop.feedback.aspects import _clauses_and_spans, load_taxonomy
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.evaluate import (
    complaint_figures,
    evaluate_aspects,
    pair_figures,
    read_labelled,
)

ASPECTS = ("staff", "service_attitude", "fees", "price", "credit_limit", "waiting_time")


def _sets_of(author: str) -> list[str]:
    return [n for n in ta.TRAIN_SETS if ta.AUTHOR_OF[n.rsplit("_", 1)[0]] == author]


def mentions(data: Path, cache: Path) -> None:
    start = time.process_time()
    found = tms.load_mentions(data, ta.TRAIN_SETS)
    models = {}
    authors = found.rows["author"].to_numpy()
    for held in ta.BLIND_AUTHORS:
        keep = [i for i, a in enumerate(authors) if a != held]
        model = tms.fit([found.contexts[i] for i in keep], found.rows["label"].iloc[keep].tolist())
        model.margins, model.neutral_needs_margin = dict(tms.MARGINS), True
        model.flip_margin = tms.FLIP_MARGIN
        model.flip_margin_without_evidence = tms.FLIP_MARGIN_WITHOUT_EVIDENCE
        models[held] = model
    cache.write_bytes(pickle.dumps(models))
    print(f"{len(models)} mention models: {time.process_time() - start:.1f} CPU s")


def score(data: Path, args: argparse.Namespace) -> None:
    start = time.process_time()
    if args.oos is not None and args.oos.is_file():
        oos, folds = pickle.loads(args.oos.read_bytes())
    else:
        frame = ta.load_sentences(data).frame
        folds: dict[str, AspectDetector] = {}
        _, oos = ta.out_of_sample(frame, keep=folds, features=args.features,
                                  en_scale=args.en_scale)  # fmt: skip
        if args.oos is not None:
            args.oos.write_bytes(pickle.dumps((oos, folds)))
    second = None
    if args.second_pass:
        second, second_models = ta.second_pass_out_of_sample(
            oos, c=args.second_c, beside=args.second_beside
        )
    gate_p, gates = None, {}
    if args.gate:  # the fallback's gate, fitted without each author (session 22)
        if args.gate_cache is not None and args.gate_cache.is_file():
            gate_p, gates = pickle.loads(args.gate_cache.read_bytes())
        else:
            frame = ta.load_sentences(data).frame
            gate_p, gates = ta.gate_out_of_sample(frame)
            if args.gate_cache is not None:
                args.gate_cache.write_bytes(pickle.dumps((gate_p, gates)))
    fitted = time.process_time() - start
    models = pickle.loads(args.mentions.read_bytes())
    parts: list[pd.DataFrame] = []
    bare: list[pd.DataFrame] = []  # --without-fallback: the same readings without the fallback
    empty: set[tuple[str, str, int]] = set()  # (author, lang, row) of sentences with no aspect
    chosen_fallback = {}
    chosen_gate: dict[str, float | None] = {}
    record: dict[tuple[str, ...], dict[str, tuple[str, float, float]]] = {}
    for held in [a for a in ta.BLIND_AUTHORS if a in folds]:
        others = oos.author != held
        chosen = ta.choose_thresholds(oos, others, per_language=args.per_language,
                                      beside=args.beside)  # fmt: skip
        det = folds[held]
        det.threshold, det.thresholds = chosen.overall, chosen.per_aspect
        det.beside_thresholds = chosen.beside
        det.language_thresholds = {g: chosen.per_language.get(g, {}) for g in DETECTOR_LANGUAGES}
        if gates:
            det.set_gate(*gates[held])
        ta.set_passes(det, oos, others, chosen,
                      second=None if second is None else (second, second_models[held]),
                      adds=args.second_adds, per_language=args.second_per_language,
                      never=args.second_may_abstain, beside=args.second_beside,
                      languages=args.second_languages.split(",") if args.second_languages
                      else None,
                      fallback=args.fallback, gate=gate_p)  # fmt: skip
        if args.fallback:
            chosen_fallback[held] = det.fallback
            chosen_gate[held] = det.fallback_gate
        readers = Readers(models[held], det)
        record.clear()
        det._decide = _recording(det, record)  # type: ignore[method-assign]
        for name in _sets_of(held):
            labelled = read_labelled(data / f"{name}.tsv")
            ev = evaluate_aspects(labelled, taxonomy_column="domain", readers=readers)
            got = ev.pairs.assign(author=held, lang=name.rsplit("_", 1)[1])
            parts.append(_with_sources(got, labelled, record))
            empty.update((held, name.rsplit("_", 1)[1], i) for i in _empty_rows(labelled))
        del det._decide
        if args.without_fallback is not None and det.fallback is not None:
            det.set_fallback(None)  # the same detector, its fallback dropped
            readers = Readers(models[held], det)
            for name in _sets_of(held):
                ev = evaluate_aspects(read_labelled(data / f"{name}.tsv"),
                                      taxonomy_column="domain", readers=readers)  # fmt: skip
                bare.append(ev.pairs.assign(author=held, lang=name.rsplit("_", 1)[1]))
            det.set_fallback(chosen_fallback[held], chosen_gate[held])
    pairs = pd.concat(parts, ignore_index=True)
    label = args.label or f"features={args.features} en_scale={args.en_scale} " + (
        "per language" if args.per_language else "per aspect"
    )
    if chosen_fallback:
        print("fallback by held-out author:", chosen_fallback)
        if gates:
            print("its gate by held-out author:", chosen_gate)
    print(f"\n{label}: {fitted:.0f} CPU s fitting, {time.process_time() - start:.0f} CPU s in all")
    print("| lang | pairs | agreement | recall | precision | sentiment when found |")
    print("|---|---:|---:|---:|---:|---:|")
    for lang in ("zh", "en"):
        f = pair_figures(pairs[pairs["lang"] == lang])
        print(f"| {lang} | {f['pairs']:.0f} | {f['agreement']:.4f} | {f['recall']:.4f} | "
              f"{f['precision']:.4f} | {f['sentiment_accuracy']:.4f} |")  # fmt: skip
    gold = pairs[pairs["gold"].notna()]
    line = []
    for lang in ("en", "zh"):
        part = gold[gold["lang"] == lang]
        rec = part.assign(found=part["predicted"].notna()).groupby("aspect")["found"].mean()
        line.append(f"{lang} recall " + ", ".join(f"{a} {rec.get(a, float('nan')):.3f}"
                                                   for a in ASPECTS))  # fmt: skip
    print("\n".join(line))
    if args.misses is not None:
        miss = gold[gold["predicted"].isna()]
        miss[["author", "lang", "aspect", "gold", "text"]].to_csv(args.misses, sep="\t",
                                                                 index=False)  # fmt: skip
    if args.pairs is not None:
        pairs.to_pickle(args.pairs)
    if args.against is not None:
        _against(pd.read_pickle(args.against), pairs)
    print("\nlabelled sentences with no aspect, read with one (false pairs):")
    _empty_figures("this reading", pairs, empty)
    _false_complaints(pairs)
    if not args.skip_simulated:
        _beside_margins(pairs)
    if bare:
        without = pd.concat(bare, ignore_index=True)
        _empty_figures("without the fallback", without, empty)
        _fallback_adds(without, pairs, empty, args.without_fallback)


def _recording(
    det: AspectDetector, record: dict[tuple[str, ...], dict[str, tuple[str, float, float]]]
) -> Callable[..., np.ndarray]:
    """``det._decide`` that also records, per comment (its clauses), each aspect it adds: the
    stage that added it (``first`` pass, ``second`` pass, ``fallback``), its first-pass
    log-odds less its threshold, and its second-pass score less its threshold (``nan`` without
    a second pass) (session 26, fb26a)."""
    decide = type(det)._decide

    def run(z: np.ndarray, limits: np.ndarray, comments: Any, allowed: Any, found: Any) -> Any:
        hit = decide(det, z, limits, comments, allowed, found)
        saved = det.fallback
        det.fallback = None
        try:
            bare = decide(det, z, limits, comments, allowed, found)
        finally:
            det.fallback = saved
        first = z >= limits
        s2 = np.full(z.shape, math.nan)
        if det.second_has.any():
            langs = [det.language_of(c) for c in comments]
            ok = np.array([[a in allowed for a in det.aspects_]] * len(z), dtype=bool)
            done = np.array([[a in f for a in det.aspects_] for f in found], dtype=bool)
            english = np.array([g == "en" for g in langs], dtype=bool)
            x = second_pass_inputs(z, done.reshape(z.shape), ok, english)
            s = x @ det.second_weights.T + det.second_bias
            t = np.array([det._second_threshold_row(g) for g in langs]).reshape(z.shape)
            c = np.clip(t, 1e-6, 1 - 1e-6)
            s2 = np.where(det.second_has.reshape(1, -1), s - np.log(c / (1 - c)), math.nan)
        for n, clauses in enumerate(comments):
            got = {}
            for j in np.flatnonzero(hit[n]):
                stage = "fallback" if not bare[n, j] else "first" if first[n, j] else "second"
                got[det.aspects_[j]] = (stage, float(z[n, j] - limits.reshape(z.shape)[n, j])
                                        if limits.ndim > 1 else float(z[n, j] - limits[j]),
                                        float(s2[n, j]))  # fmt: skip
            record[tuple(clauses)] = got
        return hit

    return run


def _with_sources(
    pairs: pd.DataFrame,
    labelled: pd.DataFrame,
    record: dict[tuple[str, ...], dict[str, tuple[str, float, float]]],
) -> pd.DataFrame:
    """``pairs`` with ``source`` (``pattern``, ``first``, ``second``, ``fallback``; ``?`` when
    not found; empty for a miss), ``margin1`` / ``margin2`` (the detector's margins, see
    :func:`_recording`) and ``patterns`` (how many aspects the patterns found in the row)."""
    src, m1, m2, npat = [], [], [], []
    cache: dict[int, tuple[set[str], dict[str, tuple[str, float, float]]]] = {}
    texts = labelled["text"].tolist()
    domains = labelled["domain"].tolist()
    for row, aspect, pred in zip(pairs["row"], pairs["aspect"], pairs["predicted"], strict=True):
        if row not in cache:
            tax = load_taxonomy(domains[row])
            clauses, spans = _clauses_and_spans(clean_text(texts[row], normalize=False), tax)
            found = {a.key for sp in spans for _, _, a, _ in sp}
            cache[row] = (found, record.get(tuple(c.norm for c in clauses), {}))
        found, rec = cache[row]
        npat.append(len(found))
        if not isinstance(pred, str):
            src.append(""), m1.append(math.nan), m2.append(math.nan)
        elif aspect in found:
            src.append("pattern"), m1.append(math.nan), m2.append(math.nan)
        elif aspect in rec:
            src.append(rec[aspect][0]), m1.append(rec[aspect][1]), m2.append(rec[aspect][2])
        else:
            src.append("?"), m1.append(math.nan), m2.append(math.nan)
    return pairs.assign(source=src, margin1=m1, margin2=m2, patterns=npat)


def _with_context(pairs: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with ``read`` (aspects read in the row), ``halo`` (another aspect of the row is
    a labelled complaint) and ``beside`` (another aspect is read in the row)."""
    key = [pairs["author"], pairs["lang"], pairs["row"]]
    read = pairs["predicted"].notna().groupby(key).transform("sum")
    neg = (pairs["gold"] == "negative").groupby(key).transform("sum")
    own_neg = (pairs["gold"] == "negative").astype(int)
    return pairs.assign(read=read, halo=(neg - own_neg) > 0,
                        beside=(read - pairs["predicted"].notna().astype(int)) > 0)  # fmt: skip


def _false_complaints(pairs: pd.DataFrame) -> None:
    """The reading's complaints that are not labelled complaints, by source, kind, halo and
    aspect, per language (session 26, fb26a)."""
    p = _with_context(pairs)
    print("\nfalse complaints (read negative, not a labelled complaint):")
    for lang in ("zh", "en"):
        q = p[p["lang"] == lang]
        neg = q[q["predicted"] == "negative"]
        bad = neg[neg["gold"] != "negative"]
        kind = np.where(bad["gold"].isna(), "extra", "gold " + bad["gold"].astype(str))
        print(f"  {lang}: read complaints {len(neg)}, false {len(bad)} "
              f"(complaint precision {1 - len(bad) / max(len(neg), 1):.4f})")  # fmt: skip
        tab = pd.crosstab(bad["source"], kind, margins=True)
        print("  " + tab.to_string().replace("\n", "\n  "))
        extra = bad[bad["gold"].isna()]
        halo = pd.crosstab(extra["source"], [extra["halo"], extra["beside"]], margins=True)
        print("  extras read negative by source x (halo, beside another read aspect):")
        print("  " + halo.to_string().replace("\n", "\n  "))
        top = extra.groupby(["source", "aspect"]).size().sort_values(ascending=False).head(12)
        print("  top (source, aspect): " + ", ".join(f"{s}/{a} {n}" for (s, a), n in top.items()))
        right = neg[neg["gold"] == "negative"]
        print(
            "  right complaints by source: "
            + ", ".join(f"{s} {n}" for s, n in right["source"].value_counts().items())
        )


def _dropped(
    p: pd.DataFrame, deltas: dict[str, float], negative_only: bool, beside: str
) -> pd.Series:
    """Detector adds whose margin is below ``deltas[stage]`` beside another aspect (``beside``:
    ``patterns``, one the patterns found; ``read``, any other read aspect)."""
    m = np.where(p["source"] == "first", p["margin1"], p["margin2"])
    d = p["source"].map(deltas).astype(float).fillna(-np.inf)
    near = p["patterns"] > 0 if beside == "patterns" else p["beside"]
    drop = near & p["source"].isin(list(deltas)) & (pd.Series(m, index=p.index) < d)
    if negative_only:
        drop &= p["predicted"] == "negative"
    return drop


def _apply(p: pd.DataFrame, drop: pd.Series) -> pd.DataFrame:
    """Pairs with the dropped reads removed (an extra disappears, a labelled pair is missed)."""
    out = p.copy()
    out.loc[drop, "predicted"] = None
    return out[out["gold"].notna() | out["predicted"].notna()]


VARIANTS = [
    (stages, neg, what, beside)
    for beside in ("patterns", "read")
    for stages in (("first",), ("second",), ("first", "second"))
    for neg in (False, True)
    for what in ("pairF1", "complaintF1")
]
DELTAS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def _objective(p: pd.DataFrame, what: str) -> float:
    f = pair_figures(p)
    if what == "pairF1":
        return 2 * f["recall"] * f["precision"] / (f["recall"] + f["precision"])
    c = complaint_figures(p, 1)
    r, q = c["complaint_recall"], c["complaint_precision"]
    return 2 * r * q / (r + q)


def _beside_margins(pairs: pd.DataFrame) -> None:
    """Simulated variants: drop the detector's adds (first / second pass) beside another read
    aspect below a margin, the margin per stage chosen for each held-out author on the other
    authors' pairs (pair F1 or complaint F1), replayed on the pairs (the other mentions'
    sentiment kept as read) (session 26, fb26a)."""
    p = _with_context(pairs)
    authors = list(dict.fromkeys(p["author"]))
    print("\nsimulated: detector adds beside another aspect dropped below a margin")
    for beside in ("patterns", "read"):  # the screen: what a fixed margin drops
        for stage in ("first", "second"):
            for lang in ("zh", "en"):
                q = p[p["lang"] == lang]
                cells = []
                for d in DELTAS[1:]:
                    x = q[_dropped(q, {stage: d}, False, beside)]
                    cells.append(f"{d}: {len(x)} ({int(x['gold'].isna().sum())} extra, "
                                 f"{int((x['gold'].isna() & (x['predicted'] == 'negative')).sum())}"
                                 f" of them neg; {int((x['gold'] == x['predicted']).sum())} "
                                 "right)")  # fmt: skip
                print(f"  screen beside {beside}, {stage}, {lang}: " + "; ".join(cells))
    for stages, negative_only, what, beside in VARIANTS:
        drops = pd.Series(False, index=p.index)
        chosen = []
        for held in authors:
            other = p[p["author"] != held]
            best, best_v = 0.0, -1.0
            for d in DELTAS:
                kept = _apply(
                    other, _dropped(other, dict.fromkeys(stages, d), negative_only, beside)
                )
                v = _objective(kept, what)
                if v > best_v + 1e-12:
                    best, best_v = d, v
            chosen.append(best)
            mine = p["author"] == held
            drops |= mine & _dropped(p, dict.fromkeys(stages, best), negative_only, beside)
        name = "+".join(stages) + (" neg" if negative_only else "") + f" beside {beside}"
        _report(f"{name} by {what}", p, _apply(p, drops), chosen)


def _report(label: str, before: pd.DataFrame, after: pd.DataFrame, chosen: list[float]) -> None:
    out = [f"  {label} (margins {min(chosen)}..{max(chosen)}):"]
    for lang in ("zh", "en"):
        b, a = before[before["lang"] == lang], after[after["lang"] == lang]
        fb, fa = pair_figures(b), pair_figures(a)
        cb, ca = complaint_figures(b, 1), complaint_figures(a, 1)
        up = down = 0
        for held in dict.fromkeys(before["author"]):
            d = (pair_figures(a[a["author"] == held])["agreement"]
                 - pair_figures(b[b["author"] == held])["agreement"])  # fmt: skip
            up, down = up + (d > 1e-9), down + (d < -1e-9)
        out.append(f"{lang} agr {fb['agreement']:.4f}->{fa['agreement']:.4f} R "
                   f"{fa['recall']:.4f} P {fa['precision']:.4f} swf "
                   f"{fa['sentiment_accuracy']:.4f} cR {cb['complaint_recall']:.3f}->"
                   f"{ca['complaint_recall']:.3f} cP {cb['complaint_precision']:.3f}->"
                   f"{ca['complaint_precision']:.3f} up/down {up}/{down}")  # fmt: skip
    print(" ".join(out[:1]) + "\n    " + "\n    ".join(out[1:]))


def _empty_rows(labelled: pd.DataFrame) -> list[int]:
    """Positions (``evaluate_aspects``' ``row``) of the sentences labelled with no aspect."""
    blank = labelled["aspects"].fillna("").astype(str).str.strip() == ""
    return [i for i, b in enumerate(blank.tolist()) if b]


def _empty_figures(label: str, pairs: pd.DataFrame, empty: set[tuple[str, str, int]]) -> None:
    """Per language: sentences labelled with no aspect that the reading gives one."""
    read = pairs[pairs["predicted"].notna()]
    keys = list(zip(read["author"], read["lang"], read["row"], strict=True))
    for lang in ("zh", "en"):
        mine = {k for k in empty if k[1] == lang}
        hit = {k for k in keys if k in mine}
        false = sum(k in mine for k in keys)
        print(f"  {label}, {lang}: {len(hit)} of {len(mine)} ({len(hit) / max(len(mine), 1):.4f}), "
              f"{false} false pairs")  # fmt: skip


def _fallback_adds(
    without: pd.DataFrame, pairs: pd.DataFrame, empty: set[tuple[str, str, int]], out: Path
) -> None:
    """The pairs the fallback adds: aspect right (and sentiment right) or wrong, and how many
    of the wrong ones are in sentences labelled with no aspect; written to ``out`` (TSV)."""
    cols = ["author", "lang", "row", "aspect"]
    had = set(zip(*(without.loc[without["predicted"].notna(), c] for c in cols), strict=True))
    read = pairs[pairs["predicted"].notna()]
    added = read[[k not in had for k in zip(*(read[c] for c in cols), strict=True)]]
    for lang in ("zh", "en"):
        a = added[added["lang"] == lang]
        right = int(a["gold"].notna().sum())
        both = int((a["gold"] == a["predicted"]).sum())
        in_empty = sum(k in empty for k in zip(a["author"], a["lang"], a["row"], strict=True))
        wrong = len(a) - right
        print(f"  the fallback adds {len(a)} {lang} pairs: aspect right {right} (sentiment "
              f"too {both}), wrong {wrong} ({in_empty} in sentences with no aspect)")  # fmt: skip
    added.to_csv(out, sep="\t", index=False)


def _against(before: pd.DataFrame, after: pd.DataFrame) -> None:
    """Per language: pair F1 before → after, and how many authors' agreement rose / fell."""
    for lang in ("zh", "en"):
        b, a = before[before["lang"] == lang], after[after["lang"] == lang]
        fb, fa = pair_figures(b), pair_figures(a)
        f1b = 2 * fb["recall"] * fb["precision"] / (fb["recall"] + fb["precision"])
        f1a = 2 * fa["recall"] * fa["precision"] / (fa["recall"] + fa["precision"])
        up = down = 0
        moves = []
        for held in ta.BLIND_AUTHORS:
            d = (pair_figures(a[a["author"] == held])["agreement"]
                 - pair_figures(b[b["author"] == held])["agreement"])  # fmt: skip
            up, down = up + (d > 1e-9), down + (d < -1e-9)
            moves.append(f"{held} {d:+.4f}")
        print(f"{lang}: pair F1 {f1b:.4f} -> {f1a:.4f}; agreement better for {up} authors, "
              f"worse for {down}: " + ", ".join(moves))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["mentions", "score", "report"])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--cache", type=Path, help="mentions: where to write the models")
    parser.add_argument("--mentions", type=Path, help="score: the models of `mentions`")
    parser.add_argument("--features", default=ta.DETECTOR_FEATURES)
    parser.add_argument("--en-scale", type=float, default=ta.DETECTOR_EN_SCALE)
    parser.add_argument("--per-language", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--second-pass", action="store_true", help="the detector's second pass")
    parser.add_argument("--second-adds", action="store_true", help="second pass adds to first")
    parser.add_argument("--second-per-language", action="store_true")
    parser.add_argument("--second-may-abstain", action="store_true")
    parser.add_argument("--second-beside", action="store_true",
                        help="second pass only where the patterns found an aspect")  # fmt: skip
    parser.add_argument(
        "--second-languages",
        default="",
        help="comma-separated languages the second pass reads (default all)",
    )
    parser.add_argument("--second-c", type=float, default=ta.SECOND_PASS_C)
    parser.add_argument("--fallback", action="store_true", help="the detector's fallback")
    parser.add_argument("--without-fallback", type=Path, default=None,
                        help="with --fallback: score again without it, write the pairs it adds "
                        "(TSV)")  # fmt: skip
    parser.add_argument("--gate", action="store_true",
                        help="with --fallback: the fallback's gate (about no aspect)")  # fmt: skip
    parser.add_argument("--beside", action="store_true",
                        help="thresholds apart where the patterns found an aspect")  # fmt: skip
    parser.add_argument("--against", type=Path, default=None, help="pairs (--pairs) to compare")
    parser.add_argument("--misses", type=Path, default=None, help="write the missed gold pairs")
    parser.add_argument("--pairs", type=Path, default=None, help="pickle every scored pair")
    parser.add_argument(
        "--skip-simulated",
        action="store_true",
        help="score: skip fb26a's simulated beside-margin variants (slow; `report` runs them "
        "from --pairs later)",
    )
    parser.add_argument(
        "--gate-cache",
        type=Path,
        default=None,
        help="cache of the gate's out-of-sample pass (read if it exists, else written)",
    )
    parser.add_argument(
        "--oos",
        type=Path,
        default=None,
        help="cache of the out-of-sample pass (read if it exists, else written)",
    )
    args = parser.parse_args()
    if args.what == "mentions":
        mentions(args.data, args.cache)
    elif args.what == "report":  # the false complaints and simulated variants of --pairs
        done = pd.read_pickle(args.pairs)
        _false_complaints(done)
        _beside_margins(done)
    else:
        score(args.data, args)


if __name__ == "__main__":
    main()
