"""Offers and compensation: a catalogue with unit costs, a policy that picks one per customer,
and the expected cost that a budget is checked against.

An offer's *expected cost* is ``unit_cost × redemption_rate`` (what it costs on average per
customer who receives it); a campaign's expected cost is the sum over its treated customers
plus the contact cost per message. The actual cost is counted on redemption (outcomes).

The policy is an ordered list of rules; the first rule whose condition (a segment condition,
:mod:`loyalloop.campaigns.segments`) holds for the customer picks the offer, and its reason is
the explanation shown for that customer, in Chinese and English, with the customer's value::

    rules:
      - when: {field: complained_aspects, op: contains, value: annual_fee}
        offer: fee_waiver
        reason: {en: complained about the annual fee, zh: 曾投诉年费}
      - when: {field: clv, op: ">=", value: 20000}
        offer: cashback_200
        reason: {en: high value, zh: 高价值客户}
      - offer: coupon_30
        reason: {en: standard offer, zh: 标准优惠}

Rules compile to one Ibis ``CASE`` expression, so choosing offers for a million customers is
one engine query.

Currency: a catalogue's unit costs (and the campaign's budget and contact cost with them) are in
its ``currency``; a catalogue that names none is in the project's currency (the currency of the
latest run's amounts). :meth:`OfferCatalogue.in_currency` settles it at launch, as compensation
does: a catalogue in CNY is never used on a project whose amounts are in USD (no conversion).
The built-in ``card`` and ``retail`` catalogues (:func:`builtin_offers`) ship in CNY, USD, EUR,
GBP and HKD, each with its own values and policy thresholds stated in
``campaigns/data/builtin_offers.yaml``; a campaign gets the one in its project's currency, and
a project in another currency is told to give its own catalogue. ``DEFAULT_CARD_CATALOGUE``
and the other ``DEFAULT_*`` names are the CNY ones.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml

from loyalloop.campaigns.audience import audience_schema
from loyalloop.campaigns.segments import (
    Match,
    SegmentNode,
    SegmentSpec,
    _compile_node,
    _parse_node,
    _suggest,
    validate_segment,
)
from loyalloop.errors import CurrencyMismatchError, SpecError

__all__ = [
    "DEFAULT_CARD_CATALOGUE",
    "DEFAULT_CARD_POLICY",
    "DEFAULT_RETAIL_CATALOGUE",
    "DEFAULT_RETAIL_POLICY",
    "Offer",
    "OfferCatalogue",
    "OfferPolicy",
    "OfferRule",
    "Text",
    "builtin_currencies",
    "builtin_offers",
    "choose_offers",
    "parse_catalogue",
    "parse_policy",
]


@dataclass(frozen=True)
class Text:
    """A text in English and Chinese."""

    en: str
    zh: str

    def get(self, language: str) -> str:
        return self.zh if language == "zh" else self.en

    @classmethod
    def parse(cls, raw: Any, path: str) -> Text:
        if isinstance(raw, str) and raw.strip():
            return cls(raw, raw)
        if isinstance(raw, Mapping) and raw.get("en") and raw.get("zh"):
            return cls(str(raw["en"]), str(raw["zh"]))
        raise SpecError("needs a text, or {en: …, zh: …} with both languages", path=path)


@dataclass(frozen=True)
class Offer:
    """One offer of the catalogue.

    ``kind`` says what it is (``fee_waiver``, ``bonus_points``, ``cashback``, ``coupon``,
    ``upgrade`` …; the sample's campaign-response truth is keyed by it).
    """

    id: str
    kind: str
    name: Text
    unit_cost: float
    redemption_rate: float = 1.0
    description: Text | None = None

    @property
    def expected_cost(self) -> float:
        """Expected cost per customer who receives the offer."""
        return self.unit_cost * self.redemption_rate

    def message_context(self, lang: str) -> dict[str, Any]:
        """What a message template sees as ``offer`` in ``lang``."""
        return {
            "id": self.id,
            "name": self.name.get(lang),
            "description": self.description.get(lang) if self.description else "",
            "unit_cost": self.unit_cost,
        }


@dataclass(frozen=True)
class OfferCatalogue:
    """Offers by id, currency of their costs (``None``: the project's, module docstring)."""

    offers: tuple[Offer, ...]
    currency: str | None = None

    def in_currency(self, project: str | None) -> OfferCatalogue:
        """This catalogue with its currency settled against the project's ``project``
        (``None``: not known): its own if it names one and the project's is unknown or the
        same; the project's if it names none (still ``None`` when neither is known: nothing is
        compared with the project's amounts then).

        Raises
        ------
        CurrencyMismatchError
            The catalogue names another currency than the project's amounts.

        >>> OfferCatalogue((Offer("c", "coupon", Text("c", "c"), 5.0),)).in_currency("USD").currency
        'USD'
        >>> DEFAULT_CARD_CATALOGUE.in_currency("USD")
        Traceback (most recent call last):
        loyalloop.errors.CurrencyMismatchError: the offer catalogue's unit costs are in CNY but \
this project's amounts are in USD: give the campaign an offers catalogue in USD (currency: USD, \
or no currency to follow the project) with its budget and contact cost in USD
        """
        if self.currency is None:
            return replace(self, currency=project) if project is not None else self
        if project is not None and project != self.currency:
            raise CurrencyMismatchError(
                f"the offer catalogue's unit costs are in {self.currency} but this project's "
                f"amounts are in {project}: give the campaign an offers catalogue in {project} "
                f"(currency: {project}, or no currency to follow the project) with its budget "
                f"and contact cost in {project}",
                reason="offers",
                expected=project,
                found=self.currency,
            )
        return self

    def get(self, offer_id: str, path: str = "offer") -> Offer:
        for o in self.offers:
            if o.id == offer_id:
                return o
        ids = [o.id for o in self.offers]
        raise SpecError(
            f"unknown offer {offer_id!r}{_suggest(offer_id, ids)} (catalogue: {', '.join(ids)})",
            path=path,
        )


def parse_catalogue(raw: Mapping[str, Any] | Sequence[Any] | OfferCatalogue) -> OfferCatalogue:
    """An :class:`OfferCatalogue` from ``{currency, offers: [...]}`` or a list of offers."""
    if isinstance(raw, OfferCatalogue):
        return raw
    currency: str | None = None  # the project's
    items: Any = raw
    if isinstance(raw, Mapping):
        given = raw.get("currency")
        if given is not None:
            currency = str(given).strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                raise SpecError(
                    f"currency is an ISO 4217 code such as CNY or USD, got {given!r}",
                    path="currency",
                )
        items = raw.get("offers")
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise SpecError("an offer catalogue needs a non-empty list of offers", path="offers")
    offers: list[Offer] = []
    for i, o in enumerate(items):
        path = f"offers[{i}]"
        if not isinstance(o, Mapping):
            raise SpecError("an offer is a mapping with id, kind, name, unit_cost", path=path)
        oid = o.get("id")
        if not isinstance(oid, str) or not oid.strip():
            raise SpecError("an offer needs an id", path=f"{path}.id")
        if any(x.id == oid for x in offers):
            raise SpecError(f"offer id {oid!r} is used twice", path=f"{path}.id")
        cost = o.get("unit_cost")
        if not (isinstance(cost, int | float) and not isinstance(cost, bool)) or not (
            math.isfinite(cost) and cost >= 0
        ):
            raise SpecError(f"unit_cost is a number >= 0, got {cost!r}", path=f"{path}.unit_cost")
        rate = o.get("redemption_rate", 1.0)
        if not (isinstance(rate, int | float) and not isinstance(rate, bool)) or not (
            0 <= rate <= 1
        ):
            raise SpecError(
                f"redemption_rate is between 0 and 1, got {rate!r}",
                path=f"{path}.redemption_rate",
            )
        kind = o.get("kind", oid)
        desc = o.get("description")
        offers.append(
            Offer(
                id=oid,
                kind=str(kind),
                name=Text.parse(o.get("name", oid), f"{path}.name"),
                unit_cost=float(cost),
                redemption_rate=float(rate),
                description=Text.parse(desc, f"{path}.description") if desc else None,
            )
        )
    return OfferCatalogue(tuple(offers), currency)


@dataclass(frozen=True)
class OfferRule:
    """If ``when`` holds (``None``: always), offer ``offer`` because of ``reason``."""

    offer: str
    reason: Text
    when: SegmentNode | None = None


@dataclass(frozen=True)
class OfferPolicy:
    """Ordered rules; the first that holds picks the offer. No rule: no offer."""

    rules: tuple[OfferRule, ...]


def parse_policy(raw: Mapping[str, Any] | Sequence[Any] | OfferPolicy) -> OfferPolicy:
    """An :class:`OfferPolicy` from ``{rules: [...]}`` or a list of rules."""
    if isinstance(raw, OfferPolicy):
        return raw
    items: Any = raw.get("rules") if isinstance(raw, Mapping) else raw
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise SpecError("an offer policy needs a non-empty list of rules", path="rules")
    rules = []
    for i, r in enumerate(items):
        path = f"rules[{i}]"
        if not isinstance(r, Mapping):
            raise SpecError("a rule is a mapping with offer, reason and when", path=path)
        unknown = set(r) - {"offer", "reason", "when"}
        if unknown:
            raise SpecError(
                f"unknown key {sorted(unknown)[0]!r}", path=f"{path}.{sorted(unknown)[0]}"
            )
        offer = r.get("offer")
        if not isinstance(offer, str) or not offer:
            raise SpecError("a rule needs an offer id", path=f"{path}.offer")
        when = _parse_node(r["when"], f"{path}.when") if r.get("when") is not None else None
        rules.append(OfferRule(offer, Text.parse(r.get("reason"), f"{path}.reason"), when))
    return OfferPolicy(tuple(rules))


#: The built-in catalogues' file (module docstring).
BUILTIN_FILE = "builtin_offers.yaml"


@functools.cache
def _builtin_raw() -> dict[str, Any]:
    ref = resources.files("loyalloop.campaigns").joinpath("data", BUILTIN_FILE)
    raw: dict[str, Any] = yaml.safe_load(ref.read_text(encoding="utf-8"))
    return raw


def builtin_currencies(business: str) -> tuple[str, ...]:
    """The currencies the built-in catalogue of ``business`` (``card``, ``retail``) ships in.

    >>> builtin_currencies("card")
    ('CNY', 'USD', 'EUR', 'GBP', 'HKD')
    """
    return tuple(_builtin_raw().get(business, {}))


def builtin_offers(business: str, currency: str | None) -> tuple[OfferCatalogue, OfferPolicy]:
    """The built-in catalogue and default policy of ``business`` (``card`` or ``retail``) in
    ``currency`` (``None``: not known yet, CNY), with their values as stated per currency in
    ``campaigns/data/builtin_offers.yaml`` (never converted).

    Raises
    ------
    CurrencyMismatchError
        No built-in catalogue in that currency: the campaign needs its own ``offers:``.

    >>> cat, policy = builtin_offers("card", "USD")
    >>> cat.currency, cat.get("cashback_50").unit_cost
    ('USD', 50.0)
    >>> builtin_offers("card", "JPY")
    Traceback (most recent call last):
    ...
    loyalloop.errors.CurrencyMismatchError: offers: the built-in card catalogue comes in CNY, \
USD, EUR, GBP, HKD, not in JPY (this project's currency): give the campaign its own offers \
catalogue in JPY (offers: {currency: JPY, offers: [...]}, docs/campaigns.md)
    """
    raw = _builtin_raw()
    if business not in raw:
        raise SpecError(
            f"no built-in offer catalogue {business!r} (built-in: {', '.join(raw)})",
            path="offers",
        )
    code = currency or "CNY"
    by_currency = raw[business]
    if code not in by_currency:
        raise CurrencyMismatchError(
            f"offers: the built-in {business} catalogue comes in {', '.join(by_currency)}, not "
            f"in {code} (this project's currency): give the campaign its own offers catalogue "
            f"in {code} (offers: {{currency: {code}, offers: [...]}}, docs/campaigns.md)",
            reason="no_builtin",
            expected=code,
            found=", ".join(by_currency),
        )
    entry = by_currency[code]
    catalogue = parse_catalogue({"currency": code, "offers": entry["offers"]})
    policy = parse_policy(entry["policy"])
    for i, rule in enumerate(policy.rules):
        catalogue.get(rule.offer, path=f"{business}.{code}.policy[{i}].offer")
    return catalogue, policy


DEFAULT_CARD_CATALOGUE, DEFAULT_CARD_POLICY = builtin_offers("card", "CNY")
DEFAULT_RETAIL_CATALOGUE, DEFAULT_RETAIL_POLICY = builtin_offers("retail", "CNY")


def choose_offers(
    view: ir.Table,
    policy: OfferPolicy,
    catalogue: OfferCatalogue,
    as_of: date,
) -> ir.Table:
    """Add the chosen offer to every row of ``view``: ``offer_id``, ``offer_rule`` (the
    index of the rule that fired), ``offer_expected_cost``, ``offer_reason_en``,
    ``offer_reason_zh``. Rows no rule matches get no offer (nulls, cost 0).

    Raises
    ------
    SpecError
        If a rule names an unknown offer or a condition does not fit the view.
    """
    schema = audience_schema(view)
    for i, rule in enumerate(policy.rules):
        catalogue.get(rule.offer, path=f"rules[{i}].offer")
        if rule.when is not None:
            validate_segment(SegmentSpec("rule", (rule.when,), Match.all), schema)
    branches_id, branches_rule = [], []
    for i, rule in enumerate(policy.rules):
        cond = (
            ibis.literal(True)
            if rule.when is None
            else _compile_node(rule.when, view, schema, as_of)
        )
        branches_id.append((cond, rule.offer))
        branches_rule.append((cond, i))
    offer_id = ibis.cases(*branches_id, else_=ibis.null("string"))
    rule_no = ibis.cases(*branches_rule, else_=ibis.null("int64"))
    out = view.mutate(offer_id=offer_id, offer_rule=rule_no)
    cost_map = {o.id: o.expected_cost for o in catalogue.offers}
    cost = ibis.cases(
        *[(out.offer_id == k, v) for k, v in cost_map.items()], else_=ibis.literal(0.0)
    )
    reason_en = ibis.cases(
        *[(out.offer_rule == i, r.reason.en) for i, r in enumerate(policy.rules)],
        else_=ibis.null("string"),
    )
    reason_zh = ibis.cases(
        *[(out.offer_rule == i, r.reason.zh) for i, r in enumerate(policy.rules)],
        else_=ibis.null("string"),
    )
    return out.mutate(
        offer_expected_cost=cost.cast("float64"),
        offer_reason_en=reason_en,
        offer_reason_zh=reason_zh,
    )
