"""The learned intent model: shipped, within the product's intents, rules kept as fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.errors import ModelError
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.evaluate import INTENT_ALIASES
from loyalloop.feedback.intent import INTENTS, main_intent, rules_intent
from loyalloop.feedback.intent_model import IntentModel, shipped_intent_model


def test_shipped_intent_model_reads_within_the_product_intents() -> None:
    model = shipped_intent_model()
    assert model is not None
    assert model.classes_ == INTENTS
    assert "blind2_zh" in model.metadata["train_sets"].split(",")
    tax = load_taxonomy("banking")
    for text in ("我想把这张卡销掉", "Why was I charged twice?", "请问年费怎么减免？",
                 "客服态度超好，点赞", "I have used this card for five years"):  # fmt: skip
        reading = read_comment(text, tax)
        assert main_intent(reading) in INTENTS
        assert main_intent(reading, learned=False) == rules_intent(reading)
    assert INTENT_ALIASES == {"statement": "none"}


def test_intent_model_round_trip(tmp_path: Path) -> None:
    model = IntentModel(("cancel", "none"), {"zh": {"bias": (0.5, -0.5), "t1销": (2.0, 0.0)}})
    model.dump(tmp_path / "m.txt")
    again = IntentModel.load(tmp_path / "m.txt")
    assert again.predict(["销卡"], ["bias", "t1销"])[0] == "cancel"
    assert again.predict(["你好"], ["bias"])[0] == "cancel"
    assert again.predict(["hello"], ["bias"])[0] == "cancel"  # no en weights: ties go first
    (tmp_path / "bad.txt").write_text("# format = x/1\n# classes = a\n", encoding="utf-8")
    with pytest.raises(ModelError, match="format"):
        IntentModel.load(tmp_path / "bad.txt")
