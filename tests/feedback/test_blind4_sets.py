"""Aspect sentiment on the fourth blind set — held out: nothing has been trained on it yet.

``tests/feedback/data/blind4_{zh,en}.tsv`` (527 / 498 sentences) were written and labelled on
2026-12-01 by a fifth author, a session that had not seen the analyser, its lexicon, its
taxonomies, its tests or any other labelled set (``blind4_README.md``): plain everyday survey
and chat language, mostly short. The lead measured them once, on branch ``fbacc3``'s frozen
head ``1b3fb98`` (the reading merged into main; main before it scored 0.711 zh / 0.679 en):

- agreement 499/675 = 0.7393 zh, 452/623 = 0.7255 en; recall 0.9052 / 0.8732.

No model has been trained on this set, so these are honest figures for a new author (the target
of issue 10 is 0.85). The floors are the measured figures minus 0.01: a change that loses
agreement on text nobody tuned on fails here. When the set is used for training (it is then
spent), this test must say so and a new author's set takes its place.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor

from loyalloop.feedback.aspect_detector import shipped_detector

#: language -> (sentences, blind agreement, blind recall), measured before any training on it.
MEASURED = {"zh": (527, 0.7393, 0.9052), "en": (498, 0.7255, 0.8732)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind4_agreement_does_not_regress(lang: str) -> None:
    assert_floor(f"blind4_{lang}", *MEASURED[lang])


def test_blind4_is_still_held_out() -> None:
    """The figures above are blind only while no shipped model has seen the set."""
    det = shipped_detector()
    assert det is not None
    assert not any(s.startswith("blind4") for s in det.metadata["train_sets"].split(","))
