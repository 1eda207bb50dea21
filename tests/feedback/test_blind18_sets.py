"""Aspect sentiment on the eighteenth blind set — held out in session 20, training data since session 21.

``tests/feedback/data/blind18_{zh,en}.tsv`` (750 / 750 sentences) were written and labelled on
2026-12-03 (08:23–08:37 UTC) by a nineteenth author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md): not the analyser, its lexicon,
its taxonomies, its tests or any other labelled set except the 150 blind17 sentences per
language it was given to label a second time after writing its own (``blind18_README.md``; two
of its Chinese texts turned out to match relabel sentences word for word and were reworded). A
card centre (60 %) and a retailer (40 %), the brief's channel mix (surveys 25 %, formal
complaints 10 %); 36–38 % of rows name two or more aspects, 10–11 % none. Its author says the
Chinese and English rows were written separately, not translated, but describe the same
problems.

Like blind15 … blind17, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person labelled every sentence blind (``second18_blind18_*``), the two differed on
179 / 750 (zh) and 177 / 750 (en) rows, and a third person, blind to the reader, decided them
(``adjudication18/``), giving ``adjudicated18_blind18_*``. This second person named fewer
aspects than the author: the adjudicator took the author's labels on 88 / 80 of the disputed
rows, the second person's on 82 / 91, neither on 9 / 6. Two people
(``benchmarks/feedback_human_agreement.py``): second vs author 0.874 zh / 0.868 en, author vs
second 0.932 / 0.915 (sentiment when both found the aspect 0.965 / 0.956). The same author
relabelled 150 blind17 sentences per language (``relabel18_blind17_*``): against blind17's
adjudicated labels 0.951 / 0.953.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``ed93b67`` (session 20 start, the models of session 19): agreement 0.8164 zh, 0.7688 en;
  recall 0.9004 / 0.8885; precision 0.8314 / 0.8250; sentiment when found 0.9067 / 0.8652;
  intent 0.7627 / 0.7973. Adjudicated 0.8282 / 0.7716.
- blind17's adjudicated labels in, nothing else changed: 0.8174 / 0.7833; adjudicated 0.8332 /
  0.7866.
- session 20's retrain (blind17 in; fb20a's second pass of the detector on, its fallback 0.20;
  fb20b's contact-question gate): agreement **0.8232 zh, 0.7948 en**; recall 0.9131 / 0.9094;
  precision 0.8356 / 0.8244; sentiment when found 0.9016 / 0.8740; intent 0.7573 / 0.8093.
  Second person 0.8573 / 0.8066; adjudicated **0.8391 / 0.7951**. Nothing was chosen by these
  sets, so the floors follow the figures.

The floors are the last held-out figures minus 0.01.

Since session 21 it is training data (``TRAIN_SETS``; blind19 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated18_blind18_*``, author
``blind18``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind19 and leave-one-author-out over the nineteen blind
authors (``benchmarks/results/feedback.md``, session 21).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.feedback.labelled_floor import (
    assert_adjudicated_merge,
    assert_floor,
    assert_training_data,
)

#: The blind18 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind17 sentences (blind17 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind18", "relabel18_blind17", "second18_blind18")

#: set -> (sentences, held-out agreement, held-out recall) after the session 20 retrain, measured
#: before training on it.
MEASURED = {
    "blind18_zh": (750, 0.8232, 0.9131),
    "blind18_en": (750, 0.7948, 0.9094),
    "second18_blind18_zh": (750, 0.8573, 0.9344),
    "second18_blind18_en": (750, 0.8066, 0.9264),
    "adjudicated18_blind18_zh": (750, 0.8391, 0.9235),
    "adjudicated18_blind18_en": (750, 0.7951, 0.9157),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind18_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(18, lang, tmp_path / "adjudicated.tsv")


def test_blind18_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind18 labels are in ``TRAIN_SETS`` since session 21 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind17) are never training data."""
    assert_training_data(trained=["adjudicated18_blind18"], not_trained=NOT_TRAINING)
