"""Aspect sentiment on the tenth blind set — held out in session 12, training data since session 13.

``tests/feedback/data/blind10_{zh,en}.tsv`` (793 / 779 sentences) were written and labelled on
2026-12-01 (21:35–21:46 UTC) by an eleventh author, a session that had read nothing but its brief:
not the analyser, its lexicon, its taxonomies, its tests or any other labelled set
(``blind10_README.md``). It is an ordinary month for a card centre (60 %) and a retailer (40 %)
across all channels in the brief's shares: survey verbatims 25 %, app-store and marketplace
reviews 20 %, social posts 15 %, chat lines and agent notes 15 %, e-mails and letters 10 %, formal
complaints 10 %, comment cards 5 %; about 35 % of rows name two or more aspects, 10 % none. The
author wrote the English rows first; some Chinese retail rows follow them.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``3c7049d`` (session 12 start, the models of session 11): agreement 0.6967 zh, 0.7189 en;
  recall 0.8186 / 0.8279; precision 0.8235 / 0.8026; sentiment when found 0.8511 / 0.8684;
  intent 0.6835 / 0.6893.
- after the session's merges (English word families, the English contrast word kept, 33 English
  lexicon entries, ``request`` a product intent, each aspect's ``re:`` patterns searched on their
  own) and every model retrained with blind9 in: agreement **0.7116 zh, 0.7220 en**; recall
  0.8276 / 0.8299; precision 0.8194 / 0.7928; sentiment when found 0.8599 / 0.8699; intent
  0.7402 / 0.7497.

The issue's target (≥ 0.85 agreement per language on an unseen author) is not met: about one
labelled aspect in six is missed and one found aspect in five is not one the author saw; when the
aspect is found its sentiment is right about six times in seven.

The floors are the last held-out figures minus 0.01.

Since session 13 it is training data (``TRAIN_SETS``, lead ``65075a9``; blind11 is the held-out
set): every shipped model was retrained with it by the lead after the session's merges. The
figures these tests see are now in-sample — a regression guard only; the honest estimate for a
new author is leave-one-author-out over the eleven blind authors (``benchmarks/results/
feedback.md``, session 13) and blind11.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, assert_training_data

#: language -> (sentences, blind agreement, blind recall), measured before training on it.
MEASURED = {"zh": (793, 0.7116, 0.8276), "en": (779, 0.7220, 0.8299)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind10_agreement_does_not_regress_in_sample(lang: str) -> None:
    assert_floor(f"blind10_{lang}", *MEASURED[lang])


def test_blind10_is_training_data_of_every_model() -> None:
    """blind10 is in ``TRAIN_SETS`` since session 13 and every shipped model was retrained with it
    (the lead's retrain after the session's merges), as blind9 in session 12."""
    assert_training_data(trained=["blind10"])
