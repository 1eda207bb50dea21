"""The examples in the docstrings run and print what they say (``make test`` runs this).

Every module of the listed packages is imported and its doctests executed; a package whose
modules hold no example at all fails too, so the check cannot pass by finding nothing.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("loyalloop.clv", "loyalloop.churn")
MODULES = ("loyalloop.core.timeunits", "loyalloop.core.batches", "loyalloop.report.charts")


def _modules() -> list[str]:
    names = list(MODULES)
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        names.append(package)
        names.extend(
            info.name for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}.")
        )
    return sorted(set(names))


def _run(name: str) -> doctest.TestResults:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("name", _modules())
def test_module_doctests(name: str) -> None:
    result = _run(name)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("package", [*PACKAGES, *MODULES])
def test_each_package_has_examples(package: str) -> None:
    attempted = sum(_run(name).attempted for name in _modules() if name.startswith(package))
    assert attempted > 0, f"no docstring example ran in {package}"
