"""Help texts in English and Chinese for every command, option and argument (issue 8/11: "help
texts zh+en"), walked from the registered app so a new command group cannot skip it."""

from __future__ import annotations

import re

import typer

from loyalloop.cli.main import app

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{3}")


def _missing() -> list[str]:
    found: list[str] = []

    def walk(command: object, path: list[str]) -> None:
        where = "loyalloop " + " ".join(path)
        text = getattr(command, "help", None) or ""
        if path and not (_CJK.search(text) and _LATIN.search(text)):
            found.append(f"{where}: {text[:60]!r}")
        for param in getattr(command, "params", []):
            if param.name == "help":
                continue
            text = getattr(param, "help", None) or ""
            if not (_CJK.search(text) and _LATIN.search(text)):
                found.append(f"{where} {param.name}: {text[:60]!r}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_and_option_is_explained_in_english_and_chinese() -> None:
    assert _missing() == []


def test_token_scopes_are_the_services_scopes() -> None:
    from loyalloop.cli.users import TokenScope
    from loyalloop.services.users import SCOPES

    assert tuple(s.value for s in TokenScope) == SCOPES
