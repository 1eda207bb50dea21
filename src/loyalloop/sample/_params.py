"""Population parameters and catalogues of the two sample businesses.

The purchase process is BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy
way"): while alive, customer *i* makes repeat purchases as a Poisson process with rate
``lambda_i ~ Gamma(shape=r, rate=alpha)`` per **week**, and after each repeat purchase drops
out with probability ``p_i ~ Beta(a, b)``. Spend per purchase follows the Gamma-Gamma model
(Fader, Hardie & Lee 2005, "RFM and CLV"): ``nu_i ~ Gamma(shape=q, rate=gamma)`` and each
amount ``z ~ Gamma(shape=p, rate=nu_i)``, so the expected amount of customer *i* is
``p / nu_i`` CNY and the population mean amount is ``p * gamma / (q - 1)``.

The values below were chosen so that the generated data look like the business they stand for:

* ``card`` — a bank's credit-card unit: mean purchase rate 1.625 per week (about 7 a month;
  the median active cardholder makes 4–5 purchases a month, the top quarter 8 or more), mean
  dropout probability per purchase 0.54 % (a typical cardholder stays for years; about a
  quarter of the customers acquired over 2.5 years have left by the end), mean ticket about
  330 CNY with a long right tail (dining and transport small, travel and electronics large).
* ``retail`` — a retailer's member programme: mean rate 0.16 per week (about 8 visits a
  year), mean dropout probability 12 % per purchase (about a third have left by the end),
  mean basket 300 CNY.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

__all__ = ["BUSINESSES", "Business", "Catalogue", "PopulationParams", "catalogue", "population"]

Business = Literal["card", "retail"]
BUSINESSES: tuple[Business, ...] = ("card", "retail")


@dataclass(frozen=True)
class PopulationParams:
    """True population parameters of the purchase and spend processes.

    Attributes
    ----------
    r, alpha
        Shape and rate of the Gamma distribution of the purchase rate ``lambda`` (per week).
    a, b
        Parameters of the Beta distribution of the dropout probability ``p``.
    p, q, gamma
        Gamma-Gamma spend parameters: amount ``~ Gamma(p, rate=nu)``,
        ``nu ~ Gamma(q, rate=gamma)`` (amounts in CNY).
    """

    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    gamma: float
    time_unit: str = "week"
    currency: str = "CNY"

    @property
    def mean_rate(self) -> float:
        """Population mean purchase rate per week, ``r / alpha``."""
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        """Population mean dropout probability per purchase, ``a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def mean_amount(self) -> float:
        """Population mean amount per purchase, ``p * gamma / (q - 1)`` (CNY)."""
        return self.p * self.gamma / (self.q - 1)

    def as_dict(self) -> dict[str, float | str]:
        """Return the parameters and the derived means as a JSON-friendly dict."""
        out: dict[str, float | str] = dict(asdict(self))
        out["mean_rate"] = self.mean_rate
        out["mean_dropout"] = self.mean_dropout
        out["mean_amount"] = self.mean_amount
        return out


_POPULATIONS: dict[Business, PopulationParams] = {
    "card": PopulationParams(r=1.3, alpha=0.8, a=0.7, b=130.0, p=1.1, q=3.2, gamma=660.0),
    "retail": PopulationParams(r=0.8, alpha=5.0, a=0.9, b=6.5, p=2.5, q=4.0, gamma=360.0),
}


def population(business: Business) -> PopulationParams:
    """Return the default population parameters of a business."""
    return _POPULATIONS[business]


@dataclass(frozen=True)
class Catalogue:
    """What a business sells and through which channels.

    ``categories`` are (name, typical amount in CNY, base weight, digital factor): a purchase's
    category is drawn given its amount (large amounts are more likely travel than dining), which
    keeps the Gamma-Gamma spend truth intact while making categories plausible. The digital
    factor ``f`` turns a customer's digital propensity ``d`` into the probability
    ``1 - (1 - d) ** f`` that a purchase in that category is made online or in the app.
    """

    categories: tuple[tuple[str, float, float, float], ...]
    channels_offline: tuple[tuple[str, float], ...]
    channels_digital: tuple[tuple[str, float], ...]
    digital_share: tuple[float, float]  # Beta(a, b) of a customer's digital propensity
    refund_share: float
    zero_share: float
    hour_weights: tuple[float, ...]  # 24 weights, local time
    competitors: tuple[str, ...]
    own_brand: str = "own"


_CARD_HOURS = (
    0.6, 0.3, 0.15, 0.1, 0.1, 0.2, 0.6, 1.6, 3.0, 3.6, 4.0, 5.0,
    7.5, 6.5, 4.6, 4.4, 4.6, 5.4, 7.2, 7.8, 7.0, 5.6, 3.6, 1.6,
)  # fmt: skip
_RETAIL_HOURS = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.8, 3.2, 5.0, 6.0,
    6.4, 6.0, 6.0, 6.3, 6.5, 6.8, 7.2, 7.6, 7.4, 6.0, 3.6, 1.0,
)  # fmt: skip

_CATALOGUES: dict[Business, Catalogue] = {
    "card": Catalogue(
        categories=(
            ("dining", 90.0, 0.24, 0.5),
            ("groceries", 160.0, 0.18, 0.4),
            ("transport", 60.0, 0.10, 1.0),
            ("online_shopping", 260.0, 0.16, 12.0),
            ("fuel", 320.0, 0.06, 0.2),
            ("entertainment", 220.0, 0.06, 1.5),
            ("utilities", 300.0, 0.05, 4.0),
            ("health", 420.0, 0.04, 0.4),
            ("education", 1500.0, 0.02, 2.0),
            ("electronics", 2200.0, 0.03, 2.0),
            ("travel", 2600.0, 0.06, 3.0),
        ),
        channels_offline=(("pos", 0.75), ("mobile_wallet", 0.25)),
        channels_digital=(("online", 0.55), ("app", 0.45)),
        digital_share=(2.0, 2.5),
        refund_share=0.012,
        zero_share=0.0008,
        hour_weights=_CARD_HOURS,
        competitors=("鼎盛银行", "恒通银行", "NorthStar Bank"),
    ),
    "retail": Catalogue(
        categories=(
            ("apparel", 320.0, 0.24, 1.0),
            ("shoes", 450.0, 0.08, 1.0),
            ("beauty", 220.0, 0.14, 1.3),
            ("home", 280.0, 0.12, 1.3),
            ("food", 90.0, 0.18, 0.5),
            ("kids", 200.0, 0.08, 1.0),
            ("sports", 380.0, 0.06, 1.0),
            ("electronics", 1300.0, 0.10, 2.0),
        ),
        channels_offline=(("store", 1.0),),
        channels_digital=(("online", 0.45), ("app", 0.35), ("mini_program", 0.20)),
        digital_share=(1.6, 2.4),
        refund_share=0.045,
        zero_share=0.0005,
        hour_weights=_RETAIL_HOURS,
        competitors=("优品汇", "惠多多", "MegaMart"),
    ),
}


def catalogue(business: Business) -> Catalogue:
    """Return the catalogue of a business."""
    return _CATALOGUES[business]
