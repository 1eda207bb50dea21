"""The ``default`` taxonomy (banking + retail): an aspect both businesses have keeps the
patterns of both and a neutral label and definition, and a card business's comments are read
with ``banking`` (never the shop's aspects or words)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalloop.errors import ConfigError
from loyalloop.feedback import aspects
from loyalloop.feedback.aspects import (
    SHARED_ASPECTS,
    choose_taxonomy,
    detect_aspects,
    load_taxonomy,
)

SHARED = ("waiting_time", "app_online")

#: (aspect, a bank's phrase, the pattern only banking.yaml has, a shop's phrase, the pattern
#: only retail.yaml has).
ONE_SIDE_PHRASES = [
    ("app_online", "手机银行又闪退了", "手机银行", "网站下单页面一直打不开", "下单页面"),
    (
        "app_online",
        "The chatbot is useless",
        "chatbot",
        "Online checkout kept failing",
        "online checkout",
    ),
    ("waiting_time", "一直没有回电", "回电", "收银台前等得好辛苦", "收银台"),
    ("waiting_time", "Nobody ever called back", "called back", "Only one till open", "till open"),
]


def _patterns(text: str, name: str, aspect: str) -> list[str]:
    return dict(load_taxonomy(name).find(text.lower())).get(aspect, [])


def test_the_shared_aspects_are_exactly_the_keys_both_businesses_have() -> None:
    banking, retail = load_taxonomy("banking"), load_taxonomy("retail")
    assert set(banking.keys) & set(retail.keys) == set(SHARED_ASPECTS) == set(SHARED)


@pytest.mark.parametrize(("aspect", "bank", "bank_word", "shop", "shop_word"), ONE_SIDE_PHRASES)
def test_default_finds_the_phrases_of_both_businesses(
    aspect: str, bank: str, bank_word: str, shop: str, shop_word: str
) -> None:
    # each pattern is one business's own: the other taxonomy does not have it
    assert bank_word in _patterns(bank, "banking", aspect)
    assert bank_word not in _patterns(bank, "retail", aspect)
    assert shop_word in _patterns(shop, "retail", aspect)
    assert shop_word not in _patterns(shop, "banking", aspect)
    # default has both (before the fix retail's patterns replaced banking's)
    assert bank_word in _patterns(bank, "default", aspect)
    assert shop_word in _patterns(shop, "default", aspect)


@pytest.mark.parametrize("text", ["一直没有回电", "Nobody ever got back to me"])
def test_a_bank_waiting_mention_retail_misses_is_read_under_default(text: str) -> None:
    # retail's waiting-time patterns, which were default's before the fix, do not match;
    # the whole reading under default (patterns and the learned detector) finds it. (Under
    # retail the learned detector finds these too since sessions 17 and 19 — "Nobody ever
    # called back", then the fallback for a comment with no aspect — so the retail side checks
    # the patterns alone. Since session 22's retrain with blind19 "Nobody ever got back to me"
    # is also service attitude, as labelling authors mark a call never returned; since session
    # 32's it is the staff too — default holds retail's staff, the shop's side of the same
    # judgement.)
    assert not _patterns(text, "retail", "waiting_time")
    found = [m.aspect for m in detect_aspects(text, load_taxonomy("default"))]
    assert "waiting_time" in found
    assert set(found) <= {"waiting_time", "service_attitude", "staff"}


@pytest.mark.parametrize("key", SHARED)
def test_default_keeps_every_pattern_and_channel_of_both(key: str) -> None:
    merged = load_taxonomy("default").aspect(key)
    for name in ("banking", "retail"):
        part = load_taxonomy(name).aspect(key)
        assert set(part.zh_patterns) <= set(merged.zh_patterns)
        assert set(part.en_patterns) <= set(merged.en_patterns)
        assert part.kind == merged.kind


@pytest.mark.parametrize("key", SHARED)
def test_default_labels_a_shared_aspect_for_both_businesses(key: str) -> None:
    tax = load_taxonomy("default")
    assert tax.label(key, "en") == SHARED_ASPECTS[key]["label"]["en"]
    assert tax.label(key, "zh") == SHARED_ASPECTS[key]["label"]["zh"]
    assert tax.definition(key, "en") == SHARED_ASPECTS[key]["definition"]["en"]
    assert tax.definition(key, "zh") == SHARED_ASPECTS[key]["definition"]["zh"]
    # neither business's own words: no shop on a bank's comment, no bank on a shop's
    for text in (tax.label(key, "en"), tax.definition(key, "en")):
        assert "shop" not in text.lower() and "the bank" not in text.lower()
    for text in (tax.label(key, "zh"), tax.definition(key, "zh")):
        assert "商家" not in text and "银行的" not in text and "等银行" not in text
    # the two businesses keep their own words when read alone
    assert load_taxonomy("banking").label("app_online", "en") == "App and online banking"
    assert "shop" in load_taxonomy("retail").definition("app_online", "en")


def test_app_definition_in_default_covers_both_businesses() -> None:
    text = load_taxonomy("default").definition("app_online", "en")
    assert "online banking" in text and "checkout" in text
    text_zh = load_taxonomy("default").definition("app_online", "zh")
    assert "网上银行" in text_zh and "下单" in text_zh


def _parts(specs: dict[str, dict[str, Any]]) -> Any:
    return lambda name: {"name": name, "aspects": specs[name]}


def test_a_shared_aspect_without_a_neutral_label_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = {
        "banking": {"parking": {"zh": ["停车"]}},
        "retail": {"parking": {"zh": ["车位"]}},
    }
    monkeypatch.setattr(aspects, "_shipped_spec", _parts(specs))
    with pytest.raises(ConfigError, match=r"banking\.yaml, retail\.yaml.*'parking'.*SHARED"):
        aspects._merged_spec(("banking", "retail"))


def test_a_shared_aspect_of_two_kinds_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = {
        "banking": {"waiting_time": {"zh": ["排队"], "kind": "speed"}},
        "retail": {"waiting_time": {"zh": ["排队"], "kind": "cost"}},
    }
    monkeypatch.setattr(aspects, "_shipped_spec", _parts(specs))
    with pytest.raises(ConfigError, match=r"'waiting_time'.*kind differs"):
        aspects._merged_spec(("banking", "retail"))


@pytest.mark.parametrize(("business", "want"), [("card", "banking"), ("retail", "retail")])
def test_the_demo_sample_gets_its_own_business_taxonomy(business: str, want: str) -> None:
    sample = pytest.importorskip("loyalloop.sample")
    from loyalloop.apps.demo import demo_run_config

    fb = sample.generate(customers=1500, seed=0, business=business).feedback
    texts = fb["text"].dropna().astype(str).tolist()
    # the demo sets it, and a run without a setting chooses the same from the comments
    assert demo_run_config(business).taxonomy == want
    assert choose_taxonomy(texts)[0] == want
