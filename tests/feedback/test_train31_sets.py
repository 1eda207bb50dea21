"""Six more angled authors' sets, written in session 31 — training data since session 32.

``tests/feedback/data/train31{a,…,f}_{zh,en}.tsv`` (``train31_README.md``, ``train31?_README.md``)
were written and labelled on 2026-12-04 (22:28–22:39 UTC) by six authors, each a session that
had read nothing but its brief and the labelling guide, each with an angle of its own: train31a
amounts, dates and numbers mentioned in passing, train31b product reviews full of concrete
detail, train31c agents' notes and case summaries, train31d the app, online banking and logins,
train31e questions and requests about bills, points and limits, train31f lukewarm and mixed
feelings. Not the analyser, its lexicon, its taxonomies, its tests or any labelled set. Each
author recorded the channel of each row (``channels31a/`` … ``channels31f/``). They are labelled
once, by their authors. Rows word for word in the held-out blind26 … blind29 were left out when
they were written (41).

Held out, before anyone trained on them (``python -m loyalloop.feedback.evaluate FILE --json``),
pooled over their pairs: session 29's models 0.804 zh / 0.780 en; session 32's first models
(sixty-five authors) 0.824 / 0.798, every set better in both languages (train31a 0.873 / 0.787,
train31b 0.869 / 0.818, train31c 0.870 / 0.831, train31d 0.789 / 0.785, train31e 0.802 / 0.800,
train31f 0.760 / 0.773; ``benchmarks/results/feedback.md``, session 32).

Then they became training data (``TRAIN_SETS``, seventy blind authors, session 32): the figures
these tests see are a regression guard only; the honest estimate for a new author is the held-out
blind26 … blind29 and the six sets of ``pending32/``.
"""

from __future__ import annotations

import pytest
from tests.feedback.labelled_floor import (
    assert_channels_side_file,
    assert_floor,
    assert_training_data,
)

SETS = tuple(f"train31{x}" for x in "abcdef")

#: set -> (sentences, agreement, recall) of session 32's second models, trained on them.
IN_SAMPLE = {
    "train31a_en": (670, 0.9750, 0.9898),
    "train31a_zh": (697, 0.9956, 0.9967),
    "train31b_en": (588, 0.9780, 0.9969),
    "train31b_zh": (604, 0.9969, 0.9969),
    "train31c_en": (666, 0.9887, 0.9977),
    "train31c_zh": (643, 0.9955, 0.9955),
    "train31d_en": (696, 0.9610, 0.9962),
    "train31d_zh": (717, 0.9946, 0.9973),
    "train31e_en": (658, 0.9729, 0.9955),
    "train31e_zh": (598, 0.9962, 0.9975),
    "train31f_en": (636, 0.9498, 0.9897),
    "train31f_zh": (666, 0.9957, 0.9957),
}


@pytest.mark.parametrize("name", sorted(IN_SAMPLE))
def test_train31_agreement_does_not_regress_in_sample(name: str) -> None:
    assert_floor(name, *IN_SAMPLE[name])


def test_train31_sets_are_training_data_of_every_model() -> None:
    assert_training_data(trained=SETS)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_side_file_has_one_known_channel_per_row(name: str, lang: str) -> None:
    """``channels31a/channels_{lang}.tsv`` gives the channel of each train31a row, in order."""
    assert_channels_side_file(name.removeprefix("train"), lang, stem=name)
