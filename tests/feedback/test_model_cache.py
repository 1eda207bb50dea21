"""The shipped models parsed once per user (``feedback.model_cache``) are the parsed models.

* Each shipped model read back from its cache file has every attribute of the model parsed
  from its text file (the same vocabularies in the same order, the same weights bit for bit),
  and scores the same.
* The second load reads the file (the parser is not called); a damaged file, another model
  text or another parser gives another parse, never the old object; no folder or an
  unwritable one parses in memory.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from loyalloop.feedback import model_cache
from loyalloop.feedback.aspect_detector import AspectDetector
from loyalloop.feedback.mention_sentiment import MentionSentimentModel
from loyalloop.feedback.sentiment import ChineseSentimentModel

SHIPPED = [
    ("zh_sentiment.txt", ChineseSentimentModel),
    ("aspect_detector.txt", AspectDetector),
    ("mention_sentiment.txt", MentionSentimentModel),
]


@pytest.mark.parametrize(("data_file", "kind"), SHIPPED)
def test_a_cached_model_is_the_parsed_model(
    data_file: str, kind: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    parsed = kind.load()
    first = model_cache.load_parsed(data_file, kind.load, kind)  # parses and writes
    assert len(list(tmp_path.glob(f"{Path(data_file).stem}-*.pickle"))) == 1

    def fail() -> Any:
        raise AssertionError("parsed again although the cache file is there")

    second = model_cache.load_parsed(data_file, fail, kind)
    assert type(second) is kind and second is not first
    _assert_same(first, parsed)
    _assert_same(second, parsed)


def _assert_same(got: object, parsed: object) -> None:
    """Every attribute equal: dictionaries with their keys in the same order, arrays with
    the same dtype and values bit for bit."""
    assert vars(got).keys() == vars(parsed).keys()
    for name, want in vars(parsed).items():
        value = vars(got)[name]
        if isinstance(want, np.ndarray):
            assert value.dtype == want.dtype and value.tobytes() == want.tobytes(), name
        elif isinstance(want, dict):
            assert list(value) == list(want), name
            for k, v in want.items():
                if isinstance(v, np.ndarray):
                    assert value[k].dtype == v.dtype and value[k].tobytes() == v.tobytes()
                else:
                    assert value[k] == v, (name, k)
        else:
            assert value == want, name


def test_the_cached_models_score_as_the_parsed_ones(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    for data_file, kind in SHIPPED:
        model_cache.load_parsed(data_file, kind.load, kind)
    zh = model_cache.load_parsed("zh_sentiment.txt", None, ChineseSentimentModel)  # type: ignore[arg-type]
    texts = ["年费太贵了，客服态度还行", "积分兑换很方便", "不太满意，等了半小时"]
    assert [zh.logit(t) for t in texts] == [ChineseSentimentModel.load().logit(t) for t in texts]
    det = model_cache.load_parsed("aspect_detector.txt", None, AspectDetector)  # type: ignore[arg-type]
    assert (det.contributions(texts) == AspectDetector.load().contributions(texts)).all()


def test_damaged_or_stale_files_are_parsed_again(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    kind = ChineseSentimentModel
    model_cache.load_parsed("zh_sentiment.txt", kind.load, kind)
    (path,) = tmp_path.glob("zh_sentiment-*.pickle")
    calls: list[int] = []

    def parse() -> ChineseSentimentModel:
        calls.append(1)
        return kind.load()

    for damaged in (path.read_bytes()[:-7], b"not a pickle", path.read_bytes()[:30]):
        path.write_bytes(damaged)
        model = model_cache.load_parsed("zh_sentiment.txt", parse, kind)
        assert type(model) is kind and model.weights_ == kind.load().weights_
    assert len(calls) == 3
    # a file of another kind under the model's name is not taken for the model
    good = path.read_bytes()
    path.write_bytes(model_cache._MAGIC + pickle.dumps({"weights": 1}))
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)
    assert len(calls) == 4 and path.read_bytes() == good
    # another parser (the module's source) names another file; the old one is removed
    other = tmp_path / "other.py"
    other.write_text("# another parser\n", encoding="utf-8")
    monkeypatch.setattr(model_cache.sys.modules[kind.__module__], "__file__", str(other))
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)
    assert len(calls) == 5
    (new_path,) = tmp_path.glob("zh_sentiment-*.pickle")
    assert new_path != path


def test_no_folder_or_an_unwritable_one_parses_in_memory(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", "")
    assert model_cache.cache_dir() is None
    calls: list[int] = []

    def parse() -> ChineseSentimentModel:
        calls.append(1)
        return ChineseSentimentModel.load()

    model_cache.load_parsed("zh_sentiment.txt", parse, ChineseSentimentModel)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(blocked / "sub"))
    model = model_cache.load_parsed("zh_sentiment.txt", parse, ChineseSentimentModel)
    assert type(model) is ChineseSentimentModel and len(calls) == 2
