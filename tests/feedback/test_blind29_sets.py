"""Aspect sentiment on the twenty-ninth blind set — held out: no shipped model was trained on it.

``tests/feedback/data/blind29_{zh,en}.tsv`` (651 / 658 sentences) were written and labelled on
2026-12-04 (22:28–22:37 UTC) by a new author, a session that had read nothing but its brief and
the labelling guide (docs/feedback_labelling_guide.md, unchanged since blind22): not the analyser,
its lexicon, its taxonomies, its tests or any other labelled set except the 150 blind28 sentences
per language it was given to label a second time after writing its own (``blind29_README.md``; it
reworded 19 of its rows that came close to those after reading them, labels unchanged). Every row
was typed whole, one comment a line with its labels in short codes that a script only spelled
out. A card centre (about 60 %) and a retailer; surveys about 37 %, the other channels a little
under the brief's shares; about 33 % of rows name two or more aspects, 4–5 % none. The author
recorded the channel of each row (``channels29/channels_{zh,en}.tsv``). Six more blind authors
wrote sets in the same quarter hour (``pending31/``, not training data yet). 56 (zh) / 54 (en) of
this set's texts are word for word in training sets (short stock answers: "No complaints",
"客服很耐心", …): the authors converge on those.

Like blind15 … blind28, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person per language labelled every sentence blind (``second29_blind29_*``), the two
differed on 145 / 651 (zh) and 168 / 658 (en) rows, and a third person per language, blind to the
reader, decided them (``adjudication29/``), giving ``adjudicated29_blind29_*``. The adjudicator
took the second person's labels on 130 / 143 of the disputed rows, the author's on 11 / 17,
neither on 4 / 8 — most intent disputes were complaints ending in a demand, ``request`` by the
guide's order, which the author had called ``complaint``. Two people
(``benchmarks/feedback_human_agreement.py``): second vs author 0.919 zh / 0.903 en (sentiment
when both found the aspect 0.986 / 0.982, intent 0.909 / 0.912). The same author relabelled 150
blind28 sentences per language (``relabel29_blind28_*``): against blind28's adjudicated labels
0.903 / 0.905 (it labelled fewer aspects: precision 0.994 / 0.989, recall 0.930 / 0.921).

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- session 29's models (still shipped: session 31's retrain with train29a … train30f did not
  finish in time to be checked): agreement **0.9281 zh, 0.8788 en**; recall 0.9575 / 0.9254;
  precision 0.8584 / 0.8245; sentiment when found 0.9692 / 0.9496; intent 0.9201 / 0.9027.
  Second person 0.9309 / 0.8885; adjudicated **0.9300 / 0.8862**. With the recorded channels
  (``evaluate --channels``): 0.9269 / 0.8800. Whether the customer complains (adjudicated):
  0.952 / 0.936. This author is read better than blind26 … blind28 (English 0.843 / 0.857 /
  0.830 adjudicated on the same models); its text is short (Chinese median 14 characters).
- session 32's retrain (train29a … train30f in, sixty-five authors, thresholds chosen holding the
  authors out in ten groups): agreement **0.9292 zh, 0.8834 en**; recall 0.9599 / 0.9336;
  precision 0.8586 / 0.8266; sentiment when found 0.9681 / 0.9463; intent 0.9309 / 0.9088. Second
  person 0.9356 / 0.8967; adjudicated **0.9359 / 0.8943**. With the recorded channels: 0.9281 /
  0.8834, adjudicated 0.9395 / 0.8943. Whether the customer complains (adjudicated): 0.962 /
  0.936; complaint precision 0.828 / 0.791.
- session 32's second retrain (train31a … train31f in too, seventy-one authors): agreement
  **0.9292 zh, 0.8834 en**; recall 0.9611 / 0.9312; precision 0.8561 / 0.8297; sentiment when
  found 0.9669 / 0.9487; intent 0.9324 / 0.9043. Second person 0.9392 / 0.8967; adjudicated
  **0.9395 / 0.8943**. With the recorded channels: 0.9281 / 0.8834, adjudicated 0.9431 / 0.8943.
  Whether the customer complains (adjudicated): 0.962 / 0.933; complaint precision 0.828 / 0.794.
- session 33's retrain (train32a … train32f in too, seventy-seven authors; the lexicon's auxiliary
  and verdict fixes): agreement **0.9304 zh, 0.8858 en**; recall 0.9599 / 0.9312; precision 0.8605
  / 0.8332; sentiment when found 0.9693 / 0.9512; intent 0.9263 / 0.9043. Second person 0.9356 /
  0.8979; adjudicated **0.9348 / 0.8943**. With the recorded channels: 0.9292 / 0.8858,
  adjudicated 0.9383 / 0.8943. Whether the customer complains (adjudicated): 0.960 / 0.936;
  complaint precision 0.829 / 0.803. The comment's sentiment as reported (adjudicated; since
  session 33 the verdict of intent and mentions): 0.969 / 0.941; its tone, reported before: 0.806
  / 0.684.

The floors are the last figures minus 0.01 (without channels); the sets must stay out of
training until a newer blind set replaces them as the held-out measure.
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

#: Every file of the blind29 round; none may be training data while it is held out.
HELD_OUT = ("blind29", "relabel29_blind28", "second29_blind29", "adjudicated29_blind29")

#: set -> (sentences, held-out agreement, held-out recall[, the comment's sentiment as reported,
#: comment_accuracy]) on session 33's models.
MEASURED = {
    "blind29_zh": (651, 0.9304, 0.9599),
    "blind29_en": (658, 0.8858, 0.9312),
    "second29_blind29_zh": (651, 0.9356, 0.9702),
    "second29_blind29_en": (658, 0.8979, 0.9425),
    "adjudicated29_blind29_zh": (651, 0.9348, 0.9680, 0.9693),
    "adjudicated29_blind29_en": (658, 0.8943, 0.9414, 0.9407),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind29_held_out_agreement_floor(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(29, lang, tmp_path / "adjudicated.tsv")


def test_blind29_is_not_training_data() -> None:
    assert_training_data(not_trained=HELD_OUT)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels29/channels_{lang}.tsv`` gives the channel of each blind29 row, in order."""
    assert_channels_side_file(29, lang)
