"""The generated tables satisfy the canonical contracts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from loyalloop.data.contracts import FEEDBACK_CHANNELS, SCORE_RANGES, contract
from loyalloop.errors import ConfigError, LoyalloopError
from loyalloop.sample import SampleData, generate


def _is_text(s: pd.Series) -> bool:
    values = s.dropna().astype(object)
    return bool(values.map(lambda v: isinstance(v, str)).all())


@pytest.mark.parametrize(
    "name", ["customers", "transactions", "accounts", "feedback", "interactions"]
)
def test_columns_and_types_follow_contract(sample: SampleData, name: str) -> None:
    df = getattr(sample, name)
    c = contract(name)
    assert list(df.columns) == [col.name for col in c.input_columns]
    for col in c.input_columns:
        s = df[col.name]
        if col.type in ("timestamp", "date"):
            assert pd.api.types.is_datetime64_dtype(s.dtype), col.name
        elif col.type == "float":
            assert pd.api.types.is_float_dtype(s.dtype), col.name
        elif col.type == "bool":
            assert str(s.dtype) == "boolean", col.name
        else:
            assert _is_text(s), col.name
        if col.required:
            assert s.notna().all(), f"{name}.{col.name} has missing required values"
    if len(df):
        key = list(c.key)
        assert not df.duplicated(key).any(), f"{name} key {key} not unique"


def test_references_resolve(sample: SampleData) -> None:
    ids = set(sample.customers["customer_id"])
    assert set(sample.transactions["customer_id"].unique()) <= ids
    assert set(sample.accounts["customer_id"].unique()) <= ids
    assert set(sample.interactions["customer_id"].unique()) <= ids
    fb = sample.feedback["customer_id"].dropna()
    assert set(fb) <= ids
    assert sample.feedback["customer_id"].isna().any()  # anonymous reviews and posts


def test_values_are_plausible(sample: SampleData) -> None:
    end = pd.Timestamp(sample.params["window_end"])
    tx = sample.transactions
    assert tx["timestamp"].max() < end
    assert (tx["currency"] == "CNY").all()
    assert (tx["amount"] == tx["amount"].round(2)).all()
    assert (tx["amount"] < 0).mean() > 0.005  # refunds
    assert 0 < (tx["amount"] == 0).sum() < 0.01 * len(tx)  # a handful of zero rows
    first = tx.groupby("customer_id")["timestamp"].min()
    created = sample.customers.set_index("customer_id")["created_at"]
    assert (created.loc[first.index] <= first).all()

    fb = sample.feedback
    assert set(fb["channel"]) <= set(FEEDBACK_CHANNELS)
    for score_type, (lo, hi) in SCORE_RANGES.items():
        scores = fb.loc[fb["score_type"] == score_type, "score"]
        assert scores.between(lo, hi).all()
    # surveys ask NPS or CSAT; app-store reviews carry the store's stars (``rating``, 1-5)
    assert set(fb["score_type"].dropna()) == {"nps", "csat", "rating"}
    assert (fb.loc[fb["score_type"] == "rating", "channel"] == "app_review").all()
    assert fb.loc[fb["score_type"].isna(), "score"].isna().all()
    assert fb["timestamp"].max() < end


def test_refunds_reference_a_category(sample: SampleData) -> None:
    refunds = sample.transactions[sample.transactions["amount"] < 0]
    assert refunds["category"].notna().all()
    assert refunds["channel"].notna().all()


def test_card_accounts(card: SampleData) -> None:
    acc = card.accounts
    per_customer = acc.groupby("customer_id").size()
    assert per_customer.index.nunique() == len(card.customers)
    assert set(per_customer.unique()) <= {1, 2}
    assert 0.15 < (per_customer == 2).mean() < 0.35
    closed = acc["closed_at"].notna()
    assert (acc.loc[closed, "closed_at"] >= acc.loc[closed, "opened_at"]).all()
    assert {"标准卡", "Gold", "Platinum"} <= set(acc["product"])
    assert acc["credit_limit"].between(1_000, 1_000_000).all()
    truth = card.truth.set_index("customer_id")
    churned = truth.loc[acc["customer_id"], "churned"].to_numpy()
    # most closures come from customers who dropped out, and after their dropout
    assert closed[churned].mean() > 0.4
    assert closed[~churned].mean() < 0.03
    dropout = truth.loc[acc["customer_id"], "dropout_at"].to_numpy()
    c = closed.to_numpy() & churned
    assert (acc["closed_at"].to_numpy()[c] >= dropout[c]).all()


def test_retail_has_no_accounts(retail: SampleData) -> None:
    assert retail.accounts.empty
    assert list(retail.accounts.columns) == [c.name for c in contract("accounts").input_columns]
    assert "accounts" not in retail.tables
    assert "apparel" in set(retail.transactions["category"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"customers": 0},
        {"customers": 2.5},
        {"business": "bank"},
        {"years": 0},
        {"seed": -1},
        {"end": "2026-06-30"},
    ],
)
def test_bad_arguments_raise_config_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as info:
        generate(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, LoyalloopError)


def test_tiny_and_custom_window() -> None:
    s = generate(customers=1, seed=3, end=date(2025, 12, 31), years=1)
    assert len(s.customers) == 1
    assert len(s.transactions) >= 1
    assert s.transactions["timestamp"].max() < pd.Timestamp("2026-01-01")
    assert s.params["window_start"] == "2025-01-01 00:00:00"
    assert np.isfinite(s.truth["lambda"]).all()


def test_campaigns_respect_consent_and_engagement(sample: SampleData) -> None:
    it = sample.interactions.merge(
        sample.customers[["customer_id", "consent_email", "consent_sms"]], on="customer_id"
    )
    # unknown consent (NA) is not consent: NA must count as a failure here
    assert it.loc[it["channel"] == "email", "consent_email"].fillna(False).astype(bool).all()
    assert it.loc[it["channel"] == "sms", "consent_sms"].fillna(False).astype(bool).all()
    key = ["customer_id", "campaign_id"]
    sent = it[it["kind"] == "sent"].set_index(key)["timestamp"]
    for kind in ("opened", "clicked"):
        later = it[it["kind"] == kind].set_index(key)["timestamp"]
        assert later.index.isin(sent.index).all()
        assert (later >= sent.loc[later.index]).all()
    assert set(it["kind"]) == {"sent", "opened", "clicked"}
    email = it[it["channel"] == "email"]
    open_rate = (email["kind"] == "opened").sum() / (email["kind"] == "sent").sum()
    assert 0.15 < open_rate < 0.6
