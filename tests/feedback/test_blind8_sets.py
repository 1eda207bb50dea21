"""Aspect sentiment on the eighth blind set — now training data of every model, so an
in-sample regression floor.

``tests/feedback/data/blind8_{zh,en}.tsv`` (637 / 543 sentences) were written and labelled on
2026-12-01 (16:31–16:37 UTC) by a ninth author, a session that had not seen the analyser, its
lexicon, its taxonomies, its tests or any other labelled set (``blind8_README.md``): app-store
and marketplace reviews, social-media posts, post-contact survey answers, e-mails and letters,
chat lines and agent notes; the English rows are their own situations.

Held out in session 10, the lead measured it twice, choosing nothing by it; the last, after
round 13: agreement **0.6844 zh, 0.5856 en**; recall 0.8320 / 0.7438; precision 0.8543 /
0.8003; sentiment when found 0.8226 / 0.7873; intent 0.7441 / 0.7072.

Since session 11 it is training data of every model (``TRAIN_SETS``, lead ``21dc2ae``; round 14,
branches ``fbdet11`` and ``fbsent11``; the lead retrained detector, fallback, mention and intent
models in order). The figures these tests see are in-sample — a regression guard only. The
honest estimate for a new author is leave-one-author-out over the nine blind authors
(``benchmarks/results/feedback.md``, round 14) and the next held-out author, blind9.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, assert_training_data

#: language -> (sentences, blind agreement, blind recall), measured before training on it.
MEASURED = {"zh": (637, 0.6844, 0.8320), "en": (543, 0.5856, 0.7438)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind8_agreement_does_not_regress_in_sample(lang: str) -> None:
    assert_floor(f"blind8_{lang}", *MEASURED[lang])


def test_blind8_is_training_data_of_every_model() -> None:
    """In-sample: every shipped model saw the set (the lead retrained all four in order)."""
    assert_training_data(trained=["blind8"])
