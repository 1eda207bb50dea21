"""The sample's learning rounds take the project's currency: their costs are stated in the
setup's currency (CNY, the sample's), and a project in another one is refused, not converted."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pytest

from loyalloop.errors import CurrencyMismatchError
from loyalloop.measurement.sample_rounds import SampleSetup, run_learning_rounds


def test_a_project_in_another_currency_than_the_setups_is_refused() -> None:
    nothing = cast(Any, None)  # refused before the view, truth or registry is read
    with pytest.raises(CurrencyMismatchError) as e:
        run_learning_rounds(nothing, nothing, as_of=date(2026, 7, 1), registry=nothing,
                            currency="USD")  # fmt: skip
    assert str(e.value) == (
        "the sample rounds' costs and budget are stated in CNY but this project's amounts are "
        "in USD: give SampleSetup(currency='USD') with its costs in USD"
    )
    assert (e.value.expected, e.value.found) == ("USD", "CNY")
    assert SampleSetup().currency == "CNY"
