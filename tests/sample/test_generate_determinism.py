"""Same seed and arguments, same data; another seed, other data."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.sample import generate


@pytest.mark.parametrize("business", ["card", "retail"])
def test_same_seed_same_output(business: str) -> None:
    a = generate(customers=800, seed=42, business=business)  # type: ignore[arg-type]
    b = generate(customers=800, seed=42, business=business)  # type: ignore[arg-type]
    names = ("customers", "transactions", "accounts", "feedback", "interactions", "truth")
    for name in (*names, "feedback_truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert a.params == b.params


def test_other_seed_other_output() -> None:
    a = generate(customers=500, seed=1)
    b = generate(customers=500, seed=2)
    assert not a.transactions["amount"].equals(b.transactions["amount"])
    assert not a.customers["name"].equals(b.customers["name"])
