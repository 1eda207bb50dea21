"""Aspect sentiment on the second blind set: the honest figure for text nobody tuned on.

``tests/feedback/data/blind2_{zh,en}.tsv`` (672 / 450 sentences) were written and labelled on
2026-11-30 by a session that had not seen the analyser, its lexicon, its taxonomies, its tests
or any other labelled set (``blind2_README.md``). The lead engineer held them back from the
people training the learned aspect detector (branch ``fbacc``) and measured them once per
version, after that version was frozen and committed:

- main before the detector (f23009a): agreement 0.5667 zh / 0.5594 en, recall 0.8074 / 0.7950;
- with the detector (fbacc at bbdfbc4; the same on main at d8a646f): agreement 0.6357 zh /
  0.6529 en, recall 0.8643 / 0.8615.

The issue's target is 0.85 per language: far from met. Nothing was tuned on these sets; their
figures, the same as the leave-one-author-out estimate predicted (0.61–0.71 zh, 0.57–0.66 en),
are in ``benchmarks/results/feedback.md``. The floors below are regression guards only (the
measured figures minus 0.01). Never tune on these sets: they would stop measuring anything, and
the next honest figure would need a third author.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import assert_floor

#: language -> (sentences, measured agreement, measured recall) on 2026-11-30, commit d8a646f.
MEASURED = {"zh": (672, 0.6357, 0.8643), "en": (450, 0.6529, 0.8615)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blind2_agreement_does_not_regress(lang: str) -> None:
    assert_floor(f"blind2_{lang}", *MEASURED[lang])
