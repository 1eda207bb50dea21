"""Masking of personal data in verbatims (zh and en formats)."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.feedback.analyze import analyze_comments
from loyalloop.feedback.pii import mask_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机13812345678，请回电", "我的手机[phone]，请回电"),
        ("电话 138-1234-5678", "电话 [phone]"),
        ("+86 138 1234 5678", "[phone]"),
        ("座机 (021) 6123 4567", "座机 [phone]"),
        ("call me on +1 (555) 123-4567", "call me on [phone]"),
        ("or 555-123-4567 after 6", "or [phone] after 6"),
        ("UK 020 7946 0958", "UK [phone]"),
        ("卡号6222 0212 3456 7890", "卡号[card]"),
        ("card 4111-1111-1111-1111", "card [card]"),
        ("card 4111111111111111 ok", "card [card] ok"),
        ("6222 **** **** 7890", "[card]"),
        ("order 1234567890123", "order [number]"),
        ("身份证110105199003071234", "身份证[id]"),
        ("身份证号码 11010519900307123X", "身份证号码 [id]"),
        ("ID 110105 19900307 123x", "ID [id]"),
        ("旧身份证110105900307123", "旧身份证[id]"),
        ("HKID A123456(7)", "HKID [id]"),
        ("passport E12345678", "passport [id]"),
        ("SSN 123-45-6789", "SSN [id]"),
        ("邮箱 wang.li@example.com", "邮箱 [email]"),
        ("mail: Tom_Lee+cards@bank.co.uk", "mail: [email]"),
        ("邮箱wang＠163.com", "邮箱[email]"),
    ],
)
def test_masks(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    ["年费3600元", "尾号1234的卡", "工号9527", "2024-05-12 12:30", "limit $5,000 at 0.75%",
     "客服热线95555", "等了45分钟", "额度50000", "第3次打电话"],
)  # fmt: skip
def test_leaves_meaningful_numbers(text: str) -> None:
    assert mask_pii(text) == text


def test_idempotent_and_empty() -> None:
    once = mask_pii("手机13812345678")
    assert mask_pii(once) == once
    assert mask_pii("") == ""


def test_clause_table_is_masked_unless_raw_text_is_allowed() -> None:
    fb = pd.DataFrame(
        {
            "feedback_id": ["f1"],
            "text": ["客服态度很差，我的电话13812345678，卡号6222 0212 3456 7890"],
        }
    )
    masked = analyze_comments(fb, taxonomy="banking").mentions
    assert not masked["clause"].str.contains("13812345678").any()
    raw = analyze_comments(fb, taxonomy="banking", raw_text=True).mentions
    assert raw["clause"].str.contains("态度很差").all()


def test_clauses_are_kept_as_written() -> None:
    fb = pd.DataFrame({"feedback_id": ["f1"], "text": ["ＡＰＰ老是闪退！年费太贵了？"]})
    clauses = analyze_comments(fb, taxonomy="banking").mentions["clause"].tolist()
    assert "ＡＰＰ老是闪退" in clauses  # full-width letters as the customer typed them
