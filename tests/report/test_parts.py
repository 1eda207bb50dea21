"""Report building blocks: amounts with their currency, reasons not computed, doctests."""

from __future__ import annotations

import doctest

import loyalloop.report.actions
import loyalloop.report.parts
from loyalloop.core.results import NotComputed
from loyalloop.report.parts import (
    currency_name,
    fmt_money,
    html_table,
    join_list,
    library_note,
    not_computed,
    sentences,
    status_name,
)


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


def test_chinese_lists_and_sentences() -> None:
    assert join_list(["评论", "社交媒体"], "zh") == "评论、社交媒体"
    assert join_list(["review", "social"], "en") == "review, social"
    assert sentences(["平均回归概率 11.1%。", "90 天前已离开的客户中……"]) == (
        "平均回归概率 11.1%。90 天前已离开的客户中……"
    )
    assert sentences(["They left.", "Of 432 …"]) == "They left. Of 432 …"


def test_p_values_below_a_bound_are_numbers_in_a_table() -> None:
    """A p-value "<0.001" sits right-aligned with "0.012" in its column, not left like text."""
    table = str(html_table(["p"], [["0.012"], ["<0.001"], ["a note"]]))
    assert table.count('<td class="n">') == 2 and "<td>a note</td>" in table


def test_a_library_note_in_chinese_says_it_is_english() -> None:
    zh = str(library_note("the outcome window runs to <2026-12-31>", "zh"))
    assert zh.startswith('<p class="note">说明（英文）：<span lang="en">the outcome')
    assert "&lt;2026-12-31&gt;" in zh
    assert str(library_note("x", "en")) == '<p class="note"><span lang="en">x</span></p>'


def test_fmt_pct_never_rounds_a_real_share_to_nothing_or_everything() -> None:
    from loyalloop.report.parts import fmt_pct

    assert fmt_pct(1 / 4465) == "<0.1%"  # one comment in 4,465 (the report's staff rows)
    assert fmt_pct(0.0) == "0.0%"
    assert fmt_pct(1.0) == "100.0%"
    assert fmt_pct(0.9996) == ">99.9%"
    assert fmt_pct(0.0004, digits=2) == "0.04%"
    assert fmt_pct(0.00004, digits=2) == "<0.01%"
    assert fmt_pct(0.125) == "12.5%"
    assert fmt_pct(-0.02) == "-2.0%"
    assert fmt_pct(None) == "—"
