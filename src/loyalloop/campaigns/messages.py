"""Message templates in Chinese and English, rendered in Jinja2's sandbox.

A template set in YAML::

    winback_offer:
      channel: sms
      body:
        zh: "{{ customer.name }}您好，好久不见！{{ offer.name }}等您来领：{{ link('offer') }}"
        en: "Hi {{ customer.name }}, we miss you! {{ offer.name }}: {{ link('offer') }}"
      links: {offer: "https://example.com/offers/winback"}
    winback_mail:
      channel: email
      subject: {zh: "专属回馈", en: "A gift for you"}
      body: {zh: "…", en: "…"}

What a template sees: ``customer`` (name, city, tier, lifecycle_stage, rfm_segment, clv,
days_since_last, last_purchase, customer_segment), ``offer`` (``name``, ``description``,
``unit_cost``; ``none`` when the arm has no offer), ``recommendations`` (the categories this
customer is most likely to buy next, as labels in the message's language),
``link(key)`` (a signed tracked link to the template's URL ``key``) and ``unsubscribe_url``.

Safety:

* Rendering uses :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with undefined names as
  errors: a template cannot reach ``__class__``, ``__globals__``, functions of Python objects
  or the file system; ``include``, ``import`` and ``extends`` are refused when the template
  is read; multiplying strings or raising to large powers is bounded; output is capped.
* E-mail bodies are HTML with every customer value escaped; subjects lose line breaks (no
  header injection); SMS are plain text, counted in segments (:mod:`.sms`).
* Every marketing message carries an unsubscribe link: if a template does not place
  ``unsubscribe_url`` itself, a line with it is appended in the message's language.
* A template that fails for one customer gives that customer a ``failed`` message with the
  reason; the others render.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape

from loyalloop.campaigns.links import LinkSigner, check_target_url
from loyalloop.campaigns.sms import sms_length
from loyalloop.errors import ConfigError, SpecError

__all__ = [
    "MESSAGE_FIELDS",
    "MessageStatus",
    "MessageTemplate",
    "RenderedMessage",
    "TemplateSet",
    "load_templates",
    "parse_templates",
]

#: Customer fields a template may use (when the audience view has them).
MESSAGE_FIELDS = (
    "customer_id",
    "name",
    "city",
    "customer_segment",
    "tier",
    "lifecycle_stage",
    "rfm_segment",
    "clv",
    "days_since_last",
    "last_purchase",
    "churn_probability",
)
MAX_OUTPUT = 20_000  # characters of a rendered body
_MAX_REPEAT = 10_000

_UNSUB_TEXT = {
    "sms": {"zh": "退订：{url}", "en": "Unsubscribe: {url}"},
    "email": {
        "zh": '<p style="font-size:12px">不想再收到此类邮件？<a href="{url}">退订</a></p>',
        "en": (
            '<p style="font-size:12px">Don\'t want these e-mails? '
            '<a href="{url}">Unsubscribe</a></p>'
        ),
    },
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class MessageStatus(StrEnum):
    rendered = "rendered"
    failed = "failed"


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``*`` and ``**`` bounded (no gigabyte strings)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise jinja2.sandbox.SecurityError("exponent too large")
            return operator.pow(left, right)
        if isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple):
            n = right if isinstance(left, str | list | tuple) else left
            if isinstance(n, int) and n > _MAX_REPEAT:
                raise jinja2.sandbox.SecurityError("repetition too large")
        return operator.mul(left, right)


@dataclass(frozen=True)
class MessageTemplate:
    """One message template in both languages."""

    id: str
    channel: str  # email | sms | call
    body: Mapping[str, str]  # language -> template text
    subject: Mapping[str, str] | None = None
    links: Mapping[str, str] = field(default_factory=dict)
    marketing: bool = True


@dataclass(frozen=True)
class RenderedMessage:
    """A rendered (or failed) message for one customer."""

    customer_id: str
    template_id: str
    channel: str
    language: str
    status: MessageStatus
    body: str = ""
    subject: str = ""
    error: str = ""
    sms_segments: int = 0
    sms_encoding: str = ""


def parse_templates(raw: Mapping[str, Any]) -> dict[str, MessageTemplate]:
    """Templates by id from ``{id: {channel, subject, body, links, marketing}}``."""
    if not isinstance(raw, Mapping) or not raw:
        raise SpecError("a template set is a non-empty mapping of template ids")
    out: dict[str, MessageTemplate] = {}
    for tid, t in raw.items():
        path = str(tid)
        if not isinstance(t, Mapping):
            raise SpecError("a template is a mapping with channel and body", path=path)
        channel = t.get("channel")
        if channel not in ("email", "sms", "call"):
            raise SpecError(
                f"channel is email, sms or call, got {channel!r}", path=f"{path}.channel"
            )
        body = t.get("body")
        if not isinstance(body, Mapping) or not body or not set(body) <= {"zh", "en"}:
            raise SpecError("body is {zh: …, en: …} (one or both)", path=f"{path}.body")
        subject = t.get("subject")
        if channel == "email":
            if not isinstance(subject, Mapping) or set(subject) != set(body):
                raise SpecError(
                    "an e-mail needs a subject in the same languages as its body",
                    path=f"{path}.subject",
                )
        elif subject is not None:
            raise SpecError(f"a {channel} message has no subject", path=f"{path}.subject")
        links = t.get("links") or {}
        if not isinstance(links, Mapping):
            raise SpecError("links is {key: URL}", path=f"{path}.links")
        for k, url in links.items():
            try:
                check_target_url(str(url), f"{path}.links.{k}")
            except ConfigError as exc:
                raise SpecError(str(exc)) from None
        out[path] = MessageTemplate(
            id=path,
            channel=channel,
            body={k: str(v) for k, v in body.items()},
            subject={k: str(v) for k, v in subject.items()} if subject else None,
            links={str(k): str(v) for k, v in links.items()},
            marketing=bool(t.get("marketing", True)),
        )
    return out


def load_templates(path: Path | str) -> dict[str, MessageTemplate]:
    """Read a template set from YAML or JSON."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        raw = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read templates {p}: {exc}") from None
    return parse_templates(raw)


