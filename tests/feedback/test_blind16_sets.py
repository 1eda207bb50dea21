"""Aspect sentiment on the sixteenth blind set — held out in session 18, training data since session 19.

``tests/feedback/data/blind16_{zh,en}.tsv`` (770 / 745 sentences) were written and labelled on
2026-12-02 (18:38–18:50 UTC) by a seventeenth author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md): not the analyser, its lexicon,
its taxonomies, its tests or any other labelled set except the 150 blind15 sentences per
language it was given to label a second time (``blind16_README.md``). A card centre (61 %) and a
retailer (39 %) across all channels (surveys over the brief's share, e-mails and formal
complaints under it); 35 % of rows name two or more aspects, 8–9 % none. Its author says the
English was written first and the Chinese from the same scenarios, that aspects are mostly
named by a keyword (easier than real data) and that its labels had one light review.

Like blind15, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``): a
second person labelled every sentence blind (``second16_blind16_*``, ~5 minutes for both
languages), the two differed on 174 / 770 (zh) and 178 / 745 (en) rows, and a third person,
blind to the reader, decided them (``adjudication16/``), giving ``adjudicated16_blind16_*``. The
adjudicator took the second person's labels on 145 / 150 of the disputed rows, the author's on
23 / 23, neither on 6 / 5. Two people (``benchmarks/feedback_human_agreement.py``): second vs
author 0.908 zh / 0.895 en, author vs second 0.911 / 0.906. The same author relabelled 150
blind15 sentences per language (``relabel16_blind15_*``, under a minute, one pass): against
blind15's adjudicated labels 0.964 / 0.929.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``397e166`` (session 18 start, the models of session 17): agreement 0.8075 zh, 0.8403 en;
  recall 0.8693 / 0.9159; precision 0.8554 / 0.8214; sentiment when found 0.9289 / 0.9174;
  intent 0.8468 / 0.8725. Second person 0.8110 / 0.8533; adjudicated 0.8081 / 0.8471.
- ``8fcb125`` (every model retrained with blind15's adjudicated labels in; fb18's English skip
  pairs and Snowball stems): agreement **0.8146 zh, 0.8530 en**; recall 0.8794 / 0.9286;
  precision 0.8493 / 0.8165; sentiment when found 0.9263 / 0.9186; intent 0.8532 / 0.8805.
  Second person 0.8171 / 0.8673; adjudicated 0.8152 / 0.8599. Nothing was chosen by these
  sets, so the floors follow the figures.

The floors are the last held-out figures minus 0.01.

Since session 19 it is training data (``TRAIN_SETS``; blind17 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated16_blind16_*``, author
``blind16``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind17 and leave-one-author-out over the seventeen blind
authors (``benchmarks/results/feedback.md``, session 19).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.feedback.labelled_floor import (
    assert_adjudicated_merge,
    assert_floor,
    assert_training_data,
)

#: The blind16 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind15 sentences (blind15 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind16", "relabel16_blind15", "second16_blind16")

#: set -> (sentences, held-out agreement, held-out recall) after the session 18 retrain, measured
#: before training on it.
MEASURED = {
    "blind16_zh": (770, 0.8146, 0.8794),
    "blind16_en": (745, 0.8530, 0.9286),
    "second16_blind16_zh": (770, 0.8171, 0.8811),
    "second16_blind16_en": (745, 0.8673, 0.9417),
    "adjudicated16_blind16_zh": (770, 0.8152, 0.8798),
    "adjudicated16_blind16_en": (745, 0.8599, 0.9390),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind16_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(16, lang, tmp_path / "adjudicated.tsv")


def test_blind16_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind16 labels are in ``TRAIN_SETS`` since session 19 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind15) are never training data."""
    assert_training_data(trained=["adjudicated16_blind16"], not_trained=NOT_TRAINING)
