from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loyalloop.errors import ModelError
from loyalloop.feedback import ChineseSentimentModel, score_text, score_texts
from loyalloop.feedback.sentiment import clause_logit, zh_features


@pytest.mark.parametrize(
    "text",
    ["不太满意", "一点也不好", "不满意", "服务态度不好", "年费太贵了", "排队等了一个小时",
     "APP老是闪退", "被盗刷了，银行不管", "质量很差", "额度太低", "不是很好"],
)  # fmt: skip
def test_chinese_negative(text: str) -> None:
    assert score_text(text).label == "negative"


@pytest.mark.parametrize(
    "text",
    ["满意", "非常满意", "客服态度很好", "积分很划算", "手机银行很好用", "物流很快", "不错",
     "一点也不差", "没什么问题，挺好的"],
)  # fmt: skip
def test_chinese_positive(text: str) -> None:
    assert score_text(text).label == "positive"


def test_negation_flips_and_intensifiers_scale() -> None:
    assert score_text("满意").score > 0 > score_text("不太满意").score
    # the clause reading (domain lexicon) scales with intensifiers; a comment's score also
    # blends in the review model where the lexicon is unsure, so compare clauses here
    assert clause_logit("非常满意").logit > clause_logit("满意").logit > 0
    assert clause_logit("慢").logit < clause_logit("有点慢").logit < 0  # downtoner softens
    assert clause_logit("very slow").logit < clause_logit("a bit slow").logit < 0
    feats = zh_features("不太满意")
    assert "n:满意" in feats and "w:满意" not in feats


def test_traditional_chinese_scores_like_simplified() -> None:
    assert score_text("服務態度很差") == score_text("服务态度很差")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("not bad at all", "positive"),
        ("The staff were very helpful", "positive"),
        ("The app is not good", "negative"),
        ("Terrible service, I waited an hour", "negative"),
        ("客服 service is terrible, 等了很久", "negative"),
        ("Great app, 很好用", "positive"),
        ("👍👍", "positive"),
        ("😡😡", "negative"),
    ],
)
def test_english_mixed_and_emoji(text: str, label: str) -> None:
    assert score_text(text).label == label


@pytest.mark.parametrize(
    "raw",
    [None, "", "   ", "<script>x</script>", "\x00\x01\x02", 42, b"\xff\xfe\x00", "好" * 50_000],
)
def test_bad_input_gives_defined_result(raw: object) -> None:
    s = score_text(raw)
    assert s.label in ("positive", "neutral", "negative")
    assert -1.0 <= s.score <= 1.0


def test_empty_is_neutral_zero() -> None:
    assert score_text("").score == 0.0
    assert score_text("12345").label == "neutral"


def test_score_texts_frame() -> None:
    out = score_texts(["很好", "很差", None])
    assert list(out.columns) == ["language", "sentiment", "sentiment_score"]
    assert out["sentiment"].tolist() == ["positive", "negative", "neutral"]
    assert out["sentiment_score"].between(-1, 1).all()


def test_model_round_trip_and_version_check(tmp_path: Path) -> None:
    model = ChineseSentimentModel({"w:好": 2.0, "w:差": -2.0}, {"w:好": 1.0, "w:差": 1.0}, {})
    path = tmp_path / "m.txt"
    model.dump(path)
    again = ChineseSentimentModel.load(path)
    assert again.weights_ == model.weights_
    assert again.logit("好") > 0 > again.logit("差")
    path.write_text("# format = other/9\nw:好\t1\t1\n", encoding="utf-8")
    with pytest.raises(ModelError, match="regenerate"):
        ChineseSentimentModel.load(path)


def test_shipped_model_metadata() -> None:
    meta = ChineseSentimentModel.load().metadata
    assert meta["format"] == "loyalloop-zh-sentiment/1"
    assert float(meta["test_accuracy"]) > 0.8483  # SnowNLP on the same split (docs)
    assert int(meta["features"]) <= 100_000


_LOGITS_SCRIPT = """
import sys
from loyalloop.feedback.evaluate import read_labelled
from loyalloop.feedback.sentiment import _zh_model
model = _zh_model()
texts = read_labelled(sys.argv[1])["text"].tolist()[:300]
print("\\n".join(repr(model.logit(t)) for t in texts))
"""


def test_chinese_logits_do_not_depend_on_the_hash_seed() -> None:
    """The lexicon model sums its known features in sorted order: two processes with different
    hash seeds give the same unrounded log-odds, bit for bit (a set's order would not)."""
    data = Path(__file__).parent / "data" / "blind26_zh.tsv"
    outs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", _LOGITS_SCRIPT, str(data)], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        outs.append(run.stdout)
    assert outs[0].count("\n") >= 299
    assert outs[0] == outs[1] == outs[2]
