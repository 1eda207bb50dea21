"""Model files carry a checksum checked before a model library sees their content."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyalloop.core.modelfile import CHECKSUM_KEY, read_model_file, write_model_file
from loyalloop.errors import ModelError


def test_round_trip_and_any_change_is_caught(tmp_path: Path) -> None:
    payload = {"format": "x", "values": [1.5, 2.25], "text": "客户"}
    path = write_model_file(tmp_path / "m.json", payload)
    assert read_model_file(path, what="test model") == {
        **payload,
        CHECKSUM_KEY: json.loads(path.read_text("utf-8"))[CHECKSUM_KEY],
    }
    changed = path.read_text("utf-8").replace("2.25", "2.26")
    path.write_text(changed, "utf-8")
    with pytest.raises(ModelError, match=r"m\.json is damaged.*checksum"):
        read_model_file(path, what="test model")


def test_files_without_checksum_are_read_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "x"}), "utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_model_file(path, what="test model") == {"format": "x"}
    assert "no checksum" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"[1, 2]", "not a JSON object"), (b"\x80\x04", "not a JSON model file")],
)
def test_not_model_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        read_model_file(path, what="test model")
    with pytest.raises(ModelError, match="is a directory"):
        read_model_file(tmp_path, what="test model")


def test_a_damaged_booster_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """A digit changed inside the trees: a clear error (exit 4), not a LightGBM abort."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (X["a"] + rng.normal(size=400) > 0).astype(int)
    from loyalloop.churn.model import ChurnModel

    path = ChurnModel(n_estimators=5).fit(X, y).save(tmp_path / "churn.json")
    text = path.read_text("utf-8")
    i = text.index("tree_sizes=") + len("tree_sizes=")
    damaged = text[:i] + ("9" if text[i] != "9" else "8") + text[i + 1 :]
    path.write_text(damaged, "utf-8")
    code = (
        "import sys; from loyalloop.churn.model import ChurnModel\n"
        "from loyalloop.errors import ModelError\n"
        "try:\n    ChurnModel.load(sys.argv[1])\n"
        "except ModelError as e:\n    print(e); sys.exit(e.exit_code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == ModelError.exit_code, proc.stderr
    assert "is damaged" in proc.stdout
