"""What a campaign costs and what its revenue is worth: contact and redemption costs, margin.

A treated customer costs the **contact cost** of their arm (a message, a call) plus the cost of
each offer **redemption**. A ``redeemed`` outcome row that carries a value is that redemption's
actual cost; one without a value is costed at the arm's ``redemption_cost`` (the unit cost of
the arm's offer). Holdout and global-control customers are not contacted and cost nothing
(a redemption recorded for one of them is still counted, at its cost, and reported).

Revenue becomes **margin** at ``margin_rate`` (the share of a sale the business keeps). Without
a margin rate, margin, net value and ROI are not computed — a revenue "ROI" overstates the
return by the cost of the goods, so it is not shown in its place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from loyalloop.errors import ConfigError
from loyalloop.measurement.arms import parse_arm

__all__ = ["ArmCost", "CostModel"]


def _check(name: str, value: float | None, *, rate: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (rate and value > 1):
        raise ConfigError(f"{name} must be {'between 0 and 1' if rate else '>= 0'}, got {value}")


@dataclass(frozen=True)
class ArmCost:
    """Costs of one arm (``None``: the campaign's default)."""

    contact_cost: float | None = None
    redemption_cost: float | None = None

    def __post_init__(self) -> None:
        _check("contact_cost", self.contact_cost)
        _check("redemption_cost", self.redemption_cost)


@dataclass(frozen=True)
class CostModel:
    """Costs and margin of one campaign.

    Parameters
    ----------
    contact_cost
        Per treated customer (sending a message, placing a call).
    redemption_cost
        Per redemption recorded without a value.
    margin_rate
        Share of revenue kept as margin (``None``: margin, net value and ROI not computed).
    arms
        Overrides by arm name (``champion:coupon``) or by action (``coupon``).
    """

    contact_cost: float = 0.0
    redemption_cost: float = 0.0
    margin_rate: float | None = None
    arms: Mapping[str, ArmCost] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check("contact_cost", self.contact_cost)
        _check("redemption_cost", self.redemption_cost)
        _check("margin_rate", self.margin_rate, rate=True)

    def _arm(self, arm: str) -> ArmCost:
        if arm in self.arms:
            return self.arms[arm]
        return self.arms.get(parse_arm(arm).action, ArmCost())

    def contact(self, arm: str) -> float:
        """Contact cost of one customer of ``arm`` (0 for controls)."""
        if not parse_arm(arm).treated:
            return 0.0
        c = self._arm(arm).contact_cost
        return self.contact_cost if c is None else c

    def redemption(self, arm: str) -> float:
        """Cost of a redemption recorded without a value in ``arm``."""
        c = self._arm(arm).redemption_cost
        return self.redemption_cost if c is None else c
