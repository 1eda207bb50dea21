"""Reproducible training and leave-one-author-out check of the intent model.

Run from the repository root::

    python -m loyalloop.feedback.train_intent          # writes data/intent_model.txt
    python -m loyalloop.feedback.train_intent --loao   # leave-one-author-out, writes nothing

Data: every labelled set of :data:`~loyalloop.feedback.train_mention_sentiment.TRAIN_SETS`.
An author's ``statement`` is the product's ``none``; the blind authors' ``request`` ("please
waive my fee", 请帮我提额) is the product's ``request`` (session 12; before, it was left out of
training and counted wrong). Model: per language, multinomial logistic
regression (scikit-learn L-BFGS, L2, ``C`` = :data:`DEFAULT_C`) over
:func:`~loyalloop.feedback.intent.reading_intent_features` (the rules' reading,
:func:`~loyalloop.feedback.intent_model.intent_features`, and since session 21 the reading's
cues, :func:`~loyalloop.feedback.intent.reading_cues`: clause and mention sentiments and their
counts, where the asking clause stands, the rules' flags together; the comment's sentiment
marked where no clause holds lexicon evidence), n-grams seen in fewer than :data:`MIN_DF`
training sentences dropped; weights rounded to three decimals.

Session 21, leave one author out over the eighteen blind authors (blind18 held out): the cues
0.8456 → 0.8481 zh, 0.8195 → 0.8200 en (12 authors better, 4 worse in Chinese; 10 and 7 in
English); class biases or a bonus for the rules' intent, tuned on the other authors, did not
help (benchmarks/results/feedback.md).

**Leave-one-author-out** (``--loao``): the model trained without each blind author and scored
on that author's sentences, beside the rules (:func:`~loyalloop.feedback.intent.rules_intent`),
then the pooled confusion of gold and read intents per language (:func:`loao_predictions`).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from loyalloop.errors import ConfigError
from loyalloop.feedback.aspect_detector import Readers
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.evaluate import INTENT_ALIASES, read_labelled
from loyalloop.feedback.intent import INTENTS, reading_intent_features
from loyalloop.feedback.intent_model import IntentModel
from loyalloop.feedback.train_mention_sentiment import AUTHOR_OF, BLIND_AUTHORS, TRAIN_SETS

__all__ = [
    "DEFAULT_C",
    "MIN_DF",
    "fit",
    "leave_one_author_out",
    "load_intents",
    "loao_predictions",
    "main",
]

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"
#: Chosen by leave-one-author-out among 0.3 / 1 / 3 (benchmarks/results/feedback.md).
DEFAULT_C = 1.0
MIN_DF = 2
ALIASES = INTENT_ALIASES


def load_intents(data_dir: Path, names: Sequence[str] = TRAIN_SETS) -> pd.DataFrame:
    """One row per sentence with an intent label: ``author, lang, gold, rule, norms, features``."""
    rows = []
    readers = Readers(None, None)  # intent reads clauses and the comment, not the aspect models
    for name in names:
        path = data_dir / f"{name}.tsv"
        if not path.is_file():
            raise ConfigError(f"labelled set {path} not found (run from the repository root)")
        df = read_labelled(path)
        if "intent" not in df.columns:
            continue
        for rec in df.to_dict("records"):
            gold = ALIASES.get(rec["intent"].strip(), rec["intent"].strip())
            if not gold:
                continue
            reading = read_comment(rec["text"], load_taxonomy(rec["domain"]), readers=readers)
            norms, feats = reading_intent_features(reading)
            rule = next(f[5:] for f in feats if f.startswith("rule:"))
            rows.append((AUTHOR_OF[name.rsplit("_", 1)[0]], name.rsplit("_", 1)[1], gold, rule,
                         norms, feats))  # fmt: skip
    return pd.DataFrame(rows, columns=["author", "lang", "gold", "rule", "norms", "features"])


def fit(frame: pd.DataFrame, *, c: float = DEFAULT_C, min_df: int = MIN_DF) -> IntentModel:
    """Fit one regression per language on the rows whose label is a product intent."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    weights: dict[str, dict[str, tuple[float, ...]]] = {}
    meta = {"C": str(c), "min_df": str(min_df), "reading_cues": "1"}
    for lang, part in frame[frame["gold"].isin(INTENTS)].groupby("lang"):
        counts: dict[str, int] = {}
        for fs in part["features"]:
            for f in fs:
                counts[f] = counts.get(f, 0) + 1
        data = [{f: 1.0 for f in fs if counts[f] >= min_df or f[:1] != "t"}
                for fs in part["features"]]  # fmt: skip
        vec = DictVectorizer(sparse=True, sort=True)
        x = vec.fit_transform(data)
        y = np.array([INTENTS.index(g) for g in part["gold"]])
        clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6, fit_intercept=False)
        clf.fit(x, y)
        coef = np.zeros((len(INTENTS), x.shape[1]))
        for r, cls in enumerate(clf.classes_):
            coef[int(cls)] = clf.coef_[r]
        absent = [j for j in range(len(INTENTS)) if j not in set(clf.classes_.tolist())]
        coef[absent] = -10.0 * (np.array(vec.get_feature_names_out()) == "bias")
        coef = np.round(coef, 3)
        weights[str(lang)] = {
            str(n): tuple(float(v) for v in coef[:, j])
            for j, n in enumerate(vec.get_feature_names_out())
            if np.abs(coef[:, j]).max() > 0
        }
        meta[f"train_rows_{lang}"] = str(len(part))
    return IntentModel(tuple(INTENTS), weights, meta)


