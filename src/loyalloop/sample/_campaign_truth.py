"""Campaign-response truth: how each sample customer would respond to each treatment.

For a campaign sent just after the end of the data, the outcome is **converted**: the customer
buys within ``WINDOW_DAYS`` (30) days. Each customer has a probability of converting if left
alone (``p_control``) and one per treatment (``p_<treatment>``, :data:`TREATMENTS`: a plain
message, a call, and the offer kinds of the campaigns' catalogues):

* **alive** customers (not dropped out at the end) buy at their BG/NBD rate:
  ``p_control = 1 − exp(−λ · 30/7)``; those who complained about the annual fee are thinking
  of cancelling and convert with 0.75 of that;
* **lapsed** customers (dropped out) come back on their own rarely:
  ``p_control = 0.03 · exp(−months since dropout / 12) · exp(0.3 s)`` (``s`` latent
  satisfaction);
* a treatment converts a further share of those who would not have: ``p_t = p_control +
  (1 − p_control) · min(0.9, e_t · exp(0.4 s) · decay)`` with base effects ``e_t``
  (:data:`BASE_EFFECTS`) raised for the customer's own reason (a fee waiver for those who
  complained about the annual fee, bonus points for those who complained about points, an
  upgrade for the top tier) and ``decay = exp(−months since dropout / 18)`` for the lapsed;
* **sleeping dogs**: alive customers with satisfaction below −1 are driven away by contact,
  ``p_t = p_control · (1 − d_t)`` (:data:`BACKLASH`, a call most of all).

One uniform number ``u`` per customer, shared by all treatments, decides what happens
(``converted = u < p``), so each customer's potential outcomes are consistent and their
response type per treatment follows: **sure thing** (converts either way), **lost cause**
(neither), **persuadable** (only if treated), **sleeping dog** (only if left alone). The true
individual effect of treatment *t* is ``p_t − p_control``.

``value_if_converted`` is the expected spend in the window of a customer who converts.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from loyalloop.errors import ConfigError

__all__ = [
    "BACKLASH",
    "BASE_EFFECTS",
    "RESPONSE_TYPES",
    "TREATMENTS",
    "WINDOW_DAYS",
    "make_campaign_truth",
    "response_types",
    "simulate_campaign_outcomes",
]

WINDOW_DAYS = 30
TREATMENTS = ("message", "call", "fee_waiver", "bonus_points", "cashback", "coupon", "upgrade")
BASE_EFFECTS = {
    "message": 0.02,
    "call": 0.10,
    "fee_waiver": 0.03,
    "bonus_points": 0.04,
    "cashback": 0.06,
    "coupon": 0.04,
    "upgrade": 0.03,
}
BACKLASH = {
    "message": 0.10,
    "call": 0.25,
    "fee_waiver": 0.05,
    "bonus_points": 0.05,
    "cashback": 0.05,
    "coupon": 0.05,
    "upgrade": 0.05,
}
RESPONSE_TYPES = ("sure_thing", "lost_cause", "persuadable", "sleeping_dog")
_DAY = 86_400


def make_campaign_truth(
    rng: np.random.Generator,
    *,
    customer_id: npt.NDArray[np.object_],
    lam: npt.NDArray[np.float64],
    expected_amount: npt.NDArray[np.float64],
    satisfaction: npt.NDArray[np.float64],
    tier: npt.NDArray[np.int64],
    dropout_ts: npt.NDArray[np.int64],
    end_ts: int,
    complained_fee: npt.NDArray[np.bool_],
    complained_points: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """One row per customer record (module docstring)."""
    n = len(customer_id)
    weeks = WINDOW_DAYS / 7
    lapsed = dropout_ts >= 0
    months = np.where(lapsed, (end_ts - dropout_ts) / (30 * _DAY), 0.0)
    s = satisfaction
    p_alive = 1 - np.exp(-lam * weeks)
    p_alive = np.where(complained_fee, 0.75 * p_alive, p_alive)
    p_lapsed = 0.03 * np.exp(-months / 12) * np.exp(0.3 * s)
    p0 = np.clip(np.where(lapsed, p_lapsed, p_alive), 0.0, 0.999)
    decay = np.where(lapsed, np.exp(-months / 18), 1.0)
    sleeping = ~lapsed & (s < -1.0)
    out: dict[str, object] = {
        "customer_id": customer_id,
        "lapsed": lapsed,
        "sleeping_dog": sleeping,
        "complained_fee": complained_fee,
        "p_control": p0.astype(np.float32),
    }
    for t in TREATMENTS:
        e = np.full(n, BASE_EFFECTS[t])
        if t == "fee_waiver":
            e = np.where(complained_fee, 0.30, e)
        elif t == "bonus_points":
            e = np.where(complained_points, 0.15, e)
        elif t == "upgrade":
            e = np.where(tier == 2, 0.12, e)
        lift = np.minimum(0.9, e * np.exp(0.4 * s) * decay)
        p1 = p0 + (1 - p0) * lift
        p1 = np.where(sleeping, p0 * (1 - BACKLASH[t]), p1)
        out[f"p_{t}"] = np.clip(p1, 0.0, 1.0).astype(np.float32)
    out["u"] = rng.random(n)
    window_purchases = np.where(lapsed, 1 + lam * weeks / 2, np.maximum(1.0, lam * weeks))
    out["value_if_converted"] = expected_amount * window_purchases
    return pd.DataFrame(out)


def response_types(truth: pd.DataFrame) -> pd.DataFrame:
    """Long form: one row per customer and treatment with the potential outcomes
    (``converted_control``, ``converted_treated``), the ``response_type`` and the true
    ``effect`` (``p_treated − p_control``)."""
    frames = []
    u = truth["u"].to_numpy()
    p0 = truth["p_control"].to_numpy(dtype=float)
    y0 = u < p0
    for t in TREATMENTS:
        p1 = truth[f"p_{t}"].to_numpy(dtype=float)
        y1 = u < p1
        kind = np.select(
            [y0 & y1, ~y0 & ~y1, ~y0 & y1],
            ["sure_thing", "lost_cause", "persuadable"],
            default="sleeping_dog",
        )
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": truth["customer_id"].to_numpy(),
                    "treatment": t,
                    "p_control": p0,
                    "p_treated": p1,
                    "effect": p1 - p0,
                    "converted_control": y0,
                    "converted_treated": y1,
                    "response_type": kind,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def simulate_campaign_outcomes(
    truth: pd.DataFrame,
    assignments: pd.DataFrame,
    treatments: pd.DataFrame,
    *,
    seed: int = 0,
    window_days: int = WINDOW_DAYS,
    redemption_share: float = 0.8,
) -> pd.DataFrame:
    """The outcomes of a sent campaign, drawn from the truth, in the ``outcomes`` contract.

    Parameters
    ----------
    truth
        :attr:`SampleData.campaign_truth`.
    assignments
        Rows of the ``assignments`` contract (``customer_id``, ``campaign_id``, ``arm``,
        ``assigned_at``); every arm, holdout and global control alike.
    treatments
        ``customer_id`` and ``treatment`` (one of :data:`TREATMENTS`) of the customers who
        were contacted; everyone else in ``assignments`` was left alone.
    seed
        Seed of the purchase times and redemptions (conversions come from the truth).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``campaign_id``, ``timestamp``, ``kind`` (``purchase``,
        ``reactivated`` for lapsed customers who came back, ``redeemed`` for converted
        customers who use their offer), ``value`` (spend; empty for redemptions).
    """
    need = {"customer_id", "campaign_id", "arm", "assigned_at"}
    if not need <= set(assignments.columns):
        raise ConfigError(f"assignments need columns {sorted(need)}")
    if not {"customer_id", "treatment"} <= set(treatments.columns):
        raise ConfigError("treatments need columns customer_id and treatment")
    bad = sorted(set(treatments["treatment"].dropna()) - set(TREATMENTS))
    if bad:
        raise ConfigError(f"unknown treatment(s) {bad}; known: {', '.join(TREATMENTS)}")
    a = assignments.merge(truth, on="customer_id", how="left", indicator=True)
    missing = int((a["_merge"] != "both").sum())
    if missing:
        example = a.loc[a["_merge"] != "both", "customer_id"].iloc[0]
        raise ConfigError(f"{missing} assigned customers are not in the truth (e.g. {example!r})")
    a = a.merge(treatments[["customer_id", "treatment"]], on="customer_id", how="left")
    p = a["p_control"].to_numpy(dtype=float)
    for t in TREATMENTS:
        sel = (a["treatment"] == t).to_numpy()
        p[sel] = a.loc[sel, f"p_{t}"].to_numpy(dtype=float)
    converted = a["u"].to_numpy() < p
    rng = np.random.default_rng(seed)
    offset = pd.to_timedelta(rng.random(len(a)) * window_days * _DAY, unit="s").round("s")
    when = pd.to_datetime(a["assigned_at"]) + offset
    rows = a.loc[converted, ["customer_id", "campaign_id"]].copy()
    rows["timestamp"] = when[converted].to_numpy()
    rows["value"] = a.loc[converted, "value_if_converted"].round(2).to_numpy()
    purchase = rows.assign(kind="purchase")
    react = rows[a.loc[converted, "lapsed"].to_numpy()].assign(kind="reactivated")
    offered = a["treatment"].isin([t for t in TREATMENTS if t not in ("message", "call")])
    redeem = converted & offered.to_numpy() & (rng.random(len(a)) < redemption_share)
    red = a.loc[redeem, ["customer_id", "campaign_id"]].copy()
    red["timestamp"] = (when[redeem] + pd.Timedelta(seconds=1)).to_numpy()
    red["value"] = np.nan
    red["kind"] = "redeemed"
    out = pd.concat([purchase, react, red], ignore_index=True)
    return out[["customer_id", "campaign_id", "timestamp", "kind", "value"]].sort_values(
        ["campaign_id", "customer_id", "timestamp", "kind"], ignore_index=True
    )
