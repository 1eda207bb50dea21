"""The shipped models parsed once per user (``feedback.model_cache``) are the parsed models.

* Each shipped model read back from its cache file has every attribute of the model parsed
  from its text file (the same vocabularies in the same order, the same weights bit for bit),
  and scores the same.
* The second load reads the file (the parser is not called); a damaged file, another model
  text or another parsed layout (``PARSED_LAYOUT``) gives another parse, never the old object;
  no folder or an unwritable one parses in memory.
* The file is named by the layout version and (since session 30 again) by the source of the
  class's module: an edited parser never reads an old object; up to ``KEEP`` files per model are
  kept, so two sources (two checkouts of one user) do not evict each other's file; and each
  shipped class's attributes are recorded here with its layout version, so a change of the
  attributes without a bump of ``PARSED_LAYOUT`` fails.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from loyalloop.feedback import model_cache
from loyalloop.feedback.aspect_detector import AspectDetector
from loyalloop.feedback.intent_model import IntentModel
from loyalloop.feedback.mention_sentiment import MentionSentimentModel
from loyalloop.feedback.sentiment import ChineseSentimentModel

#: Each shipped class's parsed layout: its ``PARSED_LAYOUT`` and the attributes a parsed
#: object has, in order. A change of the attributes must bump ``PARSED_LAYOUT`` (else an old
#: pickle of the same model text would be read into the new code) and be recorded here.
LAYOUTS: dict[type, tuple[int, tuple[str, ...]]] = {
    ChineseSentimentModel: (1, ("weights_", "idf2_", "metadata", "_vocab", "_cache")),
    AspectDetector: (
        1,
        (
            "aspects_", "vocabulary_", "weights_", "bias_", "threshold", "metadata",
            "thresholds", "language_thresholds", "beside_thresholds", "features", "_column",
            "gate_weights_", "second_has", "second_weights", "second_bias", "second_adds",
            "second_beside", "second_thresholds", "second_language_thresholds", "fallback",
            "fallback_gate", "_cache", "_gate_cache", "_zero",
        ),
    ),
    MentionSentimentModel: (
        1,
        (
            "vocabularies_", "weights_", "metadata", "_cache", "_clause_cache", "_rows",
            "_part_cache", "margins", "neutral_needs_margin", "flip_margin",
            "flip_margin_without_evidence",
        ),
    ),
    IntentModel: (1, ("classes_", "metadata", "_rows")),
}  # fmt: skip

SHIPPED: list[tuple[str, Any]] = [
    ("zh_sentiment.txt", ChineseSentimentModel),
    ("aspect_detector.txt", AspectDetector),
    ("mention_sentiment.txt", MentionSentimentModel),
    ("intent_model.txt", IntentModel),
]


@pytest.mark.parametrize(("data_file", "kind"), SHIPPED)
def test_a_cached_model_is_the_parsed_model(
    data_file: str, kind: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    parsed = kind.load()
    first = model_cache.load_parsed(data_file, kind.load, kind)  # parses and writes
    assert len(list(tmp_path.glob(f"{Path(data_file).stem}.layout*-*.pickle"))) == 1

    def fail() -> Any:
        raise AssertionError("parsed again although the cache file is there")

    second = model_cache.load_parsed(data_file, fail, kind)
    assert type(second) is kind and second is not first
    _assert_same(first, parsed)
    _assert_same(second, parsed)


def _assert_same(got: object, parsed: object) -> None:
    """Every attribute equal: dictionaries with their keys in the same order, arrays with
    the same dtype and values bit for bit, tuples item by item."""
    assert vars(got).keys() == vars(parsed).keys()
    for name, want in vars(parsed).items():
        _same(vars(got)[name], want, name)


def _same(value: object, want: object, where: object) -> None:
    if isinstance(want, np.ndarray):
        assert isinstance(value, np.ndarray), where
        assert value.dtype == want.dtype and value.tobytes() == want.tobytes(), where
    elif isinstance(want, dict):
        assert isinstance(value, dict) and list(value) == list(want), where
        for k, v in want.items():
            _same(value[k], v, (where, k))
    elif isinstance(want, tuple) and any(isinstance(v, (np.ndarray, dict)) for v in want):
        assert isinstance(value, tuple) and len(value) == len(want), where
        for i, (a, b) in enumerate(zip(value, want, strict=True)):
            _same(a, b, (where, i))
    else:
        assert value == want, where


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
    (path,) = tmp_path.glob("zh_sentiment.layout1-*.pickle")
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
    # another layout version names another file; the old one is kept beside it
    monkeypatch.setattr(kind, "PARSED_LAYOUT", 2)
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)
    assert len(calls) == 5
    (new_path,) = tmp_path.glob("zh_sentiment.layout2-*.pickle")
    assert new_path != path and path.exists()


def test_another_source_names_another_file_and_keeps_the_first(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """An edited parser (here: another source file for the class's module) parses again and
    writes a file of its own; the first source's file is kept and read again when it returns."""
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    kind = ChineseSentimentModel
    module = model_cache.sys.modules[kind.__module__]
    model_cache.load_parsed("zh_sentiment.txt", kind.load, kind)
    (first,) = tmp_path.glob("zh_sentiment.layout*.pickle")
    calls: list[int] = []

    def parse() -> ChineseSentimentModel:
        calls.append(1)
        return kind.load()

    other = tmp_path / "other.py"
    other.write_text("# another checkout of the parser\n", encoding="utf-8")
    original = module.__file__
    monkeypatch.setattr(module, "__file__", str(other))
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)
    assert calls == [1]
    assert len(list(tmp_path.glob("zh_sentiment.layout*.pickle"))) == 2 and first.exists()
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)  # the other source's own file
    monkeypatch.setattr(module, "__file__", original)
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)  # the first source's file again
    assert calls == [1]
    # a file of the oldest naming (the source's hash alone) is neither read nor removed
    old = tmp_path / "zh_sentiment-0123456789abcdef0123456789abcdef.pickle"
    old.write_bytes(b"an old checkout's file")
    model_cache.load_parsed("zh_sentiment.txt", parse, kind)
    assert old.read_bytes() == b"an old checkout's file" and calls == [1]


def test_at_most_keep_files_per_model(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    kind = ChineseSentimentModel
    for version in range(1, model_cache.KEEP + 3):
        monkeypatch.setattr(kind, "PARSED_LAYOUT", version)
        model_cache.load_parsed("zh_sentiment.txt", kind.load, kind)
        (written,) = tmp_path.glob(f"zh_sentiment.layout{version}-*.pickle")
        os.utime(written, (1e9 + version, 1e9 + version))  # distinct times, whatever the clock
        kept = sorted(p.name.split("-")[0] for p in tmp_path.glob("zh_sentiment.layout*.pickle"))
        first = max(1, version - model_cache.KEEP + 1)
        assert kept == sorted(f"zh_sentiment.layout{v}" for v in range(first, version + 1))


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_the_parsed_layout_is_the_recorded_one(kind: Any) -> None:
    version, names = LAYOUTS[kind]
    found = tuple(vars(kind.load()))
    assert found == names and version == kind.PARSED_LAYOUT, (
        f"{kind.__name__}'s parsed attributes changed to {found}: bump its PARSED_LAYOUT "
        "(an old pickle of the same model text must not be read into the new layout) and "
        "record the new layout in LAYOUTS"
    )
    assert model_cache.layout_version(kind) == version


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
