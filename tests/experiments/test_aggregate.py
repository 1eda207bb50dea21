"""Per-arm sums computed by the engine equal NumPy's on the raw data; messy cells are counted."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.errors import DataValidationError
from loyalloop.experiments import (
    Adjusted,
    MetricKind,
    MissingPolicy,
    Proportion,
    Ratio,
    SampleMean,
    analyze_table,
    experiment_aggregates,
    frequentist_test,
    open_table,
)


def _frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "offer"], n)
    pre = rng.gamma(2.0, 50.0, n)
    y = 0.6 * pre + rng.normal(20 + 5 * (arm == "offer"), 30, n)
    return pd.DataFrame({"arm": arm, "y": y, "pre": pre, "orders": rng.poisson(2, n) + 1.0})


def test_sums_equal_numpy_and_feed_the_tests():
    df = _frame()
    data = experiment_aggregates(ibis.memtable(df), arm="arm", metric="y", pre="pre")
    assert data.kind is MetricKind.MEAN
    stats = data.statistics()
    for name in ("control", "offer"):
        part = df[df.arm == name]
        expected = Adjusted.from_values(part.y, part.pre)
        got = stats[name]
        assert isinstance(got, Adjusted)
        assert got.n == expected.n
        assert got.post.sum == pytest.approx(expected.post.sum, rel=1e-12)
        assert got.post.sum_squares == pytest.approx(expected.post.sum_squares, rel=1e-12)
        assert got.pre.sum_squares == pytest.approx(expected.pre.sum_squares, rel=1e-12)
        assert got.sum_products == pytest.approx(expected.sum_products, rel=1e-12)


def test_ratio_sums():
    df = _frame()
    data = experiment_aggregates(ibis.memtable(df), arm="arm", metric="y", denominator="orders")
    assert data.kind is MetricKind.RATIO
    part = df[df.arm == "offer"]
    got, exp = data.statistics()["offer"], Ratio.from_values(part.y, part.orders)
    assert isinstance(got, Ratio)
    assert got.mean == pytest.approx(exp.mean, rel=1e-12)
    assert got.variance == pytest.approx(exp.variance, rel=1e-9)


def test_zero_one_metric_is_a_proportion():
    df = pd.DataFrame({"arm": ["a", "b"] * 50, "conv": [0, 1, 1, 0] * 25})
    data = experiment_aggregates(ibis.memtable(df), arm="arm", metric="conv")
    assert data.kind is MetricKind.PROPORTION
    assert data.statistics()["a"] == Proportion(50, 25)


def test_messy_text_cells_counted_and_reported():
    df = pd.DataFrame(
        {
            "arm": [" control", "control ", "offer", "", None, "offer", "offer", "control"],
            "y": ["1.5", " 2.5 ", "", "3", "4", "NaN", "7", "2"],
            "pre": ["1", "", "2", "3", "4", "5", "", "6"],
        }
    )
    data = experiment_aggregates(ibis.memtable(df), arm="arm", metric="y", pre="pre")
    assert data.rows == 8 and data.rows_without_arm == 2
    arms = {a.arm: a for a in data.arms}
    assert arms["control"].assigned == 3 and arms["control"].n == 3
    # blank and NaN metric cells are missing: offer keeps only "7"
    assert arms["offer"].assigned == 3 and arms["offer"].n == 1 and arms["offer"].missing == 2
    # pre of the used units: 1, '', 6 (control) and '' (offer) -> two filled with the mean
    assert data.pre_fill == pytest.approx((1 + 6) / 2)
    assert sum(a.pre_filled for a in data.arms) == 2
    notes = " ".join(data.notes)
    assert "2 rows have no arm" in notes
    assert "2 units have no value of y" in notes and "offer: 2" in notes
    assert "filled with its mean 3.5" in notes


def test_missing_as_zero():
    df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "rev": ["10", "", "", "5"]})
    data = experiment_aggregates(
        ibis.memtable(df), arm="arm", metric="rev", missing=MissingPolicy.ZERO
    )
    stats = data.statistics()
    assert stats["a"] == SampleMean(2, 10.0, 100.0)
    assert not data.notes


@pytest.mark.parametrize("bad", ["abc", "inf", "-Infinity", "1,234"])
def test_unparseable_or_infinite_metric_refused_with_examples(bad):
    df = pd.DataFrame({"arm": ["a", "b", "a"], "y": ["1", bad, "2"]})
    with pytest.raises(DataValidationError, match=f"column y has 1 values .*{bad!r}"):
        experiment_aggregates(ibis.memtable(df), arm="arm", metric="y")


def test_too_many_arms_is_probably_the_wrong_column():
    df = pd.DataFrame({"id": [f"c{i}" for i in range(50)], "y": range(50)})
    with pytest.raises(DataValidationError, match="50 distinct values"):
        experiment_aggregates(ibis.memtable(df), arm="id", metric="y")


def test_missing_columns_named():
    df = pd.DataFrame({"arm": ["a"], "y": [1.0]})
    with pytest.raises(
        DataValidationError, match="no metric column 'revenue'; columns are: 'arm', 'y'"
    ):
        experiment_aggregates(ibis.memtable(df), arm="arm", metric="revenue")


def test_proportion_kind_refuses_other_values():
    df = pd.DataFrame({"arm": ["a", "b"] * 3, "y": [0, 1, 2, 0, 1, 1]})
    with pytest.raises(DataValidationError, match="1 values other than 0 and 1"):
        experiment_aggregates(ibis.memtable(df), arm="arm", metric="y", kind=MetricKind.PROPORTION)


def test_planned_arm_without_rows_is_an_error():
    df = _frame()
    with pytest.raises(DataValidationError, match="arm\\(s\\) 'offer_b' have no rows"):
        analyze_table(
            ibis.memtable(df),
            arm="arm",
            control="control",
            metric="y",
            weights={"control": 1, "offer": 1, "offer_b": 1},
        )


def test_file_round_trip_utf8_and_gbk(tmp_path):
    df = _frame(300)
    df["arm"] = df["arm"].map({"control": "对照组", "offer": "优惠券"})
    utf8 = tmp_path / "e.csv"
    df.to_csv(utf8, index=False)
    gbk = tmp_path / "e_gbk.csv"
    df.to_csv(gbk, index=False, encoding="gbk")
    pq = tmp_path / "e.parquet"
    df.to_parquet(pq)
    expected = frequentist_test(
        SampleMean.from_values(df.y[df.arm == "对照组"]),
        SampleMean.from_values(df.y[df.arm == "优惠券"]),
    )
    for path in (utf8, gbk, pq):
        res = analyze_table(open_table(path), arm="arm", control="对照组", metric="y")
        arm = res.report.arm("优惠券")
        assert arm.test.absolute.estimate == pytest.approx(expected.absolute.estimate, rel=1e-9)
        assert arm.test.p_value == pytest.approx(expected.p_value, rel=1e-6)


def test_missing_file():
    with pytest.raises(DataValidationError, match="does not exist"):
        open_table("/no/such/file.csv")
