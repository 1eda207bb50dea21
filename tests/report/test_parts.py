"""Report building blocks: amounts with their currency, reasons not computed, doctests."""

from __future__ import annotations

import doctest

import loyalloop.report.actions
import loyalloop.report.parts
from loyalloop.core.results import NotComputed
from loyalloop.report.parts import currency_name, fmt_money, not_computed, status_name


def test_money_in_both_languages() -> None:
    assert fmt_money(149_462_594, "CNY", "en", compact=True) == "CNY 149.46M"
    assert fmt_money(149_462_594, "CNY", "zh", compact=True) == "1.49亿 元"
    assert fmt_money(9_248, "USD", "en", compact=True) == "USD 9,248"
    assert fmt_money(9_248, "USD", "zh") == "9,248 美元"
    assert fmt_money(12_345, None, "en") == "12,345"
    assert fmt_money(float("nan"), "CNY", "en") == "—"
    assert currency_name("CNY", "zh") == "元（CNY）" and currency_name("SGD", "zh") == "SGD"


def test_not_computed_says_why_in_the_language_and_escapes() -> None:
    why = NotComputed("insufficient_data", "<b>too short</b>")
    zh = str(not_computed(why, "zh"))
    assert "数据不足" in zh and "&lt;b&gt;too short" in zh and "<b>" not in zh
    assert '技术细节（英文）：<span lang="en">&lt;b&gt;too short&lt;/b&gt;</span>' in zh
    assert "too little data" in str(not_computed(why, "en"))


def test_status_names_are_the_glossary_names() -> None:
    assert status_name("lapsed", "zh") == "沉寂" and status_name("closed", "en") == "Closed"


def test_docstring_examples_run() -> None:
    for module in (loyalloop.report.parts, loyalloop.report.actions):
        failed, tried = doctest.testmod(module)
        assert tried > 0 and failed == 0, module.__name__
