"""Analytic gradients (and BG/NBD's Hessian) against finite differences; the fast paths
(no collapse for continuous times, subsample start, progress) reach the same maximum."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from loyalloop.clv import BetaGeoBetaBinomModel, BetaGeoModel, ParetoNBDModel
from loyalloop.clv._data import collapse
from loyalloop.clv.models import base
from loyalloop.clv.models.beta_geo_beta_binom import _log_lik
from loyalloop.clv.simulate import (
    simulate_beta_geo,
    simulate_beta_geo_beta_binom,
    simulate_pareto_nbd,
)

COLUMNS = ("frequency", "recency", "T")


def _fd_gradient(value: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    eps = 1e-6
    return np.array([(value(theta + e) - value(theta - e)) / (2 * eps) for e in np.eye(4) * eps])


def _continuous_T(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(1.0, 730.0, n)


@pytest.mark.parametrize("whole_periods", [False, True])
def test_bg_nbd_gradient_and_hessian(whole_periods: bool) -> None:
    data = simulate_beta_geo(
        20_000,
        0.25,
        30.0,
        0.8,
        2.4,
        T=_continuous_T(20_000, 1),
        seed=2,
        whole_periods=whole_periods,
    )
    objective, _ = BetaGeoModel()._objective(collapse(data, COLUMNS, what="test"))
    for theta in (np.log([0.3, 25.0, 0.7, 2.0]), np.log([1.2, 80.0, 2.0, 9.0])):
        _, grad = objective(theta)
        np.testing.assert_allclose(
            grad, _fd_gradient(lambda t: objective(t)[0], theta), rtol=1e-6, atol=1e-8
        )
        eps = 1e-6
        fd_hess = np.array(
            [
                (objective(theta + e)[1] - objective(theta - e)[1]) / (2 * eps)
                for e in np.eye(4) * eps
            ]
        )
        np.testing.assert_allclose(objective.hessian(theta), fd_hess, rtol=1e-5, atol=1e-8)


def test_pareto_nbd_gradient_on_both_branches_and_the_fallback(cdnow: pd.DataFrame) -> None:
    """alpha >= beta and alpha < beta use different series; far apart, the quadrature."""
    sim = simulate_pareto_nbd(10_000, 0.55, 74.0, 0.6, 82.0, T=_continuous_T(10_000, 3), seed=4)
    for data in (cdnow, sim, sim[sim["frequency"] > 0]):
        objective, _ = ParetoNBDModel()._objective(collapse(data, COLUMNS, what="test"))
        for params in ([0.55, 10.5, 0.6, 11.7], [0.5, 80.0, 0.7, 60.0], [0.5, 2.0, 0.7, 900.0]):
            theta = np.log(params)
            value, grad = objective(theta)
            # the series against scipy's hyp2f1 (with its quadrature fallback)
            assert value == pytest.approx(objective.value(theta), rel=1e-12)
            np.testing.assert_allclose(
                grad, _fd_gradient(objective.value, theta), rtol=1e-5, atol=1e-8
            )


def test_bg_bb_gradient(donations: pd.DataFrame) -> None:
    daily = simulate_beta_geo_beta_binom(3_000, 0.3, 8.0, 0.3, 40.0, 120, seed=5)
    for data, weights in ((donations, "weights"), (daily, None)):
        stats = collapse(data, COLUMNS, what="test", weights=weights)
        objective, _ = BetaGeoBetaBinomModel()._objective(stats)
        theta = np.log([1.1, 0.8, 0.6, 2.5])
        value, grad = objective(theta)
        ll, _ = _log_lik(stats["frequency"], stats["recency"], stats["T"], *np.exp(theta))
        wn = stats.weights / stats.weights.sum()
        assert value == pytest.approx(-np.sum(wn * ll), rel=1e-12)
        fun = objective
        np.testing.assert_allclose(
            grad, _fd_gradient(lambda t, f=fun: f(t)[0], theta), rtol=1e-5, atol=1e-8
        )


def test_continuous_times_are_not_collapsed_and_fit_the_same() -> None:
    data = simulate_beta_geo(60_000, 0.25, 30.0, 0.8, 2.4, T=_continuous_T(60_000, 6), seed=7)
    stats = collapse(data, COLUMNS, what="test")
    assert stats.n_rows == len(data) and (stats.weights == 1).all()
    # the same customers, counted twice each, through the grouping path
    half = data.iloc[:30_000].drop(columns="customer_id")
    grouped = collapse(pd.concat([half, half], ignore_index=True), COLUMNS, what="test")
    assert grouped.n_rows == 30_000 and (grouped.weights == 2).all()
    plain = BetaGeoModel().fit(data)
    counted = BetaGeoModel().fit(data.assign(n=1.0), weights="n")
    assert counted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)


@pytest.mark.parametrize(
    ("model", "simulate", "truth"),
    [
        (BetaGeoModel, simulate_beta_geo, (0.25, 30.0, 0.8, 2.4)),
        (ParetoNBDModel, simulate_pareto_nbd, (0.55, 74.0, 0.6, 82.0)),
    ],
)
def test_subsample_start_reaches_the_same_maximum(
    model: type,
    simulate: Callable[..., pd.DataFrame],
    truth: tuple[float, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = simulate(30_000, *truth, T=_continuous_T(30_000, 8), seed=9)
    direct = model().fit(data)
    assert direct.convergence_.starts >= 1
    monkeypatch.setattr(base, "_SUBSAMPLE_ABOVE", 10_000)
    monkeypatch.setattr(base, "_SUBSAMPLE_ROWS", 3_000)
    steps: list[tuple[int, float]] = []
    warm = model().fit(data, progress=lambda i, ll: steps.append((i, ll)))
    assert "subsample" in warm.convergence_.message
    assert warm.log_likelihood_ == pytest.approx(direct.log_likelihood_, rel=1e-12, abs=1e-6)
    for name in direct.params_:
        assert warm.params_[name] == pytest.approx(direct.params_[name], rel=1e-6)
        assert warm.standard_errors_[name] == pytest.approx(direct.standard_errors_[name], rel=1e-3)
    # progress: numbered iterations, the likelihood never falls (Newton with line search)
    assert [i for i, _ in steps] == list(range(1, len(steps) + 1))
    assert all(b >= a - 1e-12 for (_, a), (_, b) in itertools.pairwise(steps))


def test_bg_bb_daily_opportunities_fit_with_progress() -> None:
    """Two years of daily opportunities: a 731 x 731 grid per evaluation, not rows x days."""
    truth = {"alpha": 0.3, "beta": 8.0, "gamma": 0.3, "delta": 40.0}
    data = simulate_beta_geo_beta_binom(20_000, **truth, opportunities=730, seed=10)
    steps: list[tuple[int, float]] = []
    model = BetaGeoBetaBinomModel().fit(data, progress=lambda i, ll: steps.append((i, ll)))
    assert steps and model.convergence_.converged
    for name, value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - value) < 3.5 * se, (name, est, value, se)
