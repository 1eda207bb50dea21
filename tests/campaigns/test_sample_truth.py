"""The sample's campaign-response truth, and outcomes simulated from it."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import ConfigError
from loyalloop.sample import generate
from loyalloop.sample._campaign_truth import TREATMENTS, response_types, simulate_campaign_outcomes


@pytest.fixture(scope="module")
def sample():
    return generate(customers=4000, seed=2)


def test_truth_has_every_customer_and_consistent_types(sample) -> None:
    t = sample.campaign_truth
    assert len(t) == len(sample.customers)
    assert t.customer_id.tolist() == sample.customers.customer_id.tolist()
    assert (t.lapsed == sample.truth.churned).all()
    long = response_types(t)
    assert len(long) == len(t) * len(TREATMENTS)
    # response types follow from the potential outcomes
    sd = long[long.response_type == "sleeping_dog"]
    assert (sd.converted_control & ~sd.converted_treated).all() and (sd.effect < 0).all()
    per = long[long.response_type == "persuadable"]
    assert (~per.converted_control & per.converted_treated).all() and (per.effect > 0).all()
    assert set(long.response_type) == {"sure_thing", "lost_cause", "persuadable", "sleeping_dog"}
    # sleeping dogs are the dissatisfied alive customers; a call drives away more than a message
    calls = long[long.treatment == "call"].set_index("customer_id")
    msgs = long[long.treatment == "message"].set_index("customer_id")
    dogs = t.set_index("customer_id").sleeping_dog
    assert calls.effect[dogs].mean() < msgs.effect[dogs].mean() < 0


def test_the_reason_decides_which_offer_works(sample) -> None:
    t = sample.campaign_truth
    fee = t.complained_fee & t.lapsed & ~t.sleeping_dog
    lift_fee = (t.p_fee_waiver - t.p_control)[fee].mean()
    lift_coupon = (t.p_coupon - t.p_control)[fee].mean()
    assert fee.sum() > 20
    assert lift_fee > 3 * lift_coupon > 0
    # a lapsed customer is far more often persuadable than an alive one
    long = response_types(t).merge(t[["customer_id", "lapsed"]])
    rate = (long.response_type == "persuadable").groupby(long.lapsed).mean()
    assert rate[True] > 3 * rate[False]


def test_simulated_outcomes_recover_the_true_effect(sample) -> None:
    t = sample.campaign_truth
    rng = np.random.default_rng(0)
    lapsed = t[t.lapsed & ~t.sleeping_dog].customer_id.to_numpy()
    arm = np.where(rng.random(len(lapsed)) < 0.5, "holdout", "cashback")
    assignments = pd.DataFrame(
        {
            "customer_id": lapsed,
            "campaign_id": "WB",
            "arm": arm,
            "assigned_at": pd.Timestamp(datetime(2026, 7, 1)),
        }
    )
    treated = assignments[assignments.arm == "cashback"].assign(treatment="cashback")
    out = simulate_campaign_outcomes(t, assignments, treated, seed=1)
    again = simulate_campaign_outcomes(t, assignments, treated, seed=1)
    pd.testing.assert_frame_equal(out, again)
    assert list(out.columns) == ["customer_id", "campaign_id", "timestamp", "kind", "value"]
    assert out.timestamp.between(
        pd.Timestamp("2026-07-01"), pd.Timestamp("2026-07-31 00:00:01")
    ).all()
    buyers = set(out[out.kind == "purchase"].customer_id)
    conv = assignments.customer_id.isin(buyers)
    by = t.set_index("customer_id")
    for name, col in (("holdout", "p_control"), ("cashback", "p_cashback")):
        sel = (assignments.arm == name).to_numpy()
        p = by.loc[assignments.customer_id[sel], col].to_numpy(dtype=float)
        # the realised rate matches the truth's probabilities within sampling error
        se = np.sqrt(np.sum(p * (1 - p))) / sel.sum()
        assert abs(conv[sel].mean() - p.mean()) < 4 * se + 1e-9
    # only lapsed customers are reactivations; only offers are redeemed, only by buyers
    assert set(out[out.kind == "reactivated"].customer_id) == buyers
    red = set(out[out.kind == "redeemed"].customer_id)
    assert red <= buyers & set(treated.customer_id)


def test_bad_input_is_named(sample) -> None:
    t = sample.campaign_truth
    a = pd.DataFrame(
        {
            "customer_id": ["nobody"],
            "campaign_id": "X",
            "arm": "holdout",
            "assigned_at": pd.Timestamp("2026-07-01"),
        }
    )
    with pytest.raises(ConfigError, match="not in the truth"):
        simulate_campaign_outcomes(t, a, pd.DataFrame({"customer_id": [], "treatment": []}))
    with pytest.raises(ConfigError, match="unknown treatment"):
        simulate_campaign_outcomes(t, a, pd.DataFrame({"customer_id": ["x"], "treatment": ["hug"]}))
