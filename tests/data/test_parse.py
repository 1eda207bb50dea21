from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.data.parse import parse_bool, parse_float, parse_int, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", "2024-01-31 00:00:00"),
        ("2024/1/31", "2024-01-31 00:00:00"),
        ("2024.01.31", "2024-01-31 00:00:00"),
        ("20240131", "2024-01-31 00:00:00"),
        ("2024年1月31日", "2024-01-31 00:00:00"),
        ("2024-01-31 10:30", "2024-01-31 10:30:00"),
        ("2024/1/31 8:05:09", "2024-01-31 08:05:09"),
        ("2024-01-31T10:30:15.250", "2024-01-31 10:30:15.250000"),
        ("  2024-01-31  ", "2024-01-31 00:00:00"),
    ],
)
def test_timestamp_formats(text: str, expected: str) -> None:
    values, bad = parse_timestamp(pd.Series([text]))
    assert not bad.iloc[0]
    assert values.iloc[0] == pd.Timestamp(expected)


def test_timestamp_offsets_convert_to_business_zone() -> None:
    s = pd.Series(["2024-01-31 10:00:00+08:00", "2024-01-31T02:00:00Z", "2024-01-31 02:00"])
    values, bad = parse_timestamp(s, "Asia/Shanghai")
    assert not bad.any()
    # 10:00 at +08:00 is 10:00 Shanghai; 02:00Z is 10:00 Shanghai; no offset = local already
    assert list(values) == [pd.Timestamp("2024-01-31 10:00")] * 2 + [
        pd.Timestamp("2024-01-31 02:00")
    ]


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2024-13-01", "31/01/2024", "yesterday", "2024-01-31 25:00"]
)
def test_bad_timestamps_flagged(text: str) -> None:
    values, bad = parse_timestamp(pd.Series([text]))
    assert bad.iloc[0]
    assert pd.isna(values.iloc[0])


def test_empty_is_missing_not_bad() -> None:
    values, bad = parse_timestamp(pd.Series([None, "", "  "]))
    assert values.isna().all()
    assert not bad.any()


def test_amounts() -> None:
    values, bad = parse_float(
        pd.Series(["1,234.50", "¥12", "￥ 3.5", "(2.25)", "-7", "abc", "", "inf"])
    )
    assert list(bad) == [False, False, False, False, False, True, False, True]
    assert values.iloc[:5].tolist() == [1234.5, 12.0, 3.5, -2.25, -7.0]


def test_scientific_notation_is_a_number() -> None:
    # as pandas writes small floats; alone (the bulk cast) and beside a separator (the general path)
    values, bad = parse_float(pd.Series(["1.7177672167754252e-05", "2E3", "-1e-2"]))
    assert not bad.any()
    assert values.tolist() == [1.7177672167754252e-05, 2000.0, -0.01]
    values, bad = parse_float(pd.Series(["1.7e-05", "1,234.5", "1e", "e5"]))
    assert list(bad) == [False, False, True, True]
    assert values.iloc[:2].tolist() == [1.7e-05, 1234.5]


def test_decimal_commas_are_bad_not_misread() -> None:
    values, bad = parse_float(pd.Series(["1,50", "€1.234,56", "1,500", "12.5"]))
    assert list(bad) == [True, True, False, False]
    assert values.iloc[2:].tolist() == [1500.0, 12.5]


def test_int_rejects_fractions() -> None:
    values, bad = parse_int(pd.Series(["3", "3.0", "3.5"]))
    assert list(bad) == [False, False, True]
    assert values.iloc[1] == 3


def test_bool_words() -> None:
    values, bad = parse_bool(pd.Series(["Yes", "n", "是", "否", "1", "maybe", None]))
    assert values.iloc[:5].tolist() == [True, False, True, False, True]
    assert list(bad) == [False] * 5 + [True, False]
