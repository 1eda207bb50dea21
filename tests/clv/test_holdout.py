"""Summaries from transactions, calibration/holdout splits and holdout checks."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.clv import (
    BetaGeoModel,
    calibration_and_holdout,
    cumulative_tracking,
    holdout_by_frequency,
    summary_from_transactions,
)
from loyalloop.errors import DataValidationError

lifetimes_utils = pytest.importorskip("lifetimes.utils")


@pytest.fixture(scope="module")
def split(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    return calibration_and_holdout(cdnow_transactions, "1997-09-30", "1998-06-30", amount="amount")


@pytest.mark.parametrize("freq", ["D", "W"])
def test_calibration_and_holdout_matches_lifetimes(
    cdnow_transactions: pd.DataFrame, freq: str
) -> None:
    ours = calibration_and_holdout(
        cdnow_transactions, "1997-09-30", "1998-06-30", amount="amount", freq=freq
    )
    theirs = lifetimes_utils.calibration_and_holdout_data(
        cdnow_transactions,
        "customer_id",
        "timestamp",
        "1997-09-30",
        "1998-06-30",
        monetary_value_col="amount",
        freq=freq,
    ).sort_index()
    assert ours["customer_id"].tolist() == theirs.index.tolist()
    for column in theirs.columns:
        np.testing.assert_allclose(
            ours[column].to_numpy(), theirs[column].to_numpy(), rtol=1e-12, err_msg=column
        )


def test_summary_matches_lifetimes_and_runs_on_ibis(cdnow_transactions: pd.DataFrame) -> None:
    theirs = lifetimes_utils.summary_data_from_transaction_data(
        cdnow_transactions,
        "customer_id",
        "timestamp",
        observation_period_end="1998-06-30",
        monetary_value_col="amount",
    ).sort_index()
    ours = summary_from_transactions(
        cdnow_transactions, observation_end="1998-06-30", amount="amount"
    )
    table = ibis.duckdb.connect().create_table("tx", cdnow_transactions)
    expr = summary_from_transactions(table, observation_end="1998-06-30", amount="amount")
    from_ibis = expr.to_pandas().sort_values("customer_id", ignore_index=True)
    for column in theirs.columns:
        np.testing.assert_allclose(ours[column].to_numpy(), theirs[column].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(
            from_ibis[column].to_numpy(), theirs[column].to_numpy(), rtol=1e-12
        )


def test_holdout_by_frequency(split: pd.DataFrame) -> None:
    cal = split.rename(
        columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"}
    )
    model = BetaGeoModel().fit(cal, time_unit="days")
    table = holdout_by_frequency(model, split, max_frequency=7)
    assert table.index.tolist() == list(range(8))
    assert table["n_customers"].sum() == len(split)
    # the model tracks the holdout: mean absolute gap well under one purchase per bucket
    assert (table["difference"].abs() < 0.5).all()
    # more calibration purchases, more holdout purchases, in data and model alike
    assert table["actual"].is_monotonic_increasing
    assert table["predicted"].is_monotonic_increasing


def test_cumulative_tracking_matches_lifetimes(
    cdnow_transactions: pd.DataFrame, split: pd.DataFrame
) -> None:
    lifetimes = pytest.importorskip("lifetimes")
    cal = split.rename(
        columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"}
    )
    model = BetaGeoModel().fit(cal)
    ref = lifetimes.BetaGeoFitter().fit(cal["frequency"], cal["recency"], cal["T"])
    ours = cumulative_tracking(model, cdnow_transactions, 120, freq_multiplier=7)
    theirs = lifetimes_utils.expected_cumulative_transactions(
        ref, cdnow_transactions, "timestamp", "customer_id", 120, freq_multiplier=7
    )
    np.testing.assert_allclose(ours["actual"].to_numpy(), theirs["actual"].to_numpy())
    np.testing.assert_allclose(
        ours["predicted"].to_numpy(), theirs["predicted"].to_numpy(), rtol=1e-4
    )


def test_holdout_errors(cdnow_transactions: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="must be after calibration_end"):
        calibration_and_holdout(cdnow_transactions, "1998-06-30", "1998-01-01")
    with pytest.raises(DataValidationError, match="freq must be one of"):
        calibration_and_holdout(cdnow_transactions, "1997-09-30", freq="M")
    with pytest.raises(DataValidationError, match="needs column"):
        calibration_and_holdout(cdnow_transactions, "1997-09-30", amount="price")
