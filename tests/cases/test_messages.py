""" "You said, we did" messages: both languages, escaping, the sandbox, template errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loyalloop.cases import (
    ResolutionTemplate,
    default_resolution_templates,
    load_resolution_templates,
    quote_customer,
    render_resolution,
)
from loyalloop.errors import CaseRuleError

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"年费" & {{ 7*7 }} {% raw %}'


def render(template: ResolutionTemplate, **kw: object):  # type: ignore[no-untyped-def]
    args = {
        "language": "zh",
        "customer_name": "王芳",
        "you_said": "年费太贵了！",
        "we_did": "已为您减免本年度年费。",
        "case_reference": "C-1042",
        "topic": "complaint",
        "resolution_code": "compensated",
        "resolved_on": dt.date(2025, 5, 6),
        "agent": "李明",
    }
    args.update(kw)
    return render_resolution(template, **args)  # type: ignore[arg-type]


def test_default_templates_in_both_languages() -> None:
    t = default_resolution_templates()["resolved"]
    zh = render(t)
    assert zh.language == "zh"
    assert zh.subject == "关于您的反馈（编号 C-1042）"
    assert "您告诉我们：“年费太贵了！”" in zh.text
    assert "我们做了：已为您减免本年度年费。" in zh.text
    assert "处理结果：已给予补偿（2025年5月6日）" in zh.text
    en = render(t, language="en", customer_name=None)
    assert en.text.startswith("Dear customer,")
    assert "Outcome: you were compensated (2025-05-06)" in en.text
    bare = render(t, you_said="", resolution_code=None, agent="")
    assert "您告诉我们" not in bare.text and "处理结果" not in bare.text


def test_customer_text_is_data_and_html_is_escaped() -> None:
    t = default_resolution_templates()["resolved"]
    m = render(t, customer_name=HOSTILE, we_did=HOSTILE, you_said=HOSTILE, agent="<b>li</b>")
    # template syntax in values is never evaluated
    assert "{{ 7*7 }}" in m.text and "49" not in m.text
    assert "<script" not in m.html and "<img" not in m.html and "<b>" not in m.html
    assert "&lt;img src=x onerror=alert(2)&gt;" in m.html
    assert "&#34;年费&#34; &amp; {{ 7*7 }}" in m.html
    assert m.html.count("<br>") == m.text.count("\n")
    # the customer's own quote loses markup (it was a comment, not HTML to show)
    assert quote_customer(HOSTILE).startswith('"年费" & {{ 7*7 }}')


def test_subject_cannot_inject_headers() -> None:
    t = ResolutionTemplate("r", {"en": "Re: {{ customer.name }}"}, {"en": "x"})
    m = render(t, language="en", customer_name="Ann\r\nBcc: all@example.com\x00")
    assert "\n" not in m.subject and "\r" not in m.subject
    assert m.subject == "Re: Ann Bcc: all@example.com"
    long = render(t, language="en", customer_name="x" * 500)
    assert len(long.subject) == 200


def test_quote_is_shortened_at_a_clause() -> None:
    text = "年费太贵了，客服也不接电话。" * 40
    q = quote_customer(text)
    assert len(q) <= 201 and q.endswith("。…")
    assert quote_customer(None) == "" and quote_customer(float("nan")) == ""
    assert quote_customer("short") == "short"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ customer.nmae }}", "unknown variable"),
        ("{% include 'x.html' %}", "include is not allowed"),
        ("{% extends 'base' %}", "extends is not allowed"),
        ("{{ you_said.__class__.__mro__ }}", "template fails"),
        ("{{ 'x' * 100000 }}", "template fails"),
        ("{{ 2 ** 1000 }}", "template fails"),
        ("{% for %}", "template syntax error"),
    ],
)
def test_bad_templates_refused_on_load_with_line(body: str, message: str) -> None:
    text = f"resolved:\n  subject: {{zh: 'ok'}}\n  body:\n    zh: \"{body}\"\n"
    with pytest.raises(CaseRuleError, match=message) as info:
        load_resolution_templates(text)
    assert info.value.line == 4 and info.value.field == "resolved.body.zh"


def test_template_set_shape(tmp_path: Path) -> None:
    with pytest.raises(CaseRuleError, match="same languages"):
        load_resolution_templates("r:\n  subject: {zh: a, en: b}\n  body: {zh: c}\n")
    with pytest.raises(CaseRuleError, match="unknown field 'fr'"):
        load_resolution_templates("r:\n  subject: {fr: a}\n  body: {fr: c}\n")
    path = tmp_path / "t.yaml"
    path.write_text("r:\n  subject: {en: 'Case {{ case.reference }}'}\n  body: {en: ok}\n", "utf-8")
    (t,) = load_resolution_templates(path).values()
    # a language the template lacks falls back to the one it has, and says so
    assert render(t, language="zh").language == "en"
