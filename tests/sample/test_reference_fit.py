"""A reference implementation (lifetimes) recovers the stated parameters from the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.sample import SampleData

lifetimes = pytest.importorskip("lifetimes")


def _summary(sample: SampleData) -> pd.DataFrame:
    tx = sample.transactions
    purchases = tx[tx["amount"] > 0].sort_values(["customer_id", "timestamp"])
    g = purchases.groupby("customer_id")["timestamp"]
    week = pd.Timedelta(weeks=1)
    end = pd.Timestamp(sample.params["window_end"])
    out = pd.DataFrame(
        {
            "frequency": g.size() - 1,
            "recency": (g.max() - g.min()) / week,
            "T": (end - g.min()) / week,
        }
    )
    repeat = purchases[purchases.groupby("customer_id").cumcount() > 0]
    out["monetary_value"] = repeat.groupby("customer_id")["amount"].mean()
    return out


@pytest.mark.parametrize("business", ["card", "retail"])
def test_bgnbd_and_gamma_gamma_recover_truth(
    business: str, card: SampleData, retail: SampleData
) -> None:
    sample = card if business == "card" else retail
    p = sample.params
    s = _summary(sample)
    # the optimiser probes log(0) on its way; that is the reference library, not the data
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bg = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    fitted = bg.params_
    assert fitted["r"] / fitted["alpha"] == pytest.approx(p["r"] / p["alpha"], rel=0.08)
    assert fitted["r"] == pytest.approx(p["r"], rel=0.2)
    mean_p = fitted["a"] / (fitted["a"] + fitted["b"])
    assert mean_p == pytest.approx(p["a"] / (p["a"] + p["b"]), rel=0.25)

    rep = s[s["frequency"] > 0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gg = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    g = gg.params_
    assert g["p"] == pytest.approx(p["p"], rel=0.15)
    assert g["p"] * g["v"] / (g["q"] - 1) == pytest.approx(p["mean_amount"], rel=0.1)
