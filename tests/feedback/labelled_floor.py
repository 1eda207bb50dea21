"""The one check behind the labelled-set floors (blind2 to blind7): the set is whole and
the reading's agreement and recall on it stay within 0.01 of the figures measured once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from loyalloop.feedback.aspect_detector import shipped_detector
from loyalloop.feedback.aspect_model import shipped_model
from loyalloop.feedback.evaluate import evaluate_aspects, read_labelled
from loyalloop.feedback.intent_model import shipped_intent_model
from loyalloop.feedback.mention_sentiment import shipped_mention_model

DATA = Path(__file__).parent / "data"
#: Rows the identity guards read from each labelled set (its first rows; the authors shuffled
#: them): the reading digests (``reading_digest.py``), the feature-speed and segmenter checks.
#: Every set and author, about 50,000 of the 159,000 rows in session 33, so that the guards'
#: time stays bounded as sets are added (all rows: 112 + 211 + 125 s of the suite's 1,182 s).
GUARD_ROWS_PER_SET = 200
ADJUDICATION = Path(__file__).resolve().parents[2] / "benchmarks" / "feedback_adjudication.py"


def assert_floor(
    name: str, sentences: int, agreement: float, recall: float, comment: float | None = None
) -> None:
    """``tests/feedback/data/<name>.tsv`` has ``sentences`` rows; agreement and recall on it are
    at least the measured figures minus 0.01; per-aspect pairs add up to the whole. With
    ``comment``: the comment's sentiment as reported (``comment_accuracy``) is at least that
    minus 0.01, and right more often than the comment's tone (``tone_accuracy``)."""
    df = read_labelled(DATA / f"{name}.tsv")
    assert len(df) == sentences
    ev = evaluate_aspects(df, taxonomy_column="domain")
    assert ev.overall["agreement"] >= agreement - 0.01
    assert ev.overall["recall"] >= recall - 0.01
    assert ev.per_aspect["pairs"].sum() == ev.overall["pairs"]
    if comment is not None:
        assert ev.overall["comment_accuracy"] >= comment - 0.01
        assert ev.overall["comment_accuracy"] > ev.overall["tone_accuracy"]


def shipped_train_sets() -> dict[str, set[str]]:
    """The labelled sets each shipped model was trained on, by model: ``mention`` (mention
    sentiment), ``detector``, ``intent``, ``fallback`` (the older aspect-sentiment model)."""
    models = {
        "mention": shipped_mention_model(),
        "detector": shipped_detector(),
        "intent": shipped_intent_model(),
        "fallback": shipped_model(),
    }
    assert all(m is not None for m in models.values())
    return {k: set(m.metadata["train_sets"].split(",")) for k, m in models.items()}  # type: ignore[union-attr]


def assert_training_data(trained: Iterable[str] = (), not_trained: Iterable[str] = ()) -> None:
    """Every shipped model (:func:`shipped_train_sets`) was trained on each set of ``trained``
    and on none of ``not_trained``, in both languages (names without ``_zh`` / ``_en``)."""
    langs = ("zh", "en")
    included = {f"{name}_{lang}" for name in trained for lang in langs}
    excluded = {f"{name}_{lang}" for name in not_trained for lang in langs}
    for sets in shipped_train_sets().values():
        assert included <= sets
        assert not excluded & sets


def assert_adjudicated_merge(number: int, lang: str, out: Path) -> None:
    """The committed ``adjudicated{n}_blind{n}_<lang>.tsv`` is what the adjudication script makes
    of the author's and second person's files and the adjudicator's decisions (nothing edited
    by hand); ``out`` is a scratch path."""
    rnd = DATA / f"adjudication{number}"
    args = [
        sys.executable, str(ADJUDICATION), "merge",
        "--author", str(DATA / f"blind{number}_{lang}.tsv"),
        "--second", str(DATA / f"second{number}_blind{number}_{lang}.tsv"),
        "--disputes", str(rnd / f"disputes_{lang}.tsv"),
        "--decided", str(rnd / f"decided_{lang}.tsv"),
        "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (DATA / f"adjudicated{number}_blind{number}_{lang}.tsv").read_bytes()


def assert_channels_side_file(number: int | str, lang: str, stem: str = "") -> None:
    """``channels{n}/channels_<lang>.tsv`` gives the channel of each ``blind{n}_<lang>.tsv`` row
    (``<stem>_<lang>.tsv`` when ``stem`` is given), in order, from the labellers' channel
    names."""
    name = stem or f"blind{number}"
    rows = (DATA / f"{name}_{lang}.tsv").read_text(encoding="utf-8").splitlines()
    side = DATA / f"channels{number}" / f"channels_{lang}.tsv"
    lines = side.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "channel"
    assert len(lines) == len(rows)
    known = {"survey", "review", "review_app", "social", "agent_note", "email", "complaint",
             "comment_card"}  # fmt: skip
    assert set(lines[1:]) <= known
