"""Aspect sentiment on the eleventh blind set — held out in session 13, training data since session 14.

``tests/feedback/data/blind11_{zh,en}.tsv`` (752 / 749 sentences) were written and labelled on
2026-12-02 (01:09–01:19 UTC) by a twelfth author, a session that had read nothing but its brief:
not the analyser, its lexicon, its taxonomies, its tests or any other labelled set
(``blind11_README.md``). It is an ordinary month for a card centre (60 %) and a retailer (40 %)
across all channels in the brief's shares: survey verbatims 25 %, app-store and marketplace
reviews 20 %, social posts 15 %, chat lines and agent notes 15 %, e-mails and letters 10 %, formal
complaints 10 %, comment cards 5 %; 37 % of rows name two or more aspects, 9 % none. The author
rewrote English drafts that were too close to translations of the Chinese rows; its own label
review was partial (README).

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``a778338`` (session 13 start, the models of session 12): agreement 0.7670 zh, 0.6282 en;
  recall 0.8454 / 0.7425; precision 0.8029 / 0.7246; sentiment when found 0.9073 / 0.8460;
  intent 0.8444 / 0.7824.
- after the session's merges (retail 贵 no longer matching 贵店 / 贵司 / 贵宾, a chatbot read as
  the app, "application" no longer the app) and every model retrained with blind10 in:
  agreement **0.7803 zh, 0.6354 en**; recall 0.8535 / 0.7477; precision 0.8130 / 0.7202;
  sentiment when found 0.9142 / 0.8499; intent 0.8338 / 0.7864 (with the mention model's flip
  margin 0.45, chosen by leaving each of eleven authors out; at 0.4 English read 0.6385).

The issue's target (≥ 0.85 agreement per language on an unseen author) is not met: in English
about one labelled aspect in four is missed and one found aspect in four is not one the author
saw; in Chinese one in seven is missed, and a found aspect's sentiment is right eleven times in
twelve.

The floors are the last held-out figures minus 0.01.

Since session 14 it is training data (``TRAIN_SETS``; blind12 is the held-out set): every shipped
model was retrained with it by the lead after the session's merges. The figures these tests see
are now in-sample — a regression guard only; the honest estimate for a new author is
leave-one-author-out over the twelve blind authors and blind12 (``benchmarks/results/
feedback.md``, session 14).
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, assert_training_data

#: language -> (sentences, blind agreement, blind recall), measured before training on it.
MEASURED = {"zh": (752, 0.7803, 0.8535), "en": (749, 0.6354, 0.7477)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind11_agreement_does_not_regress_in_sample(lang: str) -> None:
    assert_floor(f"blind11_{lang}", *MEASURED[lang])


def test_blind11_is_training_data_of_every_model() -> None:
    """blind11 is in ``TRAIN_SETS`` since session 14 and every shipped model was retrained with it
    (the lead's retrain after the session's merges), as blind10 in session 13."""
    assert_training_data(trained=["blind11"])