_FORBIDDEN = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class TemplateSet:
    """Compiled templates, ready to render per customer.

    Raises
    ------
    SpecError
        When a template does not compile (naming template, language and line) or uses
        ``include`` / ``import`` / ``extends``.
    """

    def __init__(self, templates: Mapping[str, MessageTemplate]) -> None:
        self.templates = dict(templates)
        self._html = _BoundedSandbox(undefined=jinja2.StrictUndefined, autoescape=True)
        self._text = _BoundedSandbox(undefined=jinja2.StrictUndefined, autoescape=False)
        self._compiled: dict[tuple[str, str, str], jinja2.Template] = {}
        for t in self.templates.values():
            for part, texts in (("body", t.body), ("subject", t.subject or {})):
                env = self._html if (t.channel == "email" and part == "body") else self._text
                for lang, src in texts.items():
                    where = f"{t.id}.{part}.{lang}"
                    try:
                        ast = env.parse(src)
                    except jinja2.TemplateSyntaxError as exc:
                        raise SpecError(f"line {exc.lineno}: {exc.message}", path=where) from None
                    if any(True for _ in ast.find_all(_FORBIDDEN)):
                        raise SpecError(
                            "templates may not include, import or extend other templates",
                            path=where,
                        )
                    self._compiled[(t.id, part, lang)] = env.from_string(src)

    def get(self, template_id: str) -> MessageTemplate:
        try:
            return self.templates[template_id]
        except KeyError:
            known = ", ".join(sorted(self.templates))
            raise SpecError(f"unknown template {template_id!r} (known: {known})") from None

    def render(
        self,
        template_id: str,
        language: str,
        *,
        customer: Mapping[str, Any],
        campaign_id: str,
        offer: Mapping[str, Any] | None = None,
        recommendations: Sequence[str] = (),
        signer: LinkSigner | None = None,
    ) -> RenderedMessage:
        """Render one message; a failure gives a ``failed`` message with the reason."""
        t = self.get(template_id)
        cid = str(customer.get("customer_id", ""))
        lang = language if language in t.body else next(iter(t.body))
        base: dict[str, Any] = {
            "customer_id": cid,
            "template_id": t.id,
            "channel": t.channel,
            "language": lang,
        }
        unsubscribe = signer.unsubscribe_url(campaign_id, cid, t.channel) if signer else ""
        links = t.links

        def link(key: str) -> str:
            if key not in links:
                raise jinja2.UndefinedError(f"template has no link {key!r}")
            if signer is None:
                return links[key]
            return signer.click_url(campaign_id, cid, key)

        context = {
            "customer": {k: customer.get(k) for k in MESSAGE_FIELDS if k in customer},
            "offer": dict(offer) if offer else None,
            "recommendations": list(recommendations),
            "link": link,
            "unsubscribe_url": unsubscribe,
        }
        try:
            body = self._compiled[(t.id, "body", lang)].render(context)
            subject = self._compiled[(t.id, "subject", lang)].render(context) if t.subject else ""
        except (
            jinja2.TemplateError,
            TypeError,
            ValueError,
            ArithmeticError,
            LookupError,
            AttributeError,
        ) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            return RenderedMessage(status=MessageStatus.failed, error=reason, **base)
        if len(body) > MAX_OUTPUT:
            return RenderedMessage(
                status=MessageStatus.failed,
                error=f"rendered body longer than {MAX_OUTPUT} characters",
                **base,
            )
        subject = _CONTROL.sub(" ", subject).strip()[:200]
        if t.marketing and t.channel in _UNSUB_TEXT and unsubscribe and unsubscribe not in body:
            footer = _UNSUB_TEXT[t.channel][lang]
            if t.channel == "email":
                body += "\n" + footer.format(url=escape(unsubscribe))
            else:
                body += " " + footer.format(url=unsubscribe)
        out = dict(base)
        if t.channel == "sms":
            n = sms_length(body)
            return RenderedMessage(
                status=MessageStatus.rendered,
                body=body,
                sms_segments=n.segments,
                sms_encoding=n.encoding,
                **out,
            )
        return RenderedMessage(status=MessageStatus.rendered, body=body, subject=subject, **out)
