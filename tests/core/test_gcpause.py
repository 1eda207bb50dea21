"""The collector pause of batch commands: off inside, restored after, exit freeze."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from loyalloop.core.gcpause import collector_paused


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: still off, and the outer block stays in charge
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error_and_left_off_when_it_was_off() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_entry_point_returns_the_code_and_freezes_what_is_left() -> None:
    code = (
        "import gc, sys\n"
        "from loyalloop.cli.main import entry\n"
        "sys.argv = ['loyalloop', '--version']\n"
        "before = gc.get_freeze_count()\n"
        "code = entry()\n"
        "print(code, before, gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split()[-3:] == ["0", "0", "True"]
