"""The start-up budget, checked by what is imported (not by time): ``loyalloop --help`` and
every ``loyalloop CMD --help`` must not load a heavy library.

Each case runs the real entry point in a fresh interpreter and lists ``sys.modules`` after the
help was printed. Timings are in benchmarks/results/cli.md (benchmarks/cli_startup.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

from loyalloop.cli.main import COMMAND_MODULES, app

#: Libraries a help screen must never import (each costs 50-300 ms and tens of MB).
HEAVY = (
    "pandas",
    "numpy",
    "pyarrow",
    "ibis",
    "duckdb",
    "scipy",
    "sklearn",
    "lightgbm",
    "plotly",
    "jieba",
    "rjieba",
    "sqlalchemy",
    "fastapi",
    "jinja2",
    "openpyxl",
    "phonenumbers",
    "yaml",
    "pyspark",
    "matplotlib",
    "statsmodels",
)

_PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from loyalloop.cli.main import main
heavy_names, commands = set(json.loads(sys.argv[1])), json.loads(sys.argv[2])
report = []
for command in commands:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main([*command, "--help"])
    heavy = sorted({m.split(".")[0] for m in sys.modules} & heavy_names)
    report.append({"command": command, "code": code, "heavy": heavy, "help": buf.getvalue()})
print(json.dumps(report))
"""


def _help_commands() -> list[list[str]]:
    """Every command path of the CLI: the root, each group and each command."""
    import typer

    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def test_every_registered_module_has_commands() -> None:
    names = {p[0] for p in _help_commands() if p}
    for module, group in COMMAND_MODULES:
        assert group is None or group in names, module
    assert {"ingest", "run", "runs", "report", "export", "demo", "clv", "churn"} <= names


def test_table_choices_are_the_contracts() -> None:
    from loyalloop.cli.data import Table
    from loyalloop.data.contracts import CONTRACTS

    assert [t.value for t in Table] == list(CONTRACTS)


def test_help_imports_nothing_heavy() -> None:
    """One fresh interpreter prints every help screen in turn; after each, no heavy library
    may be in ``sys.modules`` (imports accumulate, so the first culprit is named)."""
    commands = _help_commands()
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(HEAVY), json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r["command"] for r in report] == commands
    for r in report:
        shown = f"loyalloop {' '.join(r['command'])} --help"
        assert r["code"] == 0, shown
        assert "Usage" in r["help"], shown
        assert r["heavy"] == [], f"`{shown}` imported {r['heavy']}"
