"""A BG/NBD baseline that cannot be fitted is left out of the comparison; the churn model is not
lost with it (a 400-customer sample where nobody seemed to drop out — BG/NBD's a, b ran off to
infinity — once cost the whole churn stage and with it the early-warning list)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import loyalloop.clv as clv
from loyalloop.churn import bgnbd_churn_score
from loyalloop.errors import ModelError


def _features() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    tenure = rng.integers(60, 700, n).astype("float64")
    purchases = rng.integers(1, 30, n)
    # a one-time buyer's last purchase is their first: recency_days = tenure_days
    since_last = np.where(purchases == 1, tenure, np.minimum(rng.integers(0, 200, n), tenure))
    return pd.DataFrame(
        {"n_purchases_total": purchases, "tenure_days": tenure, "recency_days": since_last}
    )


def test_bgnbd_that_does_not_converge_is_left_out(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_convergence(self: object, *args: object, **kwargs: object) -> object:
        raise ModelError("BetaGeoModel did not converge: the Hessian is not positive definite")

    monkeypatch.setattr(clv.BetaGeoModel, "fit", no_convergence)
    with caplog.at_level(logging.WARNING, logger="loyalloop.churn.comparison"):
        assert bgnbd_churn_score(_features()) is None
    assert "BG/NBD baseline left out: BetaGeoModel did not converge" in caplog.text
