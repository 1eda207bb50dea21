"""Marketing touches: quarterly e-mail and SMS campaigns with opens and clicks.

Every quarter the business runs one e-mail and one SMS campaign (campaign ids like
``CMP-202503-EM``). Each goes to a random 60 % of the customers acquired before the send date
**who consented to that channel** (``consent_* == True``; unknown consent is not consent),
so consent handling downstream can be checked. E-mails are opened with probability
``sigmoid(-1.2 + 0.5 s + 1.0 alive)`` (``s`` latent satisfaction, ``alive`` = not yet dropped
out), about 30 %; a quarter of the opens lead to a click. SMS have no open tracking; 4 % of
active recipients click the link.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from loyalloop.sample._process import DAY

__all__ = ["make_interactions"]

IntArray = npt.NDArray[np.int64]

TARGET_SHARE = 0.6


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-x))


def make_interactions(
    rng: np.random.Generator,
    t0: IntArray,
    dropout_ts: IntArray,
    satisfaction: npt.NDArray[np.float64],
    consent_email: npt.NDArray[np.bool_],
    consent_sms: npt.NDArray[np.bool_],
    start_ts: int,
    end_ts: int,
) -> pd.DataFrame:
    """Return interactions with ``customer`` (index), ``ts`` (seconds) and the text columns."""
    first_month = np.datetime64(start_ts, "s").astype("datetime64[M]") + 1
    last_month = np.datetime64(end_ts - 1, "s").astype("datetime64[M]")
    months = np.arange(first_month, last_month + 1)
    months = months[months.astype(np.int64) % 3 == 2]  # Mar, Jun, Sep, Dec
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("customer", "ts", "channel", "kind")}
    cols["campaign_id"] = []
    for month in months:
        tag = str(month).replace("-", "")
        for channel, consent, day in (("email", consent_email, 10), ("sms", consent_sms, 18)):
            send_day = int(month.astype("datetime64[s]").astype(np.int64)) + (day - 1) * DAY
            if send_day >= end_ts - DAY:
                continue
            eligible = np.flatnonzero((t0 < send_day) & consent)
            target = eligible[rng.random(len(eligible)) < TARGET_SHARE]
            m = len(target)
            sent = send_day + rng.integers(9 * 3600, 20 * 3600, m)
            alive = (dropout_ts[target] < 0) | (dropout_ts[target] > sent)
            s = satisfaction[target]
            rows = [(target, sent, "sent")]
            if channel == "email":
                opened = rng.random(m) < _sigmoid(-1.2 + 0.5 * s + 1.0 * alive)
                open_ts = sent + (rng.exponential(8 * 3600, m)).astype(np.int64) + 60
                clicked = opened & (rng.random(m) < 0.25)
                click_ts = open_ts + rng.integers(5, 600, m)
                rows += [(target[opened], open_ts[opened], "opened")]
                rows += [(target[clicked], click_ts[clicked], "clicked")]
            else:
                clicked = alive & (rng.random(m) < 0.04)
                click_ts = sent + (rng.exponential(2 * 3600, m)).astype(np.int64) + 30
                rows += [(target[clicked], click_ts[clicked], "clicked")]
            campaign = f"CMP-{tag}-{'EM' if channel == 'email' else 'SMS'}"
            for cust, ts, kind in rows:
                keep = ts < end_ts
                cols["customer"].append(cust[keep])
                cols["ts"].append(ts[keep])
                cols["channel"].append(np.full(int(keep.sum()), channel, dtype=object))
                cols["kind"].append(np.full(int(keep.sum()), kind, dtype=object))
                cols["campaign_id"].append(np.full(int(keep.sum()), campaign, dtype=object))
    if not cols["customer"]:
        empty_int = np.zeros(0, dtype=np.int64)
        empty_obj = np.zeros(0, dtype=object)
        return pd.DataFrame(
            {
                "customer": empty_int,
                "ts": empty_int,
                "channel": empty_obj,
                "kind": empty_obj,
                "campaign_id": empty_obj,
            }
        )
    out = {k: np.concatenate(v) for k, v in cols.items()}
    order = np.argsort(out["ts"], kind="stable")
    return pd.DataFrame({k: v[order] for k, v in out.items()})
