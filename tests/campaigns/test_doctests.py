"""The examples in the campaigns modules' docstrings run."""

from __future__ import annotations

import doctest

import pytest

from loyalloop.campaigns import hashing, links, sms


@pytest.mark.parametrize("module", [hashing, links, sms])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, raise_on_error=False)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
