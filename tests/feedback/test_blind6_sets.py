"""Aspect sentiment on the sixth blind set — now training data of the mention model, so an
in-sample regression floor.

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

Since branch ``fbacc6`` (round 12) the set is **training data of the mention-sentiment model**
and, since the lead's retrain in session 9 (``python -m loyalloop.feedback.train_aspects`` and
``train_intent`` on the same ``TRAIN_SETS``), of the detector, the fallback aspect-sentiment model
and the intent model too (in-sample after that retrain: agreement 0.943 zh / 0.942 en, recall
0.996 / 0.995). Round 12's in-sample figures, before the detector retrain:
the figures these tests see are in-sample for the sentiment of found mentions and say only that
the model fits what it was trained on (round 12: agreement 0.863 zh / 0.828 en, sentiment when
found 0.968 / 0.980, recall and precision unchanged at 0.892 / 0.845 and 0.805 / 0.797). The floors are the blind figures minus 0.01 — a
regression guard, not a measure of accuracy on new text. The honest estimate for a new author
is leave-one-author-out over the seven blind authors
(``python -m loyalloop.feedback.train_mention_sentiment --loao``,
``benchmarks/results/feedback.md``, round 12); the next held-out author is blind7, measured
by the lead.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, assert_training_data

#: language -> (sentences, blind agreement, blind recall), measured before training on it.
MEASURED = {"zh": (786, 0.6408, 0.8919), "en": (635, 0.6297, 0.8448)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind6_agreement_does_not_regress_in_sample(lang: str) -> None:
    assert_floor(f"blind6_{lang}", *MEASURED[lang])


def test_blind6_is_training_data_of_every_model() -> None:
    """In-sample: every shipped model saw the set (the figures are a regression guard only)."""
    assert_training_data(trained=["blind6"])
