"""Bad metrics and arms give an error code for that comparison, never a made-up number."""

from __future__ import annotations

import math

import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.experiments import (
    Correction,
    ErrorCode,
    Method,
    Proportion,
    Ratio,
    SampleMean,
    analyze,
    bayesian_test,
    frequentist_test,
    sample_size,
    sequential_test,
    srm_check,
)

GOOD = SampleMean.from_values([1.0, 2.0, 3.0, 4.0, 5.0])


@pytest.mark.parametrize("test", [frequentist_test, bayesian_test, sequential_test])
@pytest.mark.parametrize(
    ("control", "code"),
    [
        (SampleMean(0, 0.0, 0.0), ErrorCode.NO_UNITS),
        (SampleMean(1, 3.0, 9.0), ErrorCode.TOO_FEW_UNITS),
    ],
)
def test_bad_arm_gives_error_code_and_nan(test, control, code):
    r = test(control, GOOD)
    assert r.error is code
    assert not r.ok
    assert r.message
    for v in (r.absolute.estimate, r.absolute.low, r.relative.high, r.p_value):
        assert math.isnan(v)


def test_constant_metric_message_names_the_value():
    r = frequentist_test(GOOD, SampleMean.from_values([7.0] * 10))
    assert "treatment" in r.message and "7" in r.message
    assert (
        r.fallback is not None
    )  # one flat arm: a stated fallback (tests/experiments/test_fallback.py)


def test_zero_control_mean_leaves_absolute_lift_and_explains_relative():
    c = SampleMean.from_values([-1.0, 1.0, -2.0, 2.0])
    r = frequentist_test(c, GOOD)
    assert r.ok
    assert r.absolute.estimate == pytest.approx(3.0)
    assert math.isnan(r.relative.estimate)
    assert "control mean is 0" in r.message


def test_ratio_with_zero_denominator_is_an_error():
    z = Ratio.from_values([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    ok = Ratio.from_values([1.0, 2.0, 4.0], [1.0, 1.0, 2.0])
    assert frequentist_test(z, ok).error is ErrorCode.BASELINE_ZERO


def test_mixed_statistic_kinds_refused():
    with pytest.raises(TypeError, match="one kind"):
        frequentist_test(GOOD, Ratio.from_values([1.0, 2.0], [1.0, 1.0]))


def test_report_keeps_good_arms_when_one_is_bad():
    stats = {
        "control": GOOD,
        "b": SampleMean.from_values([2.0, 3.0, 4.0, 5.0, 6.0]),
        "empty": SampleMean(0, 0.0, 0.0),
    }
    rep = analyze(stats, "control", assigned={"control": 5, "b": 5, "empty": 5})
    assert rep.arm("empty").error == "no_units"
    assert rep.arm("b").error is None
    assert rep.arm("b").test.absolute.estimate == pytest.approx(1.0)
    # the bad arm's nan p-value does not count as a comparison for the correction
    assert rep.arm("b").p_value_adjusted == pytest.approx(rep.arm("b").test.p_value * 1.0)
    d = rep.to_dict()
    assert [a["arm"] for a in d["arms"]] == ["b", "empty"]
    assert d["arms"][1]["error"] == "no_units"


def test_missing_control_names_the_arms():
    with pytest.raises(DataValidationError, match=r"no control arm 'ctrl'.*'a', 'b'"):
        analyze({"a": GOOD, "b": GOOD}, "ctrl")


def test_only_control_is_an_error():
    with pytest.raises(DataValidationError, match="nothing to compare"):
        analyze({"a": GOOD}, "a")


def test_several_arms_are_corrected_and_intervals_widened():
    stats = {
        "control": SampleMean.from_values([1, 2, 3, 4, 5, 6, 7, 8.0]),
        "b": SampleMean.from_values([2, 3, 4, 5, 6, 7, 8, 9.0]),
        "c": SampleMean.from_values([3, 4, 5, 6, 7, 8, 9, 10.0]),
    }
    rep = analyze(stats, "control", correction=Correction.HOLM)
    assert rep.correction is Correction.HOLM
    for a in rep.arms:
        assert a.p_value_adjusted >= a.test.p_value
        assert a.simultaneous.low < a.test.absolute.low
    bayes = analyze(stats, "control", method=Method.BAYESIAN)
    assert bayes.correction is Correction.NONE
    assert any("no multiple-comparison correction" in n for n in bayes.notes)


def test_srm_flags_a_broken_split_in_the_report():
    stats = {"control": Proportion(1000, 100), "b": Proportion(1300, 140)}
    rep = analyze(stats, "control")
    assert rep.srm.mismatch
    assert any("sample-ratio mismatch" in n for n in rep.notes)


def test_srm_weight_errors():
    with pytest.raises(ConfigError, match="weights for arms without units: c"):
        srm_check({"a": 10, "b": 10}, {"a": 1, "b": 1, "c": 1})
    with pytest.raises(ConfigError, match="positive"):
        srm_check({"a": 10, "b": 10}, {"a": 1, "b": 0})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"baseline_mean": 1.5, "mde": 0.1},  # a rate above 1
        {"baseline_mean": 0.1, "mde": -0.1},
        {"baseline_mean": 100.0, "sd": 0.0, "mde": 0.1},
        {"baseline_mean": 0.1, "mde": 0.1, "alpha": 1.5},
        {"baseline_mean": 0.9, "mde": 0.2, "relative": False},  # reaches a rate of 1
    ],
)
def test_power_refuses_bad_input(kwargs):
    with pytest.raises(ConfigError):
        sample_size(**kwargs)
