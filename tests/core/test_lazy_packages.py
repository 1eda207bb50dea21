"""Packages whose names are imported on first use (:mod:`loyalloop.core.lazy`): every exported
name resolves to the object its module defines, and importing the packages alone loads no heavy
library (what keeps ``loyalloop worker`` and the CLI's start light).

The name tables are written by hand beside ``__all__`` and the type-checking imports, so a name
added to one and not the other would only fail when a user reached for it.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

LAZY_PACKAGES = (
    "loyalloop.core",
    "loyalloop.feedback",
    "loyalloop.report",
    "loyalloop.pipeline",
    "loyalloop.surveys",
    "loyalloop.campaigns",
)
HEAVY = ("pandas", "numpy", "pyarrow", "ibis", "duckdb", "scipy", "sklearn", "sqlalchemy")


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_exported_name_resolves_to_its_module_s_object(name: str) -> None:
    pkg = importlib.import_module(name)
    exported = list(pkg.__all__)
    assert exported and len(set(exported)) == len(exported), name
    for attr in exported:
        value = getattr(pkg, attr)
        home = getattr(value, "__module__", None)
        if isinstance(home, str) and home.startswith(f"{name}."):
            # a class or function: the package hands out the defining module's own object
            assert getattr(importlib.import_module(home), attr, value) is value, (name, attr)
    assert set(exported) <= set(dir(pkg))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = pkg.no_such_name


def test_importing_the_packages_loads_no_heavy_library() -> None:
    probe = (
        "import importlib, json, sys\n"
        f"for p in {list(LAZY_PACKAGES)!r}: importlib.import_module(p)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
