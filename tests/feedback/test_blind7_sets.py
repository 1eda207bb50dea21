"""Aspect sentiment on the seventh blind set — held out: no shipped model was trained on it.

``tests/feedback/data/blind7_{zh,en}.tsv`` (745 / 641 sentences) were written and labelled on
2026-12-01 (13:36–13:42 UTC) by an eighth author, a session that had not seen the analyser, its
lexicon, its taxonomies, its tests or any other labelled set (``blind7_README.md``). Unlike the
earlier blind sets, which collect hard cases, this one is the **everyday mix** a card centre
and a retailer receive in a week: many short survey answers, two-to-three-clause comments,
some long letters, chat lines and agent notes, ~10 % with no aspect. About 70–80 % of the
English rows re-tell the Chinese rows' situations, so the two languages are not independent.

The lead measured it on main three times during session 9, choosing nothing by it:

- ``3a1c1e3`` (session start): agreement 0.7505 zh, 0.6929 en; recall 0.9020 / 0.8412;
  precision 0.8481 / 0.7980; sentiment when found 0.8320 / 0.8238; intent 0.8685 / 0.8034.
- after ``fbacc6`` (generator, mention model on seven authors): agreement 0.7859 / 0.7071;
  sentiment when found 0.8711 / 0.8406.
- after the detector, fallback and intent models were retrained on the same sets (blind6 in):
  agreement **0.7919 zh, 0.7153 en**; recall 0.9061 / 0.8482; precision 0.8486 / 0.7949;
  sentiment when found 0.8740 / 0.8433; intent 0.8685 / 0.8175.

The issue's target (≥ 0.85 agreement per language on an unseen author) is not met. The floors
are the last figures minus 0.01; the set must stay out of training until a newer blind set
replaces it as the held-out measure.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor, shipped_train_sets

#: language -> (sentences, held-out agreement, held-out recall).
MEASURED = {"zh": (745, 0.7919, 0.9061), "en": (641, 0.7153, 0.8482)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind7_held_out_agreement_floor(lang: str) -> None:
    assert_floor(f"blind7_{lang}", *MEASURED[lang])


def test_blind7_is_not_training_data() -> None:
    for sets in shipped_train_sets():
        assert not {"blind7_zh", "blind7_en"} & sets
