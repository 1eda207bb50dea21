""" "You said, we did": the message that tells a customer what was done about their feedback.

Templates (YAML, one entry per template id, each in Chinese and/or English)::

    resolved:
      subject: {zh: "关于您的反馈（{{ case.reference }}）", en: "About your feedback …"}
      body:
        zh: |
          {{ customer.name or "尊敬的客户" }}，您好！
          您告诉我们：“{{ you_said }}”
          我们做了：{{ we_did }}

What a template sees: ``customer.name``; ``you_said`` (the customer's own words, cleaned and
shortened to :data:`MAX_QUOTE` characters); ``we_did`` (the agent's note to the customer);
``case.reference``, ``case.topic``, ``case.resolved_on`` (local date) and ``case.resolution``
(the resolution code's label in the message's language); ``agent`` (the agent's display name).

Safety
    * Templates render in Jinja2's immutable sandbox with undefined names as errors;
      ``include``, ``import`` and ``extends`` are refused when the templates are read, and
      every template is test-rendered then, so a misspelt variable fails on load with the
      template, language and line, not on a customer's message.
    * Customer and agent text is data, never template source: ``{{ 7*7 }}`` in a comment is
      shown as written.
    * The message is plain text. Its HTML version is that text escaped as a whole (every
      ``<``, ``&``, quote — in the template's own words and in every value) with line breaks
      as ``<br>``; no markup from anyone reaches the HTML.
    * The subject is one line (line breaks and control characters removed: no e-mail header
      injection) of at most 200 characters; bodies are capped at :data:`MAX_OUTPUT`.
"""

from __future__ import annotations

import datetime as dt
import html
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import escape

from loyalloop.cases._spec import Field, read_spec
from loyalloop.errors import CaseRuleError

__all__ = [
    "LANGUAGES",
    "MAX_OUTPUT",
    "MAX_QUOTE",
    "RESOLUTION_LABELS",
    "ResolutionMessage",
    "ResolutionTemplate",
    "default_resolution_templates",
    "load_resolution_templates",
    "quote_customer",
    "render_resolution",
]

LANGUAGES = ("zh", "en")
MAX_OUTPUT = 20_000
MAX_QUOTE = 200
MAX_SUBJECT = 200
_MAX_REPEAT = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_LINEBREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,500}>")
_SPACES = re.compile(r"\s+")
_CLAUSE_END = re.compile(r"[。！？!?.;；，,]")

#: Labels of the default resolution codes, per language.
RESOLUTION_LABELS: Mapping[str, Mapping[str, str]] = {
    "fixed": {"zh": "问题已解决", "en": "the problem was fixed"},
    "explained": {"zh": "已向您说明情况", "en": "we explained what happened"},
    "compensated": {"zh": "已给予补偿", "en": "you were compensated"},
    "policy_unchanged": {"zh": "政策暂不调整", "en": "the policy stays as it is"},
    "no_fault_found": {"zh": "经核查未发现差错", "en": "we found no error"},
    "customer_unreachable": {"zh": "未能联系到您", "en": "we could not reach you"},
    "duplicate": {"zh": "与其他工单合并处理", "en": "handled with another case"},
    "withdrawn": {"zh": "您已撤回", "en": "you withdrew it"},
}


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with ``*`` and ``**`` bounded (no gigabyte strings)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        seq = (str, list, tuple)
        if isinstance(left, seq) or isinstance(right, seq):
            n = right if isinstance(left, seq) else left
            if isinstance(n, int) and n > _MAX_REPEAT:
                raise SecurityError("repetition too large")
        return operator.mul(left, right)


_ENV = _Sandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class ResolutionTemplate:
    """One template: subject and body per language (``zh`` / ``en``)."""

    id: str
    subject: Mapping[str, str]
    body: Mapping[str, str]


@dataclass(frozen=True)
class ResolutionMessage:
    """A rendered message: one-line subject, plain-text body and its escaped HTML."""

    template_id: str
    language: str
    subject: str
    text: str
    html: str


