"""Six more angled authors' sets, written at the end of session 28 — training data since session 29.

``tests/feedback/data/train28{k,l,m,o,p,r}_{zh,en}.tsv`` (``train28?_README.md``) were written and
labelled on 2026-12-04 (13:48–14:05 UTC) by six more authors, each a session that had read nothing
but its brief and the labelling guide (the same brief as ``train28a`` … ``train28j``, each with an
angle of its own): train28k self-employed customers and small-shop owners, train28l customers with
disabilities or health conditions and their carers, train28m long platform reviews (up to 400
characters), train28o NPS / CSAT survey verbatims, train28p the customer's side of live chats and
chatbot conversations, train28r customers reacting to changes (fees, rewards, app redesigns,
closures, policies). Not the analyser, its lexicon, its taxonomies, its tests or any labelled set.
Each author recorded the channel of each row (``channels28k/`` … ``channels28r/``). They are
labelled once, by their authors. They were written after session 28's retrain had started and
waited in ``pending28/`` (outside every digest and ``TRAIN_SETS``) until session 29. Nineteen
rows whose text is word for word a row of the held-out blind26 ("Fine.", "尺码偏小，建议买大一码",
…) were left out of these files.

Held out, before anyone trained on them, on session 28's models (``python -m
loyalloop.feedback.evaluate FILE --json``, before the nineteen rows were left out), agreement zh /
en: train28k 0.782 / 0.752, train28l 0.812 / 0.748, train28m 0.737 / 0.741, train28o 0.849 /
0.794, train28p 0.787 / 0.695, train28r 0.860 / 0.767 — pooled over their pairs 0.802 / 0.749,
below the everyday mix of the held-out author on the same models (blind26 0.849 / 0.808):
customers who write differently are read worse, live-chat turns in English worst.

Then they became training data (``TRAIN_SETS``, authors ``train28k`` … ``train28r``, forty-eight
blind authors): the figures these tests see are a regression guard only; the honest estimate for
a new author is the held-out blind26 and leave-one-author-out (``benchmarks/results/feedback.md``,
session 29).
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import (
    assert_channels_side_file,
    assert_floor,
    assert_training_data,
)

SETS = tuple(f"train28{x}" for x in "klmopr")

#: set -> (sentences, agreement, recall) of session 29's shipped models, trained on them.
IN_SAMPLE = {
    "train28k_zh": (677, 0.9956, 0.9967),
    "train28k_en": (685, 0.9785, 0.9966),
    "train28l_zh": (640, 0.9976, 0.9976),
    "train28l_en": (606, 0.9899, 0.9962),
    "train28m_zh": (693, 0.9933, 0.9942),
    "train28m_en": (671, 0.9787, 0.9980),
    "train28o_zh": (674, 0.9955, 0.9966),
    "train28o_en": (673, 0.9781, 0.9919),
    "train28p_zh": (706, 0.9742, 0.9752),
    "train28p_en": (680, 0.9740, 0.9969),
    "train28r_zh": (652, 0.9977, 0.9977),
    "train28r_en": (691, 0.9856, 0.9956),
}


@pytest.mark.parametrize("name", sorted(IN_SAMPLE))
def test_train28k_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *IN_SAMPLE[name])


def test_train28k_sets_are_training_data_of_every_model() -> None:
    assert_training_data(trained=SETS)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(name: str, lang: str) -> None:
    """``channels28k/channels_{lang}.tsv`` gives the channel of each train28k row, in order."""
    assert_channels_side_file(name.removeprefix("train"), lang, stem=name)
