"""Shared fixtures: a fresh project home per test; one local Spark session for the tests marked
``spark`` (started on first use; needs the ``spark`` extra and Java, else those tests skip)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loyalloop.core import Settings, Warehouse
from loyalloop.data.schema import open_warehouse


def pytest_configure(config: pytest.Config) -> None:
    """Caches the code keeps between commands (the segmenter's prebuilt dictionary) go to a
    temporary folder of the test run, not the user's ``~/.cache``; the CLI processes the tests
    start inherit it. A test of the cache itself sets its own folder."""
    if "LOYALLOOP_CACHE_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="loyalloop-test-cache-")
        os.environ["LOYALLOOP_CACHE_DIR"] = folder
        config.stash[_CACHE_KEY] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_KEY, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("LOYALLOOP_CACHE_DIR", None)


_CACHE_KEY = pytest.StashKey[str]()


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


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local-mode Spark session shared by every Spark test of the run."""
    pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed")
    from loyalloop.core.spark import local_session

    session = local_session(tmp_path_factory.mktemp("spark-warehouse"), app="loyalloop-tests")
    yield session
    session.stop()
