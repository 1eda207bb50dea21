"""Parameter recovery on simulated data whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from loyalloop.clv import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    CLVModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
    summary_from_transactions,
)
from loyalloop.clv.simulate import (
    simulate_beta_geo,
    simulate_beta_geo_beta_binom,
    simulate_gamma_gamma,
    simulate_modified_beta_geo,
    simulate_pareto_nbd,
    simulate_shifted_beta_geo,
)


def _within(model: CLVModel, truth: dict[str, float], z: float = 3.0) -> None:
    """Every estimate lies within z standard errors of the truth."""
    for name, value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - value) < z * se, f"{name}: {est:.4g} vs {value} (se {se:.3g})"


def _staggered_T(n: int, seed: int) -> np.ndarray:
    # customers acquired over the first half of a 78-week window
    return 78.0 - np.random.default_rng(seed).uniform(0, 39, n)


def test_bg_nbd_recovery() -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    data = simulate_beta_geo(20_000, **truth, T=_staggered_T(20_000, 1), seed=11)
    _within(BetaGeoModel().fit(data), truth)


def test_mbg_nbd_recovery() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    data = simulate_modified_beta_geo(20_000, **truth, T=_staggered_T(20_000, 2), seed=12)
    _within(ModifiedBetaGeoModel().fit(data), truth)


@pytest.mark.slow
def test_pareto_nbd_recovery() -> None:
    truth = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    data = simulate_pareto_nbd(20_000, **truth, T=_staggered_T(20_000, 3), seed=13)
    _within(ParetoNBDModel().fit(data), truth)


def test_gamma_gamma_recovery() -> None:
    truth = {"p": 6.0, "q": 3.8, "v": 15.0}
    frequency = np.random.default_rng(4).integers(1, 10, 5_000)
    data = simulate_gamma_gamma(frequency, **truth, seed=14)
    _within(GammaGammaModel().fit(data), truth)


def test_bg_bb_recovery() -> None:
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    data = simulate_beta_geo_beta_binom(20_000, **truth, opportunities=8, seed=15)
    _within(BetaGeoBetaBinomModel().fit(data), truth)


def test_sbg_recovery() -> None:
    truth = {"alpha": 0.7, "beta": 1.2}
    data = simulate_shifted_beta_geo(5_000, **truth, periods=8, seed=16)
    _within(ShiftedBetaGeoModel().fit(data), truth)


def test_standard_errors_shrink_like_root_n() -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    small = BetaGeoModel().fit(simulate_beta_geo(5_000, **truth, T=52.0, seed=21))
    large = BetaGeoModel().fit(simulate_beta_geo(20_000, **truth, T=52.0, seed=22))
    ratio = small.standard_errors_["r"] / large.standard_errors_["r"]
    assert ratio == pytest.approx(2.0, rel=0.25)


def test_sbg_cohort_and_individual_fits_agree() -> None:
    data = simulate_shifted_beta_geo(3_000, 0.7, 1.2, periods=6, seed=31)
    active = [len(data)] + [
        int(((data["tenure"] > t) | ~data["churned"]).sum()) for t in range(1, 7)
    ]
    by_cohort = ShiftedBetaGeoModel().fit_cohort(active)
    by_customer = ShiftedBetaGeoModel().fit(data)
    for name in ("alpha", "beta"):
        assert by_cohort.params_[name] == pytest.approx(by_customer.params_[name], rel=1e-6)
    assert by_cohort.log_likelihood_ == pytest.approx(by_customer.log_likelihood_, rel=1e-9)


def test_recovery_with_daily_resolution_data() -> None:
    """Recency rounded to whole days (as summaries from transactions are) still recovers."""
    truth = {"r": 0.3, "alpha": 30.0, "a": 0.8, "b": 2.5}
    T = np.floor(365.0 - np.random.default_rng(5).uniform(0, 180, 20_000))
    data = simulate_beta_geo(20_000, **truth, T=T, seed=41, whole_periods=True)
    model = BetaGeoModel().fit(data)
    assert model.data_period_.n_distinct < len(data)
    _within(model, truth, z=3.5)


@pytest.mark.slow
def test_sample_generator_truth_is_recovered() -> None:
    """loyalloop.sample simulates BG/NBD purchases with Gamma-Gamma spend (weeks, CNY)."""
    sample = pytest.importorskip("loyalloop.sample")
    data = sample.generate(customers=20_000, seed=3, business="retail")
    truth = data.params
    tx = data.transactions
    end = tx["timestamp"].max()
    rfm = summary_from_transactions(tx, observation_end=end, freq="D", freq_multiplier=7)
    rfm = rfm[rfm["T"] > 0]  # acquired on the last day: observed for no time
    model = BetaGeoModel().fit(rfm, time_unit="weeks")
    _within(model, {k: truth[k] for k in ("r", "alpha", "a", "b")})
    # spend: the sample adds refunds (negative amounts) on top of the Gamma-Gamma purchases
    purchases = tx[tx["amount"] > 0]
    spend = summary_from_transactions(
        purchases, observation_end=end, amount="amount", freq="D", freq_multiplier=7
    )
    spend_model = GammaGammaModel().fit(spend[spend["frequency"] > 0])
    _within(spend_model, {"p": truth["p"], "q": truth["q"], "v": truth["gamma"]})