def loao_predictions(frame: pd.DataFrame, c: float = DEFAULT_C) -> pd.DataFrame:
    """Each blind author's sentences read by the model trained without that author:
    ``author, lang, gold, rule, model``."""
    parts = []
    for held in BLIND_AUTHORS:
        test = frame[frame["author"] == held]
        model = fit(frame[frame["author"] != held], c=c)
        pred = [
            model.predict(n, f)[0] for n, f in zip(test["norms"], test["features"], strict=True)
        ]
        parts.append(test[["author", "lang", "gold", "rule"]].assign(model=pred))
    return pd.concat(parts, ignore_index=True)


def leave_one_author_out(frame: pd.DataFrame, cs: Sequence[float] = (DEFAULT_C,)) -> pd.DataFrame:
    """Rules and models trained without each blind author, scored on that author."""
    return _accuracy({c: loao_predictions(frame, c) for c in cs})


def _accuracy(preds: dict[float, pd.DataFrame]) -> pd.DataFrame:
    """Accuracy per held-out author and language of the rules (once) and of each ``C``'s model;
    ``accuracy_without_request`` leaves out the sentences labelled ``request``."""
    out = []
    for k, (c, pred) in enumerate(preds.items()):
        readers = {f"model C={c}": pred["model"]}
        if k == 0:
            readers = {"rules": pred["rule"], **readers}
        for what, read in readers.items():
            for (held, lang), part in pred.groupby(["author", "lang"], sort=False):
                right = part["gold"] == read[part.index]
                no_req = part["gold"] != "request"
                out.append({"held_out": held, "reader": what, "lang": lang,
                            "sentences": len(part), "accuracy": float(right.mean()),
                            "accuracy_without_request": float(right[no_req].mean())})  # fmt: skip
    return pd.DataFrame(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: train and write the model, or (``--loao``) only evaluate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("tests/feedback/data"))
    parser.add_argument("--out", type=Path, default=DATA_DIR / "intent_model.txt")
    parser.add_argument("--loao", action="store_true", help="leave one author out, write nothing")
    parser.add_argument("-C", type=float, nargs="+", default=[DEFAULT_C])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    frame = load_intents(args.data)
    if args.loao:
        preds = {c: loao_predictions(frame, c) for c in args.C}
        log.info("%s", _accuracy(preds).round(3).to_string(index=False))
        for lang, part in preds[args.C[0]].groupby("lang"):
            log.info("\n%s, gold (rows) by the model's reading (columns), C=%s:\n%s", lang,
                     args.C[0], pd.crosstab(part["gold"], part["model"]).to_string())  # fmt: skip
        return
    model = fit(frame, c=args.C[0])
    model.metadata["train_sets"] = ",".join(TRAIN_SETS)
    model.dump(args.out)
    log.info("wrote %s (%d bytes)", args.out, args.out.stat().st_size)


if __name__ == "__main__":  # pragma: no cover
    main()
