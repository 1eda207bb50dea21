"""The hypergeometric evaluations behind Pareto/NBD and BG/NBD against mpmath."""

from __future__ import annotations

import numpy as np
import pytest

from loyalloop.clv._special import log_hyp2f1, log_hyp2f1_c_eq_a_plus_1, logsubexp

mpmath = pytest.importorskip("mpmath")


@pytest.mark.parametrize(
    ("a", "b", "z"),
    [
        (1.2, 1.6, 0.3),  # alpha >= beta branch, small x
        (30.5, 1.6, 0.95),  # many purchases, z near 1
        (250.0, 1.6, 0.999),
        (1.2, 0.6, 0.5),  # alpha < beta branch (b = r + x)
        (60.0, 59.4, 0.9),  # large b: the direct form overflows
        (400.0, 399.5, 0.99),
        (0.9, 0.3, 0.0),
        (5000.0, 1.1, 0.999999),  # scipy returns nan here: quadrature fallback
    ],
)
def test_log_hyp2f1_c_eq_a_plus_1_matches_mpmath(a: float, b: float, z: float) -> None:
    expected = float(mpmath.log(mpmath.hyp2f1(a, b, a + 1, z)))
    got = float(log_hyp2f1_c_eq_a_plus_1(np.array(a), np.array(b), np.array(z)))
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [(0.5, 2.4, 2.2, 0.5), (30.0, 32.0, 33.0, 0.9), (200.0, 150.0, 160.0, 0.95)],
)
def test_log_hyp2f1_matches_mpmath(a: float, b: float, c: float, z: float) -> None:
    expected = float(mpmath.log(mpmath.hyp2f1(a, b, c, z)))
    assert float(log_hyp2f1(a, b, c, z)) == pytest.approx(expected, rel=1e-9)


def test_logsubexp() -> None:
    a = np.array([0.0, 5.0, 1.0])
    b = np.array([-1.0, 5.0, 1.0 - 1e-12])
    out = logsubexp(a, b)
    assert out[0] == pytest.approx(np.log(1 - np.exp(-1.0)))
    assert out[1] == -np.inf
    assert np.isfinite(out[2])
