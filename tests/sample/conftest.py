"""Shared samples for the sample-generator tests (fixed seeds, generated once per session)."""

from __future__ import annotations

import pytest

from loyalloop.sample import SampleData, generate


@pytest.fixture(scope="session")
def card() -> SampleData:
    return generate(customers=4000, seed=11, business="card")


@pytest.fixture(scope="session")
def retail() -> SampleData:
    return generate(customers=6000, seed=11, business="retail")


@pytest.fixture(scope="session", params=["card", "retail"])
def sample(request: pytest.FixtureRequest, card: SampleData, retail: SampleData) -> SampleData:
    return card if request.param == "card" else retail
