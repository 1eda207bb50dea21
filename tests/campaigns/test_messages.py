"""Templates in the sandbox, escaping, unsubscribe links, SMS segments, signed links."""

from __future__ import annotations

import pytest

from loyalloop.campaigns import (
    LinkSigner,
    MessageStatus,
    PreviewLinkError,
    TemplateSet,
    parse_templates,
    sms_length,
)
from loyalloop.errors import SignatureError, SpecError

SIGNER = LinkSigner(b"s" * 32, "https://loop.example.com")
CUSTOMER = {"customer_id": "C1", "name": "王芳", "city": "上海", "clv": 1234.5}


def _set(body: str, channel: str = "sms", **kw: object) -> TemplateSet:
    t = {
        "channel": channel,
        "body": {"zh": body, "en": body},
        "links": {"o": "https://example.com/o"},
    }
    if channel == "email":
        t["subject"] = {"zh": kw.get("subject", "您好"), "en": kw.get("subject", "Hello")}
    return TemplateSet(parse_templates({"t": t}))


def _render(ts: TemplateSet, customer: dict = CUSTOMER, lang: str = "zh"):
    return ts.render("t", lang, customer=customer, campaign_id="CMP-1", signer=SIGNER)


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.__class__ }}",
        "{{ link.__globals__['os'] }}",
        "{{ link.__code__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ customer.update({'name': 'x'}) }}",
        "{{ 'a' * 1000000000 }}",
        "{{ 9 ** 99999999 }}",
        "{{ self.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
    ],
)
def test_template_cannot_reach_python_objects(body: str) -> None:
    m = _render(_set(body))
    assert m.status is MessageStatus.failed
    assert m.error  # the reason is kept
    assert m.body == ""


@pytest.mark.parametrize(
    "body",
    [
        "{% include '/etc/passwd' %}",
        "{% import 'x.html' as x %}",
        "{% extends '/etc/hosts' %}",
        "{% from 'x' import y %}",
    ],
)
def test_templates_cannot_read_files(body: str) -> None:
    with pytest.raises(SpecError, match="may not include, import or extend"):
        _set(body)


def test_syntax_error_names_template_language_and_line() -> None:
    with pytest.raises(SpecError) as info:
        _set("hello\n{{ customer.name ")
    assert info.value.path == "t.body.zh" and "line 2" in str(info.value)


def test_one_failing_customer_does_not_stop_the_others() -> None:
    ts = _set("{{ customer.name }}：您的消费额 {{ (customer.clv / 1) | round }}")
    ok = _render(ts)
    bad = _render(ts, {"customer_id": "C2", "name": "李", "clv": None})
    assert ok.status is MessageStatus.rendered and "王芳" in ok.body
    assert bad.status is MessageStatus.failed and "TypeError" in bad.error


def test_email_escapes_customer_text_and_strips_header_injection() -> None:
    ts = _set("<p>Dear {{ customer.name }}</p>", "email", subject="Hi {{ customer.name }}")
    m = _render(ts, {"customer_id": "C9", "name": "<script>alert(1)</script>\r\nBcc: x@y.z"})
    assert "<script>" not in m.body and "&lt;script&gt;" in m.body
    assert "\n" not in m.subject and "\r" not in m.subject


def test_every_marketing_message_has_an_unsubscribe_link() -> None:
    sms = _render(_set("好久不见"))
    assert "退订：https://loop.example.com/u/" in sms.body
    en = _render(_set("Hi"), lang="en")
    assert "Unsubscribe: https://loop.example.com/u/" in en.body
    placed = _render(_set("退订请点 {{ unsubscribe_url }}"))
    assert placed.body.count("/u/") == 1
    mail = _render(_set("<p>hi</p>", "email"))
    assert 'href="https://loop.example.com/u/' in mail.body


