"""Shared fixtures: a fresh project home per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loyalloop.core import Settings, Warehouse
from loyalloop.data.schema import open_warehouse


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", timezone="UTC", phone_region="CN")


@pytest.fixture
def wh(settings: Settings) -> Iterator[Warehouse]:
    with open_warehouse(settings) as w:
        yield w


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
