"""Aspect sentiment on the twenty-sixth blind set — held out: no shipped model was trained on it.

``tests/feedback/data/blind26_{zh,en}.tsv`` (651 / 648 sentences) were written and labelled on
2026-12-04 (12:41–12:57 UTC) by a forty-fourth author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md, unchanged since blind22): not the
analyser, its lexicon, its taxonomies, its tests or any other labelled set except the 150 blind25
sentences per language it was given to label a second time after writing its own
(``blind26_README.md``; it reworded 37 of its rows that came close to those after reading them,
labels unchanged). Every row was typed whole, one comment a line with its labels in short codes
that a script only spelled out. A card centre (58 %) and a retailer (42 %); surveys 27–28 %,
agent notes and social posts 14–15 % each, e-mails, app-store reviews and formal complaints 10 %
each; 38 % of rows name two or more aspects, 9–10 % none. The author recorded the channel of each
row (``channels26/channels_{zh,en}.tsv``). Ten more blind authors wrote sets in the same hour
(``train28a`` … ``train28j``, now training data); their twenty-six rows word for word in this set
were left out of theirs. 46 (zh) / 15 (en) of this set's texts are word for word in earlier
training sets (short stock answers: "Fine.", "还行吧，凑合", …): the authors converge on those.

Like blind15 … blind25, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person per language labelled every sentence blind (``second26_blind26_*``), the two
differed on 146 / 651 (zh) and 150 / 648 (en) rows, and a third person per language, blind to the
reader, decided them (``adjudication26/``), giving ``adjudicated26_blind26_*``. The adjudicator
took the second person's labels on 76 / 86 of the disputed rows, the author's on 62 / 53, neither
on 8 / 11. Two people (``benchmarks/feedback_human_agreement.py``): second vs author 0.870 zh /
0.852 en (sentiment when both found the aspect 0.965 / 0.965, intent 0.966 / 0.955) — the second
people labelled fewer aspects than the author (their recall of the author's pairs 0.902 / 0.883).
The same author relabelled 150 blind25 sentences per language (``relabel26_blind25_*``): against
blind25's adjudicated labels 0.936 / 0.911.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- session 27's models: agreement 0.8497 zh, 0.7966 en; second person 0.8618 / 0.8444;
  adjudicated 0.8563 / 0.8281.
- session 28's retrain (blind25's adjudicated labels and train28a … train28j in): agreement 0.8485
  zh, 0.8080 en; recall 0.9191 / 0.9276; precision 0.8706 / 0.8168; sentiment when found 0.9232 /
  0.8711; intent 0.9155 / 0.8781. Second person 0.8618 / 0.8532; adjudicated 0.8575 / 0.8401. With
  the recorded channels (``evaluate --channels``): 0.8508 / 0.8092, adjudicated 0.8598 / 0.8401.
- session 29's retrain (train28k … train28r in): agreement **0.8519 zh, 0.8126 en**; recall 0.9294 /
  0.9299; precision 0.8727 / 0.8172; sentiment when found 0.9167 / 0.8739; intent 0.9293 / 0.8750.
  Second person 0.8654 / 0.8595; adjudicated **0.8633 / 0.8425**. With the recorded channels: 0.8519
  / 0.8149, adjudicated 0.8633 / 0.8438.
- session 32's retrain (train29a … train30f in, sixty-five authors, thresholds chosen holding the
  authors out in ten groups): agreement **0.8519 zh, 0.8241 en**; recall 0.9374 / 0.9356;
  precision 0.8765 / 0.8164; sentiment when found 0.9089 / 0.8808; intent 0.9324 / 0.8904. Second
  person 0.8714 / 0.8720; adjudicated **0.8656 / 0.8570**. With the recorded channels: 0.8531 /
  0.8264, adjudicated 0.8667 / 0.8582. Whether the customer complains (adjudicated): 0.931 /
  0.918; complaint precision 0.806 / 0.728.
- session 32's second retrain (train31a … train31f in too, seventy-one authors): agreement
  **0.8667 zh, 0.8299 en**; recall 0.9374 / 0.9333; precision 0.8802 / 0.8194; sentiment when
  found 0.9247 / 0.8892; intent 0.9355 / 0.8904. Second person 0.8834 / 0.8758; adjudicated
  **0.8806 / 0.8594**. With the recorded channels: 0.8679 / 0.8322, adjudicated 0.8818 / 0.8606.
  Whether the customer complains (adjudicated): 0.942 / 0.926; complaint precision 0.822 / 0.742.
- session 33's retrain (train32a … train32f in too, seventy-seven authors; the lexicon's auxiliary
  and verdict fixes): agreement **0.8702 zh, 0.8299 en**; recall 0.9328 / 0.9310; precision 0.8778
  / 0.8240; sentiment when found 0.9328 / 0.8914; intent 0.9370 / 0.8904. Second person 0.8846 /
  0.8770; adjudicated **0.8830 / 0.8582**. With the recorded channels: 0.8702 / 0.8322,
  adjudicated 0.8830 / 0.8594. Whether the customer complains (adjudicated): 0.948 / 0.929;
  complaint precision 0.831 / 0.746. The comment's sentiment as reported (adjudicated; since
  session 33 the verdict of intent and mentions): 0.942 / 0.906; its tone, reported before: 0.740
  / 0.650.

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

#: Every file of the blind26 round; none may be training data while it is held out.
HELD_OUT = ("blind26", "relabel26_blind25", "second26_blind26", "adjudicated26_blind26")

#: set -> (sentences, held-out agreement, held-out recall[, the comment's sentiment as reported,
#: comment_accuracy]) on session 33's models.
MEASURED = {
    "blind26_zh": (651, 0.8702, 0.9328),
    "blind26_en": (648, 0.8299, 0.9310),
    "second26_blind26_zh": (651, 0.8846, 0.9423),
    "second26_blind26_en": (648, 0.8770, 0.9624),
    "adjudicated26_blind26_zh": (651, 0.8830, 0.9432, 0.9416),
    "adjudicated26_blind26_en": (648, 0.8582, 0.9459, 0.9059),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind26_held_out_agreement_floor(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(26, lang, tmp_path / "adjudicated.tsv")


def test_blind26_is_not_training_data() -> None:
    assert_training_data(not_trained=HELD_OUT)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels26/channels_{lang}.tsv`` gives the channel of each blind26 row, in order."""
    assert_channels_side_file(26, lang)
