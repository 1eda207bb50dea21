"""Agreement with lifetimes (the reference implementation) to at least 4 significant digits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    customer_lifetime_value,
)

lifetimes = pytest.importorskip("lifetimes")

RTOL = 1e-4  # 4 significant digits


def _close(ours: object, theirs: object, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=rtol, atol=1e-12
    )


def _params(fitter: object, names: tuple[str, ...]) -> list[float]:
    return [float(fitter.params_[n]) for n in names]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def bg_pair(cdnow: pd.DataFrame) -> tuple[BetaGeoModel, object]:
    ref = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    return BetaGeoModel().fit(cdnow), ref


def test_bg_nbd_parameters_and_predictions(
    bg_pair: tuple[BetaGeoModel, object], cdnow: pd.DataFrame
) -> None:
    ours, ref = bg_pair
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    _close(list(ours.params_.values()), _params(ref, ("r", "alpha", "a", "b")))
    for t in (1.0, 10.0, 52.0):
        _close(
            ours.expected_purchases(t),
            ref.conditional_expected_number_of_purchases_up_to_time(t, f, r, T),
        )
        _close(
            ours.expected_purchases_new_customer(t), ref.expected_number_of_purchases_up_to_time(t)
        )
    _close(ours.probability_alive(), ref.conditional_probability_alive(f, r, T))
    for n in range(6):
        _close(
            ours.probability_of_n_purchases(n, 26.0),
            ref.probability_of_n_purchases_up_to_time(26.0, n),
        )


def test_mbg_nbd_parameters_and_predictions(cdnow: pd.DataFrame) -> None:
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ref = lifetimes.ModifiedBetaGeoFitter().fit(f, r, T)
    ours = ModifiedBetaGeoModel().fit(cdnow)
    _close(list(ours.params_.values()), _params(ref, ("r", "alpha", "a", "b")))
    for t in (1.0, 10.0, 52.0):
        _close(
            ours.expected_purchases(t),
            ref.conditional_expected_number_of_purchases_up_to_time(t, f, r, T),
        )
        _close(
            ours.expected_purchases_new_customer(t), ref.expected_number_of_purchases_up_to_time(t)
        )
    _close(ours.probability_alive(), ref.conditional_probability_alive(f, r, T))
    # lifetimes' MBG/NBD inherits the BG/NBD P(X(t)=n), so ours is checked for coherence instead
    pmf = ours.probability_of_n_purchases(np.arange(400), 26.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    assert (np.arange(400) * pmf).sum() == pytest.approx(ours.expected_purchases_new_customer(26.0))


def test_pareto_nbd_parameters_and_predictions(cdnow: pd.DataFrame) -> None:
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ref = lifetimes.ParetoNBDFitter().fit(f, r, T, tol=1e-10, maxiter=20000)
    ours = ParetoNBDModel().fit(cdnow)
    _close(list(ours.params_.values()), _params(ref, ("r", "alpha", "s", "beta")))
    for t in (1.0, 10.0, 52.0):
        _close(
            ours.expected_purchases(t),
            ref.conditional_expected_number_of_purchases_up_to_time(t, f, r, T),
        )
        _close(
            ours.expected_purchases_new_customer(t), ref.expected_number_of_purchases_up_to_time(t)
        )
    _close(ours.probability_alive(), ref.conditional_probability_alive(f, r, T))
    rows = cdnow.iloc[::97]
    for n in (0, 1, 3):
        theirs = [
            ref.conditional_probability_of_n_purchases_up_to_time(n, 20.0, x, tx, big_t)
            for x, tx, big_t in zip(rows["frequency"], rows["recency"], rows["T"], strict=True)
        ]
        _close(ours.probability_of_n_purchases(n, 20.0, rows), theirs)
        _close(
            ours.probability_of_n_purchases(n, 20.0),
            ref.conditional_probability_of_n_purchases_up_to_time(n, 20.0, 0, 0, 0),
        )


def test_gamma_gamma_and_clv(
    cdnow_spend: pd.DataFrame, bg_pair: tuple[BetaGeoModel, object]
) -> None:
    repeat = cdnow_spend[cdnow_spend["frequency"] > 0]
    ref = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    ours = GammaGammaModel().fit(repeat)
    _close(list(ours.params_.values()), _params(ref, ("p", "q", "v")))
    _close(
        ours.expected_average_value(cdnow_spend),
        ref.conditional_expected_average_profit(
            cdnow_spend["frequency"], cdnow_spend["monetary_value"]
        ),
    )
    bg, bg_ref = bg_pair
    # lifetimes' months: freq="W" is 4.345 data units per month, freq="D" is 30 (ours are
    # 365.25 / 12 days in every unit); given the same month, the figures agree
    for time_unit, per_month in (("W", 4.345), ("D", 30.0)):
        theirs = ref.customer_lifetime_value(
            bg_ref,
            cdnow_spend["frequency"],
            cdnow_spend["recency"],
            cdnow_spend["T"],
            cdnow_spend["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq=time_unit,
        )
        mine = customer_lifetime_value(
            bg, ours, cdnow_spend, horizon=12, discount_rate=0.01, time_unit=per_month
        )
        _close(mine, theirs)


def test_bg_bb_parameters_and_predictions(donations: pd.DataFrame) -> None:
    x, tx, n, w = donations["frequency"], donations["recency"], donations["T"], donations["weights"]
    ref = lifetimes.BetaGeoBetaBinomFitter().fit(x, tx, n, w)
    ours = BetaGeoBetaBinomModel().fit(donations, weights="weights")
    _close(list(ours.params_.values()), _params(ref, ("alpha", "beta", "gamma", "delta")))
    for m in (1, 5):
        _close(
            ours.expected_purchases(m, donations),
            ref.conditional_expected_number_of_purchases_up_to_time(m, x, tx, n),
        )
    _close(ours.probability_alive(donations), ref.conditional_probability_alive(1, x, tx, n))
    counts = ref.expected_number_of_transactions_in_first_n_periods(6)["model"]
    _close(ours.probability_of_n_purchases(np.arange(7), 6) * w.sum(), counts.to_numpy())
