from __future__ import annotations

import math

import pandas as pd
import pytest

from loyalloop.feedback import clean_text, detect_language, split_clauses, to_simplified, tokenize
from loyalloop.feedback.clean import MAX_CHARS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        (math.nan, ""),
        (pd.NA, ""),
        ("", ""),
        ("   \t\n ", ""),
        ("<p>年费<b>太贵</b></p><script>alert(1)</script>", "年费 太贵"),
        ("服务&nbsp;很好&amp;快", "服务 很好&快"),
        ("额度\x00太\x07低\x1b", "额度 太 低"),
        ("ＡＰＰ很好用", "APP很好用"),
        ("年费太贵".encode(), "年费太贵"),
        ("年费太贵".encode("gb18030"), "年费太贵"),
        ("年費太貴".encode("big5"), "年費太貴"),
        ("年费太贵".encode().decode("latin-1"), "年费太贵"),  # mojibake repaired
        ("bad \ud800 surrogate", "bad ? surrogate"),
        (12345, "12345"),
    ],
)
def test_clean_text_defined_results(raw: object, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_truncates_very_long_text() -> None:
    out = clean_text("好" * (MAX_CHARS * 10))
    assert len(out) == MAX_CHARS


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("年费太贵了", "zh"),
        ("年費太貴了", "zh"),
        ("APP很好用，就是有时候闪退", "zh"),
        ("The app keeps crashing", "en"),
        ("客服 service is slow, 等了很久", "mixed"),
        ("👍👍👍", "und"),
        ("", "und"),
        ("12345 !!!", "und"),
        (None, "und"),
    ],
)
def test_detect_language(text: object, lang: str) -> None:
    assert detect_language(text) == lang


def test_traditional_and_simplified_tokenise_alike() -> None:
    assert to_simplified("信用卡額度太低，服務態度差") == "信用卡额度太低，服务态度差"
    assert tokenize("信用卡額度太低") == tokenize("信用卡额度太低")


def test_domain_terms_stay_whole() -> None:
    toks = tokenize("手机银行老是闪退，年费也太贵，还被盗刷了")
    for term in ("手机银行", "闪退", "年费", "盗刷"):
        assert term in toks


def test_english_tokens_and_clauses() -> None:
    assert tokenize("The staff weren't helpful!") == ["the", "staff", "weren't", "helpful"]
    assert split_clauses("年费太贵，但是积分很划算。Great app but slow") == [
        "年费太贵",
        "但是积分很划算",
        "Great app",
        "slow",
    ]


@pytest.mark.parametrize("raw", ["", "😀😀", "<br><br>", "\x00\x01", "a" * 100_000, None])
def test_tokenize_never_fails(raw: object) -> None:
    assert isinstance(tokenize(raw), list)
