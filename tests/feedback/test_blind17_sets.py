"""Aspect sentiment on the seventeenth blind set — held out in session 19, training data since session 20.

``tests/feedback/data/blind17_{zh,en}.tsv`` (800 / 802 sentences) were written and labelled on
2026-12-03 (05:27–05:40 UTC) by an eighteenth author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md): not the analyser, its lexicon,
its taxonomies, its tests or any other labelled set except the 150 blind16 sentences per
language it was given to label a second time (``blind17_README.md``; about 50 rows per language
were written after reading those, and 7 per language that echoed them were deleted). A card
centre (62 %) and a retailer (38 %); surveys over the brief's share (37–40 %), formal complaints
under it (5–6 %); 29–30 % of rows name two or more aspects, 9–10 % none. Its author says over
half the Chinese rows adapt English ones. 21 (zh) / 20 (en) texts are short generic comments
also found, word for word, in earlier sets ("年费太贵了", "Never again."); without them the
figures below move by less than 0.002.

Like blind15 and blind16, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person labelled every sentence blind (``second17_blind17_*``, ~5 minutes for both
languages), the two differed on 168 / 800 (zh) and 167 / 802 (en) rows, and a third person,
blind to the reader, decided them (``adjudication17/``), giving ``adjudicated17_blind17_*``. The
adjudicator took the second person's labels on 116 / 115 of the disputed rows, the author's on
43 / 46, neither on 9 / 6. Two people (``benchmarks/feedback_human_agreement.py``): second vs
author 0.938 zh / 0.943 en, author vs second 0.921 / 0.925. The same author relabelled 150
blind16 sentences per language (``relabel17_blind16_*``): against blind16's adjudicated labels
0.910 / 0.953.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``496595a`` (session 19 start, the models of session 18): agreement 0.8282 zh, 0.8453 en;
  recall 0.8967 / 0.9283; precision 0.8329 / 0.8054; sentiment when found 0.9236 / 0.9105;
  intent 0.8200 / 0.8117.
- ``5d3e1d6`` + retrain (every model retrained with blind16's adjudicated labels in; fb19a's
  detector fallback for a comment with no aspect, fb19b's use rule for a borrowed polarity):
  agreement **0.8446 zh, 0.8598 en**; recall 0.9080 / 0.9356; precision 0.8291 / 0.8066;
  sentiment when found 0.9302 / 0.9190; intent 0.8525 / 0.8142. Second person 0.8544 / 0.8534;
  adjudicated **0.8481 / 0.8547**. (The same retrain without fb19a and fb19b: author 0.8394 /
  0.8515, adjudicated 0.8431 / 0.8466.) Nothing was chosen by these sets, so the floors follow
  the figures.

The floors are the last held-out figures minus 0.01.

Since session 20 it is training data (``TRAIN_SETS``; blind18 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated17_blind17_*``, author
``blind17``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind18 and leave-one-author-out over the eighteen blind
authors (``benchmarks/results/feedback.md``, session 20).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.feedback.labelled_floor import (
    assert_adjudicated_merge,
    assert_floor,
    assert_training_data,
)

#: The blind17 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind16 sentences (blind16 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind17", "relabel17_blind16", "second17_blind17")

#: set -> (sentences, held-out agreement, held-out recall) after the session 19 retrain, measured
#: before training on it.
MEASURED = {
    "blind17_zh": (800, 0.8446, 0.9080),
    "blind17_en": (802, 0.8598, 0.9356),
    "second17_blind17_zh": (800, 0.8544, 0.9137),
    "second17_blind17_en": (802, 0.8534, 0.9348),
    "adjudicated17_blind17_zh": (800, 0.8481, 0.9067),
    "adjudicated17_blind17_en": (802, 0.8547, 0.9334),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind17_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(17, lang, tmp_path / "adjudicated.tsv")


def test_blind17_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind17 labels are in ``TRAIN_SETS`` since session 20 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind16) are never training data."""
    assert_training_data(trained=["adjudicated17_blind17"], not_trained=NOT_TRAINING)
