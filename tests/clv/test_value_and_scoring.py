"""CLV, batch scoring with bounded memory, Ibis input, persistence and sBG valuation."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from loyalloop.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
    customer_lifetime_value,
    load_model,
    score,
    score_to_parquet,
)


@pytest.fixture(scope="module")
def fitted(cdnow_spend: pd.DataFrame) -> tuple[BetaGeoModel, GammaGammaModel]:
    bg = BetaGeoModel().fit(cdnow_spend, time_unit="weeks")
    gg = GammaGammaModel().fit(cdnow_spend[cdnow_spend["frequency"] > 0])
    return bg, gg


def test_ibis_input_fits_on_distinct_rows(cdnow: pd.DataFrame) -> None:
    con = ibis.duckdb.connect()
    table = con.create_table("rfm", cdnow)
    from_ibis = BetaGeoModel().fit(table)
    from_pandas = BetaGeoModel().fit(cdnow)
    assert from_ibis.data_period_.n_customers == len(cdnow)
    assert from_ibis.data_period_.n_distinct < len(cdnow)
    for name in from_pandas.params_:
        assert from_ibis.params_[name] == pytest.approx(from_pandas.params_[name], rel=1e-7)
    assert from_ibis.log_likelihood_ == pytest.approx(from_pandas.log_likelihood_, rel=1e-10)
    alive = from_ibis.probability_alive(table)
    assert len(alive) == len(cdnow)


def test_weights_equal_expanded_rows(cdnow: pd.DataFrame) -> None:
    counts = cdnow.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    weighted = BetaGeoModel().fit(counts, weights="n")
    plain = BetaGeoModel().fit(cdnow)
    assert weighted.params_["r"] == pytest.approx(plain.params_["r"], rel=1e-9)


def test_score_batches_match_whole_frame(
    fitted: tuple[BetaGeoModel, GammaGammaModel], cdnow_spend: pd.DataFrame, tmp_path: Path
) -> None:
    bg, gg = fitted
    batches = list(score(bg, cdnow_spend, t=52.0, spend_model=gg, time_unit="W", batch_size=500))
    assert [len(b) for b in batches] == [500, 500, 500, 500, 357]
    scored = pd.concat(batches, ignore_index=True)
    assert scored.columns.tolist() == [
        "customer_id",
        "probability_alive",
        "expected_purchases",
        "expected_average_value",
        "clv",
    ]
    np.testing.assert_allclose(scored["probability_alive"], bg.probability_alive(cdnow_spend))
    np.testing.assert_allclose(
        scored["expected_purchases"], bg.expected_purchases(52.0, cdnow_spend)
    )
    clv = customer_lifetime_value(bg, gg, cdnow_spend, horizon=12, time_unit="W")
    np.testing.assert_allclose(scored["clv"], clv)
    # from an Ibis table, streamed as Arrow batches, into Parquet
    table = ibis.duckdb.connect().create_table("rfm", cdnow_spend)
    path = tmp_path / "scores.parquet"
    rows = score_to_parquet(path, bg, table, t=52.0, spend_model=gg, time_unit="W", batch_size=1000)
    assert rows == len(cdnow_spend)
    back = pq.read_table(path).to_pandas().sort_values("customer_id")
    np.testing.assert_allclose(back["clv"].to_numpy(), clv.sort_index().to_numpy())


def test_clv_properties(
    fitted: tuple[BetaGeoModel, GammaGammaModel], cdnow_spend: pd.DataFrame
) -> None:
    bg, gg = fitted
    short = customer_lifetime_value(bg, gg, cdnow_spend, horizon=6, time_unit="W")
    long = customer_lifetime_value(bg, gg, cdnow_spend, horizon=24, time_unit="W")
    undiscounted = customer_lifetime_value(
        bg, gg, cdnow_spend, horizon=6, discount_rate=0.0, time_unit="W"
    )
    assert (long >= short).all() and (undiscounted >= short).all()
    expected_spend = gg.expected_average_value(cdnow_spend)
    np.testing.assert_allclose(
        undiscounted,
        expected_spend * bg.expected_purchases(6 * 365.25 / 12 / 7, cdnow_spend),
        rtol=1e-10,
    )
    # without time_unit, the unit the model was fitted with (weeks)
    np.testing.assert_allclose(customer_lifetime_value(bg, gg, cdnow_spend, horizon=6), short)
    assert gg.expected_average_value(cdnow_spend.assign(frequency=0, monetary_value=0.0)).iloc[
        0
    ] == pytest.approx(gg.population_mean())


@pytest.mark.parametrize(
    "model",
    [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel],
)
def test_save_and_load_round_trip(model: type, cdnow: pd.DataFrame, tmp_path: Path) -> None:
    fitted = model().fit(cdnow, time_unit="weeks", period_end="1997-09-30")
    path = fitted.save(tmp_path / "model.json")
    loaded = load_model(path)
    assert type(loaded) is model
    assert dict(loaded.params_) == dict(fitted.params_)
    assert loaded.data_period_ == fitted.data_period_
    assert loaded.data_period_.period_end == "1997-09-30"
    np.testing.assert_allclose(
        loaded.expected_purchases(10.0, cdnow), fitted.expected_purchases(10.0, cdnow)
    )
    assert loaded.convergence_ == fitted.convergence_
    assert "library_version" in path.read_text()


def test_other_models_round_trip(
    donations: pd.DataFrame, cdnow_spend: pd.DataFrame, tmp_path: Path
) -> None:
    for fitted in (
        BetaGeoBetaBinomModel().fit(donations, weights="weights"),
        GammaGammaModel().fit(cdnow_spend[cdnow_spend["frequency"] > 0]),
        ShiftedBetaGeoModel().fit_cohort([1000, 631, 468, 382, 326, 289, 262, 241]),
    ):
        loaded = type(fitted).load(fitted.save(tmp_path / "m.json"))
        assert dict(loaded.params_) == dict(fitted.params_)
        assert loaded.log_likelihood_ == fitted.log_likelihood_


def test_summary_table(cdnow: pd.DataFrame) -> None:
    table = BetaGeoModel().fit(cdnow).summary()
    assert table.index.tolist() == ["r", "alpha", "a", "b"]
    assert (table["lower_95"] < table["estimate"]).all()


def test_sbg_retention_and_derl() -> None:
    model = ShiftedBetaGeoModel().fit_cohort([1000, 631, 468, 382, 326, 289, 262, 241])
    alpha, beta = model.params_["alpha"], model.params_["beta"]
    # retention rates rise over time (heterogeneity sorts out the churners)
    rates = model.retention_rate(np.arange(1, 13))
    assert np.all(np.diff(rates) > 0)
    np.testing.assert_allclose(
        rates, model.survival(np.arange(1, 13)) / model.survival(np.arange(0, 12))
    )
    assert model.churn_probability(1) == pytest.approx(alpha / (alpha + beta))
    # DEL and DERL against brute-force sums of discounted survival
    d = 0.1
    s = model.survival(np.arange(0, 4000))
    assert model.discounted_expected_lifetime(d) == pytest.approx(
        np.sum(s / (1 + d) ** np.arange(4000)), rel=1e-8
    )
    for n in (0, 1, 4):
        brute = sum(s[t] / s[n] / (1 + d) ** (t - n - 1) for t in range(n + 1, 4000))
        assert model.discounted_expected_residual_lifetime(d, n) == pytest.approx(brute, rel=1e-8)
    customers = pd.DataFrame({"customer_id": [1, 2], "tenure": [3, 5], "churned": [False, True]})
    derl = model.residual_lifetime_value(customers, d)
    assert derl.loc[2] == 0.0
    assert derl.loc[1] == pytest.approx(float(model.discounted_expected_residual_lifetime(d, 3)))


def test_whole_number_fast_path_matches_group_by() -> None:
    from loyalloop.clv._data import collapse
    from loyalloop.clv.simulate import simulate_beta_geo

    data = simulate_beta_geo(30_000, 0.3, 30.0, 0.8, 2.5, T=365.0, seed=7, whole_periods=True)
    fast = collapse(data, ("frequency", "recency", "T"), what="test")
    slow = collapse(data.assign(T=data["T"] + 0.5), ("frequency", "recency", "T"), what="test")
    assert fast.n_rows == slow.n_rows < len(data)
    a = pd.DataFrame({**fast.columns, "w": fast.weights}).sort_values(["frequency", "recency"])
    b = pd.DataFrame({**slow.columns, "w": slow.weights}).sort_values(["frequency", "recency"])
    np.testing.assert_array_equal(a["w"].to_numpy(), b["w"].to_numpy())
    np.testing.assert_array_equal(a["T"].to_numpy() + 0.5, b["T"].to_numpy())
