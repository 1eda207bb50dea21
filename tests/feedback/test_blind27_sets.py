"""Aspect sentiment on the twenty-seventh blind set — held out: no shipped model was trained on it.

``tests/feedback/data/blind27_{zh,en}.tsv`` (697 / 695 sentences) were written and labelled on
2026-12-04 (15:49–16:04 UTC) by a fifty-first author, a session that had read nothing but its
brief and the labelling guide (docs/feedback_labelling_guide.md, unchanged since blind22): not the
analyser, its lexicon, its taxonomies, its tests or any other labelled set except the 150 blind26
sentences per language it was given to label a second time after writing its own
(``blind27_README.md``; it reworded 109 of its rows that came close to those after reading them,
two labels changing with the new text). Every row was typed whole, one comment a line with its
labels in short codes that a script only spelled out. A card centre (59 %) and a retailer (41 %);
surveys 28 %, agent notes and social posts 15 % each, e-mails, app-store reviews and formal
complaints 10 % each; 32–38 % of rows name two or more aspects, 8–9 % none. The author recorded
the channel of each row (``channels27/channels_{zh,en}.tsv``). Ten more blind authors wrote sets
in the same half hour (``pending29/``, not training data yet). 34 (zh) / 35 (en) of this set's
texts are word for word in training sets (short stock answers: "can't complain", "水果很新鲜",
…): the authors converge on those.

Like blind15 … blind26, **labelled twice and adjudicated** (``benchmarks/feedback_adjudication.py``):
a second person per language labelled every sentence blind (``second27_blind27_*``), the two
differed on 170 / 697 (zh) and 147 / 695 (en) rows, and a third person per language, blind to the
reader, decided them (``adjudication27/``), giving ``adjudicated27_blind27_*``. The adjudicator
took the second person's labels on 145 / 113 of the disputed rows, the author's on 21 / 28,
neither on 4 / 6. Two people (``benchmarks/feedback_human_agreement.py``): second vs author 0.914
zh / 0.915 en (sentiment when both found the aspect 0.986 / 0.985, intent 0.931 / 0.937). The
same author relabelled 150 blind26 sentences per language (``relabel27_blind26_*``): against
blind26's adjudicated labels 0.922 / 0.932.

The lead measured it with ``python -m loyalloop.feedback.evaluate FILE --json``, choosing nothing
by it:

- session 28's models: agreement 0.8905 zh, 0.8510 en; second person 0.9010 / 0.8467;
  adjudicated 0.9009 / 0.8489.
- session 29's retrain (train28k … train28r in): agreement **0.8982 zh, 0.8545 en**; recall 0.9358 /
  0.9192; precision 0.8360 / 0.8131; sentiment when found 0.9598 / 0.9296; intent 0.9182 / 0.9094.
  Second person 0.9087 / 0.8547; adjudicated **0.9076 / 0.8568**. With the recorded channels
  (``evaluate --channels``): 0.8971 / 0.8545, adjudicated 0.9087 / 0.8568.
- session 32's retrain (train29a … train30f in, sixty-five authors, thresholds chosen holding the
  authors out in ten groups): agreement **0.9126 zh, 0.8707 en**; recall 0.9480 / 0.9249;
  precision 0.8369 / 0.8132; sentiment when found 0.9627 / 0.9413; intent 0.9197 / 0.9266. Second
  person 0.9164 / 0.8719; adjudicated **0.9154 / 0.8737**. With the recorded channels: 0.9115 /
  0.8707, adjudicated 0.9165 / 0.8737. Whether the customer complains (adjudicated): 0.953 /
  0.931; complaint precision 0.827 / 0.792.
- session 32's second retrain (train31a … train31f in too, seventy-one authors): agreement
  **0.9170 zh, 0.8695 en**; recall 0.9480 / 0.9226; precision 0.8386 / 0.8145; sentiment when
  found 0.9673 / 0.9424; intent 0.9168 / 0.9266. Second person 0.9186 / 0.8719; adjudicated
  **0.9187 / 0.8737**. With the recorded channels: 0.9159 / 0.8695, adjudicated 0.9198 / 0.8737.
  Whether the customer complains (adjudicated): 0.957 / 0.932; complaint precision 0.830 / 0.799.
- session 33's retrain (train32a … train32f in too, seventy-seven authors; the lexicon's auxiliary
  and verdict fixes): agreement **0.9148 zh, 0.8741 en**; recall 0.9480 / 0.9215; precision 0.8427
  / 0.8244; sentiment when found 0.9650 / 0.9486; intent 0.9139 / 0.9295. Second person 0.9153 /
  0.8730; adjudicated **0.9154 / 0.8737**. With the recorded channels: 0.9137 / 0.8741,
  adjudicated 0.9165 / 0.8737. Whether the customer complains (adjudicated): 0.960 / 0.938;
  complaint precision 0.836 / 0.815. The comment's sentiment as reported (adjudicated; since
  session 33 the verdict of intent and mentions): 0.954 / 0.940; its tone, reported before: 0.740
  / 0.627.

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

#: Every file of the blind27 round; none may be training data while it is held out.
HELD_OUT = ("blind27", "relabel27_blind26", "second27_blind27", "adjudicated27_blind27")

#: set -> (sentences, held-out agreement, held-out recall[, the comment's sentiment as reported,
#: comment_accuracy]) on session 33's models.
MEASURED = {
    "blind27_zh": (697, 0.9148, 0.9480),
    "blind27_en": (695, 0.8741, 0.9215),
    "second27_blind27_zh": (697, 0.9153, 0.9549),
    "second27_blind27_en": (695, 0.8730, 0.9279),
    "adjudicated27_blind27_zh": (697, 0.9154, 0.9555, 0.9541),
    "adjudicated27_blind27_en": (695, 0.8737, 0.9245, 0.9396),
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_blind27_held_out_agreement_floor(name: str) -> None:
    assert_floor(name, *MEASURED[name])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_adjudicated_set_is_the_merge_of_its_inputs(lang: str, tmp_path: Path) -> None:
    """The committed adjudicated set is what the adjudication script makes of the two
    annotators' files and the adjudicator's decisions (nothing edited by hand)."""
    assert_adjudicated_merge(27, lang, tmp_path / "adjudicated.tsv")


def test_blind27_is_not_training_data() -> None:
    assert_training_data(not_trained=HELD_OUT)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(lang: str) -> None:
    """``channels27/channels_{lang}.tsv`` gives the channel of each blind27 row, in order."""
    assert_channels_side_file(27, lang)
