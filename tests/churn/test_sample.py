"""The churn training sample (:meth:`ChurnTables.sample`) is a fixed function of the ids.

It used the engine's own ``hash()``, which DuckDB and Spark compute differently, so above the
training cap the two engines trained on different customers. The sample is now the customers
whose id's MD5 lies below the fraction: computable without any engine (``hashlib``), the same
in every run, nested in the fraction, and about ``fraction`` of the customers. The same
customers on Spark: tests/pipeline/test_engine_churn_sample.py.
"""

from __future__ import annotations

import hashlib
import math

import ibis
import pandas as pd
import pytest

from loyalloop.churn import ChurnTables


def md5_sample(ids: set[str], fraction: float) -> set[str]:
    """The ids the sample must keep, computed in Python (the definition, no engine)."""
    bound = f"{round(fraction * 16**8):08x}".ljust(32, "0")
    return {i for i in ids if hashlib.md5(i.encode("utf-8")).hexdigest() < bound}


def tables(shop: dict[str, pd.DataFrame]) -> ChurnTables:
    con = ibis.duckdb.connect()  # a fresh engine each time: nothing carried between runs
    return ChurnTables(
        transactions=con.create_table("transactions", shop["transactions"]),
        feedback=con.create_table("feedback", shop["feedback"]),
    )


def kept(t: ChurnTables) -> set[str]:
    return set(t.transactions.customer_id.to_pandas())


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.9])
def test_the_sample_is_the_md5_rule_and_about_the_fraction(shop, fraction):
    everyone = set(shop["transactions"]["customer_id"])
    first = kept(tables(shop).sample(fraction))
    assert first == md5_sample(everyone, fraction)
    # about the fraction: within four binomial standard deviations
    n = len(everyone)
    assert abs(len(first) - fraction * n) <= 4 * math.sqrt(n * fraction * (1 - fraction))
    # the same customers in another run, on a fresh connection
    assert kept(tables(shop).sample(fraction)) == first


def test_samples_are_nested_and_cover_every_table(shop):
    t = tables(shop)
    small, large = t.sample(0.2), t.sample(0.6)
    assert kept(small) < kept(large)
    fb = set(small.feedback.customer_id.to_pandas().dropna())
    assert fb and fb == md5_sample(set(shop["feedback"]["customer_id"].dropna()), 0.2)
    assert t.sample(1.0) is t
