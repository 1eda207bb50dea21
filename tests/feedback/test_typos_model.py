"""Typing slips in aspect words, and the shipped aspect-sentiment model."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_model import (
    AspectSentimentModel,
    MentionContext,
    mention_features,
    shipped_model,
)
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.segment import normalize
from loyalloop.feedback.typos import correct_typos


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("年废太贵了", "年费太贵了"), ("利吸太高", "利息太高"), ("额渡太低", "额度太低"),
        ("客幅态度差", "客服态度差"), ("快地太慢了", "快递太慢了"), ("阿普又崩了", "app又崩了"),
        ("the intrest is high", "the interest is high"), ("custmer servce", "customer service"),
        ("credit limt", "credit limit"), ("the feez", "the fees"), ("delivary was late", "delivery was late"),
    ],
)  # fmt: skip
def test_slips_in_aspect_words_are_put_right(written: str, read: str) -> None:
    assert correct_typos(written) == read


@pytest.mark.parametrize(
    "text",
    [
        "客服回复很耐心", "保质期到什么时候", "这卡每年要交会员费吗", "想退个货比登天还难",
        "罚息按全额算", "被骗的钱能追回吗", "不过机场贵宾厅确实好用", "积分有效期到底多久",
        "the material feels cheap", "that makes no sense", "the colour i wanted",
        "interest rates are lower", "staff were not pushy", "the prise", "stuff",
    ],
)  # fmt: skip
def test_real_words_are_left_alone(text: str) -> None:
    assert correct_typos(text) == text


def test_slips_are_read_as_the_aspect_but_shown_as_written() -> None:
    m = read_comment("年废太贵了", load_taxonomy("banking")).mentions
    assert [(x.aspect, x.sentiment.label) for x in m] == [("annual_fee", "negative")]
    assert m[0].clause == "年废太贵了"  # the text shown to people is as written
    assert normalize("The INTREST") == "the interest"


def test_the_model_is_shipped_and_scores_mentions() -> None:
    model = shipped_model()
    assert model is not None
    # The shipped model (the fallback when the mention model is not shipped) is trained on every
    # labelled set, every blind author's included (blind2, blind3 since round 9, blind4 since
    # round 10, blind5 since round 11), so a
    # cross-validation within those sets would flatter it (and is not recorded in the file):
    # the honest figures are the leave-one-author-out tables. Here: what it was trained on.
    trained_on = set(model.metadata["train_sets"].split(","))
    assert {
        "domain_zh",
        "domain_en",
        "blind_zh",
        "blind_en",
        "train3_zh",
        "train3_en",
    } <= trained_on
    assert {
        "blind2_zh",
        "blind2_en",
        "blind3_zh",
        "blind3_en",
        "blind4_zh",
        "blind4_en",
        "blind5_zh",
        "blind5_en",
    } <= trained_on
    bad = MentionContext("年费太贵了", "annual_fee", logit=-3.0, rule="negative", evidence=True)
    good = MentionContext("年费免了很划算", "annual_fee", logit=2.0, rule="positive", evidence=True)
    assert model.predict(bad)[0] == "negative"
    assert model.predict(good)[0] == "positive"
    _label, score = model.predict(bad)
    assert -1.0 <= score < 0
    p = model.probabilities(mention_features(bad))
    assert sum(p) == pytest.approx(1.0)


def test_model_file_round_trips_and_rejects_other_formats(tmp_path: Path) -> None:
    model = AspectSentimentModel({"bias": (0.1, 0.2, -0.3), "t1年": (1.0, 0.0, -1.0)}, {"C": "1"})
    path = tmp_path / "m.txt"
    model.dump(path)
    again = AspectSentimentModel.load(path)
    assert again.weights_ == model.weights_
    again.dump(tmp_path / "m2.txt")
    assert (tmp_path / "m2.txt").read_bytes() == path.read_bytes()
    path.write_text("# format = something-else\n", encoding="utf-8")
    with pytest.raises(ModelError, match="format"):
        AspectSentimentModel.load(path)
