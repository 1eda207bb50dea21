"""Aspect sentiment on the eighth blind set — held out: no shipped model was trained on it.

``tests/feedback/data/blind8_{zh,en}.tsv`` (637 / 543 sentences) were written and labelled on
2026-12-01 (16:31–16:37 UTC) by a ninth author, a session that had not seen the analyser, its
lexicon, its taxonomies, its tests or any other labelled set (``blind8_README.md``). It is the
everyday mix again, from the channels earlier authors used less: app-store and marketplace
reviews, social-media posts, post-contact survey answers, e-mails and letters, chat lines and
agent notes; the English rows are their own situations, not translations of the Chinese ones;
about 42 % of rows name two or more aspects, 8 % none.

The lead measured it twice in session 10, choosing nothing by it:

- ``1862632`` (session start, the models of session 9): agreement 0.6595 zh, 0.5830 en;
  recall 0.8331 / 0.7529; precision 0.8331 / 0.7923; sentiment when found 0.7916 / 0.7743;
  intent 0.7410 / 0.7072.
- after round 13 (the channel rule and taxonomy clean-up, sentence features in the mention
  model, every model retrained with blind7 in): agreement **0.6844 zh, 0.5856 en**; recall
  0.8320 / 0.7438; precision 0.8543 / 0.8003; sentiment when found 0.8226 / 0.7873; intent
  0.7441 / 0.7072.

The issue's target (≥ 0.85 agreement per language on an unseen author) is far from met on this
author: social-media and review text loses both detection (one aspect in six missed in zh, one
in four in en) and sentiment. The floors are the last figures minus 0.01; the set must stay out
of training until a newer blind set replaces it as the held-out measure.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, shipped_train_sets

#: language -> (sentences, held-out agreement, held-out recall).
MEASURED = {"zh": (637, 0.6844, 0.8320), "en": (543, 0.5856, 0.7438)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind8_held_out_agreement_floor(lang: str) -> None:
    assert_floor(f"blind8_{lang}", *MEASURED[lang])


def test_blind8_is_not_training_data() -> None:
    for sets in shipped_train_sets().values():
        assert not {"blind8_zh", "blind8_en"} & sets
