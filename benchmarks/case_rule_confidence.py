"""What a ``min_confidence`` does to the default ``negative_aspect`` case rule (issue 10).

Run from the repository root::

    python benchmarks/case_rule_confidence.py [--customers 10000] [--values 0 0.1 0.2 0.5]

The default rule ``negative_comment`` (fraud and security or billing, severity ≥ 0.7) is
evaluated with each ``min_confidence`` on comments whose complaints are known, through the
product's own path: :func:`~loyalloop.feedback.analyze_comments` → the mention table →
:func:`~loyalloop.services.cases.mention_maps` (what ``run_signals`` gives a case) →
:func:`~loyalloop.cases.evaluate_rules`. For each fired case it checks whether the aspect the
case names is a true complaint:

* the held-out hand-labelled sentences (blind26–29, adjudicated labels, English and Chinese;
  never used to train or choose anything): a complaint is an aspect labelled negative;
* the demo's card sample (``--customers``, seed 0; long comments about several things): a
  complaint is an aspect the generator made negative (``feedback_truth``).

Each is run twice: the rule as shipped (the larger of the comment's and the clause's
confidence) and, for comparison, the comment's confidence alone. Prints one row per value:
cases, cases naming a true complaint, their share, and the share of true complaints about a
watched aspect that got a case naming one of them. Figures in ``docs/cases.md`` and
``benchmarks/results/feedback.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from loyalloop import sample
from loyalloop.cases import RuleSet, Signal, SignalKind, default_case_config, evaluate_rules
from loyalloop.feedback import analyze_comments
from loyalloop.feedback.evaluate import parse_labels, read_labelled
from loyalloop.services.cases import mention_maps

DATA = Path(__file__).parents[1] / "tests/feedback/data"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _signals(mentions: pd.DataFrame, comment_only: bool) -> list[Signal]:
    maps = mention_maps(mentions)
    return [
        Signal(
            f"feedback:{fid}",
            f"c-{fid}",
            SignalKind.FEEDBACK,
            AT,
            aspects=aspects,
            aspect_confidence=maps.confidence.get(fid, {}),
            aspect_clause_confidence={} if comment_only else maps.clause_confidence.get(fid, {}),
        )
        for fid, aspects in maps.aspects.items()
    ]


def _named(rules: RuleSet, signals: list[Signal]) -> dict[str, str]:
    """feedback id → the aspect the rule's case names."""
    out = {}
    for action in evaluate_rules(rules, signals):
        for m in action.matches:
            for r in m.reasons:
                if r.code == "negative_aspect":
                    out[m.signal_id.removeprefix("feedback:")] = str(r.params["aspect"])
    return out


def _held_out(lang: str) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """The mention table of the held-out sentences of ``lang`` and their labelled complaints."""
    parts, truth = [], {}
    for n in (26, 27, 28, 29):
        df = read_labelled(DATA / f"adjudicated{n}_blind{n}_{lang}.tsv").reset_index(drop=True)
        df["feedback_id"] = [f"{n}-{i}" for i in range(len(df))]
        for fid, labels in zip(df["feedback_id"], df["aspects"], strict=True):
            gold = parse_labels(labels, fid)
            truth[fid] = {a for a, s in gold.items() if s == "negative"}
        for domain, rows in df.groupby("domain"):
            parts.append(analyze_comments(rows[["feedback_id", "text"]], taxonomy=domain).mentions)
    return pd.concat(parts, ignore_index=True), truth


def _sample(customers: int) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    data = sample.generate(customers=customers, seed=0, business="card")
    fb = data.feedback[data.feedback["text"].notna()]
    mentions = analyze_comments(fb[["feedback_id", "text"]], taxonomy="banking").mentions
    t = data.feedback_truth
    neg = t[t["sentiment"] == "negative"].groupby("feedback_id")["aspect"].agg(set)
    return mentions, {str(k): set(v) for k, v in neg.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--values", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3, 0.5])
    args = ap.parse_args()
    config = default_case_config()
    (base,) = [r for r in config.rules.rules if r.id == "negative_comment"]
    watched = set(base.aspects)
    sets = {
        "held-out en": _held_out("en"),
        "held-out zh": _held_out("zh"),
        f"demo card sample ({args.customers:,})": _sample(args.customers),
    }
    for name, (mentions, truth) in sets.items():
        wanted = sum(bool(g & watched) for g in truth.values())
        for label, comment_only in (("as shipped", False), ("comment's alone", True)):
            signals = _signals(mentions, comment_only)
            print(f"{name}, {label}: {wanted} comments with a watched complaint")
            for v in args.values:
                rule = dataclasses.replace(base, min_confidence=v)
                rules = RuleSet(1, (rule,), config.rules.phrase_lists, config.rules.priority)
                named = _named(rules, signals)
                right = sum(a in truth.get(fid, set()) for fid, a in named.items())
                print(
                    f"  min_confidence {v:<4}  cases {len(named):>5}  right {right:>5}"
                    f"  precision {right / max(len(named), 1):.3f}"
                    f"  recall {right / max(wanted, 1):.3f}"
                )


if __name__ == "__main__":
    main()
