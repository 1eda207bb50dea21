"""The examples in the cases docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import loyalloop.cases

MODULES = sorted(m.name for m in pkgutil.iter_modules(loyalloop.cases.__path__))


def test_modules_found() -> None:
    assert {"calendar", "sla", "rules", "messages", "erasure"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"loyalloop.cases.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
