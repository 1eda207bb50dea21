"""The CLI's one voice: strict JSON and exit codes per error class."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
import typer

from loyalloop.cli.output import EXIT_INTERNAL, confirm, handle_errors, to_json
from loyalloop.errors import (
    BusyError,
    Cancelled,
    ConfigError,
    ConflictError,
    DataValidationError,
    EngineError,
    IngestError,
    ModelError,
    NoRunError,
    NotFoundError,
    PermissionDeniedError,
)


def test_json_is_strict() -> None:
    text = to_json(
        {
            "a": math.nan,
            "b": [math.inf, -math.inf, 1.5],
            "c": np.float64("nan"),
            "d": np.int64(3),
            "e": date(2024, 1, 31),
            "f": np.array([1.0, np.nan]),
        }
    )
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))
    assert data == {
        "a": None,
        "b": [None, None, 1.5],
        "c": None,
        "d": 3,
        "e": "2024-01-31",
        "f": [1.0, None],
    }


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DataValidationError("x"), 1),
        (IngestError("x", file="f.csv", line=3), 1),
        (ConfigError("x"), 2),
        (NotFoundError("x"), 3),
        (NoRunError("x"), 3),
        (ModelError("x"), 4),
        (BusyError("x"), 5),
        (EngineError("x", sql="SELECT 1"), 6),
        (PermissionDeniedError("x"), 7),
        (ConflictError("x"), 8),
        (Cancelled("x"), 9),
        (RuntimeError("boom"), EXIT_INTERNAL),
    ],
)
def test_exit_code_per_error_class(
    error: Exception, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as info, handle_errors(as_json=True):
        raise error
    assert info.value.exit_code == code
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["error"]) == {"code", "message"}
    assert str(error) in payload["error"]["message"]


def test_markup_in_messages_is_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit), handle_errors():
        raise DataValidationError("customer_id '[bold]x[/bold]' is unknown")
    assert "'[bold]x[/bold]'" in capsys.readouterr().err


def test_a_declined_confirmation_is_cancelled_with_its_own_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([False])
    monkeypatch.setattr(typer, "confirm", lambda *a, **k: next(answers))
    with pytest.raises(typer.Exit) as info, handle_errors(as_json=False):
        confirm("go?", yes=False, as_json=False, declined="nothing changed")
    assert info.value.exit_code == 9 == Cancelled.exit_code
    assert "cancelled: nothing changed" in capsys.readouterr().err

    def closed(*a: object, **k: object) -> bool:
        raise typer.Abort()

    monkeypatch.setattr(typer, "confirm", closed)  # Ctrl-D / Ctrl-C at the prompt
    with pytest.raises(typer.Exit) as info, handle_errors(as_json=False):
        confirm("go?", yes=False, as_json=False, declined="nothing changed")
    assert info.value.exit_code == 9
    # --yes never asks; --json never asks and needs --yes
    confirm("go?", yes=True, as_json=True, declined="x")
    with pytest.raises(typer.Exit) as info, handle_errors(as_json=True):
        confirm("go?", yes=False, as_json=True, declined="x")
    assert info.value.exit_code == 2
    assert "--yes" in json.loads(capsys.readouterr().out)["error"]["message"]
