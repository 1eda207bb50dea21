"""Aspect sentiment on the ninth blind set — held out in session 11, training data since session 12.

``tests/feedback/data/blind9_{zh,en}.tsv`` (749 / 757 sentences) were written and labelled on
2026-12-01 (19:15–19:24 UTC) by a tenth author, a session that had not seen the analyser, its
lexicon, its taxonomies, its tests or any other labelled set (``blind9_README.md``). It is what a
card centre and a retailer receive in an ordinary month across all channels: survey verbatims,
app-store and marketplace reviews, social posts, chat lines and agent notes, e-mails, formal
complaints, comment cards; generous with negation, questions, hopes, sarcasm, comparisons and
long comments whose complaint comes last; about 38 % of rows name two or more aspects, 10 %
none. The English rows are their own situations (hotel holds, chargebacks, hardship plans …).

The lead measured it twice in session 11 (``python -m loyalloop.feedback.evaluate FILE
--json``), choosing nothing by it:

- ``21dc2ae`` (session start, the models of session 10): agreement 0.7287 zh, 0.5581 en;
  recall 0.8569 / 0.7194; precision 0.8255 / 0.7216; sentiment when found 0.8505 / 0.7758;
  intent 0.7637 / 0.6856.
- after round 14 (taxonomy word families, the clause's mood in the mention model, 40 lexicon
  entries, every model retrained with blind8 in): agreement **0.7518 zh, 0.5701 en**; recall
  0.8669 / 0.7335; precision 0.8271 / 0.7248; sentiment when found 0.8672 / 0.7773; intent
  0.7797 / 0.6975.

The issue's target (≥ 0.85 agreement per language on an unseen author) is not met: in English
about one labelled aspect in four is missed and one found aspect in four is not one the author
saw. The floors are the last held-out figures minus 0.01.

Since session 12 it is training data (``TRAIN_SETS``, lead ``3c7049d``; blind10 is the held-out
set): every shipped model was retrained with it (the detector and the fallback on branch
``fbdet12``, all four again by the lead after the session's merges). The
figures these tests see are now in-sample — a regression guard only; the honest estimate for a
new author is leave-one-author-out over the ten blind authors (``benchmarks/results/feedback.md``,
session 12) and blind10.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, assert_training_data

#: language -> (sentences, blind agreement, blind recall), measured before training on it.
MEASURED = {"zh": (749, 0.7518, 0.8669), "en": (757, 0.5701, 0.7335)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind9_agreement_does_not_regress_in_sample(lang: str) -> None:
    assert_floor(f"blind9_{lang}", *MEASURED[lang])


def test_blind9_is_training_data_of_every_model() -> None:
    """blind9 is in ``TRAIN_SETS`` since session 12 and every shipped model was retrained with it
    (the lead's retrain after the session's merges), as blind8 in session 11."""
    assert_training_data(trained=["blind9"])
