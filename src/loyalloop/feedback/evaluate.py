"""Accuracy of aspect sentiment against hand-labelled sentences, per aspect and per language.

A labelled set is a frame with ``text``, ``aspects`` (``aspect:sentiment`` pairs separated by
``;``, or ``none``) and optionally ``intent``, ``domain`` and ``lang``. The system's reading of a
sentence gives, per aspect, one label: the sentiment of its mention when there is one mention,
otherwise the label of the strongest mention.

Figures (all over the gold ``(sentence, aspect)`` pairs unless said otherwise):

``agreement``
    The aspect is found **and** its sentiment equals the label (a missed aspect counts wrong).
``recall``
    The aspect is found. ``precision``: found aspects that are in the labels.
``sentiment_accuracy``
    Sentiment equals the label among the pairs whose aspect was found.
``intent_accuracy``
    The comment's main intent (:func:`~loyalloop.feedback.intent.main_intent`) equals the
    label, over sentences with an ``intent`` label. A label ``statement`` (the blind authors'
    word for a plain statement) is the product's ``none``; ``request`` is the product's
    ``request`` (since session 12; before, the product had no such intent and it always counted
    wrong).

The complaint view (since session 25; the issue's "the aspect a customer complains about and
whether they complain"), from the same pairs (:func:`complaint_figures`):

``complaint_recall``
    Gold ``negative`` pairs the reading finds and reads ``negative``.
``complaint_precision``
    Pairs the reading reads ``negative`` — false aspects included — that are gold ``negative``.
``complains_accuracy``
    Sentences whose "does the customer complain about anything" (any ``negative`` pair) is the
    same in the reading as in the labels, over all sentences.

The comment's named complaint (since session 34; the aspect a ``negative_aspect`` case names,
:func:`~loyalloop.feedback.complaints.main_complaint`: of the aspects read ``negative``, the one
with the largest severity weighed by the reading's confidence that the comment is about it,
since session 35), per sentence (:func:`main_complaint_figures`):

``main_complaint_precision``
    Sentences whose reading names a complaint and whose named aspect is labelled ``negative``,
    over the sentences whose reading names one.
``main_complaint_recall``
    Sentences labelled with a complaint whose named aspect is one of the labelled complaints,
    over the sentences labelled with a complaint.

These are a view for a manager who acts on complaints, not the target: ``agreement`` counts
praise and neutral mentions too and stays the headline figure.

The comment view (since session 33), over sentences with an ``intent`` label:

``comment_accuracy``
    The comment's sentiment as the product reports it (:func:`~loyalloop.feedback.verdict.
    comment_verdict`) equals what the labels say of the whole comment (:func:`comment_label`).
``tone_accuracy``
    The same for the comment's tone (the lexicon and general models' label,
    :attr:`~loyalloop.feedback.aspects.CommentReading.sentiment`), which the product reported
    before session 33.

:func:`read_labelled` reads a labelled set as its authors write it: tab-separated, no quoting
(a text may begin with a quotation mark — ``"Network error" on wifi …`` — and is read as
written; before session 17 the CSV reader's quoting dropped those marks from 38 texts).

:func:`split_of` assigns every sentence to ``dev`` or ``holdout`` by a hash of its text, so the
split is fixed, independent of file order, and the same on every machine.

Channels
--------
A labelled set says nothing of where a sentence was written, while its author may have known
(an app-store review). ``channels`` (:func:`evaluate_aspects`) or ``--channels FILE`` (a side
file with a ``channel`` header and one line per row of the set, in the same order) reads each
row with its channel, as the product reads the ``channel`` of each feedback row
(:mod:`~loyalloop.feedback.channel_aspects`). The labellers' channel names are mapped to the
product's by :data:`LABELLER_CHANNELS` (``review_app`` → ``app_review``, ``agent_note`` →
``call``, ``complaint`` → ``email``, ``comment_card`` → ``survey``; ``survey``, ``review``,
``social`` and ``email`` as they are; the product's own names are accepted too). An unknown
name or a side file whose row count differs from the set's is an error.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from loyalloop.errors import DataValidationError
from loyalloop.feedback.aspect_detector import Readers
from loyalloop.feedback.aspects import AspectMention, Taxonomy, load_taxonomy, read_comment
from loyalloop.feedback.channel_aspects import implied_aspect, with_channel
from loyalloop.feedback.complaints import complaint_inputs, main_complaint

__all__ = [
    "INTENT_ALIASES",
    "LABELLER_CHANNELS",
    "AspectEvaluation",
    "comment_label",
    "complaint_figures",
    "evaluate_aspects",
    "label_pairs",
    "labeller_channel",
    "main_complaint_figures",
    "pair_figures",
    "parse_labels",
    "read_channels",
    "read_labelled",
    "split_of",
    "strongest_mentions",
]

_LABELS = ("positive", "neutral", "negative")
#: Intent labels that name a product intent differently.
INTENT_ALIASES = {"statement": "none"}
#: The labellers' channel names (the blind authors' ``channel`` files) → the product's
#: (:data:`~loyalloop.data.contracts.FEEDBACK_CHANNELS`).
LABELLER_CHANNELS = {
    "survey": "survey",
    "review": "review",
    "review_app": "app_review",
    "social": "social",
    "agent_note": "call",
    "email": "email",
    "complaint": "email",
    "comment_card": "survey",
}


def labeller_channel(name: str, where: str = "channel") -> str:
    """The product's channel for a labeller's channel name (:data:`LABELLER_CHANNELS`; the
    product's own names pass as they are).

    Raises
    ------
    DataValidationError
        A name neither the labellers nor the product use.
    """
    from loyalloop.data.contracts import FEEDBACK_CHANNELS

    key = name.strip().lower()
    if key in LABELLER_CHANNELS:
        return LABELLER_CHANNELS[key]
    if key in FEEDBACK_CHANNELS:
        return key
    known = sorted({*LABELLER_CHANNELS, *FEEDBACK_CHANNELS})
    raise DataValidationError(f"{where}: unknown channel {name!r} (known: {', '.join(known)})")


def read_channels(path: str | Path, rows: int) -> list[str]:
    """The product's channel of each of ``rows`` labelled rows from a side file (TSV or one
    column, header ``channel``, one line per row in the set's order).

    Raises
    ------
    DataValidationError
        No ``channel`` column, a row count other than ``rows``, or an unknown channel name.
    """
    side = read_labelled(path)
    if "channel" not in side.columns:
        raise DataValidationError(f"{path}: no 'channel' header (columns: {list(side.columns)})")
    if len(side) != rows:
        raise DataValidationError(
            f"{path}: {len(side)} channel rows for {rows} labelled rows (one line per row, in "
            "the same order)"
        )
    return [labeller_channel(v, f"{path}, row {i + 2}") for i, v in enumerate(side["channel"])]


def read_labelled(path: str | Path) -> pd.DataFrame:
    """A hand-labelled TSV set, every column a string, read as written (no quoting)."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)


def split_of(text: str) -> str:
    """``"holdout"`` for half of all sentences (by SHA-1 of the text), ``"dev"`` for the rest."""
    return "holdout" if int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "dev"


def parse_labels(value: str, where: str = "labels") -> dict[str, str]:
    """``"annual_fee:negative;billing:neutral"`` → ``{"annual_fee": "negative", ...}``."""
    value = str(value).strip()
    if value in ("", "none"):
        return {}
    out: dict[str, str] = {}
    for part in value.split(";"):
        aspect, _, label = part.strip().partition(":")
        if label not in _LABELS or not aspect:
            raise DataValidationError(f"{where}: {part!r} is not aspect:positive|neutral|negative")
        out[aspect] = label
    return out


@dataclass(frozen=True)
class AspectEvaluation:
    """Result of :func:`evaluate_aspects`.

    ``overall``: one row, ``per_aspect``: one row per gold aspect (``aspect, pairs, agreement,
    recall, sentiment_accuracy``), ``pairs``: every gold and predicted pair with its outcome.
    """

    overall: dict[str, float]
    per_aspect: pd.DataFrame
    pairs: pd.DataFrame


def label_pairs(gold: list[str], predicted: list[str]) -> pd.DataFrame:
    """Every gold and predicted ``(row, aspect)`` pair of two label columns of the same rows.

    ``gold`` and ``predicted`` hold ``aspect:sentiment`` strings (:func:`parse_labels`), one per
    row in the same order — e.g. one person's labels against another's for the same sentences.
    """
    if len(gold) != len(predicted):
        raise DataValidationError(f"{len(gold)} gold rows against {len(predicted)} predicted")
    rows: list[tuple[int, str, str | None, str | None]] = []
    for i, (g_text, p_text) in enumerate(zip(gold, predicted, strict=True)):
        g = parse_labels(g_text, f"gold row {i + 1}")
        p = parse_labels(p_text, f"predicted row {i + 1}")
        rows.extend((i, a, g.get(a), p.get(a)) for a in dict.fromkeys([*g, *p]))
    return pd.DataFrame(rows, columns=["row", "aspect", "gold", "predicted"])


def pair_figures(pairs: pd.DataFrame) -> dict[str, float]:
    """``pairs``, ``agreement``, ``recall``, ``precision``, ``sentiment_accuracy`` of ``pairs``.

    ``pairs`` has ``gold`` and ``predicted`` labels (missing where one side has no such aspect);
    the figures are those of the module docs.
    """
    gold_pairs = pairs[pairs["gold"].notna()]
    found = gold_pairs["predicted"].notna()
    right = gold_pairs["gold"] == gold_pairs["predicted"]
    n_pred = int(pairs["predicted"].notna().sum())
    nan = float("nan")
    return {
        "pairs": float(len(gold_pairs)),
        "agreement": float(right.mean()) if len(gold_pairs) else nan,
        "recall": float(found.mean()) if len(gold_pairs) else nan,
        "precision": float(found.sum() / n_pred) if n_pred else nan,
        "sentiment_accuracy": float(right[found].mean()) if found.any() else nan,
    }


def complaint_figures(pairs: pd.DataFrame, sentences: int) -> dict[str, float]:
    """``complaint_recall``, ``complaint_precision`` and ``complains_accuracy`` of ``pairs``.

    ``pairs`` has ``row``, ``gold`` and ``predicted`` (missing where one side has no such
    aspect) for ``sentences`` rows numbered ``0 … sentences - 1``; a row with no pair has no
    complaint on either side. The figures are those of the module docs (``nan`` when there is
    nothing to count).
    """
    nan = float("nan")
    gold_neg = pairs["gold"] == "negative"
    pred_neg = pairs["predicted"] == "negative"
    both = gold_neg & pred_neg
    per_row = pd.DataFrame({"row": pairs["row"], "gold": gold_neg, "pred": pred_neg})
    flags = per_row.groupby("row")[["gold", "pred"]].any()
    differ = int((flags["gold"] != flags["pred"]).sum())
    return {
        "complaint_recall": float(both.sum() / gold_neg.sum()) if gold_neg.any() else nan,
        "complaint_precision": float(both.sum() / pred_neg.sum()) if pred_neg.any() else nan,
        "complains_accuracy": float(1 - differ / sentences) if sentences else nan,
    }


def strongest_mentions(mentions: Iterable[AspectMention]) -> dict[str, AspectMention]:
    """Per aspect, the mention that speaks for it: the largest absolute score, the first of
    equals (the pairs' reading, :func:`evaluate_aspects`)."""
    best: dict[str, AspectMention] = {}
    for m in mentions:
        old = best.get(m.aspect)
        if old is None or abs(m.sentiment.score) > abs(old.sentiment.score):
            best[m.aspect] = m
    return best


def main_complaint_figures(
    named: Sequence[str | None], complained: Sequence[Collection[str]]
) -> dict[str, float]:
    """``main_complaint_precision`` and ``main_complaint_recall`` (module docs) of the
    sentences' named complaints (:func:`~loyalloop.feedback.complaints.main_complaint`)
    against the aspects each sentence's labels call ``negative`` (same order; ``nan`` when
    there is nothing to count)."""
    if len(named) != len(complained):
        raise DataValidationError(f"{len(named)} named complaints for {len(complained)} rows")
    nan = float("nan")
    hits = [n is not None and n in c for n, c in zip(named, complained, strict=True)]
    read = [n is not None for n in named]
    labelled = [bool(c) for c in complained]
    n_read, n_labelled = sum(read), sum(labelled)
    return {
        "main_complaint_precision": sum(hits) / n_read if n_read else nan,
        "main_complaint_recall": (
            sum(h for h, g in zip(hits, labelled, strict=True) if g) / n_labelled
            if n_labelled
            else nan
        ),
    }


def comment_label(intent: str, gold: Mapping[str, str]) -> str:
    """What a labelled comment says as a whole (module docs): the author's intent
    ``complaint`` / ``praise`` / ``statement`` is ``negative`` / ``positive`` / ``neutral``; any
    other intent takes ``negative`` from a negative labelled mention, else ``positive`` from a
    positive one, else ``neutral``.

    >>> comment_label("request", {"annual_fee": "negative"}), comment_label("question", {})
    ('negative', 'neutral')
    """
    from loyalloop.feedback.verdict import mentions_label

    fixed = {"complaint": "negative", "praise": "positive", "statement": "neutral"}
    if INTENT_ALIASES.get(intent, intent) == "none" or intent in fixed:
        return fixed.get(intent, "neutral")
    return mentions_label(gold.values())


def evaluate_aspects(
    labelled: pd.DataFrame,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    *,
    taxonomy_column: str | None = None,
    readers: Readers | None = None,
    channels: list[str] | None = None,
) -> AspectEvaluation:
    """Compare the system's aspect sentiment with hand labels (see the module docs).

    Parameters
    ----------
    labelled
        ``text``, ``aspects`` and optionally ``intent``.
    taxonomy
        Taxonomy for every row, unless ``taxonomy_column`` names a column holding a shipped
        taxonomy name per row (e.g. ``domain`` = ``banking`` / ``retail``).
    readers
        Learned sentiment model and aspect detector (default: the shipped ones).
    channels
        The product's channel of each row (:func:`read_channels`): each row is read as a
        comment from that channel (:mod:`~loyalloop.feedback.channel_aspects`); ``None``: the
        words alone. The intent is read from the words either way.
    """
    from loyalloop.feedback.intent import read_intent
    from loyalloop.feedback.verdict import comment_tone, comment_verdict

    for col in ("text", "aspects"):
        if col not in labelled.columns:
            raise DataValidationError(f"labelled set has no column {col!r}")
    if channels is not None and len(channels) != len(labelled):
        raise DataValidationError(f"{len(channels)} channels for {len(labelled)} labelled rows")
    rows = []
    intents = []
    verdicts: list[tuple[str, str]] = []
    tones: list[bool] = []
    named: list[str | None] = []
    complained: list[set[str]] = []
    for i, rec in enumerate(labelled.to_dict("records")):
        tax = load_taxonomy(rec[taxonomy_column] if taxonomy_column else taxonomy)
        gold = parse_labels(rec["aspects"], f"row {i + 1}")
        reading = read_comment(rec["text"], tax, readers=readers)
        full = (
            reading if channels is None else with_channel(reading, implied_aspect(tax, channels[i]))
        )
        pred = {a: m.sentiment.label for a, m in strongest_mentions(full.mentions).items()}
        worst, sure = complaint_inputs(full.mentions)
        named.append(main_complaint(worst, sure))
        complained.append({a for a, s in gold.items() if s == "negative"})
        for aspect in dict.fromkeys([*gold, *pred]):
            rows.append((i, rec["text"], aspect, gold.get(aspect), pred.get(aspect)))
        if "intent" in labelled.columns and str(rec["intent"]).strip():
            label = str(rec["intent"]).strip()
            intent, prob = read_intent(reading)
            intents.append(intent == INTENT_ALIASES.get(label, label))
            want = comment_label(label, gold)
            verdicts.append((want, comment_verdict(reading, intent, prob).label))
            tones.append(want == comment_tone(reading).label)
    pairs = pd.DataFrame(rows, columns=["row", "text", "aspect", "gold", "predicted"])
    overall = {
        "sentences": float(len(labelled)),
        **pair_figures(pairs),
        **complaint_figures(pairs, len(labelled)),
        **main_complaint_figures(named, complained),
    }
    overall["intent_accuracy"] = float(sum(intents) / len(intents)) if intents else float("nan")
    overall["comment_accuracy"] = (
        float(sum(w == g for w, g in verdicts) / len(verdicts)) if verdicts else float("nan")
    )
    overall["tone_accuracy"] = float(sum(tones) / len(tones)) if tones else float("nan")
    gold_pairs = pairs[pairs["gold"].notna()]
    found = gold_pairs["predicted"].notna()
    right = gold_pairs["gold"] == gold_pairs["predicted"]
    per = (
        gold_pairs.assign(found=found, right=right)
        .groupby("aspect")
        .agg(pairs=("right", "size"), agreement=("right", "mean"), recall=("found", "mean"))
        .reset_index()
    )
    sent = gold_pairs[found].assign(right=right[found]).groupby("aspect")["right"].mean()
    per["sentiment_accuracy"] = per["aspect"].map(sent)
    return AspectEvaluation(overall, per.sort_values("aspect", ignore_index=True), pairs)


def main(argv: list[str] | None = None) -> int:
    """Command line: score labelled TSV sets with the shipped reading.

    ``python -m loyalloop.feedback.evaluate FILE [FILE ...] [--by-aspect] [--json]
    [--channels CHANNELS.tsv]``; a set without a ``domain`` column is read with ``--taxonomy``
    (default ``banking``); ``--channels`` (one FILE only) reads each row with its channel.
    """
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description="Aspect-sentiment accuracy on labelled TSV sets.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--by-aspect", action="store_true", help="also print per-aspect figures")
    parser.add_argument("--taxonomy", default="banking", help="taxonomy without a domain column")
    parser.add_argument("--json", action="store_true", help="print strict JSON")
    mapping = ", ".join(f"{k} -> {v}" for k, v in LABELLER_CHANNELS.items() if k != v)
    parser.add_argument(
        "--channels",
        type=Path,
        metavar="CHANNELS.tsv",
        help="read each row with its channel: a side file with the header 'channel' and one "
        "line per row of FILE, in the same order (one FILE only). The labellers' names map to "
        f"the product's channels: {mapping}; survey, review, social, email as they are; the "
        "product's names (app_review, call, chat ...) are accepted as well. In an app_review a "
        "sentence that judges and names no aspect is about the app (app_online).",
    )
    args = parser.parse_args(argv)
    if args.channels is not None and len(args.files) != 1:
        print("error: --channels goes with exactly one FILE", file=sys.stderr)
        return 2
    report = []
    for path in args.files:
        if not path.is_file():
            print(f"error: {path} not found", file=sys.stderr)
            return 2
        df = read_labelled(path)
        try:
            channels = None
            if args.channels is not None:
                if not args.channels.is_file():
                    print(f"error: {args.channels} not found", file=sys.stderr)
                    return 2
                channels = read_channels(args.channels, len(df))
            if "domain" in df.columns:
                ev = evaluate_aspects(df, taxonomy_column="domain", channels=channels)
            else:
                ev = evaluate_aspects(df, args.taxonomy, channels=channels)
        except DataValidationError as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 2
        by_aspect = ev.per_aspect.round(4).to_dict("records") if args.by_aspect else []
        report.append({"file": str(path), **ev.overall, "per_aspect": by_aspect})
    if args.json:
        clean = json.loads(json.dumps(report), parse_constant=lambda _: None)
        print(json.dumps(clean, ensure_ascii=False, indent=1, allow_nan=False))
        return 0
    for r in report:
        print(f"{r['file']}: sentences {r['sentences']:.0f}, pairs {r['pairs']:.0f}, "
              f"agreement {r['agreement']:.3f}, recall {r['recall']:.3f}, "
              f"precision {r['precision']:.3f}, sentiment when found "
              f"{r['sentiment_accuracy']:.3f}, intent {r['intent_accuracy']:.3f}; complaints: "
              f"recall {r['complaint_recall']:.3f}, precision {r['complaint_precision']:.3f}, "
              f"whether the customer complains {r['complains_accuracy']:.3f}, the named "
              f"complaint {r['main_complaint_precision']:.3f} / {r['main_complaint_recall']:.3f}; "
              f"the comment {r['comment_accuracy']:.3f} "
              f"(its tone {r['tone_accuracy']:.3f})")  # fmt: skip
        per: list[dict[str, Any]] = r["per_aspect"]  # type: ignore[assignment]
        if per:
            print(pd.DataFrame(per).to_string(index=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
