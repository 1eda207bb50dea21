"""Aspect sentiment on the twenty-fourth blind set — held out in session 26, training data since session 27.

``tests/feedback/data/blind24_{zh,en}.tsv`` (570 / 570 sentences) were written and labelled on
2026-12-04 (05:34–05:58 UTC) by a twenty-fifth author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md, unchanged since blind22): not
the analyser, its lexicon, its taxonomies, its tests or any other labelled set except the 150
blind23 sentences per language it was given to label a second time after writing its own
(``blind24_README.md``; it reworded 99 of its rows that came close to those after reading them,
changing the label of 9 whose meaning changed). Every row was typed whole, one comment a line
with its labels in short codes that a script only spelled out. A card centre (59–61 %) and a
retailer (39–41 %); surveys 28–29 %, agent notes 15 %, social posts 14–15 %, e-mails, app-store
reviews and formal complaints about 10 % each; 34–35 % of rows name two or more aspects, 8–9 %
none. The author recorded the channel of each row (``channels24/channels_{zh,en}.tsv``). Two
more blind authors wrote sets in the same hour (``train26a``, ``train26b``, now training data);
their seven rows word for word in this set were left out of theirs.

Like blind15 … blind23, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person labelled every sentence blind (``second24_blind24_*``; one session per language,
after the first second-annotator session was cut off before it labelled anything), the two
differed on 111 / 570 (zh) and 95 / 570 (en) rows, and a third person per language, blind to the
reader, decided them (``adjudication24/``), giving ``adjudicated24_blind24_*``. The adjudicator
took the second person's labels on 78 / 67 of the disputed rows, the author's on 26 / 22, neither
on 7 / 6. Two people (``benchmarks/feedback_human_agreement.py``): second vs author 0.897 zh /
0.917 en (sentiment when both found the aspect 0.968 / 0.969, intent 0.944 / 0.956). The same
author relabelled 150 blind23 sentences per language (``relabel24_blind23_*``): against blind23's
adjudicated labels 0.942 / 0.949.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- ``a7f6441`` (session 25's models): agreement 0.8545 zh, 0.7890 en; second person 0.8589 /
  0.7913; adjudicated 0.8579 / 0.7895.
- ``c46f610`` (blind23's adjudicated labels in): agreement 0.8571 / 0.7997; second person
  0.8589 / 0.8049; adjudicated **0.8579 / 0.8070**.
- ``a571f31`` (train26a and train26b in as well; session 26's shipped models): agreement **0.8598
  zh, 0.7944 en**; recall 0.9399 / 0.9301; precision 0.8302 / 0.8065; sentiment when found
  0.9148 / 0.8540; intent 0.8316 / 0.8018. Second person 0.8645 / 0.8049; adjudicated **0.8633 /
  0.8030**. With the recorded channels (``evaluate --channels``): 0.8625 / 0.7970, adjudicated
  0.8633 / 0.8057.

The floors are the last held-out figures minus 0.01 (without channels).

Since session 27 it is training data (``TRAIN_SETS``; blind25 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated24_blind24_*``, author
``blind24``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind25 and leave-one-author-out over the blind authors
(``benchmarks/results/feedback.md``, session 27).
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

#: The blind24 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind23 sentences (blind23 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind24", "relabel24_blind23", "second24_blind24")

#: set -> (sentences, held-out agreement, held-out recall) after session 26's retrain, measured
#: before training on it.
MEASURED = {
    "blind24_zh": (570, 0.8598, 0.9399),
    "blind24_en": (570, 0.7944, 0.9301),
    "second24_blind24_zh": (570, 0.8645, 0.9474),
    "second24_blind24_en": (570, 0.8049, 0.9318),
    "adjudicated24_blind24_zh": (570, 0.8633, 0.9459),
    "adjudicated24_blind24_en": (570, 0.8030, 0.9339),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind24_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(24, lang, tmp_path / "adjudicated.tsv")


def test_blind24_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind24 labels are in ``TRAIN_SETS`` since session 27 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind23) are never training data."""
    assert_training_data(trained=["adjudicated24_blind24"], not_trained=NOT_TRAINING)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels24/channels_{lang}.tsv`` gives the channel of each blind24 row, in order."""
    assert_channels_side_file(24, lang)