def quote_customer(text: object, limit: int = MAX_QUOTE) -> str:
    """The customer's words as quoted back, as written (full-width punctuation kept): HTML
    tags and ``<script>``/``<style>`` bodies removed, entities decoded, control characters and
    runs of white space made one space; cut at a clause end within ``limit`` characters (else
    at ``limit``) with "…".

    >>> quote_customer("年费太贵了！客服也不接电话。" * 30, limit=20)
    '年费太贵了！客服也不接电话。年费太贵了！…'
    >>> quote_customer("<b>Too</b> &amp; slow" + chr(0))
    'Too & slow'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    raw = _SCRIPT_STYLE.sub(" ", raw)
    raw = html.unescape(_TAG.sub(" ", raw))
    cleaned = _SPACES.sub(" ", _CONTROL.sub(" ", raw)).strip()
    if len(cleaned) <= limit:
        return cleaned
    head = cleaned[:limit]
    ends = [m.end() for m in _CLAUSE_END.finditer(head)]
    cut = ends[-1] if ends and ends[-1] >= limit // 2 else limit
    return head[:cut].rstrip() + "…"


def _check_source(source: str, f: Field) -> jinja2.Template:
    try:
        ast = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise f.error(f"template syntax error on its line {exc.lineno}: {exc.message}") from None
    for node in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        raise f.error(f"{type(node).__name__.lower()} is not allowed in a message template")
    return _ENV.from_string(source)


_SAMPLE = {
    "customer": {"name": "王芳"},
    "you_said": "年费太贵",
    "we_did": "已为您减免本年年费",
    "case": {
        "reference": "C-1",
        "topic": "complaint",
        "resolved_on": dt.date(2025, 1, 2),
        "resolution": "问题已解决",
    },
    "agent": "李明",
}


def _render(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    out: list[str] = []
    size = 0
    for chunk in template.generate(**context):
        out.append(chunk)
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the message is longer than {MAX_OUTPUT} characters")
    return "".join(out)


def _parse(root: Field) -> dict[str, ResolutionTemplate]:
    out: dict[str, ResolutionTemplate] = {}
    for tid, item in root.mapping().items():
        item.mapping({"subject", "body"})
        Field(tid, item.path, item.lines, item.source).identifier()
        parts: dict[str, dict[str, str]] = {}
        for part in ("subject", "body"):
            langs = item.require(part).mapping(set(LANGUAGES))
            parts[part] = {}
            for lang, text in langs.items():
                source = text.text(max_length=MAX_OUTPUT)
                template = _check_source(source, text)
                try:
                    _render(template, _SAMPLE)
                except jinja2.UndefinedError as exc:
                    raise text.error(f"unknown variable: {exc.message}") from None
                except (SecurityError, jinja2.TemplateError, TypeError, ValueError) as exc:
                    raise text.error(f"template fails: {exc}") from None
                parts[part][lang] = source
        if set(parts["subject"]) != set(parts["body"]):
            raise item.error("subject and body must be given in the same languages")
        out[tid] = ResolutionTemplate(tid, parts["subject"], parts["body"])
    if not out:
        raise root.error("no templates")
    return out


def load_resolution_templates(
    spec: str | Path | Mapping[str, Any],
) -> dict[str, ResolutionTemplate]:
    """Templates by id from a YAML file (a :class:`~pathlib.Path`), YAML text or a mapping;
    each is checked and test-rendered (see the module docstring)."""
    return _parse(read_spec(Path(spec) if isinstance(spec, Path) else spec))


def default_resolution_templates() -> dict[str, ResolutionTemplate]:
    """The shipped templates (``loyalloop/cases/data/resolution_templates.yaml``)."""
    from importlib import resources

    text = (
        resources.files("loyalloop.cases")
        .joinpath("data/resolution_templates.yaml")
        .read_text("utf-8")
    )
    return _parse(read_spec(text))


def _plain(value: object) -> str:
    return _CONTROL.sub(" ", str(value)) if value is not None else ""


def render_resolution(
    template: ResolutionTemplate,
    *,
    language: str,
    customer_name: str | None,
    you_said: object,
    we_did: str,
    case_reference: str,
    topic: str,
    resolution_code: str | None = None,
    resolved_on: dt.date | None = None,
    agent: str = "",
    labels: Mapping[str, Mapping[str, str]] = RESOLUTION_LABELS,
) -> ResolutionMessage:
    """Render ``template`` for one customer in ``language`` (the other one if the template
    lacks it; :attr:`ResolutionMessage.language` says which was used).

    Examples
    --------
    >>> t = ResolutionTemplate("r", {"en": "Case {{ case.reference }}"},
    ...     {"en": "You said: {{ you_said }}\\nWe did: {{ we_did }}"})
    >>> m = render_resolution(t, language="zh", customer_name="Ann",
    ...     you_said="<script>x</script>fees {{ 7*7 }}", we_did="Refunded & sorry",
    ...     case_reference="C-9", topic="complaint")
    >>> m.language, m.text
    ('en', 'You said: fees {{ 7*7 }}\\nWe did: Refunded & sorry')
    >>> m.html
    'You said: fees {{ 7*7 }}<br>\\nWe did: Refunded &amp; sorry'
    """
    lang = language if language in template.body else next(iter(template.body))
    code_label = ""
    if resolution_code:
        code_label = labels.get(resolution_code, {}).get(lang, resolution_code)
    context = {
        "customer": {"name": _plain(customer_name or "")},
        "you_said": _plain(quote_customer(you_said)),
        "we_did": _plain(we_did),
        "case": {
            "reference": _plain(case_reference),
            "topic": _plain(topic),
            "resolved_on": resolved_on,
            "resolution": code_label,
        },
        "agent": _plain(agent),
    }
    try:
        subject = _render(_ENV.from_string(template.subject[lang]), context)
        text = _render(_ENV.from_string(template.body[lang]), context)
    except (jinja2.TemplateError, SecurityError, TypeError, ValueError) as exc:
        raise CaseRuleError(f"template {template.id} ({lang}) failed: {exc}") from None
    subject = _SPACES.sub(" ", _CONTROL.sub(" ", _LINEBREAKS.sub(" ", subject))).strip()
    subject = subject[:MAX_SUBJECT]
    text = text.strip("\n")
    html = str(escape(text)).replace("\n", "<br>\n")
    return ResolutionMessage(template.id, lang, subject, text, html)
