"""Shared fixtures: a fresh project home per test; one local Spark session for the tests marked
``spark`` (started on first use; needs the ``spark`` extra and Java, else those tests skip);
sample homes loaded once per test run and copied (``sample_homes``)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
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


class SampleHomes:
    """Project homes where the sample business was loaded (and, if asked, run once), built once
    per test run — across pytest-xdist workers, under a file lock — and copied for each user.

    Loading a sample is the real ingest of generated files; it gives the same warehouse for the
    same inputs, so modules that loaded the same sample each (the same customers, seed, business
    and settings but for the home) copy one load instead. A test that checks loading itself
    (that two loads agree) still calls ``load_sample``. The folder is the run's temporary root,
    new for every ``pytest`` run: nothing is reused from an earlier run of other code.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _built(self, key: str, build: Callable[[Path], None]) -> Path:
        folder = self.root / key
        with (self.root / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it
            try:
                if not (folder / "done").exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                    build(folder / "home")
                    (folder / "done").touch()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return folder / "home"

    def built(self, name: str, build: Callable[[Path], None]) -> Path:
        """The folder ``build(folder)`` made, once per test run: a module fixture's expensive
        state, named by the module. Under ``--dist worksteal`` a module's tests may be split
        between the workers and come back to one, and each time its module-scoped fixtures
        are made again; one that copies (or reads) this folder makes its runs only once.
        Copy it before writing to it."""
        return self._built(f"built-{name}", build)

    @staticmethod
    def _key(kind: str, settings: Settings, **inputs: Any) -> str:
        what = repr((kind, replace(settings, home=Path("-")), sorted(inputs.items())))
        return f"{kind}-" + hashlib.sha256(what.encode()).hexdigest()[:16]

    def loaded(
        self, settings: Settings, *, customers: int, seed: int, business: str = "card"
    ) -> Path:
        """The cached home where ``load_sample(settings, customers=…, seed=…, business=…)`` ran
        (not to be written to: :meth:`load` copies it)."""
        from loyalloop.apps.demo import load_sample

        def build(home: Path) -> None:
            load_sample(
                replace(settings, home=home), customers=customers, seed=seed, business=business
            )

        key = self._key("loaded", settings, customers=customers, seed=seed, business=business)
        return self._built(key, build)

    def load(
        self, settings: Settings, *, customers: int, seed: int, business: str = "card"
    ) -> None:
        """``settings.home`` becomes a copy of a home where ``load_sample`` ran with these
        arguments: the same warehouse and sample files as calling it there."""
        source = self.loaded(settings, customers=customers, seed=seed, business=business)
        shutil.copytree(source, settings.home)

    def run_once(
        self,
        settings: Settings,
        *,
        customers: int,
        seed: int,
        business: str = "card",
        config: Any = None,
    ) -> Path:
        """The cached home of :meth:`load` followed by one ``run_pipeline(…, config)`` with every
        stage in order in this process (``LOYALLOOP_PARALLEL_STAGES=off``); copy it before
        writing to it."""
        from loyalloop.pipeline import RunConfig, run_pipeline
        from loyalloop.pipeline.parallel import ENV_VAR

        config = RunConfig() if config is None else config

        def build(home: Path) -> None:
            self.load(
                replace(settings, home=home), customers=customers, seed=seed, business=business
            )
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv(ENV_VAR, "off")
                run_pipeline(replace(settings, home=home), config)

        key = self._key(
            "run", settings, customers=customers, seed=seed, business=business, config=config
        )
        return self._built(key, build)


@pytest.fixture(scope="session")
def sample_homes(tmp_path_factory: pytest.TempPathFactory) -> SampleHomes:
    """Loaded sample homes shared by the whole test run (one build for all xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker has its own base folder in the run's shared one
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return SampleHomes(shared / "sample-homes")
