"""Pareto/NBD where the hypergeometric series converges slowly (``z`` = |alpha - beta| /
max(alpha, beta) near 1, as at the 10k sample run's estimates): the quadrature of the "died"
integral against mpmath, its gradient against finite differences, the likelihood against
lifetimes, and the truth recovered from data of that shape."""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest

from loyalloop.clv import ParetoNBDModel
from loyalloop.clv._data import collapse
from loyalloop.clv.models import pareto_nbd
from loyalloop.clv.models.pareto_nbd import _MAX_TERMS, _died_integral
from loyalloop.clv.simulate import simulate_pareto_nbd

COLUMNS = ("frequency", "recency", "T")
# the 10k sample run's estimates (weeks): z = 67.27 / 68.5 = 0.982
SAMPLE = {"r": 1.62, "alpha": 1.23, "s": 0.53, "beta": 68.5}


def _sample_shaped(n: int, seed: int) -> pd.DataFrame:
    T = np.random.default_rng(seed).uniform(1.0 / 7.0, 130.0, n)
    return simulate_pareto_nbd(n, **SAMPLE, T=T, seed=seed + 1)


def _objective(data: pd.DataFrame) -> object:
    objective, _ = ParetoNBDModel()._objective(collapse(data, COLUMNS, what="test"))
    return objective


def _mp_log_integral(
    x: float, tx: float, T: float, r: float, a: float, s: float, b: float
) -> float:
    mpmath.mp.dps = 30
    r_, a_, s_, b_ = (mpmath.mpf(v) for v in (r, a, s, b))

    def f(t: mpmath.mpf) -> mpmath.mpf:
        return (a_ + t) ** (-(r_ + x)) * (b_ + t) ** (-(s_ + 1))

    # subintervals graded towards t_x, where the integrand is largest
    cuts = sorted({tx + (T - tx) * q for q in [0.0, *np.geomspace(1e-6, 1.0, 30)]})
    return float(mpmath.log(mpmath.quad(f, [mpmath.mpf(c) for c in cuts])))


@pytest.mark.parametrize(
    "params",
    [
        (1.62, 1.23, 0.53, 68.5),  # z = 0.982, alpha < beta
        (0.5, 900.0, 0.7, 0.9),  # z = 0.999, alpha > beta
        (1.0, 0.05, 3.0, 60.0),  # z = 0.999, alpha < beta
        (0.55, 10.5, 0.6, 11.7),  # z = 0.10 (CDNOW-like)
    ],
)
def test_died_integral_against_mpmath(params: tuple[float, float, float, float]) -> None:
    rng = np.random.default_rng(11)
    x = np.array([0, 0, 1, 2, 5, 20, 80, 300, 300, 7], dtype=float)
    T = np.array([0.2, 120.0, 3.0, 50.0, 800.0, 60.0, 400.0, 750.0, 10.0, 129.0])
    tx = np.where(x == 0, 0.0, T * rng.uniform(0.0, 1.0, len(x)) ** 2)
    got = _died_integral(x, tx, T, *params)
    want = np.array([_mp_log_integral(*row, *params) for row in zip(x, tx, T, strict=True)])
    np.testing.assert_allclose(got[0], want, rtol=1e-13, atol=1e-11)
    # the means under the integrand are derivatives of log I: check one by finite differences
    r, a, s, b = params
    eps = 1e-6 * a
    fd = (
        _died_integral(x, tx, T, r, a + eps, s, b)[0]
        - _died_integral(x, tx, T, r, a - eps, s, b)[0]
    ) / (2 * eps)
    np.testing.assert_allclose(-(r + x) * got[3], fd, rtol=1e-6, atol=1e-9)


def test_died_integral_is_minus_infinity_on_an_empty_interval() -> None:
    x, t = np.array([3.0]), np.array([40.0])
    out = _died_integral(x, t, t, *SAMPLE.values())
    assert out[0, 0] == -np.inf and np.isfinite(out[1:]).all()


@pytest.mark.parametrize(
    "params",
    [
        [1.62, 1.23, 0.53, 68.5],
        [1.0, 0.07, 0.6, 70.0],  # z = 0.999
        [0.8, 90.0, 0.6, 0.2],  # z = 0.998, the other branch
    ],
)
def test_gradient_near_z_one(params: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    data = _sample_shaped(4_000, 3)
    objective = _objective(data)
    theta = np.log(params)
    alpha, beta = params[1], params[3]
    z = abs(alpha - beta) / max(alpha, beta)
    assert np.log(1e-17) / np.log(z) > _MAX_TERMS  # the quadrature path
    value, grad = objective(theta)  # type: ignore[operator]
    # against the scipy-hyp2f1 likelihood
    assert value == pytest.approx(objective.value(theta), rel=1e-12)  # type: ignore[attr-defined]
    # the mean log-likelihood is ~ -100 here: a smaller step drowns in rounding
    eps = 1e-4
    fd = np.array(
        [
            (objective(theta + e)[0] - objective(theta - e)[0]) / (2 * eps)  # type: ignore[operator]
            for e in np.eye(4) * eps
        ]
    )
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    # converged: more nodes per row change nothing that matters
    monkeypatch.setattr(pareto_nbd, "_NODES_MIN", 40.0)
    monkeypatch.setattr(pareto_nbd, "_NODES_PER_SLOPE", 1.5)
    more_value, more_grad = objective(theta)  # type: ignore[operator]
    assert more_value == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(more_grad, grad, rtol=1e-10, atol=1e-14)


def test_quadrature_equals_the_series_where_both_apply(cdnow: pd.DataFrame) -> None:
    objective = _objective(cdnow)
    for params in ([0.55, 10.5, 0.6, 11.7], [0.5, 12.0, 0.7, 10.0]):
        value, grad = objective(np.log(params))  # type: ignore[operator]
        q_value, q_grad = objective._quadrature(*params)  # type: ignore[attr-defined]
        assert q_value == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(q_grad, grad, rtol=1e-9, atol=1e-12)


def test_likelihood_against_lifetimes_on_cdnow_and_sample_shape(cdnow: pd.DataFrame) -> None:
    lifetimes = pytest.importorskip("lifetimes")
    sample = _sample_shaped(5_000, 5)
    for data, params in (
        (cdnow, [0.55, 10.5, 0.6, 11.7]),
        (sample, list(SAMPLE.values())),
        (sample, [1.5, 1.1, 0.5, 75.0]),
    ):
        ours = -_objective(data)(np.log(params))[0]  # type: ignore[operator]
        theirs = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
            params, data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
        )
        assert ours == pytest.approx(float(np.mean(theirs)), rel=1e-4)


def test_sample_shape_truth_recovered() -> None:
    data = _sample_shaped(20_000, 7)
    model = ParetoNBDModel().fit(data)
    for name, truth in SAMPLE.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - truth) < 3.0 * se, f"{name}: {est:.4g} vs {truth} (se {se:.3g})"
        assert abs(est / truth - 1.0) < 0.1, f"{name}: {est:.4g} vs {truth}"
