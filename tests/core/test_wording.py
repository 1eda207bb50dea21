"""The language's list separators and the masks in the reader's words."""

from __future__ import annotations

import re

from loyalloop.core.wording import (
    MASK_LABELS,
    join_items,
    join_reasons,
    show_masks,
    show_reasons,
)
from loyalloop.feedback.pii import mask_pii


def test_every_mask_mask_pii_writes_has_a_chinese_word_and_english_keeps_the_token() -> None:
    text = (
        "邮箱 wang.li@example.com，身份证110105199003071234，卡号6222 0212 3456 7890，"
        "订单1234567890123456，手机13812345678"
    )
    masked = mask_pii(text)
    tokens = set(re.findall(r"\[(\w+)\]", masked))
    assert tokens == set(MASK_LABELS)  # every kind mask_pii writes is worded, no other
    zh = show_masks(masked, "zh")
    assert zh == "邮箱 [邮箱]，身份证[证件号]，卡号[卡号]，订单[号码]，手机[电话]"
    assert show_masks(masked, "en") == masked
    assert show_masks(None, "zh") == "" and show_masks("[phonebook]", "zh") == "[phonebook]"


def test_separators_by_language() -> None:
    assert join_reasons(["a", "", "b"], "en") == "a; b"
    assert join_reasons(["甲", "乙"], "zh") == "甲；乙"
    assert join_reasons(["甲", "乙"], "zh-CN") == "甲；乙"
    assert join_items(["C1", "C2"], "en") == "C1, C2" and join_items(["C1", "C2"], "zh") == "C1、C2"
    # stored reasons (one column, "; ") shown with the reader's separator
    assert show_reasons("超出平常间隔; 近期投诉", "zh") == "超出平常间隔；近期投诉"
    assert show_reasons("overdue; complained", "en") == "overdue; complained"
