"""Aspect sentiment on the twenty-second blind set — held out in session 24, training data since session 25.

``tests/feedback/data/blind22_{zh,en}.tsv`` (688 / 670 sentences) were written and labelled on
2026-12-03 (21:48–22:03 UTC) by a twenty-third author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md, with session 24's line on
lukewarm one-liners and "no issues"): not the analyser, its lexicon, its taxonomies, its tests
or any other labelled set except the 150 blind21 sentences per language it was given to label a
second time after writing its own (``blind22_README.md``; it reworded 26 of its rows that came
close to those after reading them, labels unchanged). The brief asked, for the first time, for
every row to be written whole by hand: a first attempt in this round built its rows by script
from about 200 hand-written clauses per language and was rejected without being measured. A card
centre (59–60 %) and a retailer (40–41 %); surveys 29 %, agent notes 15–16 %, app-store reviews
10 %, formal complaints 9–10 %; 36 % (zh) / 41 % (en) of rows name two or more aspects, 10–11 %
none; English complaints and e-mails are long (median 163 / 134 characters). The author recorded
the channel of each row (``channels22/channels_{zh,en}.tsv``). 30 (zh) / 15 (en) texts are short
generic comments also found, word for word, in earlier sets ("挺好的，没毛病", "Fine.").

Like blind15 … blind21, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person labelled every sentence blind (``second22_blind22_*``), the two differed on
174 / 688 (zh) and 176 / 670 (en) rows, and a third person, blind to the reader, decided them
(``adjudication22/``), giving ``adjudicated22_blind22_*``. The adjudicator took the second
person's labels on 123 / 102 of the disputed rows, the author's on 35 / 57, neither on 16 / 17.
Two people (``benchmarks/feedback_human_agreement.py``): second vs author 0.906 zh / 0.906 en
(sentiment when both found the aspect 0.978 / 0.963, intent 0.955 / 0.921). The same author
relabelled 150 blind21 sentences per language (``relabel22_blind21_*``): against blind21's
adjudicated labels 0.886 / 0.924.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``35c99cc`` (session 23's models): agreement 0.8751 zh, 0.7827 en; recall 0.9331 / 0.8725;
  precision 0.8362 / 0.7800; sentiment when found 0.9379 / 0.8971; intent 0.8503 / 0.7687.
  Second person 0.8714 / 0.7931; adjudicated 0.8794 / 0.7914.
- blind21's adjudicated labels in, nothing else changed: agreement **0.8785 zh, 0.7805 en**;
  recall 0.9342 / 0.8714; precision 0.8347 / 0.7844; sentiment when found 0.9403 / 0.8957;
  intent 0.8474 / 0.7687. Second person 0.8768 / 0.7920; adjudicated **0.8859 / 0.7893**.
- each row read with the channel its author recorded (``evaluate --channels
  channels22/channels_{zh,en}.tsv``), session 23's models: agreement 0.8763 / 0.7882,
  adjudicated 0.8805 / 0.7957; blind21 in: 0.8796 / 0.7860, adjudicated 0.8870 / 0.7936.
- session 24's retrain (blind21 in; fb24b's Chinese patterns, and asking or contacting the agent
  no longer a channel): agreement **0.8829 zh, 0.7794 en**; recall 0.9387 / 0.8703; precision
  0.8345 / 0.7842; sentiment when found 0.9406 / 0.8955; intent 0.8459 / 0.7672. Second person
  0.8811 / 0.7909; adjudicated **0.8902 / 0.7872**. With the recorded channels: 0.8829 / 0.7849,
  adjudicated 0.8902 / 0.7914.

The floors are the last held-out figures minus 0.01 (without channels).

Since session 25 it is training data (``TRAIN_SETS``; blind23 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated22_blind22_*``, author
``blind22``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind23 and leave-one-author-out over the twenty-three blind
authors (``benchmarks/results/feedback.md``, session 25).
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

#: The blind22 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind21 sentences (blind21 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind22", "relabel22_blind21", "second22_blind22")

#: set -> (sentences, held-out agreement, held-out recall) after session 24's retrain, measured
#: before training on it.
MEASURED = {
    "blind22_zh": (688, 0.8829, 0.9387),
    "blind22_en": (670, 0.7794, 0.8703),
    "second22_blind22_zh": (688, 0.8811, 0.9427),
    "second22_blind22_en": (670, 0.7909, 0.8793),
    "adjudicated22_blind22_zh": (688, 0.8902, 0.9462),
    "adjudicated22_blind22_en": (670, 0.7872, 0.8791),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind22_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(22, lang, tmp_path / "adjudicated.tsv")


def test_blind22_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind22 labels are in ``TRAIN_SETS`` since session 25 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind21) are never training data."""
    assert_training_data(trained=["adjudicated22_blind22"], not_trained=NOT_TRAINING)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels22/channels_{lang}.tsv`` gives the channel of each blind22 row, in order."""
    assert_channels_side_file(22, lang)
