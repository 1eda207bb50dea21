"""What a manager types, end to end: ``campaigns create --at`` and ``campaigns launch --at``
act on the stated clock (validated: a date and time, not before the campaign's creation), and
``campaigns results --lang zh|en`` says the same numbers in the reader's language, with the
project's currency; without ``--lang`` the project's language (``LOYALLOOP_LANG``) is used;
``create``, ``launch``, ``status`` and ``list`` speak it too; ``--json`` is the same whatever
the language."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from loyalloop.apps.demo import DEMO_CAMPAIGN
from loyalloop.cli.main import main
from loyalloop.core import Settings
from loyalloop.core.service_settings import load_service_settings
from loyalloop.services import open_store
from loyalloop.store.models import AuditEvent, Campaign, CampaignAssignment, OutboxMessage

pytestmark = pytest.mark.slow


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)


def test_launch_on_a_stated_clock_and_results_in_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    cli = ["--home", str(home)]
    assert main([*cli, "sample", "--customers", "600", "--json"]) == 0
    capsys.readouterr()
    assert main([*cli, "run", "--json"]) == 0
    as_of = datetime.fromisoformat(_json(capsys)["as_of"]).date()
    spec = tmp_path / "winback.yaml"
    spec.write_text(yaml.safe_dump({**DEMO_CAMPAIGN, "name": "clock-test"}), encoding="utf-8")
    created = datetime.combine(as_of - timedelta(days=31), datetime.min.time(), UTC)
    launched = created + timedelta(days=1, hours=9)

    # created on the stated clock (no offset: the project's timezone, UTC here)
    assert main([*cli, "campaigns", "create", str(spec), "--at", f"{created:%Y-%m-%d %H:%M}",
                 "--json"]) == 0  # fmt: skip
    assert datetime.fromisoformat(_json(capsys)["created_at"]) == created
    # refused: not a date; before the campaign's creation — nothing assigned
    assert main([*cli, "campaigns", "launch", "clock-test", "--at", "soon", "--json"]) != 0
    err = _json(capsys)["error"]["message"]
    assert "--at: 'soon' is not a date and time" in err
    early = (created - timedelta(hours=1)).isoformat()
    assert main([*cli, "campaigns", "launch", "clock-test", "--at", early, "--json"]) != 0
    err = _json(capsys)["error"]["message"]
    assert "cannot be launched at" in err and "it was created at" in err
    # launched on the stated clock, given with another offset (+08:00: the same moment)
    at = f"{(launched + timedelta(hours=8)).replace(tzinfo=None).isoformat()}+08:00"
    assert main([*cli, "campaigns", "launch", "clock-test", "--at", at, "--json"]) == 0
    result = _json(capsys)
    assert datetime.fromisoformat(result["at"]) == launched and result["counts"]["assigned"] > 0
    settings = Settings(home=home)
    store = open_store(load_service_settings(home, timezone=settings.timezone), settings)
    try:
        with store.session() as s:
            times = set(s.scalars(sa.select(CampaignAssignment.assigned_at)))
            sends = set(s.scalars(sa.select(OutboxMessage.next_attempt_at)))
            c = s.scalar(sa.select(Campaign).where(Campaign.name == "clock-test"))
            audit = s.scalar(sa.select(AuditEvent).where(AuditEvent.action == "campaign.launch"))
            assert c is not None and c.launched_at == launched and c.created_at == created
            assert audit is not None and datetime.fromisoformat(audit.detail["at"]) == launched
            assert audit.at > launched  # the audit log keeps when it was really done
    finally:
        store.close()
    assert times == {launched} and min(sends) >= launched

    # the campaign's outcomes, then a run that measures it
    assert main([*cli, "sample", "simulate-outcomes", "--campaign", "clock-test", "--json"]) == 0
    first = _json(capsys)
    # again, in Chinese: the same draw, already loaded — said in the reader's language
    assert (
        main([*cli, "sample", "simulate-outcomes", "--campaign", "clock-test", "--lang", "zh"]) == 0
    )
    again = capsys.readouterr().out
    assert again.startswith("活动 clock-test：分组 ") and "，已存在 " in again, again
    assert f"新载入 0 行，已存在 {first['ingest']['loaded']:,} 行" in again
    assert "assigned" not in again and "contacted" not in again
    assert main([*cli, "run", "--json"]) == 0
    capsys.readouterr()
    from loyalloop.cli.output import out

    monkeypatch.setattr(out, "_width", 400)  # the table, not one block per comparison
    texts = {}
    for lang in ("en", "zh", None):
        extra = ["--lang", lang] if lang else []
        assert main([*cli, "campaigns", "results", "clock-test", *extra]) == 0
        texts[lang] = capsys.readouterr().out
    monkeypatch.setenv("LOYALLOOP_LANG", "zh")  # the project's language
    assert main([*cli, "campaigns", "results", "clock-test"]) == 0
    project_zh = capsys.readouterr().out
    assert main([*cli, "campaigns", "results", "clock-test", "--lang", "en"]) == 0
    assert capsys.readouterr().out == texts["en"]  # --lang wins over the project's
    monkeypatch.delenv("LOYALLOOP_LANG")
    assert (
        "run" in texts["en"] and "Amounts (revenue, margin, cost, net value) in CNY" in texts["en"]
    )
    assert "第 2 次运行" in texts["zh"] and "单位：元（CNY）" in texts["zh"]
    assert "净值" not in texts["en"] and "net value" not in texts["zh"]
    assert texts[None] == texts["en"]  # without --lang: the project's language, en by default
    assert project_zh == texts["zh"]

    # the same numbers in every language
    def numbers(t: str) -> list[str]:
        return re.findall(r"[+-]?\d[\d,]*(?:\.\d+)?", t)

    def table(t: str) -> list[str]:
        return numbers("\n".join(line for line in t.splitlines() if "│" in line))

    assert numbers(texts["en"]) == numbers(texts["zh"])
    assert table(texts["en"]) == table(texts["zh"]) != []
    outs = []
    for lang in ("en", "zh"):
        assert main([*cli, "campaigns", "results", "clock-test", "--lang", lang, "--json"]) == 0
        outs.append(_json(capsys))
    assert outs[0] == outs[1]

    # the store-backed commands speak the reader's language too; --json is the same in both
    said = {}
    for lang in ("en", "zh"):
        assert main([*cli, "campaigns", "status", "clock-test", "--lang", lang]) == 0
        said[f"status {lang}"] = capsys.readouterr().out
        assert main([*cli, "campaigns", "list", "--lang", lang]) == 0
        said[f"list {lang}"] = capsys.readouterr().out
    assert "expected cost" in said["status en"] and "CNY" in said["status en"]
    assert "launched" in said["status en"] and "holdout" in said["status en"]
    zh = said["status zh"]
    assert "预计成本" in zh and "元（CNY）" in zh and "已启动" in zh and "对照组" in zh
    assert "发件箱：" in zh and "挽回" in zh  # the report's word for win-back
    for word in ("expected cost", "launched", "holdout", "outbox", "assignments", "version"):
        assert word not in zh, word
    assert "clock-test  挽回" in said["list zh"] and "已启动" in said["list zh"]
    figures = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")  # "version 1, run 1": no comma
    assert figures.findall(said["status en"]) == figures.findall(said["status zh"])
    spec.write_text(yaml.safe_dump({**DEMO_CAMPAIGN, "name": "lang-test"}), encoding="utf-8")
    monkeypatch.setenv("LOYALLOOP_LANG", "zh")
    assert main([*cli, "campaigns", "create", str(spec)]) == 0
    created_zh = capsys.readouterr().out
    assert created_zh.strip() == "活动 lang-test 已创建（草稿；金额单位：元（CNY））"
    assert main([*cli, "campaigns", "launch", "lang-test"]) == 0
    launched_zh = capsys.readouterr().out
    assert "活动 lang-test（第 2 次运行）：目标人群" in launched_zh
    assert "已写入发件箱" in launched_zh and "预计成本" in launched_zh
    assert "用 `loyalloop worker` 投递" in launched_zh
    for word in ("audience", "skipped", "assigned", "queued", "expected cost", "deliver"):
        assert word not in launched_zh, word
    assert main([*cli, "campaigns", "pause", "lang-test"]) == 0
    assert capsys.readouterr().out.strip() == "活动 lang-test：已暂停"
