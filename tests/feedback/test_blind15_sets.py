"""Aspect sentiment on the fifteenth blind set — held out: no shipped model was trained on it.

``tests/feedback/data/blind15_{zh,en}.tsv`` (766 / 787 sentences) were written and labelled on
2026-12-02 (14:39–14:54 UTC) by a sixteenth author, a session that had read nothing but its
brief (with the labelling guide, docs/feedback_labelling_guide.md, as blind14's author had): not
the analyser, its lexicon, its taxonomies, its tests or any other labelled set except the 150
blind14 sentences per language it was given to label a second time (``blind15_README.md``; its
last re-read of its own labels came after that relabelling — ~40 label edits, no text edits). An
ordinary month for a card centre (61 %) and a retailer (39 %) across all channels in the
brief's shares; 32 % (zh) / 31 % (en) of rows name two or more aspects, 9 % none.

The same author labelled 150 sentences per language of blind14 blind
(``relabel15_blind14_{zh,en}.tsv``): two guided people's agreement on the same sentences,
``benchmarks/feedback_human_agreement.py`` (benchmarks/results/feedback.md, session 17 close).

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``314fc18`` (session 17 start, the models of session 16): agreement 0.8401 zh, 0.7474 en;
  recall 0.9070 / 0.8199; precision 0.8330 / 0.7543; sentiment when found 0.9263 / 0.9116;
  intent 0.8799 / 0.8374.

The floors are the last figures minus 0.01; the set must stay out of training until a newer
blind set replaces it as the held-out measure.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, shipped_train_sets

#: language -> (sentences, held-out agreement, held-out recall).
MEASURED = {"zh": (766, 0.8401, 0.9070), "en": (787, 0.7474, 0.8199)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind15_held_out_agreement_floor(lang: str) -> None:
    assert_floor(f"blind15_{lang}", *MEASURED[lang])


def test_blind15_is_not_training_data() -> None:
    held_out = {"blind15_zh", "blind15_en", "relabel15_blind14_zh", "relabel15_blind14_en"}
    for sets in shipped_train_sets().values():
        assert not held_out & sets
