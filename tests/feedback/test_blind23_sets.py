"""Aspect sentiment on the twenty-third blind set — held out in session 25, training data since session 26.

``tests/feedback/data/blind23_{zh,en}.tsv`` (796 / 769 sentences) were written and labelled on
2026-12-04 (01:16–01:37 UTC) by a twenty-fourth author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md, unchanged since blind22): not
the analyser, its lexicon, its taxonomies, its tests or any other labelled set except the 150
blind22 sentences per language it was given to label a second time after writing its own
(``blind23_README.md``; it reworded 27 of its rows that came close to those after reading them,
labels unchanged). Every row was typed whole, one comment a line with its labels in short codes
that a script only spelled out. A card centre (60–61 %) and a retailer (39–40 %); surveys
29–30 %, agent notes 15–16 %, social posts 16 %, app-store reviews 11 %, e-mails 9–11 %, formal
complaints 7–9 %; 30–31 % of rows name two or more aspects, 8 % none. Shorter than blind22
(median 17 characters zh, 54 en). The author recorded the channel of each row
(``channels23/channels_{zh,en}.tsv``).

Like blind15 … blind22, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person labelled every sentence blind (``second23_blind23_*``), the two differed on
180 / 796 (zh) and 140 / 769 (en) rows, and a third person, blind to the reader, decided them
(``adjudication23/``), giving ``adjudicated23_blind23_*``. The adjudicator took the second
person's labels on 108 / 83 of the disputed rows, the author's on 62 / 44, neither on 10 / 13.
Two people (``benchmarks/feedback_human_agreement.py``): second vs author 0.852 zh / 0.879 en
(sentiment when both found the aspect 0.970 / 0.969, intent 0.957 / 0.974). The same author
relabelled 150 blind22 sentences per language (``relabel23_blind22_*``): against blind22's
adjudicated labels 0.942 / 0.899.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``d9b9723`` (session 24's models): agreement 0.8152 zh, 0.7683 en; recall 0.9190 /
  0.8935; precision 0.8356 / 0.7889; sentiment when found 0.8871 / 0.8598. Second person
  0.8439 / 0.7925; adjudicated 0.8308 / 0.7811.
- ``642879d`` (blind22's adjudicated labels in, nothing else changed): agreement **0.8142 zh,
  0.7704 en**; second person 0.8450 / 0.7947; adjudicated **0.8338 / 0.7833**.
- session 25's retrain (blind22 in; fb25a's agent-note shorthand and note register): agreement
  **0.8142 zh, 0.7839 en**; recall 0.9140 / 0.9050; precision 0.8348 / 0.7925; sentiment when
  found 0.8908 / 0.8662; intent 0.8291 / 0.8010. Second person 0.8450 / 0.8058; adjudicated
  **0.8338 / 0.7972**. With the recorded channels (``evaluate --channels``): 0.8152 / 0.7860,
  adjudicated 0.8349 / 0.7994.

The floors are the last held-out figures minus 0.01 (without channels).

Since session 26 it is training data (``TRAIN_SETS``; blind24 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated23_blind23_*``, author
``blind23``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind24 and leave-one-author-out over the twenty-four blind
authors (``benchmarks/results/feedback.md``, session 26).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.feedback.labelled_floor import (
    assert_adjudicated_merge,
    assert_channels_side_file,
    assert_floor,
    assert_training_data,
)

#: The blind23 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind22 sentences (blind22 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind23", "relabel23_blind22", "second23_blind23")

#: set -> (sentences, held-out agreement, held-out recall) after session 25's retrain, measured
#: before training on it.
MEASURED = {
    "blind23_zh": (796, 0.8142, 0.9140),
    "blind23_en": (769, 0.7839, 0.9050),
    "second23_blind23_zh": (796, 0.8450, 0.9236),
    "second23_blind23_en": (769, 0.8058, 0.9279),
    "adjudicated23_blind23_zh": (796, 0.8338, 0.9205),
    "adjudicated23_blind23_en": (769, 0.7972, 0.9174),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind23_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(23, lang, tmp_path / "adjudicated.tsv")


def test_blind23_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind23 labels are in ``TRAIN_SETS`` since session 26 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind22) are never training data."""
    assert_training_data(trained=["adjudicated23_blind23"], not_trained=NOT_TRAINING)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels23/channels_{lang}.tsv`` gives the channel of each blind23 row, in order."""
    assert_channels_side_file(23, lang)
