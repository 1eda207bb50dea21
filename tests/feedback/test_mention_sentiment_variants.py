"""The mention-sentiment variants measured and not shipped (benchmarks/mention_sentiment_variants.py):
they read what they say, the product module does not carry them, and switching one on for a
benchmark run adds its items (and only then)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from loyalloop.feedback import mention_sentiment as ms
from loyalloop.feedback import train_mention_sentiment as tms
from loyalloop.feedback.aspect_model import MentionContext

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "mention_sentiment_variants.py"


@pytest.fixture(scope="module")
def variants() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mention_sentiment_variants", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ASK = MentionContext(clause="is it worth getting their membership", aspect="price", logit=0.0,
                     rule="neutral", asks=True, after="delivery was late again",
                     after_logit=-2.0)  # fmt: skip
NOTE = MentionContext(clause="customer unhappy with delivery delay", aspect="waiting_time",
                      logit=-2.0, rule="negative", evidence=True)  # fmt: skip


def test_the_product_module_carries_none_of_them() -> None:
    for name in ("JUDGED_FEATURES", "MOOD_SIDE_FEATURES", "REQUEST_CUE", "judged_items",
                 "mood_side_items"):  # fmt: skip
        assert not hasattr(ms, name)
    names = {f for f, _ in ms.feature_items(ASK)}
    assert not any(f.startswith(("j:", "q:")) for f in names)
    assert "req" not in ms.mood_cues("let us download statements as csv")


def test_variants_read_what_they_say(variants: ModuleType) -> None:
    assert ("j:q0-", 1.0) in variants.judged_items(ASK)
    assert ("j:n-x", 1.0) in variants.judged_items(NOTE)
    assert ("q:sawlate", 1.0) in variants.mood_side_items(ASK)
    assert variants.mood_side_items(NOTE) == []
    cues = variants.request_mood_cues(ms.mood_cues)
    assert cues("please let us download statements") == ("hope", "req")
    assert "req" not in cues("the app is slow")


def test_install_adds_the_items_to_the_trainer_and_the_reader(
    variants: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    for mod in (ms, tms):
        monkeypatch.setattr(mod, "feature_items", mod.feature_items)
    monkeypatch.setattr(ms, "mood_cues", ms.mood_cues)
    before = dict(ms.feature_items(ASK))
    variants.install(["judged", "request"])
    after = dict(ms.feature_items(ASK))
    assert tms.feature_items is ms.feature_items
    assert set(after) - set(before) >= {"j:q0-", "j:0-"}
    assert {k: after[k] for k in before} == before
    assert "req" in ms.mood_cues("let us download statements as csv")
    with pytest.raises(SystemExit, match="unknown variant"):
        variants.install(["nonsense"])


CLOSED = MentionContext(clause="the yearly fee is 600 rmb", aspect="annual_fee", logit=0.0,
                        rule="neutral", free_after=1, free_after_logit=-2.0,
                        free_text="not happy")  # fmt: skip


def test_session23_comment_variants_read_the_side_after(
    variants: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 23: the product's comment items ignore an aspect-free sentence after the
    mention's; ``free_both_sides`` reads it, ``free_without_evidence`` only where the clause
    holds no lexicon evidence; installing one replaces what the reader and trainer read."""
    assert ms.comment_items(CLOSED) == []
    both = dict(variants.both_sides_items(CLOSED))
    assert both["cfa-"] == 0.5 and {"cfx:0xx-", "cf"} <= both.keys()
    assert variants.without_evidence_items(CLOSED) == variants.both_sides_items(CLOSED)
    judged = MentionContext(**{**CLOSED.__dict__, "evidence": True, "logit": -2.0})
    assert variants.without_evidence_items(judged) == []
    monkeypatch.setattr(ms, "comment_items", ms.comment_items)
    monkeypatch.setattr(ms, "COMMENT_LANGUAGES", ("en",))
    variants.install(["free_both_sides"])
    assert "cfa-" in dict(ms.feature_items(CLOSED))
