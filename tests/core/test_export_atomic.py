"""One atomic writer for whole documents (issue 8 "one of each": model files, churn rankings
and reports were each written with their own temporary-file code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.core.export import write_text_atomic
from loyalloop.core.modelfile import read_model_file, write_model_file


def test_replaces_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    target.write_text("old", "utf-8")
    target.chmod(0o640)
    assert write_text_atomic(target, "新的 new") == target
    assert target.read_text("utf-8") == "新的 new"
    assert target.stat().st_mode & 0o777 == 0o640  # permission bits kept
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    write_model_file(target, {"kind": "x", "value": 1})
    with pytest.raises(TypeError):
        write_model_file(target, {"kind": "x", "value": object()})  # not JSON: nothing written
    assert read_model_file(target, what="model")["value"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
