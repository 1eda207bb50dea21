"""`loyalloop erase` asks before it erases; `--json` needs `--yes`; an unknown customer is a
clear error with exit code 3 (nothing created in an empty home but the store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loyalloop.cli.main import app

runner = CliRunner()


def test_confirmation_and_unknown_customer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALLOOP_ENV", "local")
    home = tmp_path / "home"
    no = runner.invoke(app, ["--home", str(home), "erase", "C1"], input="n\n")
    assert no.exit_code == 9 and "cancelled: nothing erased" in no.stderr
    assert not home.exists()
    scripted = runner.invoke(app, ["--home", str(home), "erase", "C1", "--json"])
    assert scripted.exit_code == 2
    assert "--yes" in json.loads(scripted.stdout)["error"]["message"]
    missing = runner.invoke(app, ["--home", str(home), "erase", "C1", "--yes", "--json"])
    assert missing.exit_code == 3, missing.stdout
    assert json.loads(missing.stdout)["error"]["code"] == "not_found"
    export = runner.invoke(app, ["--home", str(home), "export-person", "C1"])
    assert export.exit_code == 3
    assert json.loads(export.stdout)["error"]["code"] == "not_found"
