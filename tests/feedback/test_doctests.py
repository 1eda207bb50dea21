"""The examples in the feedback docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "feedback.analyze", "feedback.aspects", "feedback.clean", "feedback.competitors",
    "core.csvsafe", "feedback.kano", "feedback.language", "feedback.sentiment",
    "feedback.tokenize", "feedback.train", "feedback.boilerplate", "feedback.segment",
    "feedback.lexicon", "feedback.pii", "feedback.intent", "feedback.patterns",
    "feedback.script", "feedback.typos", "feedback.shorthand",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"loyalloop.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0 or name == "feedback.train"
