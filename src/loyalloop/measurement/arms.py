"""Arm names of a campaign: which arms are treated, which is each one's control.

A plain campaign (``campaigns.plan_campaign``) has treated arms (``offer``, ``message`` …), one
``holdout`` and the programme's ``global_control``. A campaign planned by the learning loop
(:mod:`loyalloop.measurement.learning`) splits its customers into *groups* — the champion
policy, the challenger policy, exploration — and keeps a holdout per group and action, so that
each treated arm is compared with customers the same policy picked for the same action and
left alone. Names are hierarchical with ``:``::

    champion:call              treated: the champion picked a call for these customers
    champion:call:holdout      its control: picked for a call, held out at random
    explore:coupon             treated at random, to keep learning
    explore:coupon:holdout

The control of a treated arm ``A`` is the first arm present among ``A:holdout``, then
``P:holdout`` for each prefix ``P`` of ``A`` (``champion:holdout``), then ``holdout``. An arm
with none of them has no control and cannot be measured. ``global_control`` is never a
campaign's control: it measures the programme as a whole (:mod:`.programme`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from loyalloop.campaigns.spec import GLOBAL_CONTROL, HOLDOUT

__all__ = ["GLOBAL_CONTROL", "HOLDOUT", "SEPARATOR", "ArmName", "control_for", "parse_arm"]

#: Separates the parts of a hierarchical arm name.
SEPARATOR = ":"


@dataclass(frozen=True)
class ArmName:
    """A parsed arm name.

    ``group`` is everything before the action (``""`` for a plain campaign); ``action`` the
    treatment (for a control arm, the action it is the control of, ``""`` for a group-wide or
    plain holdout).
    """

    name: str
    group: str
    action: str
    is_control: bool
    is_global_control: bool = False

    @property
    def treated(self) -> bool:
        return not (self.is_control or self.is_global_control)


def parse_arm(name: str) -> ArmName:
    """The parts of an arm name (module docstring).

    Examples
    --------
    >>> parse_arm("champion:call:holdout")
    ArmName(name='champion:call:holdout', group='champion', action='call', is_control=True, is_global_control=False)
    >>> parse_arm("offer").treated
    True
    """  # noqa: E501
    if name == GLOBAL_CONTROL:
        return ArmName(name, "", "", False, True)
    parts = name.split(SEPARATOR)
    if parts[-1] == HOLDOUT:
        rest = parts[:-1]
        if len(rest) >= 2:
            return ArmName(name, SEPARATOR.join(rest[:-1]), rest[-1], True)
        return ArmName(name, rest[0] if rest else "", "", True)
    return ArmName(name, SEPARATOR.join(parts[:-1]), parts[-1], False)


def control_for(arm: str, arms: Collection[str]) -> str | None:
    """The control arm of treated ``arm`` among ``arms`` (module docstring); ``None`` if none.

    Examples
    --------
    >>> control_for("champion:call", ["champion:call", "champion:holdout", "holdout"])
    'champion:holdout'
    >>> control_for("offer", ["offer", "message"]) is None
    True
    """
    parts = arm.split(SEPARATOR)
    for k in range(len(parts), 0, -1):
        candidate = SEPARATOR.join([*parts[:k], HOLDOUT])
        if candidate in arms:
            return candidate
    return HOLDOUT if HOLDOUT in arms else None
