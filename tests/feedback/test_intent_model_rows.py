"""The intent model's weights as row look-ups and matrices (session 34), and its parsed copy.

* :func:`~loyalloop.feedback.intent_model._rows` and ``weights_`` give back the weights as
  written, each feature's last row where a file writes one twice.
* ``predict`` sums the weights exactly as a loop over the features does (same floats, bit for
  bit), a feature the model does not know adds nothing, a language it has no weights for scores
  every class 0.
* The shipped model read back from the cache folder (:mod:`~loyalloop.feedback.model_cache`)
  has the parsed model's weights and predicts the same.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from loyalloop.feedback import model_cache
from loyalloop.feedback.intent_model import IntentModel, _rows


def _loop_predict(
    model: IntentModel, lang: str, features: list[str]
) -> tuple[str, float]:  # the scoring before session 34
    w = model.weights_.get(lang, {})
    k = len(model.classes_)
    s = [0.0] * k
    for f in features:
        row = w.get(f)
        if row is not None:
            for j in range(k):
                s[j] += row[j]
    top = max(s)
    e = [math.exp(v - top) for v in s]
    best = max(range(k), key=s.__getitem__)
    return model.classes_[best], e[best] / sum(e)


def test_rows_keep_the_weights_as_written() -> None:
    index, matrix = _rows(["a", "b", "a"], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2)
    assert index == {"a": 3, "b": 2}
    assert matrix.tolist() == [[0.0, 0.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    model = IntentModel(("x", "y"), {"zh": {"b": (0.1, -0.2), "t1卡": (0.3, 0.7)}})
    assert model.weights_ == {"zh": {"b": (0.1, -0.2), "t1卡": (0.3, 0.7)}}


def test_predict_sums_as_the_loop_does(tmp_path: Path) -> None:
    weights = {
        "zh": {
            f"t1{c}": (0.1 * i, -0.3 * i + 0.07, 1e-3 * i * i) for i, c in enumerate("卡费息额")
        },
        "en": {"bias": (0.1, 0.2, 0.3)},
    }
    model = IntentModel(("a", "b", "c"), weights)
    model.dump(tmp_path / "m.txt")
    again = IntentModel.load(tmp_path / "m.txt")  # three decimals, as written
    assert set(again.weights_["zh"]) == set(weights["zh"])
    for features in (["t1卡", "t1费", "nope", "t1息", "t1额", "t1卡"], [], ["nope"]):
        assert model.predict(["年费"], features) == _loop_predict(model, "zh", features)
        assert again.predict(["年费"], features) == _loop_predict(again, "zh", features)
    assert model.predict(["fee"], ["t1卡"]) == _loop_predict(model, "en", ["t1卡"])
    only_zh = IntentModel(("a", "b"), {"zh": {"bias": (1.0, 0.0)}})
    assert only_zh.predict(["hello"], ["bias"]) == ("a", 0.5)  # no en weights: all 0


def test_the_cached_shipped_model_is_the_parsed_one(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LOYALLOOP_CACHE_DIR", str(tmp_path))
    parsed = IntentModel.load()
    model_cache.load_parsed("intent_model.txt", IntentModel.load, IntentModel)  # writes
    cached = model_cache.load_parsed("intent_model.txt", None, IntentModel)  # type: ignore[arg-type]
    assert type(cached) is IntentModel and cached.classes_ == parsed.classes_
    assert cached.metadata == parsed.metadata and cached.weights_ == parsed.weights_
    assert list(vars(cached)) == ["classes_", "metadata", "_rows"]  # bump PARSED_LAYOUT else
    assert IntentModel.PARSED_LAYOUT == 1
    features = ["bias", "rule:complaint", "sent:negative", "t1卡", "t2年费", "tw~fee"]
    for norms in (["年费太贵"], ["the fee is too high"]):
        assert cached.predict(norms, features) == parsed.predict(norms, features)
