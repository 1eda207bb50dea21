"""Aspect sentiment on the twenty-fifth blind set — held out in session 27, training data since session 28.

``tests/feedback/data/blind25_{zh,en}.tsv`` (760 / 700 sentences) were written and labelled on
2026-12-04 (09:22–09:53 UTC) by a thirty-third author, a session that had read nothing but its brief
and the labelling guide (docs/feedback_labelling_guide.md, unchanged since blind22): not the
analyser, its lexicon, its taxonomies, its tests or any other labelled set except the 150 blind24
sentences per language it was given to label a second time after writing its own
(``blind25_README.md``; it reworded 76 / 58 of its rows that came close to those after reading
them, changing the label of 11 whose meaning changed). Every row was typed whole, one comment a
line with its labels in short codes that a script only spelled out. A card centre (59 %) and a
retailer (41 %); surveys 28 %, agent notes and social posts 15 % each, e-mails, app-store reviews
and formal complaints 10 % each; 36–37 % of rows name two or more aspects, 9–10 % none. The
author recorded the channel of each row (``channels25/channels_{zh,en}.tsv``). Four more blind
authors wrote sets in the same hour (``train27a`` … ``train27d``, now training data); their
fourteen rows word for word in this set were left out of theirs. 23 (zh) / 10 (en) of this set's
texts are word for word in earlier training sets (short stock answers: "Fine.", "整体挺满意的", …):
the authors converge on those.

Like blind15 … blind24, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person per language labelled every sentence blind (``second25_blind25_*``), the two
differed on 122 / 760 (zh) and 103 / 700 (en) rows, and a third person per language, blind to the
reader, decided them (``adjudication25/``), giving ``adjudicated25_blind25_*``. The adjudicator
took the second person's labels on 68 / 53 of the disputed rows, the author's on 50 / 46, neither
on 4 / 4. Two people (``benchmarks/feedback_human_agreement.py``): second vs author 0.903 zh /
0.923 en (sentiment when both found the aspect 0.972 / 0.978, intent 0.975 / 0.967). The same
author relabelled 150 blind24 sentences per language (``relabel25_blind24_*``): against blind24's
adjudicated labels 0.937 / 0.939.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- session 26's models: agreement 0.8340 zh, 0.7617 en; second person 0.8595 / 0.7703;
  adjudicated 0.8502 / 0.7625.
- session 27's retrain (blind24's adjudicated labels and train27a … train27d in; fb27a's halo
  rule): agreement **0.8589 zh, 0.7813 en**; recall 0.9453 / 0.9195; precision
  0.8250 / 0.7868; sentiment when found 0.9086 / 0.8497; intent 0.8737 / 0.8400.
  Second person 0.8686 / 0.7936; adjudicated **0.8628 / 0.7874**. With the
  recorded channels (``evaluate --channels``): 0.8599 / 0.7824, adjudicated 0.8628 / 0.7874.

The floors are the last held-out figures minus 0.01 (without channels).

Since session 28 it is training data (``TRAIN_SETS``; blind26 is the held-out set): every shipped
model was retrained with the **adjudicated** labels (``adjudicated25_blind25_*``, author
``blind25``; why those, :mod:`loyalloop.feedback.train_mention_sentiment`). The author's and the
second person's versions of the same texts are not training rows, but their texts are in-sample
all the same: the figures these tests see are now a regression guard only; the honest estimate
for a new author is the held-out blind26 and leave-one-author-out over the blind authors
(``benchmarks/results/feedback.md``, session 28).
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

#: The blind25 round's files that are not training rows: the author's and the second person's
#: labels of the adjudicated texts, and the relabelling of 150 blind24 sentences (blind24 is
#: training data under its adjudicated labels).
NOT_TRAINING = ("blind25", "relabel25_blind24", "second25_blind25")

#: set -> (sentences, held-out agreement, held-out recall) after session 27's retrain, measured
#: before training on it.
MEASURED = {
    "blind25_zh": (760, 0.8589, 0.9453),
    "blind25_en": (700, 0.7813, 0.9195),
    "second25_blind25_zh": (760, 0.8686, 0.9535),
    "second25_blind25_en": (700, 0.7936, 0.9212),
    "adjudicated25_blind25_zh": (760, 0.8628, 0.9494),
    "adjudicated25_blind25_en": (700, 0.7874, 0.9197),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind25_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(25, lang, tmp_path / "adjudicated.tsv")


def test_blind25_adjudicated_is_training_data_of_every_model() -> None:
    """The adjudicated blind25 labels are in ``TRAIN_SETS`` since session 28 and every shipped
    model was retrained with them; the other labellings of the same texts (and the relabelling
    of blind24) are never training data."""
    assert_training_data(trained=["adjudicated25_blind25"], not_trained=NOT_TRAINING)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels25/channels_{lang}.tsv`` gives the channel of each blind25 row, in order."""
    assert_channels_side_file(25, lang)
