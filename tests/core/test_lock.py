"""One writing command at a time on a project home."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from loyalloop.core import Settings, Warehouse
from loyalloop.core.lock import home_lock
from loyalloop.errors import BusyError


def test_second_command_waits_then_says_who_holds_the_home(tmp_path: Path) -> None:
    home = tmp_path / "it's home"
    waited: list[str] = []
    with home_lock(home, "ingest"):
        start = time.monotonic()
        with (
            pytest.raises(BusyError) as info,
            home_lock(home, "run", timeout=0.3, on_wait=waited.append),
        ):
            pass
        assert time.monotonic() - start >= 0.3
    assert "'ingest'" in waited[0] and "waiting" in waited[0]
    assert "another command holds the project home" in str(info.value)
    assert "'ingest' (process" in str(info.value)
    assert info.value.exit_code == 5
    with home_lock(home, "run", timeout=0):  # free again once released
        pass


def test_lock_is_released_when_its_process_dies(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code = (
        "import os, sys; from pathlib import Path; from loyalloop.core.lock import home_lock\n"
        f"with home_lock(Path({str(home)!r}), 'ingest'):\n"
        "    print('held', flush=True); os._exit(9)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "held" in out.stdout and out.returncode == 9
    with home_lock(home, "run", timeout=0):
        pass


def test_warehouse_held_by_another_process_is_busy_not_a_traceback(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    with Warehouse(settings):
        code = (
            "from loyalloop.core import Settings, Warehouse\n"
            "from loyalloop.errors import BusyError\n"
            "from pathlib import Path\n"
            "try:\n"
            f"    Warehouse(Settings(home=Path({str(settings.home)!r})))\n"
            "except BusyError as exc:\n"
            "    print('busy:', exc)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
    assert out.stdout.startswith("busy: another command is using the project home"), out
    assert "(process " in out.stdout
