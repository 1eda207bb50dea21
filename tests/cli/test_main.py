"""The entry point: its environment default, version, and exit codes as return values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from loyalloop import __version__
from loyalloop.cli.main import main


def test_main_sets_a_passive_openmp_wait_policy_unless_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert main(["--version"]) == 0
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert main(["--version"]) == 0
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # the user's own setting wins
    assert capsys.readouterr().out == f"loyalloop {__version__}\n" * 2


def test_python_dash_m_runs_the_same_program() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "loyalloop", "runs", "show", "--json", "--bogus"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout.startswith('{\n  "error": {\n    "code": "usage"')
