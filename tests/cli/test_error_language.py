"""The error line speaks the project's language: ``error: …`` or ``错误：…``
(``LOYALLOOP_LANG``), as do the CLI's own messages; JSON error codes are never translated."""

from __future__ import annotations

import json

import pytest
import typer

from loyalloop.cli.main import main
from loyalloop.cli.output import handle_errors
from loyalloop.errors import IngestError, NoRunError, NotFoundError


@pytest.mark.parametrize(
    ("lang", "line"),
    [("en", "error: no such run"), ("zh", "错误（找不到；说明为英文）：no such run")],
)
def test_the_error_prefix_is_in_the_project_language(
    lang: str, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALLOOP_LANG", lang)
    with pytest.raises(typer.Exit) as info, handle_errors():
        raise NotFoundError("no such run")
    assert info.value.exit_code == NotFoundError.exit_code
    err = capsys.readouterr().err
    assert err.strip() == line
    assert ("error:" in err) == (lang == "en")


def test_a_chinese_library_message_keeps_the_plain_prefix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALLOOP_LANG", "zh")
    with pytest.raises(typer.Exit), handle_errors():
        raise NotFoundError("没有第 7 次运行")
    assert capsys.readouterr().err.strip() == "错误：没有第 7 次运行"


def test_an_english_message_names_its_kind_by_the_nearest_class_with_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class OddIngest(IngestError):
        code = "odd_ingest"  # no name in the catalogue: the parent's kind is used

    monkeypatch.setenv("LOYALLOOP_LANG", "zh")
    with pytest.raises(typer.Exit), handle_errors():
        raise OddIngest("customers.csv row 5, field 'email': not an e-mail address")
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误（输入文件有误；说明为英文）：customers.csv row 5"), err
    with pytest.raises(typer.Exit), handle_errors():
        raise NoRunError("no run yet")
    assert capsys.readouterr().err.startswith("错误（还没有运行结果；说明为英文）：")
    monkeypatch.setenv("LOYALLOOP_LANG", "en")
    with pytest.raises(typer.Exit), handle_errors():
        raise OddIngest("bad row")
    assert capsys.readouterr().err.strip() == "error: bad row"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_json_errors_keep_their_code(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALLOOP_LANG", lang)
    with pytest.raises(typer.Exit), handle_errors(as_json=True):
        raise NotFoundError("no such run")
    assert json.loads(capsys.readouterr().out) == {
        "error": {"code": "not_found", "message": "no such run"}
    }


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("error: internal error: RuntimeError: disk on fire", "--debug")),
        ("zh", ("错误：内部错误：RuntimeError: disk on fire", "--debug", "请报告")),
    ],
)
def test_the_clis_own_messages_are_in_the_project_language(
    lang: str,
    words: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LOYALLOOP_LANG", lang)
    with pytest.raises(typer.Exit), handle_errors():
        raise RuntimeError("disk on fire")
    err = " ".join(capsys.readouterr().err.split())
    assert all(w in err for w in words), err
    monkeypatch.setenv("LOYALLOOP_LANG", lang)
    with pytest.raises(typer.Exit) as info, handle_errors(as_json=True):
        raise PermissionError(13, "Permission denied", "/x/y")
    payload = json.loads(capsys.readouterr().out)["error"]
    assert payload["code"] == "permission_denied" and info.value.exit_code == 7
    assert payload["message"].startswith("permission denied:" if lang == "en" else "没有权限：")


def test_a_command_error_in_chinese_through_the_program(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALLOOP_LANG", "zh")
    code = main(["--home", str(tmp_path), "runs", "show", "7"])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("错误（还没有运行结果；说明为英文）："), err
    assert "error:" not in err
    code = main(["--home", str(tmp_path), "runs", "show", "7", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["error"]["code"] in {"not_found", "no_run"}