def test_tracked_links_are_signed_and_tampering_is_refused() -> None:
    m = _render(_set("{{ link('o') }}"))
    url = m.body.split()[0]
    token = url.rsplit("/", 1)[1]
    claims = SIGNER.verify(token)
    assert (claims.campaign_id, claims.customer_id, claims.key) == ("CMP-1", "C1", "o")
    head, sig = token.split(".")
    other = LinkSigner(b"t" * 32, "https://loop.example.com").click_url("CMP-1", "C2", "o")
    forged_head = other.rsplit("/", 1)[1].split(".")[0]
    for bad in (
        f"{forged_head}.{sig}",
        f"{head}.{sig[:-1]}A" if sig[-1] != "A" else f"{head}.{sig[:-1]}B",
        "x",
        "a.b.c",
    ):
        with pytest.raises(SignatureError):
            SIGNER.verify(bad)
    with pytest.raises(SignatureError, match="forged"):
        LinkSigner(b"t" * 32, "https://loop.example.com").verify(token)
    assert _render(_set("{{ link('missing') }}")).status is MessageStatus.failed


def test_preview_links_never_verify_as_live_links() -> None:
    """A preview's links have the live links' length but are refused as previews (their claims
    kept for the page that says so); altered, or made under another secret, they are forged."""
    preview = SIGNER.preview()
    live = SIGNER.click_url("CMP-1", "C1", "o")
    shown = preview.click_url("CMP-1", "C1", "o")
    assert shown != live and len(shown) == len(live)
    assert len(preview.unsubscribe_url("CMP-1", "C1", "sms")) == len(
        SIGNER.unsubscribe_url("CMP-1", "C1", "sms")
    )
    token = shown.rsplit("/", 1)[1]
    for signer in (SIGNER, preview):  # whichever signer checks it, it never acts
        with pytest.raises(PreviewLinkError) as err:
            signer.verify(token)
        assert (err.value.claims.customer_id, err.value.claims.key) == ("C1", "o")
    head, sig = token.split(".")
    with pytest.raises(SignatureError, match="forged"):
        SIGNER.verify(f"{head}.{sig[:-1]}A" if sig[-1] != "A" else f"{head}.{sig[:-1]}B")
    other = LinkSigner(b"t" * 32, "https://loop.example.com")
    with pytest.raises(SignatureError, match="forged"):
        other.verify(token)
    m = _set("{{ link('o') }}").render("t", "zh", customer=CUSTOMER, campaign_id="CMP-1",
                                       signer=preview)  # fmt: skip
    with pytest.raises(PreviewLinkError):
        SIGNER.verify(m.body.split()[0].rsplit("/", 1)[1])


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 2),
        ("a" * 152 + "€", "GSM-7", 1),  # 154 septets fit in one message
        ("a" * 160 + "€", "GSM-7", 2),
        ("a" * 152 + "€" + "a" * 10, "GSM-7", 2),  # the escape pair is not split at 153
        ("中" * 70, "UCS-2", 1),
        ("中" * 71, "UCS-2", 2),
        ("中" * 134, "UCS-2", 2),
        ("中" * 135, "UCS-2", 3),
        ("a" * 69 + "é", "GSM-7", 1),
        ("a" * 69 + "ê", "UCS-2", 1),  # ê is not in GSM-7
        ("😀" * 35, "UCS-2", 1),  # two UTF-16 units each
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_sms_segments(text: str, encoding: str, segments: int) -> None:
    n = sms_length(text)
    assert (n.encoding, n.segments) == (encoding, segments)


def test_rendered_sms_counts_segments() -> None:
    m = _render(_set("您好" * 40))
    assert m.sms_encoding == "UCS-2" and m.sms_segments == sms_length(m.body).segments >= 2


def test_template_spec_errors() -> None:
    with pytest.raises(SpecError) as info:
        parse_templates({"t": {"channel": "email", "body": {"zh": "x"}}})
    assert info.value.path == "t.subject"
    with pytest.raises(SpecError) as info:
        parse_templates({"t": {"channel": "sms", "body": {"fr": "x"}}})
    assert info.value.path == "t.body"
    with pytest.raises(SpecError, match="not an absolute http"):
        parse_templates(
            {"t": {"channel": "sms", "body": {"zh": "x"}, "links": {"o": "javascript:alert(1)"}}}
        )
