"""One project language: ``LOYALLOOP_LANG`` (``en`` by default, ``zh``) is what the manager's
commands print in when no ``--lang`` is given; ``--lang`` wins; any other value is refused
naming the variable; ``--json`` is the same in every language. Every command that prints for
a manager has the option, with the same help."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Protocol

import pytest
from typer.testing import CliRunner

from loyalloop.cli.main import app
from loyalloop.core.config import Settings
from loyalloop.errors import ConfigError

#: The commands that print text for a manager (docs/cli.md lists the same).
LANG_COMMANDS = [
    ["demo"],
    ["report"],
    ["run"],
    ["runs", "show"],
    ["ingest"],
    ["sample"],
    ["sync"],
    ["churn", "train"],
    ["churn", "score"],
    ["churn", "evaluate"],
    *[["campaigns", c] for c in ("results", "create", "launch", "status", "list", "pause",
                                 "resume", "call-list")],
    *[["cases", c] for c in ("rules", "team", "list", "tick", "from-run")],
    ["consent", "set"],
    ["consent", "history"],
    *[["surveys", c] for c in ("update", "publish", "close", "list", "invite", "send",
                               "responses", "trigger", "run-triggers")],
    # fixes15: the operators' commands
    ["runs"], ["runs", "list"], ["runs", "delete"], ["runs", "prune"],
    ["db", "upgrade"], ["db", "status"], ["users", "add"], ["users", "list"], ["worker"],
    ["erase"], ["export-person"], ["export"], ["feedback", "analyze"], ["clv", "fit"],
    ["clv", "predict"],
    # fixes16: the analysts' commands
    ["experiments", "analyze"], ["experiments", "power"], ["uplift", "train"],
    ["uplift", "score"], ["sample", "simulate-outcomes"],
]  # fmt: skip

SURVEY = """\
key: card-q4
title: {zh: 信用卡季度调查, en: Card survey}
questions:
  - id: nps
    type: nps
    text: {zh: 您有多大可能推荐我们的信用卡？, en: "How likely are you to recommend our card?"}
