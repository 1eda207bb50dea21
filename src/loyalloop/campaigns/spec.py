"""Campaign specs: goal, audience, arms, holdout, budget, trigger — typed and validated.

A campaign in YAML::

    name: winback-2026-07
    goal: win-back            # retention | win-back | cross-sell
    channel: sms              # email | sms | call
    audience:                 # a segment spec (segments.py), or `segment: NAME` of a saved one
      name: lapsed_valuable
      conditions:
        - {field: probability_alive, op: "<", value: 0.5}
        - {field: clv, op: ">=", value: 1000}
    holdout_share: 0.1        # of the eligible audience, never contacted by this campaign
    arms:                     # shares of the rest; they add up to 1
      - {name: offer, share: 0.5, offer: policy, template: winback_offer}
      - {name: message, share: 0.5, template: winback_plain}
    window_days: 30           # outcomes counted from assignment to this many days after
    budget: 20000             # expected cost ceiling (currency of the offer catalogue)
    on_budget_exceeded: refuse  # or cap: keep the highest value at stake within the budget
    contact_cost: 0.05        # cost per message sent
    cooldown_days: 90         # a customer enters this campaign at most once per cool-down
    trigger: {kind: lapse, probability_alive_below: 0.3}   # optional: triggered campaign

An arm's ``offer`` is ``policy`` (the offer policy picks per customer), an offer id (everyone in
the arm gets it) or absent (a message without an offer). ``holdout`` and ``global_control`` are
reserved arm names. The programme's global control group (:class:`ProgrammeSpec`) is a stable
share of *all* customers, chosen by a hash of the customer and the programme's salt only, that
no campaign contacts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from loyalloop.campaigns.segments import SegmentSpec, _suggest, parse_segment
from loyalloop.campaigns.triggers import TriggerSpec, parse_trigger
from loyalloop.errors import SpecError

__all__ = [
    "GLOBAL_CONTROL",
    "HOLDOUT",
    "OFFER_POLICY",
    "Arm",
    "BudgetMode",
    "CampaignSpec",
    "Channel",
    "Goal",
    "ProgrammeSpec",
    "load_campaign",
    "parse_campaign",
]

HOLDOUT = "holdout"
GLOBAL_CONTROL = "global_control"
OFFER_POLICY = "policy"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")


class Goal(StrEnum):
    retention = "retention"
    win_back = "win-back"
    cross_sell = "cross-sell"


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    call = "call"

    @property
    def consent_field(self) -> str:
        return {"email": "consent_email", "sms": "consent_sms", "call": "consent_phone"}[self.value]

    @property
    def contact_field(self) -> str:
        return "has_email" if self is Channel.email else "has_phone"


class BudgetMode(StrEnum):
    """What happens when the expected cost would pass the budget."""

    refuse = "refuse"  # assign nobody, say by how much it is over
    cap = "cap"  # keep the customers with the most value at stake that fit


@dataclass(frozen=True)
class Arm:
    name: str
    share: float
    offer: str | None = None  # OFFER_POLICY, an offer id, or None
    template: str | None = None


@dataclass(frozen=True)
class ProgrammeSpec:
    """The programme-wide global control group."""

    salt: str = "loyalloop-programme"
    global_control_share: float = 0.05

    def __post_init__(self) -> None:
        if not (0 <= self.global_control_share < 0.5):
            raise SpecError(
                f"global_control_share is between 0 and 0.5, got {self.global_control_share!r}",
                path="global_control_share",
            )
        if not self.salt:
            raise SpecError("the programme needs a salt", path="salt")


@dataclass(frozen=True)
class CampaignSpec:
    """A validated campaign (module docstring)."""

    name: str
    goal: Goal
    channel: Channel
    arms: tuple[Arm, ...]
    audience: SegmentSpec | None = None
    segment: str | None = None  # name of a saved segment, resolved by the caller
    holdout_share: float = 0.1
    window_days: int = 30
    budget: float | None = None
    on_budget_exceeded: BudgetMode = BudgetMode.refuse
    contact_cost: float = 0.0
    cooldown_days: int = 90
    trigger: TriggerSpec | None = None
    salt: str | None = None
    default_language: str = "zh"
    campaign_id: str | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return self.campaign_id or self.name

    @property
    def assignment_salt(self) -> str:
        """The salt of the arm hash (default: the campaign id)."""
        return self.salt or self.id

    def arm(self, name: str) -> Arm:
        for a in self.arms:
            if a.name == name:
                return a
        raise SpecError(f"campaign {self.name} has no arm {name!r}")


def _num(raw: Mapping[str, Any], key: str, default: float | None, lo: float, hi: float) -> Any:
    v = raw.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise SpecError(f"{key} is a number, got {v!r}", path=key)
    if not lo <= v <= hi:
        raise SpecError(f"{key} is between {lo:g} and {hi:g}, got {v!r}", path=key)
    return v


def _int(raw: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    v = raw.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SpecError(f"{key} is a whole number between {lo} and {hi}, got {v!r}", path=key)
    return v


_KEYS = (
    "name",
    "campaign_id",
    "description",
    "goal",
    "channel",
    "audience",
    "segment",
    "holdout_share",
    "arms",
    "window_days",
    "budget",
    "on_budget_exceeded",
    "contact_cost",
    "cooldown_days",
    "trigger",
    "salt",
    "default_language",
)


def _enum(cls: type[StrEnum], raw: Mapping[str, Any], key: str, default: str | None) -> Any:
    v = raw.get(key, default)
    options = [m.value for m in cls]  # type: ignore[attr-defined]
    text = str(v).strip().lower().replace("_", "-") if v is not None else ""
    for m in cls:  # type: ignore[attr-defined]
        if text in (m.value, m.value.replace("_", "-")):
            return m
    raise SpecError(
        f"{key} is one of {', '.join(options)}; got {v!r}{_suggest(text, options)}", path=key
    )


def parse_campaign(raw: Mapping[str, Any] | CampaignSpec) -> CampaignSpec:
    """A :class:`CampaignSpec` from a dict; every error names the field path."""
    if isinstance(raw, CampaignSpec):
        return raw
    if not isinstance(raw, Mapping):
        raise SpecError(f"a campaign spec is a mapping, got {type(raw).__name__}")
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        k = str(unknown[0])
        raise SpecError(f"unknown key {k!r}{_suggest(k, _KEYS)}", path=k)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(
            "a campaign needs a name of letters, digits, '_', '-', '.' or ':' (at most 80)",
            path="name",
        )
    cid = raw.get("campaign_id")
    if cid is not None and (not isinstance(cid, str) or not _NAME.match(cid)):
        raise SpecError("campaign_id: letters, digits, '_', '-', '.' or ':'", path="campaign_id")
    goal = _enum(Goal, raw, "goal", None)
    channel = _enum(Channel, raw, "channel", None)
    audience, segment = None, None
    if raw.get("audience") is not None and raw.get("segment") is not None:
        raise SpecError("give either audience (a segment spec) or segment (a name)", path="segment")
    if raw.get("audience") is not None:
        try:
            aud = raw["audience"]
            if isinstance(aud, Mapping) and "name" not in aud:
                aud = {**aud, "name": f"{name}-audience"}
            audience = parse_segment(aud)
        except SpecError as exc:
            raise SpecError(
                exc.reason, path=f"audience.{exc.path}" if exc.path else "audience"
            ) from None
    elif raw.get("segment") is not None:
        if not isinstance(raw["segment"], str) or not raw["segment"].strip():
            raise SpecError("segment is the name of a saved segment", path="segment")
        segment = raw["segment"].strip()
    elif raw.get("trigger") is None:
        raise SpecError(
            "a campaign needs an audience (or a segment, or a trigger)", path="audience"
        )
    holdout = float(_num(raw, "holdout_share", 0.1, 0.0, 0.9))
    arms_raw = raw.get("arms")
    if not isinstance(arms_raw, list) or not arms_raw:
        raise SpecError("a campaign needs a non-empty list of arms", path="arms")
    arms: list[Arm] = []
    for i, a in enumerate(arms_raw):
        path = f"arms[{i}]"
        if not isinstance(a, Mapping):
            raise SpecError("an arm is a mapping with name and share", path=path)
        bad = [k for k in a if k not in ("name", "share", "offer", "template")]
        if bad:
            raise SpecError(f"unknown key {bad[0]!r}", path=f"{path}.{bad[0]}")
        aname = a.get("name")
        if not isinstance(aname, str) or not _NAME.match(aname):
            raise SpecError("an arm needs a name (letters, digits, _ - . :)", path=f"{path}.name")
        if aname in (HOLDOUT, GLOBAL_CONTROL):
            raise SpecError(f"{aname!r} is a reserved arm name", path=f"{path}.name")
        if any(x.name == aname for x in arms):
            raise SpecError(f"arm name {aname!r} is used twice", path=f"{path}.name")
        share = a.get("share", 1.0 if len(arms_raw) == 1 else None)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise SpecError(f"share is a number in (0, 1], got {share!r}", path=f"{path}.share")
        offer = a.get("offer")
        if offer is not None and (not isinstance(offer, str) or not offer.strip()):
            raise SpecError("offer is 'policy' or an offer id", path=f"{path}.offer")
        template = a.get("template")
        if template is not None and not isinstance(template, str):
            raise SpecError("template is a template id", path=f"{path}.template")
        if template is None and channel is not Channel.call:
            raise SpecError(
                f"a {channel.value} arm needs a message template", path=f"{path}.template"
            )
        arms.append(Arm(aname, float(share), offer, template))
    total = sum(a.share for a in arms)
    if abs(total - 1.0) > 1e-9:
        raise SpecError(
            f"the arms' shares add up to {total:g}; they must add up to 1 (the holdout is "
            "set apart first, with holdout_share)",
            path="arms",
        )
    budget = _num(raw, "budget", None, 0.0, 1e15)
    mode = _enum(BudgetMode, raw, "on_budget_exceeded", "refuse")
    trigger = None
    if raw.get("trigger") is not None:
        try:
            trigger = parse_trigger(raw["trigger"])
        except SpecError as exc:
            raise SpecError(
                exc.reason, path=f"trigger.{exc.path}" if exc.path else "trigger"
            ) from None
    lang = str(raw.get("default_language", "zh"))
    if lang not in ("zh", "en"):
        raise SpecError(f"default_language is zh or en, got {lang!r}", path="default_language")
    salt = raw.get("salt")
    if salt is not None and (not isinstance(salt, str) or not salt):
        raise SpecError("salt is a non-empty text", path="salt")
    return CampaignSpec(
        name=name,
        goal=goal,
        channel=channel,
        arms=tuple(arms),
        audience=audience,
        segment=segment,
        holdout_share=holdout,
        window_days=_int(raw, "window_days", 30, 1, 366),
        budget=None if budget is None else float(budget),
        on_budget_exceeded=mode,
        contact_cost=float(_num(raw, "contact_cost", 0.0, 0.0, 1e6)),
        cooldown_days=_int(raw, "cooldown_days", 90, 0, 3650),
        trigger=trigger,
        salt=salt,
        default_language=lang,
        campaign_id=cid,
        description=str(raw.get("description") or ""),
    )


def load_campaign(path: Path | str) -> CampaignSpec:
    """Read a campaign spec from a YAML or JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        raw = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read campaign spec {p}: {exc}") from None
    try:
        return parse_campaign(raw)
    except SpecError as exc:
        raise SpecError(f"{p}: {exc.reason}", path=exc.path) from None
