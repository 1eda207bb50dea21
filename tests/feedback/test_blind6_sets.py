"""Aspect sentiment on the sixth blind set — held out: nothing has been trained on it.

``tests/feedback/data/blind6_{zh,en}.tsv`` (786 / 635 sentences) were written and labelled on
2026-12-01 (10:52–11:05 UTC) by a seventh author, a session that had not seen the analyser, its
lexicon, its taxonomies, its tests or any other labelled set (``blind6_README.md``): survey
boxes, app-store and social-media reviews, chat lines and agent notes; many sentences with two
or more aspects judged differently, hedged and indirect judgement, slang, typos and mixed
zh/en. The lead measured them twice, once on each side of branch ``fbacc5`` (blind5 added to
the detector's and intent model's training), before anyone trained on them:

- main ``fd7fb1b`` (before): agreement 0.6318 zh, 0.6197 en; recall 0.8785 / 0.8370;
  sentiment when found 0.7192 / 0.7404; intent 0.7290 / 0.6677.
- main ``b83a886`` (fbacc5 merged): agreement **0.6408 zh, 0.6297 en**; recall 0.8919 /
  0.8448; precision 0.8048 / 0.7971; sentiment when found 0.7184 / 0.7454; intent 0.7303 /
  0.6614.

These are honest figures for a new author; the target of issue 10 (0.85) is not met. The floors
are the second measurement minus 0.01. When the set is used for training it is spent: this test
must then say so, and a new author's set takes its place as the held-out one.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor

from loyalloop.feedback.aspect_detector import shipped_detector
from loyalloop.feedback.aspect_model import shipped_model
from loyalloop.feedback.intent_model import shipped_intent_model
from loyalloop.feedback.mention_sentiment import shipped_mention_model

#: language -> (sentences, blind agreement, blind recall), measured before any training on it.
MEASURED = {"zh": (786, 0.6408, 0.8919), "en": (635, 0.6297, 0.8448)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind6_agreement_does_not_regress(lang: str) -> None:
    assert_floor(f"blind6_{lang}", *MEASURED[lang])


def test_blind6_is_still_held_out() -> None:
    """The figures above are blind only while no shipped model has seen the set."""
    models = [
        shipped_detector(),
        shipped_intent_model(),
        shipped_mention_model(),
        shipped_model(),  # the fallback aspect-sentiment model
    ]
    for model in models:
        assert model is not None
        assert "blind6" not in model.metadata["train_sets"]