"""


def test_the_setting_defaults_to_english_and_refuses_other_languages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOYALLOOP_LANG", raising=False)
    assert Settings().lang == "en"
    monkeypatch.setenv("LOYALLOOP_LANG", " ZH ")
    assert Settings().lang == "zh"
    monkeypatch.setenv("LOYALLOOP_LANG", "fr")
    with pytest.raises(ConfigError, match=r"^LOYALLOOP_LANG='fr' is not a language of the "):
        Settings()


@pytest.mark.parametrize("command", LANG_COMMANDS, ids=lambda c: " ".join(c))
def test_every_managers_command_has_the_same_lang_option(command: list[str]) -> None:
    r = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    text = re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", r.output))
    assert "--lang" in text and "LOYALLOOP_LANG" in text, text


class Say(Protocol):
    def __call__(self, *args: str, lang: str | None = None, given: str | None = None) -> str: ...


@pytest.fixture
def say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Say:
    """Run a command of one project (``tmp_path/home``) with ``LOYALLOOP_LANG=lang`` (none:
    the default) and ``given`` on its input; what it printed (standard output and error, as
    the person sees it), stripped. It must succeed."""
    monkeypatch.setenv("LOYALLOOP_ENV", "local")
    monkeypatch.delenv("LOYALLOOP_LANG", raising=False)
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]

    def run(*args: str, lang: str | None = None, given: str | None = None) -> str:
        env = {"LOYALLOOP_LANG": lang} if lang else {}
        r = runner.invoke(app, [*home, *args], env=env, input=given)
        assert r.exit_code == 0, r.output
        return r.output.strip()

    return run


def test_service_commands_speak_the_projects_language(tmp_path: Path, say: Say) -> None:
    assert say("cases", "list") == "no open cases"
    assert say("cases", "list", lang="zh") == "没有未结工单"
    assert say("cases", "list", "--lang", "en", lang="zh") == "no open cases"  # --lang wins
    assert say("cases", "team", "care", "--manager", "m@x.cn", lang="zh") == "团队 care 已保存"
    assert say("surveys", "list", lang="zh") == "还没有问卷；`loyalloop surveys create survey.yaml`"
    spec = tmp_path / "survey.yaml"
    spec.write_text(SURVEY, encoding="utf-8")
    sid = say("surveys", "create", str(spec))
    assert say("surveys", "publish", sid, lang="zh") == f"问卷 {sid}（card-q4）：进行中"
    assert say("surveys", "publish", sid) == f"survey {sid} (card-q4): live"
    listed = say("surveys", "list", lang="zh")
    assert "card-q4  进行中  v1  已邀请 0  回复 0" in listed
    assert say("surveys", "send", lang="zh") == "已发送 0，已提醒 0，失败 0，期间退订 0"
    # skipped invitations are counted under their reasons' names (JSON keeps the codes)
    people = tmp_path / "people.csv"
    people.write_text("customer_id,email\nC1,c1@mail.example\nC2,\n", encoding="utf-8")
    links = str(tmp_path / "links.csv")
    invite = ["surveys", "invite", sid, "--customers", str(people), "--channel", "email"]
    invited = say(*invite, "--out", links, lang="zh")
    assert "跳过：未获该渠道授权 2" in invited and "no_consent" not in invited, invited
    assert say("surveys", "close", sid, "--lang", "zh") == f"问卷 {sid}（card-q4）：已关闭"
    # consent: the change and the history in Chinese, nothing English in it
    set_zh = say("consent", "set", "C9", "--channel", "sms", "--withdrawn", "--source",
                 "branch:Pudong", lang="zh")  # fmt: skip
    assert (
        set_zh.startswith("C9：短信渠道撤回同意（来源 branch:Pudong，") and "已记录并生效" in set_zh
    )
    assert "withdrawn" not in set_zh and "source" not in set_zh
    again = say("consent", "set", "C9", "--channel", "sms", "--withdrawn", "--source", "x")
    assert again == "C9: sms was already withdrawn; nothing changed."
    history = say("consent", "history", "C9", lang="zh")
    assert (
        "短信" in history and "撤回同意" in history and "来源 branch:Pudong  操作人 cli" in history
    )
    assert say("consent", "history", "nobody", lang="zh") == "nobody：无同意变更记录。"
    # --json is the same in both languages
    js = [say("surveys", "list", "--json", lang=lg) for lg in ("en", "zh")]
    assert json.loads(js[0]) == json.loads(js[1])


def test_operators_commands_speak_the_projects_language(say: Say) -> None:
    """runs, db, users and worker: the project's language, --lang wins, JSON unchanged."""
    assert say("runs", lang="zh") == "还没有运行；请执行 `loyalloop run`"
    assert say("runs", "list") == "no runs yet; use `loyalloop run`"
    assert say("runs", "prune", "--keep-last", "1", lang="zh") == (
        "没有可删除的运行（共 0 次，保留 1 次）"
    )
    up = say("db", "upgrade", lang="zh")
    assert up.startswith("运营数据库版本 ") and "revision" not in up
    status = say("db", "status", lang="zh")
    assert "：已是最新（" in status, status
    assert ": up to date (" in say("db", "status", "--lang", "en", lang="zh")  # --lang wins
    added = say("users", "add", "li@bank.example", "--role", "agent", "--password-stdin",
                lang="zh", given="a long enough password\n")  # fmt: skip
    assert added.endswith("：li@bank.example（坐席）"), added
    listed = say("users", "list", lang="zh")
    assert "li@bank.example  坐席" in listed and "agent" not in listed
    assert "li@bank.example  agent" in say("users", "list")
    stopped = say("worker", "--once", lang="zh")
    assert stopped.endswith(
        "投递已停止：已发送 0，待重试 0，已放弃 0，已跳过 0（已退订 / 频次上限），已推迟 0（免打扰时段）"
    )
    js = [say("users", "list", "--json", lang=lg) for lg in ("en", "zh")]
    assert json.loads(js[0]) == json.loads(js[1])


def test_a_bad_project_language_is_a_configuration_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["--home", str(tmp_path / "home"), "cases", "list", "--json"],
        env={"LOYALLOOP_LANG": "fr", "LOYALLOOP_ENV": "local"},
    )  # fmt: skip
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["message"].startswith("LOYALLOOP_LANG='fr' is not a")
