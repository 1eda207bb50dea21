"""Qini and uplift curves: hand-checked on tiny data and against scikit-uplift."""

from __future__ import annotations

import numpy as np
import pytest

from loyalloop.uplift import (
    auuc_area,
    auuc_coefficient,
    bootstrap_interval,
    evaluate_uplift,
    qini_area,
    qini_coefficient,
    qini_curve,
    uplift_at,
    uplift_curve,
)

# six customers ranked by score: t = treated, y = responded
Y = np.array([1, 0, 1, 0, 1, 0])
T = np.array([1, 1, 0, 0, 1, 0])
S = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])


def test_qini_curve_by_hand():
    c = qini_curve(Y, T, S)
    # after k units: treated responders Y_t, control responders Y_c, counts N_t, N_c
    # k=1: Y_t 1, N_t 1, N_c 0 -> 1 (no control yet: the control term is 0)
    # k=2: Y_t 1, N_t 2, N_c 0 -> 1
    # k=3: Y_t 1, N_t 2, Y_c 1, N_c 1 -> 1 - 1*2/1 = -1
    # k=4: Y_t 1, N_t 2, Y_c 1, N_c 2 -> 1 - 1 = 0
    # k=5: Y_t 2, N_t 3, Y_c 1, N_c 2 -> 2 - 1.5 = 0.5
    # k=6: Y_t 2, N_t 3, Y_c 1, N_c 3 -> 2 - 1 = 1
    np.testing.assert_allclose(c.x, [0, 1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(c.y, [0, 1, 1, -1, 0, 0.5, 1])
    # area by the trapezoid rule minus the random line's (6 * 1 / 2), over n² = 36
    area = (0.5 + 1 + 0 - 0.5 + 0.25 + 0.75) - 3.0  # = -1
    assert qini_area(Y, T, S) == pytest.approx(area / 36)


def test_uplift_curve_by_hand():
    c = uplift_curve(Y, T, S)
    # k=3: rates 1/2 - 1/1 = -0.5, times 3 = -1.5; k=6: (2/3 - 1/3) * 6 = 2
    assert c.y[3] == pytest.approx(-1.5)
    assert c.y[-1] == pytest.approx(2.0)


def test_ties_are_one_cut():
    s = np.array([1.0, 1.0, 0.0, 0.0])
    c = qini_curve([1, 0, 0, 1], [1, 0, 1, 0], s)
    np.testing.assert_allclose(c.x, [0, 2, 4])


@pytest.fixture(scope="module")
def random_data():
    rng = np.random.default_rng(0)
    n = 3000
    t = rng.integers(0, 2, n)
    x = rng.random(n)
    y = (rng.random(n) < 0.2 + 0.2 * t * (x > 0.5)).astype(int)
    score = np.round(x + rng.normal(0, 0.3, n), 2)
    return y, t, score


def test_matches_scikit_uplift(random_data):
    sklift = pytest.importorskip("sklift.metrics")
    y, t, s = random_data
    import warnings

    with warnings.catch_warnings():
        # scikit-uplift 0.5.1 calls a scikit-learn helper deprecated in 1.8
        warnings.simplefilter("ignore", FutureWarning)
        qx, qy = sklift.qini_curve(y, s, t)
        _, uy = sklift.uplift_curve(y, s, t)
        q_ref = sklift.qini_auc_score(y, s, t)
        u_ref = sklift.uplift_auc_score(y, s, t)
    c = qini_curve(y, t, s)
    np.testing.assert_allclose(c.x, qx)
    np.testing.assert_allclose(c.y, qy)
    np.testing.assert_allclose(uplift_curve(y, t, s).y, uy)
    assert qini_coefficient(y, t, s) == pytest.approx(q_ref, rel=1e-12)
    assert auuc_coefficient(y, t, s) == pytest.approx(u_ref, rel=1e-12)


def test_informative_score_beats_random_with_interval(random_data):
    y, t, s = random_data
    iv = bootstrap_interval("qini_area", y, t, s, resamples=200)
    assert iv.low < iv.value < iv.high
    assert iv.low > 0
    noise = np.random.default_rng(1).random(len(y))
    assert abs(qini_area(y, t, noise)) < 0.01
    assert auuc_area(y, t, s) > 0
    # the top half by score holds the effect (0.2), the rest none
    assert uplift_at(y, t, s, 0.3) > 0.1


def test_evaluate_uplift_reports_every_scorer(random_data):
    y, t, s = random_data
    ev = evaluate_uplift(y, t, {"model": s, "reverse": -s}, resamples=50)
    assert ev.scorer("model").qini.value > 0 > ev.scorer("reverse").qini.value
    assert list(ev.curves.columns) == ["fraction", "model", "reverse"]
    assert ev.curves["model"].iloc[0] == 0
    d = ev.to_dict()
    assert d["scorers"][0]["qini_coefficient"] is not None
    assert any("Qini area" in line for line in ev.lines())


def test_bad_inputs():
    with pytest.raises(ValueError, match="0 or 1"):
        qini_curve([1, 0], [2, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        qini_curve([1, np.inf], [1, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="0/1 outcomes"):
        qini_coefficient([3.5, 0.0], [1, 0], [0.1, 0.2])
