"""Reproducible training and leave-one-author-out check of the intent model.

Run from the repository root::

    python -m loyalloop.feedback.train_intent          # writes data/intent_model.txt
    python -m loyalloop.feedback.train_intent --loao   # leave-one-author-out, writes nothing

Data: every labelled set of :data:`~loyalloop.feedback.train_mention_sentiment.TRAIN_SETS`
(four authors). An author's ``statement`` is the product's ``none``; ``request`` (the blind
authors' class for "please waive my fee", which the product has no intent for) is left out of
training and counts as wrong in every figure. Model: per language, multinomial logistic
regression (scikit-learn L-BFGS, L2, ``C`` = :data:`DEFAULT_C`) over
:func:`~loyalloop.feedback.intent_model.intent_features`, n-grams seen in fewer than
:data:`MIN_DF` training sentences dropped; weights rounded to three decimals.

**Leave-one-author-out** (``--loao``): the model trained without each blind author and scored
on that author's sentences, beside the rules (:func:`~loyalloop.feedback.intent.rules_intent`).
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
from loyalloop.feedback.evaluate import INTENT_ALIASES
from loyalloop.feedback.intent import INTENTS, reading_intent_features
from loyalloop.feedback.intent_model import IntentModel
from loyalloop.feedback.train_mention_sentiment import AUTHOR_OF, BLIND_AUTHORS, TRAIN_SETS

__all__ = ["DEFAULT_C", "MIN_DF", "fit", "leave_one_author_out", "load_intents", "main"]

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
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
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
    meta = {"C": str(c), "min_df": str(min_df)}
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


def leave_one_author_out(frame: pd.DataFrame, cs: Sequence[float] = (DEFAULT_C,)) -> pd.DataFrame:
    """Rules and models trained without each blind author, scored on that author."""
    out = []
    for held in BLIND_AUTHORS:
        test = frame[frame["author"] == held]
        readers = {"rules": test["rule"].tolist()}
        for c in cs:
            model = fit(frame[frame["author"] != held], c=c)
            readers[f"model C={c}"] = [
                model.predict(n, f)[0] for n, f in zip(test["norms"], test["features"], strict=True)
            ]
        for what, pred in readers.items():
            right = test["gold"].to_numpy() == np.array(pred)
            for lang in ("zh", "en"):
                sel = (test["lang"] == lang).to_numpy()
                no_req = sel & (test["gold"] != "request").to_numpy()
                out.append({"held_out": held, "reader": what, "lang": lang,
                            "sentences": int(sel.sum()), "accuracy": float(right[sel].mean()),
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
        log.info("%s", leave_one_author_out(frame, args.C).round(3).to_string(index=False))
        return
    model = fit(frame, c=args.C[0])
    model.metadata["train_sets"] = ",".join(TRAIN_SETS)
    model.dump(args.out)
    log.info("wrote %s (%d bytes)", args.out, args.out.stat().st_size)


if __name__ == "__main__":  # pragma: no cover
    main()
