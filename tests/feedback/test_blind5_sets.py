"""Aspect sentiment on the fifth blind set — held out: nothing has been trained on it yet.

``tests/feedback/data/blind5_{zh,en}.tsv`` (612 / 445 sentences) were written and labelled on
2026-12-01 by a sixth author, a session that had not seen the analyser, its lexicon, its
taxonomies, its tests or any other labelled set (``blind5_README.md``): judgement often said
indirectly ("third call this month", "still no refund"), comparisons with competitors, mixed
sentences. The lead measured them once main had merged ``fbacc4`` (``6f297a9``, blind4 in the
detector's and intent model's training); main before it scored 0.674 zh / 0.666 en:

- agreement 569/844 = 0.6742 zh, 390/572 = 0.6818 en; recall 0.8815 / 0.8619.

No model has been trained on this set, so these are honest figures for a new author (the target
of issue 10 is 0.85, not met). The floors are the measured figures minus 0.01: a change that
loses agreement on text nobody tuned on fails here. When the set is used for training (it is
then spent), this test must say so and a new author's set takes its place.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor

from loyalloop.feedback.aspect_detector import shipped_detector
from loyalloop.feedback.intent_model import shipped_intent_model
from loyalloop.feedback.mention_sentiment import shipped_mention_model

#: language -> (sentences, blind agreement, blind recall), measured before any training on it.
MEASURED = {"zh": (612, 0.6742, 0.8815), "en": (445, 0.6818, 0.8619)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind5_agreement_does_not_regress(lang: str) -> None:
    assert_floor(f"blind5_{lang}", *MEASURED[lang])


def test_blind5_is_still_held_out() -> None:
    """The figures above are blind only while no shipped model has seen the set."""
    models = [shipped_detector(), shipped_intent_model(), shipped_mention_model()]
    for model in models:
        assert model is not None
        assert "blind5" not in model.metadata["train_sets"]
