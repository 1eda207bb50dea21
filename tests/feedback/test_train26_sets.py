"""Two more blind authors' sets, written in session 26 beside the held-out blind24 — training data.

``tests/feedback/data/train26a_{zh,en}.tsv`` (571 / 530 sentences, ``train26a_README.md``) and
``train26b_{zh,en}.tsv`` (695 / 705, ``train26b_README.md``) were written and labelled on
2026-12-04 (05:38–06:03 UTC) by two more authors, each a session that had read nothing but its
brief and the labelling guide (the same brief as blind24's, less the relabelling): not the
analyser, its lexicon, its taxonomies, its tests or any labelled set. Every row was typed whole
with its labels in short codes that a script only spelled out; each author recorded the channel
of each row (``channels26a/``, ``channels26b/``). They are labelled once, by their authors (no
second person, no adjudication). Seven rows whose text is word for word a row of the held-out
blind24 ("Fine.", "活动价入手，很划算", …) were left out of these files, so that training on them
cannot read blind24's own sentences.

Held out, before anyone trained on them (``python -m loyalloop.feedback.evaluate FILE --json``),
agreement zh / en:

- session 25's models: train26a 0.8547 / 0.8095, train26b 0.8838 / 0.8240;
- blind23's adjudicated labels in (``c46f610``): train26a 0.8573 / 0.8125, train26b 0.8859 /
  0.8318.

Then they became training data (``TRAIN_SETS``, authors ``train26a`` and ``train26b``, twenty-six
blind authors): the figures these tests see are a regression guard only; the honest estimate for
a new author is the held-out blind24 and leave-one-author-out (``benchmarks/results/feedback.md``,
session 26).
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import (
    assert_channels_side_file,
    assert_floor,
    assert_training_data,
)

SETS = ("train26a", "train26b")

#: set -> (sentences, agreement, recall) of session 26's shipped models, trained on them.
IN_SAMPLE = {
    "train26a_zh": (571, 0.9933, 0.9960),
    "train26a_en": (530, 0.9881, 0.9896),
    "train26b_zh": (695, 0.9937, 0.9948),
    "train26b_en": (705, 0.9933, 0.9966),
}


@pytest.mark.parametrize("name", sorted(IN_SAMPLE))
def test_train26_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *IN_SAMPLE[name])


def test_train26_sets_are_training_data_of_every_model() -> None:
    assert_training_data(trained=SETS)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(name: str, lang: str) -> None:
    """``channels26a/channels_{lang}.tsv`` gives the channel of each train26a row, in order."""
    assert_channels_side_file(name.removeprefix("train"), lang, stem=name)
