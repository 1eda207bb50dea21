"""The run's currency: read from the transactions, or set; contradictions refused, mixtures
said."""

from __future__ import annotations

import doctest

import ibis
import pytest

import loyalloop.pipeline.currency
from loyalloop.errors import ConfigError
from loyalloop.pipeline.currency import currency_counts, run_currency


def test_counts_ignore_empty_and_normalise_codes() -> None:
    tx = ibis.memtable(
        {"currency": ["CNY", " cny", None, "", "USD"], "amount": [1.0, 2, 3, 4, 5]},
        schema={"currency": "string", "amount": "float64"},
    )
    assert currency_counts(tx) == {"CNY": 2, "USD": 1}
    assert currency_counts(tx.drop("currency")) == {}


def test_the_data_say_the_setting_fills_in() -> None:
    assert run_currency({"CNY": 10}, None) == "CNY"
    assert run_currency({"CNY": 10}, "cny") == "CNY"
    assert run_currency({}, "USD") == "USD"
    assert run_currency({}, None) is None
    # mixed: no run currency (the report warns with the counts)
    assert run_currency({"CNY": 10, "USD": 1}, None) is None
    with pytest.raises(ConfigError, match="setting is USD but the transactions"):
        run_currency({"CNY": 10}, "USD")


def test_docstring_examples_run() -> None:
    failed, tried = doctest.testmod(loyalloop.pipeline.currency)
    assert tried > 0 and failed == 0
